#!/usr/bin/env bash
# Benchmarks/run-scale.sh — how Glossa's costs grow from 10k to 1M chunks, with pip's faiss-cpu beside it.
#
#   Benchmarks/run-scale.sh [SIZES...]          (default: 10000 100000 1000000)
#
# Data (Benchmarks/scale/, into Benchmarks/results/raw/scale/, git-ignored): ~35k Tatoeba sentences in ~100
# languages embedded by `glossa embed` (real mE5 passage vectors, and 1,000 real query vectors), then bundles of
# N rows whose vectors are perturbed mixtures of a real passage vector and one of its 10 nearest real
# neighbours (make_bundles.py says exactly how). Exact ground truth: numpy over the bundle's vectors.
# Per size: `glossa import` into a new flat collection (import rows/s, peak RSS, database bytes), then for
# flat, ivf, ivf-sq8, ivf-pq: `glossa rebuild --index-type` (build time, peak RSS) and GlossaBench scale
# (DocumentCollection.searchChunks: index + exact re-scoring from SQLite, as a user's search runs; batch QPS of
# 1,000 queries, p50/p99 of single queries, recall@10 against exact, index bytes in memory), and the pip
# faiss-cpu peer on the same vectors with the same nlist/nprobe (raw index, no re-scoring).
# Environment: RUNS (3), THREADS (2), VENV (Benchmarks/.venv, else Benchmarks/.venv-faiss), SKIP_BUILD=1,
# TYPES ("flat ivf ivf-sq8 ivf-pq"), PEER_TYPES (the types pip also runs; default TYPES), NQ (queries, 1000),
# LATENCY (single queries timed per run, 200), REUSE=1 (keep an imported collection instead of importing
# again: for finishing a size's remaining types). Records the CPU and the load average before each step.
set -euo pipefail

cd "$(dirname "$0")/.."
if (( $# )); then SIZES=("$@"); else SIZES=(10000 100000 1000000); fi
RUNS="${RUNS:-3}"
THREADS="${THREADS:-2}"
TYPES=(${TYPES:-flat ivf ivf-sq8 ivf-pq})
PEER_TYPES=" ${PEER_TYPES-${TYPES[*]}} "
NQ="${NQ:-1000}"
LATENCY="${LATENCY:-200}"
VENV="${VENV:-Benchmarks/.venv}"
[[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c "import faiss, numpy" 2>/dev/null || VENV=Benchmarks/.venv-faiss
PY="$VENV/bin/python"
if ! "$PY" -c "import faiss, numpy" 2>/dev/null; then
    echo "run-scale: no venv with faiss-cpu and numpy; make one with:" >&2
    echo "  python3 -m venv Benchmarks/.venv-faiss && Benchmarks/.venv-faiss/bin/pip install faiss-cpu numpy" >&2
    exit 1
fi
PEER_CORETYPE=""
grep -q avx512f /proc/cpuinfo && PEER_CORETYPE=SkylakeX
SCRATCH="${SCRATCH:-.build}"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    SWIFT_FLAGS="${SWIFT_FLAGS:-$(make -s print-swift-flags)}"
    # shellcheck disable=SC2086
    swift build $SWIFT_FLAGS --scratch-path "$SCRATCH" --product glossa >&2
    # shellcheck disable=SC2086
    swift build $SWIFT_FLAGS --scratch-path "$SCRATCH" --product GlossaBench >&2
fi
GLOSSA="$SCRATCH/release/glossa"
BENCH="$SCRATCH/release/GlossaBench"
MODEL="${MODEL:-Models/multilingual-e5-small}"
DATA=Benchmarks/results/raw/scale
RAW="$DATA/scale-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
mkdir -p "$DATA"
: > "$RAW"
note() { echo "$*" | tee -a "$RAW.log" >&2; }
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores"
note "run-scale: sizes ${SIZES[*]}, types ${TYPES[*]}, runs $RUNS, threads $THREADS, commit $(git rev-parse --short HEAD)," \
    "faiss-cpu $("$PY" -c 'import faiss; print(faiss.__version__)'), cpu $cpu, load $(cut -d' ' -f1-3 /proc/loadavg)"
emit() {  # emit SIDE INDEX N METRIC VALUE
    printf '{"side": "%s", "index": "%s", "n": %s, "metric": "%s", "median": %s, "runs": [%s]}\n' "$1" "$2" "$3" "$4" "$5" "$5" \
        | tee -a "$RAW"
}
# `timed OUT CMD...`: runs CMD, keeps its output in OUT, prints "peak_rss_kb wall_s".
timed() {
    local out="$1"; shift
    /usr/bin/time -o "$out.time" -f "%M %e" "$@" > "$out" 2>&1 || { cat "$out" >&2; return 1; }
    cat "$out.time"
}

seed="$DATA/seed"
if [[ ! -s "$seed/queries.jsonl" ]]; then
    "$PY" Benchmarks/scale/pick_seed_texts.py ../shared/data/tatoeba "$seed"
    "$GLOSSA" embed --kind passage --quiet --model "$MODEL" < "$seed/passages.txt" > "$seed/passages.jsonl"
    "$GLOSSA" embed --kind query --quiet --model "$MODEL" < "$seed/queries.txt" > "$seed/queries.jsonl"
fi
"$PY" Benchmarks/scale/make_bundles.py "$seed" "$DATA" "${SIZES[@]}" >&2

for n in "${SIZES[@]}"; do
    dir="$DATA/n$n"
    bundle="$dir/bundle"
    [[ -f "$dir/truth.i64" ]] || "$PY" Benchmarks/scale/faiss_scale.py truth --bundle "$bundle" --queries "$DATA/queries.npy" --out "$dir/truth"
    collection="$dir/collection"
    note "== n=$n load $(cut -d' ' -f1-3 /proc/loadavg)"
    if [[ "${REUSE:-0}" != 1 || ! -f "$collection/collection.sqlite" ]]; then
        rm -rf "$collection"
        read -r rss wall < <(timed "$dir/import.out" "$GLOSSA" import "$collection" "$bundle" --quiet)
        # "...: R rows/s; SQLite writes Ws: C rows/s": the import's rate, then the store's own (its ceiling).
        rate=$(grep -o '[0-9]* rows/s' "$dir/import.out" | head -1 | cut -d' ' -f1)
        ceiling=$(grep -o '[0-9]* rows/s' "$dir/import.out" | sed -n 2p | cut -d' ' -f1)
        emit glossa import "$n" import_rows_per_s "$rate"
        emit glossa import "$n" store_write_rows_per_s "${ceiling:-0}"
        emit glossa import "$n" import_wall_s "$wall"
        emit glossa import "$n" import_peak_rss_mb "$(( rss / 1024 ))"
    fi
    nlist=$(( n / 39 )); auto=$("$PY" -c "print(round(4 * $n ** 0.5))"); (( auto < nlist )) && nlist=$auto
    for type in "${TYPES[@]}"; do
        # Glossa's default nprobe (faiss_shim.cpp default_nprobe): nlist/12 for full vectors, nlist/8 for
        # SQ8/PQ codes; pip searches with the same.
        div=12; [[ "$type" == ivf-sq8 || "$type" == ivf-pq ]] && div=8
        nprobe=$(( nlist / div )); (( nprobe < 8 )) && nprobe=8; (( nprobe > nlist )) && nprobe=$nlist
        note "   $type n=$n load $(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%H:%M:%S)"
        read -r rss wall < <(timed "$dir/rebuild-$type.out" "$GLOSSA" rebuild "$collection" --index-type "$type")
        emit glossa "$type" "$n" build_s "$wall"
        emit glossa "$type" "$n" build_peak_rss_mb "$(( rss / 1024 ))"
        "$BENCH" scale --collection "$collection" --queries "$dir/truth.f32" --truth "$dir/truth.i64" --label "$type" \
            --n "$n" --runs "$RUNS" --nq "$NQ" --latency-count "$LATENCY" | tee -a "$RAW"
        [[ "$PEER_TYPES" == *" $type "* ]] || continue
        OPENBLAS_CORETYPE="$PEER_CORETYPE" "$PY" Benchmarks/scale/faiss_scale.py run --bundle "$bundle" \
            --queries "$DATA/queries.npy" --truth "$dir/truth.i64" --index "$type" --nlist "$nlist" --nprobe "$nprobe" \
            --runs "$RUNS" --threads "$THREADS" --nq "$NQ" --latency-count "$LATENCY" | tee -a "$RAW"
    done
    emit glossa db "$n" db_mb "$(du -sm "$collection/collection.sqlite" | cut -f1)"
    note "   n=$n done, load $(cut -d' ' -f1-3 /proc/loadavg)"
done
note "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" Benchmarks/scale/report.py "$RAW" > "$RAW.md"
echo "raw: $RAW; summary: $RAW.md" >&2
