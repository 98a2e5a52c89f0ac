#!/usr/bin/env bash
# Benchmarks/run-encode.sh — Glossa's encoder and the transformers/PyTorch peer on identical texts, in one run.
#
#   Benchmarks/run-encode.sh [MODEL_DIR]        (default: Models/multilingual-e5-small)
#
# Environment: RUNS (default 5), THREADS (default 2), BATCH (default 32), LATENCY_COUNT (default 100),
# VENV (default Benchmarks/.venv, made by `make bench-venv`), SKIP_BUILD=1 to use an existing release build,
# DATA (default Benchmarks/data) for the two input files.
# Both sides read Benchmarks/data/queries.txt and passages.txt (Benchmarks/make_bench_texts.py writes them)
# and print JSON lines {"name": queries|passages|latency, "side": ..., "tokens": ..., "median_ms": ...,
# "tokens_per_s": ...}; tokens = model input ids including <s> and </s>, no padding; each figure is the median
# of RUNS runs after one warm-up. This script prints each side and the ratio (Glossa / transformers for
# tokens/s; transformers / Glossa for latency, so > 1 means Glossa is faster in both) and keeps the raw lines
# in Benchmarks/results/raw/ (git-ignored). Run it on a quiet machine: other processes on the 2 cores distort
# both sides (the load average is recorded).
set -euo pipefail

cd "$(dirname "$0")/.."
MODEL="${1:-Models/multilingual-e5-small}"
RUNS="${RUNS:-5}"
THREADS="${THREADS:-2}"
BATCH="${BATCH:-32}"
LATENCY_COUNT="${LATENCY_COUNT:-100}"
VENV="${VENV:-Benchmarks/.venv}"
DATA="${DATA:-Benchmarks/data}"
QUERIES="$DATA/queries.txt"
PASSAGES="$DATA/passages.txt"
PY="$VENV/bin/python"

[[ -x "$PY" ]] || { echo "run-encode: no venv at $VENV; run 'make bench-venv' first" >&2; exit 1; }
[[ -f "$MODEL/config.json" ]] || { echo "run-encode: no model folder at $MODEL; run 'make model' or pass a folder" >&2; exit 1; }
if [[ ! -f "$QUERIES" || ! -f "$PASSAGES" ]]; then
    "$PY" Benchmarks/make_bench_texts.py --spm "$MODEL/sentencepiece.bpe.model" --out "$DATA"
fi

mkdir -p Benchmarks/results/raw
RAW="Benchmarks/results/raw/encode-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
: > "$RAW"
echo "run-encode: model $MODEL, runs $RUNS, threads $THREADS, batch $BATCH, load $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    swift build -c release --product GlossaBench >&2
fi
BENCH=.build/release/GlossaBench
if [[ -x "$BENCH" ]] && "$BENCH" encode --help 2>&1 | grep -q -- '--queries'; then
    echo "== Glossa (GlossaBench encode)"
    "$BENCH" encode --model "$MODEL" --queries "$QUERIES" --passages "$PASSAGES" \
        --runs "$RUNS" --threads "$THREADS" --batch "$BATCH" --latency-count "$LATENCY_COUNT" | tee -a "$RAW"
else
    echo "== Glossa: $BENCH has no 'encode' subcommand yet; only the peer is measured"
fi

echo "== transformers (PyTorch fp32)"
"$PY" Benchmarks/peers/transformers_encode.py --model "$MODEL" --queries "$QUERIES" --passages "$PASSAGES" \
    --runs "$RUNS" --threads "$THREADS" --batch "$BATCH" --latency-count "$LATENCY_COUNT" | tee -a "$RAW"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

"$PY" - "$RAW" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip().startswith("{")]
by = {}
for r in rows:
    if r.get("name") in ("queries", "passages", "latency"):
        side = "glossa" if str(r.get("side", "")).lower().startswith("glossa") else "peer"
        by.setdefault(r["name"], {})[side] = r
print(f"\n{'benchmark':<10} {'Glossa tok/s':>13} {'peer tok/s':>11} {'Glossa ms':>10} {'peer ms':>9} {'speed-up':>9}")
for name in ("queries", "passages", "latency"):
    g, p = by.get(name, {}).get("glossa"), by.get(name, {}).get("peer")
    def f(r, k, fmt): return format(r[k], fmt) if r and k in r else "-"
    ratio = "-"
    if g and p:
        ratio = (p["median_ms"] / g["median_ms"]) if name == "latency" else (g["tokens_per_s"] / p["tokens_per_s"])
        ratio = f"{ratio:.2f}x"
    print(f"{name:<10} {f(g,'tokens_per_s','.0f'):>13} {f(p,'tokens_per_s','.0f'):>11} "
          f"{f(g,'median_ms','.1f'):>10} {f(p,'median_ms','.1f'):>9} {ratio:>9}")
print(f"raw: {sys.argv[1]}")
EOF
