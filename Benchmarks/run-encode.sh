#!/usr/bin/env bash
# Benchmarks/run-encode.sh — Glossa's encoder and its Python peers (transformers on PyTorch, and the same model
# exported to onnxruntime) on identical texts, in one run.
#
#   Benchmarks/run-encode.sh [MODEL_DIR]        (default: Models/multilingual-e5-small)
#
# Environment: RUNS (default 5), ROUNDS (default 3: every side runs once per round, in turn), THREADS
# (default 2), BATCH (default 32), LATENCY_COUNT (default 100), VENV (default Benchmarks/.venv, made by
# `make bench-venv`), SKIP_BUILD=1 to use an existing release build, DATA (default Benchmarks/data) for the
# two input files, PEERS (default "torch onnxruntime onnxruntime-int8": the transformers_encode.py backends to
# run; all use transformers' tokenizer and the same batching and pooling; onnxruntime-int8 is onnxruntime's
# quantize_dynamic with QInt8 weights on the same exported graph), PRECISIONS (default "fp32 int8": the Glossa
# sides, `GlossaBench encode --precision`; "fp32-openblas" adds the exact path with GLOSSA_FP32_KERNEL=openblas,
# i.e. without oneDNN).
# Fidelity: in round 1 every side saves its query and passage vectors; the summary compares each side with the
# PyTorch fp32 vectors (and Glossa int8 with Glossa fp32): mean, 1st-percentile and minimum cosine over queries
# and passages, and the share of queries whose top-10 passages (inner product over the 500 passages) change.
# Every side reads DATA/queries.txt and DATA/passages.txt (Benchmarks/make_bench_texts.py writes them) and
# prints JSON lines {"name": queries|passages|latency, "side": ..., "tokens": ..., "median_ms": ...,
# "tokens_per_s": ...}; tokens = model input ids including <s> and </s>, no padding; each figure is the median
# of RUNS runs after one warm-up, and the summary takes each side's median over the ROUNDS. This script
# prints each side and the ratio (Glossa / peer for tokens/s; peer / Glossa for median latency, so "Glossa is
# 1.5x" means Glossa is faster in both) and keeps the raw lines in Benchmarks/results/raw/ (git-ignored).
# Run it on a quiet machine: other processes on the 2 cores distort every side, PyTorch's OpenMP threads most
# of all (the load average is printed at every round and after).
set -euo pipefail

cd "$(dirname "$0")/.."
MODEL="${1:-Models/multilingual-e5-small}"
RUNS="${RUNS:-5}"
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-2}"
BATCH="${BATCH:-32}"
LATENCY_COUNT="${LATENCY_COUNT:-100}"
VENV="${VENV:-Benchmarks/.venv}"
PEERS="${PEERS:-torch onnxruntime onnxruntime-int8}"
PRECISIONS="${PRECISIONS:-fp32 int8}"
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
VECTORS="${RAW%.jsonl}-vectors"
echo "run-encode: model $MODEL, rounds $ROUNDS, runs $RUNS, threads $THREADS, batch $BATCH, commit $(git rev-parse --short HEAD)," \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    # The Makefile's flags (exported by make, asked of it when run alone), so this build matches `make build`.
    SWIFT_FLAGS="${SWIFT_FLAGS:-$(make -s print-swift-flags)}"
    # shellcheck disable=SC2086
    swift build $SWIFT_FLAGS --product GlossaBench >&2
fi
BENCH=.build/release/GlossaBench
[[ -x "$BENCH" ]] || { echo "run-encode: no $BENCH; build it first (make build)" >&2; exit 1; }

# ROUNDS rounds of every side in turn (Glossa, then each peer): a machine whose speed drifts over minutes
# (a shared host) then slows every side alike, and the summary takes each side's median over the rounds.
for round in $(seq "$ROUNDS"); do
    for side in $PRECISIONS; do
        echo "== round $round/$ROUNDS: Glossa $side (GlossaBench encode), load $(cut -d' ' -f1-3 /proc/loadavg)"
        save=(); [[ "$round" == 1 ]] && save=(--save "$VECTORS/glossa-$side")
        # fp32-openblas: the exact path with every product on OpenBLAS, the A side of the oneDNN change.
        kernel=(); [[ "$side" == fp32-openblas ]] && kernel=(GLOSSA_FP32_KERNEL=openblas)
        env "${kernel[@]}" "$BENCH" encode --model "$MODEL" --queries "$QUERIES" --passages "$PASSAGES" \
            --precision "${side%%-*}" \
            --runs "$RUNS" --threads "$THREADS" --batch "$BATCH" --latency-count "$LATENCY_COUNT" "${save[@]}" \
            | tee -a "$RAW"
    done
    for backend in $PEERS; do
        echo "== round $round/$ROUNDS: peer $backend, load $(cut -d' ' -f1-3 /proc/loadavg)"
        save=(); [[ "$round" == 1 ]] && save=(--save "$VECTORS/$backend")
        "$PY" Benchmarks/peers/transformers_encode.py --model "$MODEL" --queries "$QUERIES" --passages "$PASSAGES" \
            --runs "$RUNS" --threads "$THREADS" --batch "$BATCH" --latency-count "$LATENCY_COUNT" \
            --backend "$backend" "${save[@]}" | tee -a "$RAW"
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

"$PY" - "$RAW" "$VECTORS" <<'PYEOF'
import json, pathlib, sys
from statistics import median
import numpy as np
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip().startswith("{")]
rounds, sides = {}, []
for r in rows:
    if r.get("name") in ("queries", "passages", "latency"):
        side = str(r.get("side", "?"))
        if side not in sides:
            sides.append(side)
        rounds.setdefault(r["name"], {}).setdefault(side, []).append(r)
# Each side's figure: the median over rounds of its per-round median time (tokens/s follow from it).
table = {}
for name, by_side in rounds.items():
    for side, rs in by_side.items():
        ms = median(r["median_ms"] for r in rs)
        per_s = rs[0]["tokens"] / (ms / 1000) if name != "latency" else median(r["tokens_per_s"] for r in rs)
        table.setdefault(name, {})[side] = {"median_ms": ms, "tokens_per_s": per_s, "rounds": len(rs)}
glossas = [s for s in sides if s.lower().startswith("glossa")]
print()
for name in ("queries", "passages", "latency"):
    for side in sides:
        r = table.get(name, {}).get(side)
        if not r:
            continue
        line = (f"{name:<9} {side:<20} {r['tokens_per_s']:>10.0f} tok/s  median {r['median_ms']:>9.1f} ms"
                f"  ({r['rounds']} rounds)")
        for glossa in glossas:
            g = table.get(name, {}).get(glossa)
            if g and side != glossa:
                ratio = r["median_ms"] / g["median_ms"] if name == "latency" else g["tokens_per_s"] / r["tokens_per_s"]
                line += f"  {glossa} {ratio:.2f}x"
        print(line)
for r in rows:
    if r.get("name") == "memory":
        print(f"memory    {r['side']:<20} max RSS {r['max_rss_kb'] / 1024:.0f} MiB")

# Fidelity against the fp32 reference (PyTorch), and Glossa int8 against Glossa fp32.
folder = pathlib.Path(sys.argv[2])
def load(side):
    out = {}
    for name in ("queries", "passages"):
        npy, f32 = folder / side / f"{name}.npy", folder / side / f"{name}.f32"
        if npy.is_file():
            out[name] = np.load(npy)
        elif f32.is_file():
            out[name] = np.fromfile(f32, "<f4")
    if len(out) == 2:
        dim = next((v.shape[1] for v in out.values() if v.ndim == 2), None) or 384
        return {k: v.reshape(-1, dim).astype(np.float64) for k, v in out.items()}
    return None
def fidelity(side, ref_side):
    a, b = load(side), load(ref_side)
    if not a or not b:
        return None
    cos = np.concatenate([np.sum(a[n] * b[n], 1) / (np.linalg.norm(a[n], axis=1) * np.linalg.norm(b[n], axis=1))
                          for n in ("queries", "passages")])
    top = lambda v: np.argsort(-(v["queries"] @ v["passages"].T), axis=1)[:, :10]
    changed = np.mean([set(x) != set(y) for x, y in zip(top(a), top(b))])
    return cos.mean(), np.percentile(cos, 1), cos.min(), changed, len(cos)
ref = "torch" if (folder / "torch").is_dir() else "glossa-fp32"
print(f"\nfidelity (cosine over queries + passages; top-10 = share of queries whose top-10 set changes)")
pairs = [(s, ref) for s in sorted(p.name for p in folder.iterdir() if p.is_dir()) if s != ref] if folder.is_dir() else []
if (folder / "glossa-int8").is_dir() and (folder / "glossa-fp32").is_dir():
    pairs.append(("glossa-int8", "glossa-fp32"))
for side, against in pairs:
    f = fidelity(side, against)
    if f:
        mean, p1, low, changed, n = f
        print(json.dumps({"name": "fidelity", "side": side, "against": against, "vectors": n, "mean_cosine": round(mean, 7),
                          "p1_cosine": round(p1, 7), "min_cosine": round(low, 7), "top10_changed": round(changed, 4)}))
print(f"raw: {sys.argv[1]}")
PYEOF
