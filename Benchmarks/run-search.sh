#!/usr/bin/env bash
# Benchmarks/run-search.sh — Glossa's VectorIndex and pip's faiss-cpu on the same vectors, in one run.
#
#   Benchmarks/run-search.sh [SIZES...]          (default: 100000 1000000)
#
# Data: peers/faiss_search.py generates, once per size, N x 384 float32 vectors clustered like embeddings (a
# Gaussian mixture around 2048 centres, cosine ~0.8 to the centre, L2-normalised) and 1000 queries from the same
# mixture, into Benchmarks/results/raw/search/n<N>/ (git-ignored). Both sides read those files.
# Sides: glossa-glossa = VectorIndex flat with Glossa's sgemm kernel; glossa-faiss = the same index searched by
# Debian's libfaiss IndexFlat; glossa (ivf) = VectorIndex IVF; faiss-pip = faiss-cpu from PyPI.
# Metrics: build_s, batch_qps (NQ queries in one call), latency_ms (one query per call, mean of LATENCY_COUNT),
# peak_rss_mb; each a median of RUNS runs after a warm-up. Ratios: QPS Glossa/pip, latency pip/Glossa, so > 1
# means Glossa is faster. Environment: RUNS (5), THREADS (2), K (10), VENV (Benchmarks/.venv, else
# Benchmarks/.venv-faiss), SKIP_BUILD=1. IVF uses IndexSpec's automatic nlist (~4 sqrt(n)), trains on the first
# 39*nlist vectors, and both sides search with Glossa's default nprobe (max(8, nlist/12)).
# PEER_CORETYPE: pip's faiss-cpu bundles its own OpenBLAS (0.3.15), which also falls back to Prescott kernels on
# CPUs it does not know; by default the peer runs with OPENBLAS_CORETYPE=SkylakeX when the CPU has AVX-512
# (its strongest setting; PEER_CORETYPE= runs it as installed). Glossa repairs its OpenBLAS itself (CFaiss).
# Run it on a quiet machine: other processes on the 2 cores distort both sides (the load average is printed).
set -euo pipefail

cd "$(dirname "$0")/.."
if (( $# )); then SIZES=("$@"); else SIZES=(100000 1000000); fi
RUNS="${RUNS:-5}"
THREADS="${THREADS:-2}"
K="${K:-10}"
VENV="${VENV:-Benchmarks/.venv}"
[[ -x "$VENV/bin/python" ]] || VENV=Benchmarks/.venv-faiss
PY="$VENV/bin/python"
if ! "$PY" -c "import faiss, numpy" 2>/dev/null; then
    echo "run-search: no venv with faiss-cpu and numpy; make one with:" >&2
    echo "  python3 -m venv Benchmarks/.venv-faiss && Benchmarks/.venv-faiss/bin/pip install faiss-cpu numpy" >&2
    exit 1
fi

if [[ -z "${PEER_CORETYPE+set}" ]]; then
    PEER_CORETYPE=""
    grep -q avx512f /proc/cpuinfo && PEER_CORETYPE=SkylakeX
fi
peer() {
    if [[ -n "$PEER_CORETYPE" ]]; then
        OPENBLAS_CORETYPE="$PEER_CORETYPE" "$PY" Benchmarks/peers/faiss_search.py run "$@"
    else
        "$PY" Benchmarks/peers/faiss_search.py run "$@"
    fi
}

RAWDIR=Benchmarks/results/raw
mkdir -p "$RAWDIR/search"
RAW="$RAWDIR/search-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
: > "$RAW"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    # The Makefile's flags (exported by make, asked of it when run alone), so this build matches `make build`.
    SWIFT_FLAGS="${SWIFT_FLAGS:-$(make -s print-swift-flags)}"
    # shellcheck disable=SC2086
    swift build $SWIFT_FLAGS --product GlossaBench >&2
fi
BENCH=.build/release/GlossaBench
echo "run-search: sizes ${SIZES[*]}, runs $RUNS, threads $THREADS, k $K, commit $(git rev-parse --short HEAD)," \
    "faiss-cpu $("$PY" -c 'import faiss; print(faiss.__version__)') (OPENBLAS_CORETYPE=${PEER_CORETYPE:-unset}), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RAW.log"

for n in "${SIZES[@]}"; do
    data="$RAWDIR/search/n$n"
    if [[ ! -f "$data/base.f32" ]]; then
        "$PY" Benchmarks/peers/faiss_search.py generate --out "$data" --n "$n" --nq 1000
    fi
    # Batch sizes keep one 1M-vector run near 10 s per side on 2 cores.
    if (( n >= 1000000 )); then nq=250; latency=20; else nq=1000; latency=100; fi
    nlist=$(( n / 39 )); auto=$("$PY" -c "print(round(4 * $n ** 0.5))"); (( auto < nlist )) && nlist=$auto
    nprobe=$(( nlist / 12 )); (( nprobe < 8 )) && nprobe=8
    common=(--base "$data/base.f32" --queries "$data/queries.f32" --n "$n" --nq "$nq" --k "$K" --runs "$RUNS"
        --threads "$THREADS" --latency-count "$latency")
    ivf=(--index ivf --nlist "$nlist" --nprobe "$nprobe" --train-per-list 39)
    echo "== n=$n flat (nq=$nq)"
    "$BENCH" search "${common[@]}" --index flat --kernel glossa | tee -a "$RAW"
    peer "${common[@]}" --index flat | tee -a "$RAW"
    "$BENCH" search "${common[@]}" --index flat --kernel faiss | tee -a "$RAW"
    echo "== n=$n IVF$nlist nprobe=$nprobe"
    "$BENCH" search "${common[@]}" "${ivf[@]}" | tee -a "$RAW"
    peer "${common[@]}" "${ivf[@]}" | tee -a "$RAW"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RAW.log"

"$PY" - "$RAW" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
table = {}
for r in rows:
    table.setdefault((r["index"], r["n"]), {}).setdefault(r["metric"], {})[r["side"]] = r["median"]
print()
print(f"{'index':<6} {'n':>8} {'metric':<12} {'side':<14} {'median':>10}  ratio (>1 = Glossa faster)")
for (index, n), metrics in table.items():
    glossa = "glossa-glossa" if index == "flat" else "glossa"
    for metric in ("batch_qps", "latency_ms", "build_s", "peak_rss_mb"):
        for side, value in metrics.get(metric, {}).items():
            pip = metrics[metric].get("faiss-pip")
            ratio = ""
            if pip and side.startswith("glossa") and metric in ("batch_qps", "latency_ms"):
                r = value / pip if metric == "batch_qps" else pip / value
                ratio = f"{r:.2f}x vs faiss-pip"
            print(f"{index:<6} {n:>8} {metric:<12} {side:<14} {value:>10.2f}  {ratio}")
print(f"raw: {sys.argv[1]}")
PYEOF
