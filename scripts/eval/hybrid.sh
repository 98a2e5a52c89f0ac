#!/usr/bin/env bash
# `make eval-hybrid` (also part of `make eval`): same-language XQuAD (12 languages, ../shared/data/README.md)
# for FTS5's default unicode61 tokenizer and the Python BM25 peer (Benchmarks/lexical), Glossa lexical,
# dense and hybrid (RRF and convex fusions), plus the costs: ingest time and database size with and
# without the lexical index, and warm median query latency of dense and hybrid. Writes eval/hybrid.md,
# eval/hybrid.json and eval/hybrid.svg. Query vectors are cached by content under .cache/embeddings.
# Usage: scripts/eval/hybrid.sh [model-dir] [data-dir]   (env GLOSSA: the binary; LANGS: comma list)
set -euo pipefail

MODEL=${1:-Models/multilingual-e5-small}
DATA=${2:-../shared/data}
GLOSSA=${GLOSSA:-.build/release/glossa}
LANGS=${LANGS:-ar,de,el,en,es,hi,ro,ru,th,tr,vi,zh}
WORK=.cache/eval/xquad-hybrid
LATENCY_QUERIES=${LATENCY_QUERIES:-300}
# Fusions tried (FUSIONS env: space-separated); the report compares those every language has.
read -ra FUSIONS <<< "${FUSIONS:-rrf convex:0.3 convex:0.4 convex:0.5 convex:0.6 convex:0.7}"
mkdir -p "$WORK/results" eval

for need in "$GLOSSA" "$MODEL/model.safetensors" "$DATA/xquad/xquad.en.json"; do
  [ -e "$need" ] || { echo "eval-hybrid: $need is missing (run 'make model build')" >&2; exit 1; }
done
[ -x Benchmarks/lexical/.venv/bin/python ] || bash Benchmarks/lexical/make-venv.sh

"$GLOSSA" convert-xquad "$DATA/xquad" --paragraphs --languages "$LANGS" --out "$WORK/beir" >&2
Benchmarks/lexical/.venv/bin/python Benchmarks/lexical/bm25_peers.py "$WORK/beir" "$LANGS" > "$WORK/results/peers.json"

IFS=, read -ra langs <<< "$LANGS"
for lang in "${langs[@]}"; do
  beir="$WORK/beir/$lang"
  collection="$WORK/collections/$lang"
  out="$WORK/results/$lang"
  mkdir -p "$out"
  # A language whose last result is there was finished by an earlier run (FORCE=1 redoes it).
  if [ -z "${FORCE:-}" ] && [ -s "$out/hybrid-${FUSIONS[-1]/:/-}.json" ] && [ -s "$out/cost.json" ]; then continue; fi
  echo "[xquad-hybrid] $lang: index" >&2
  rm -rf "$collection"
  start=$(date +%s.%N)
  "$GLOSSA" index "$collection" "$beir/corpus.jsonl" --model "$MODEL" --quiet > "$out/index.txt"
  end=$(date +%s.%N)
  # The lexical index alone, rebuilt from the stored text: its share of the ingest time.
  "$GLOSSA" rebuild "$collection" --model "$MODEL" > "$out/rebuild.txt" 2>/dev/null
  lexical_seconds=$(sed -n 's/.*lexical index (\([0-9.]*\) s).*/\1/p' "$out/rebuild.txt")
  "$GLOSSA" verify "$collection" --model "$MODEL" > "$out/verify.txt"
  with_bytes=$(stat -c %s "$collection/collection.sqlite")
  # The same database without the lexical index (dropped from a copy, then vacuumed like the original).
  cp "$collection/collection.sqlite" "$WORK/without.sqlite"
  sqlite3 "$WORK/without.sqlite" "DROP TABLE lexical; VACUUM;"
  without_bytes=$(stat -c %s "$WORK/without.sqlite")
  sqlite3 "$collection/collection.sqlite" "VACUUM;"
  with_bytes=$(stat -c %s "$collection/collection.sqlite")
  rm -f "$WORK/without.sqlite"
  printf '{"ingest_seconds": %s, "lexical_seconds": %s, "db_bytes": %s, "db_bytes_without_lexical": %s}\n' \
    "$(echo "$end - $start" | bc)" "$lexical_seconds" "$with_bytes" "$without_bytes" > "$out/cost.json"
  run() {  # name, then eval options
    local name=$1; shift
    "$GLOSSA" eval "$collection" --queries "$beir/queries.jsonl" --qrels "$beir/qrels/test.tsv" --model "$MODEL" \
      --cache .cache/embeddings --json --quiet "$@" > "$out/$name.json"
  }
  echo "[xquad-hybrid] $lang: eval" >&2
  run dense --mode dense --latency "$LATENCY_QUERIES"
  run lexical --mode lexical
  for fusion in "${FUSIONS[@]}"; do
    extra=()
    [ "$fusion" = convex:0.5 ] && extra=(--latency "$LATENCY_QUERIES")
    run "hybrid-${fusion/:/-}" --mode hybrid --fusion "$fusion" "${extra[@]}"
  done
done

python3 scripts/eval/hybrid_report.py "$WORK" "$LANGS" eval/hybrid.md eval/hybrid.json eval/hybrid.svg "$LATENCY_QUERIES"
echo "wrote eval/hybrid.md, eval/hybrid.json, eval/hybrid.svg" >&2
