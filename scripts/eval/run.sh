#!/usr/bin/env bash
# `make eval`: Glossa's own Tatoeba (100 languages, MTEB bitext protocol) and XQuAD-R (LAReQA protocol)
# figures on the model folder, next to ../shared/data/reference-scores.md, written to eval/ as
# results.md, results.json and chart.svg. Idempotent: embeddings are cached by content under
# .cache/embeddings and the XQuAD-R collection is rebuilt only when its corpus changes.
# Usage: scripts/eval/run.sh [model-dir] [data-dir]     (env GLOSSA: the binary; EVAL_ONLY=tatoeba|xquad)
set -euo pipefail

MODEL=${1:-Models/multilingual-e5-small}
DATA=${2:-../shared/data}
GLOSSA=${GLOSSA:-.build/release/glossa}
WORK=.cache/eval
ONLY=${EVAL_ONLY:-all}
mkdir -p "$WORK" eval

for need in "$GLOSSA" "$MODEL/model.safetensors" "$DATA/reference-scores.md" "$DATA/tatoeba" "$DATA/xquad-r"; do
  [ -e "$need" ] || { echo "eval: $need is missing (run 'make model build'; DATA is the shared data folder)" >&2; exit 1; }
done

if [ "$ONLY" != xquad ]; then
  # Tatoeba: every <lang> with tatoeba.<lang>-eng.<lang> and tatoeba.<lang>-eng.eng, in name order.
  mapfile -t langs < <(ls "$DATA/tatoeba" | sed -n 's/^tatoeba\.\([a-z]*\)-eng\.eng$/\1/p' | sort)
  out="$WORK/tatoeba.jsonl"
  : > "$out.tmp"
  i=0
  for lang in "${langs[@]}"; do
    i=$((i + 1))
    echo "[tatoeba $i/${#langs[@]}] $lang" >&2
    "$GLOSSA" bitext --model "$MODEL" --json \
      "$DATA/tatoeba/tatoeba.$lang-eng.$lang" "$DATA/tatoeba/tatoeba.$lang-eng.eng" \
      | sed "s/^{/{\"language\":\"$lang\",/" >> "$out.tmp"
  done
  mv "$out.tmp" "$out"
fi

if [ "$ONLY" != tatoeba ]; then
  beir="$WORK/xquad-r"
  collection="$WORK/xquad-r.collection"
  "$GLOSSA" convert-xquad "$DATA/xquad-r" --languages ar,de,en,es,ru,zh --out "$beir"
  stamp=$( (sha256sum "$beir/corpus.jsonl" "$MODEL/model.safetensors" | cut -c1-64) | sha256sum | cut -c1-64)
  if [ ! -f "$collection.stamp" ] || [ "$(cat "$collection.stamp")" != "$stamp" ]; then
    rm -rf "$collection" "$collection.stamp"
    "$GLOSSA" index "$collection" "$beir/corpus.jsonl" --model "$MODEL"
    echo "$stamp" > "$collection.stamp"
  fi
  # Searching is skipped when the collection, the queries, the qrels and the binary are all unchanged.
  evalstamp=$( (cat "$collection.stamp"; sha256sum "$beir/queries.jsonl" "$beir/qrels/test.tsv" "$GLOSSA" | cut -c1-64) \
    | sha256sum | cut -c1-64)
  if [ ! -f "$WORK/xquad-r.json" ] || [ ! -f "$WORK/xquad-r.stamp" ] || [ "$(cat "$WORK/xquad-r.stamp")" != "$evalstamp" ]; then
    # k = the whole pool: LAReQA's mAP ranks every candidate, so the run must too (the run file keeps 100).
    pool=$(wc -l < "$beir/corpus.jsonl")
    "$GLOSSA" eval "$collection" --model "$MODEL" --queries "$beir/queries.jsonl" --qrels "$beir/qrels/test.tsv" \
      --k "$pool" --run "$WORK/xquad-r.trec" --run-depth 100 --json > "$WORK/xquad-r.json.tmp"
    mv "$WORK/xquad-r.json.tmp" "$WORK/xquad-r.json"
    echo "$evalstamp" > "$WORK/xquad-r.stamp"
  fi
fi

python3 scripts/eval/report.py --work "$WORK" --reference "$DATA/reference-scores.md" --out eval
