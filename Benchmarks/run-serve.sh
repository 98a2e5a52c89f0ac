#!/usr/bin/env bash
# Benchmarks/run-serve.sh — `glossa serve` under load, and its peer infinity-emb (CPU PyTorch) serving the same
# model folder, in one run; summary in Benchmarks/results/serve.md, raw JSON lines in Benchmarks/results/raw/.
#
#   bash Benchmarks/run-serve.sh [MODEL_DIR]        (default: Models/multilingual-e5-small)
#
# Phases (PHASES, default "embed search priority"), one server at a time, on 127.0.0.1 only:
#   embed     ROUNDS rounds of: Glossa --batching on, Glossa --batching off, the peer; each side answers
#             16 clients POSTing one short query each (Benchmarks/data/queries.txt) to /v1/embeddings, then
#             4 clients POSTing 32 passages each (Benchmarks/data/passages.txt); EMBED_SECONDS measured after
#             EMBED_WARMUP. The summary takes each side's median over the rounds.
#   search    a seed collection (samples/passages.jsonl + the 500 passages + generated windows, SEED_DOCS in all,
#             built by `glossa index`), 16 clients for SEARCH_SECONDS: 80 % search, 20 % PUT of 4 new documents;
#             then GET of every acknowledged document; `glossa verify` on the collection after shutdown.
#   priority  with --lanes on and with --lanes off: PRIORITY_CLIENTS search clients alone for IDLE_SECONDS, then
#             while 2 writers PUT BULK_DOCS new passages in batches of BULK_BATCH (until written, or the cap).
# Every load phase is capped at 120 s by the load generator and stops by itself. The load generator
# (Benchmarks/serve/loadgen.py, stdlib asyncio HTTP/1.1 client) runs on the same 2 cores as the server and is the
# same for every side; its CPU time is in the raw lines.
# Environment: ROUNDS (3), THREADS (2: OPENBLAS_NUM_THREADS for Glossa, OMP/MKL threads for PyTorch), EMBED_SECONDS
# (20), EMBED_WARMUP (3), SEARCH_SECONDS (60), IDLE_SECONDS (15), BULK_DOCS (10000), BULK_BATCH (128),
# PRIORITY_CLIENTS (4), PRIORITY_SECONDS (120: cap on each priority run), SEED_DOCS (3000), SEED_PASSAGES (500:
# how many of the benchmark passages go whole into the seed; the rest are generated windows), GLOSSA_BIN (default /tmp/glossa-bench-bin/glossa if present, else
# .build/release/glossa; never built here), VENV_SERVE (Benchmarks/.venv-serve, made on first use by
# Benchmarks/serve/make-venv.sh), PEER_BATCH (32, infinity's --batch-size), NOTE (a line for the summary, e.g.
# "machine busy"), OUT (Benchmarks/results/serve.md), KEEP_WORK=1 keeps the collections and server logs.
set -euo pipefail

cd "$(dirname "$0")/.."
MODEL="${1:-Models/multilingual-e5-small}"
PHASES="${PHASES:-embed search priority}"
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-2}"
EMBED_SECONDS="${EMBED_SECONDS:-20}"
EMBED_WARMUP="${EMBED_WARMUP:-3}"
SEARCH_SECONDS="${SEARCH_SECONDS:-60}"
IDLE_SECONDS="${IDLE_SECONDS:-15}"
BULK_DOCS="${BULK_DOCS:-10000}"
BULK_BATCH="${BULK_BATCH:-128}"
PRIORITY_CLIENTS="${PRIORITY_CLIENTS:-4}"
SEED_DOCS="${SEED_DOCS:-3000}"
SEED_PASSAGES="${SEED_PASSAGES:-500}"
PRIORITY_SECONDS="${PRIORITY_SECONDS:-120}"
PEER_BATCH="${PEER_BATCH:-32}"
VENV="${VENV_SERVE:-Benchmarks/.venv-serve}"
OUT="${OUT:-Benchmarks/results/serve.md}"
if [[ -z "${GLOSSA_BIN:-}" ]]; then
    GLOSSA_BIN=.build/release/glossa
    [[ -x /tmp/glossa-bench-bin/glossa ]] && GLOSSA_BIN=/tmp/glossa-bench-bin/glossa
fi
PY="$VENV/bin/python"

[[ -f "$MODEL/config.json" ]] || { echo "run-serve: no model folder at $MODEL; run 'make model' or pass a folder" >&2; exit 1; }
[[ -x "$GLOSSA_BIN" ]] || { echo "run-serve: no glossa binary at $GLOSSA_BIN; run 'make build' (or set GLOSSA_BIN)" >&2; exit 1; }
"$GLOSSA_BIN" serve --help > /dev/null || { echo "run-serve: $GLOSSA_BIN has no working 'serve' command" >&2; exit 1; }
[[ -x "$PY" ]] || bash Benchmarks/serve/make-venv.sh
if [[ ! -f Benchmarks/data/queries.txt || ! -f Benchmarks/data/passages.txt ]]; then
    "$PY" Benchmarks/make_bench_texts.py --spm "$MODEL/sentencepiece.bpe.model" --out Benchmarks/data
fi

DIMENSION="$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["hidden_size"])' "$MODEL/config.json")"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RAWDIR=Benchmarks/results/raw
WORK="$RAWDIR/serve-$STAMP"
RAW="$RAWDIR/serve-$STAMP.jsonl"
mkdir -p "$WORK"
: > "$RAW"

# Machine, commit and versions, once per run (the summary prints them; every result line has its load average).
"$PY" - "$RAW" "$GLOSSA_BIN" "$MODEL" "$THREADS" "${NOTE:-}" <<'PYEOF'
import hashlib, json, os, subprocess, sys, time
raw, binary, model, threads, note = sys.argv[1:]
def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"({error})"
lscpu = dict(line.split(":", 1) for line in sh("lscpu").splitlines() if ":" in line)
import infinity_emb, torch, transformers, sentence_transformers
meta = {
    "phase": "meta", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "cpu": lscpu.get("Model name", "?").strip(), "cpus": os.cpu_count(),
    "cpu_flags_avx512": "avx512f" in lscpu.get("Flags", ""),
    "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    "kernel": sh("uname", "-sr"), "loadavg": [round(x, 2) for x in os.getloadavg()],
    "commit": sh("git", "rev-parse", "--short", "HEAD"),
    "worktree_dirty": bool(sh("git", "status", "--porcelain", "--untracked-files=no")),
    "glossa_bin": binary, "glossa_bin_mtime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(binary))),
    "glossa_bin_sha256": hashlib.sha256(open(binary, "rb").read()).hexdigest()[:16],
    "model": model, "threads": int(threads), "note": note,
    "peer": f"infinity-emb {infinity_emb.__version__}", "torch": torch.__version__,
    "transformers": transformers.__version__, "sentence_transformers": sentence_transformers.__version__,
}
open(raw, "a").write(json.dumps(meta) + "\n")
print(f"run-serve: {meta['cpu']} x{meta['cpus']}, commit {meta['commit']}{' (dirty)' if meta['worktree_dirty'] else ''}, "
      f"glossa {binary} ({meta['glossa_bin_mtime']}), {meta['peer']} on torch {meta['torch']}, load {meta['loadavg']}")
PYEOF

# MARK: - servers

SERVER_PID=""
SERVER_URL=""
SERVER_LOG=""

stop_server() {
    [[ -n "$SERVER_PID" ]] || return 0
    local pid="$SERVER_PID" rc=0
    SERVER_PID=""
    kill -TERM "$pid" 2> /dev/null || true
    for _ in $(seq 100); do
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2> /dev/null; then
        echo "run-serve: server $pid still running 20 s after SIGTERM; killing it" >&2
        kill -KILL "$pid" 2> /dev/null || true
    fi
    wait "$pid" 2> /dev/null || rc=$?
    echo "   server stopped (exit $rc after SIGTERM; log $SERVER_LOG)"
    printf '{"phase": "server_exit", "log": "%s", "exit": %d}\n' "$SERVER_LOG" "$rc" >> "$RAW"
}
trap 'stop_server' EXIT
trap 'exit 130' INT TERM

# start_glossa NAME ROOT FLAGS...: glossa serve on a free port; waits for its "listening on" line and /ready.
start_glossa() {
    local name="$1" root="$2"
    shift 2
    SERVER_LOG="$WORK/$name.log"
    OPENBLAS_NUM_THREADS="$THREADS" "$GLOSSA_BIN" serve --root "$root" --host 127.0.0.1 --port 0 --model "$MODEL" \
        --threads "$THREADS" "$@" > "$SERVER_LOG.out" 2> "$SERVER_LOG" &
    SERVER_PID=$!
    SERVER_URL=""
    for _ in $(seq 600); do
        SERVER_URL="$(sed -n 's|^glossa serve: listening on \(http://[^ ]*\).*|\1|p' "$SERVER_LOG.out" | head -1)"
        [[ -n "$SERVER_URL" ]] && break
        kill -0 "$SERVER_PID" 2> /dev/null || break
        sleep 0.1
    done
    if [[ -z "$SERVER_URL" ]]; then
        echo "run-serve: glossa serve did not print its listening line; its log:" >&2
        tail -20 "$SERVER_LOG" "$SERVER_LOG.out" >&2
        return 1
    fi
    "$PY" Benchmarks/serve/loadgen.py ready --url "$SERVER_URL/ready" --timeout 300 || return 1
    echo "   glossa serve $* at $SERVER_URL (pid $SERVER_PID), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

start_peer() {  # start_peer ROUND
    local port
    port="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    SERVER_LOG="$WORK/peer-r$1.log"
    DO_NOT_TRACK=1 INFINITY_ANONYMOUS_USAGE_STATS=0 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
        OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS" \
        "$VENV/bin/infinity_emb" v2 --model-id "$PEER_MODEL" --served-model-name multilingual-e5-small \
        --engine torch --device cpu --dtype float32 --no-bettertransformer --batch-size "$PEER_BATCH" \
        --host 127.0.0.1 --port "$port" --url-prefix /v1 --log-level warning > "$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    SERVER_URL="http://127.0.0.1:$port"
    "$PY" Benchmarks/serve/loadgen.py ready --url "$SERVER_URL/health" --timeout 300 || return 1
    echo "   infinity-emb at $SERVER_URL (pid $SERVER_PID), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# MARK: - phases

# A failed step is recorded and the run goes on, so that the summary still shows every other phase.
failed() {  # failed WHAT EXIT
    echo "run-serve: $1 failed (exit $2); going on with the next step" >&2
    printf '{"phase": "failure", "what": "%s", "exit": %d}\n' "$1" "$2" >> "$RAW"
}

lg() {  # lg COMMAND ARGS...: the load generator against the running server
    local command="$1"
    shift
    "$PY" Benchmarks/serve/loadgen.py "$command" --spm "$MODEL/sentencepiece.bpe.model" "$@"
}

embed_side() {  # embed_side SIDE STYLE ROUND
    local side="$1" style="$2" round="$3"
    if [[ "$round" == 1 ]]; then
        lg probe --url "$SERVER_URL" --style "$style" --save "$WORK/probe-$side.json" || failed "probe $side" $?
    fi
    local common=(--url "$SERVER_URL" --server-pid "$SERVER_PID" --side "$side" --style "$style"
        --dimension "$DIMENSION" --seconds "$EMBED_SECONDS" --warmup "$EMBED_WARMUP" --out "$RAW")
    lg embed "${common[@]}" --mode single --clients 16 || failed "embed single $side round $round" $?
    lg embed "${common[@]}" --mode batch --clients 4 --batch 32 || failed "embed batch $side round $round" $?
}

if [[ " $PHASES " == *" embed "* ]]; then
    PEER_MODEL="$WORK/peer-model"
    "$PY" Benchmarks/serve/peer_model.py "$MODEL" "$PEER_MODEL"
    mkdir -p "$WORK/empty-root"
    for round in $(seq "$ROUNDS"); do
        echo "== embed round $round/$ROUNDS, load $(cut -d' ' -f1-3 /proc/loadavg)"
        for batching in on off; do
            if start_glossa "embed-batching-$batching-r$round" "$WORK/empty-root" --batching "$batching"; then
                embed_side "glossa-batching-$batching" glossa "$round"
            else
                failed "glossa serve --batching $batching (round $round)" 1
            fi
            stop_server
        done
        if start_peer "$round"; then
            embed_side "infinity-emb" peer "$round"
        else
            failed "infinity-emb (round $round)" 1
        fi
        stop_server
    done
fi

if [[ " $PHASES " == *" search "* || " $PHASES " == *" priority "* ]]; then
    echo "== seed collection: $SEED_DOCS documents (glossa index), load $(cut -d' ' -f1-3 /proc/loadavg)"
    lg seed --count "$SEED_DOCS" --whole-passages "$SEED_PASSAGES" --out "$WORK/seed.jsonl"
    mkdir -p "$WORK/seed-root"
    start_s=$(date +%s)
    OPENBLAS_NUM_THREADS="$THREADS" "$GLOSSA_BIN" index "$WORK/seed-root/bench" "$WORK/seed.jsonl" --model "$MODEL" \
        > "$WORK/seed-index.log" 2>&1 || { tail -20 "$WORK/seed-index.log" >&2; exit 1; }
    printf '{"phase": "seed", "documents": %d, "index_s": %d}\n' "$(wc -l < "$WORK/seed.jsonl")" \
        "$(($(date +%s) - start_s))" >> "$RAW"
fi

fresh_root() {  # fresh_root NAME: a copy of the seed collection under its own root
    rm -rf "${WORK:?}/$1"
    mkdir -p "$WORK/$1"
    cp -a "$WORK/seed-root/bench" "$WORK/$1/bench"
}

if [[ " $PHASES " == *" search "* ]]; then
    echo "== search: 16 clients, 80 % search / 20 % PUT, $SEARCH_SECONDS s"
    fresh_root search-root
    if start_glossa search "$WORK/search-root" --batching on --lanes on; then
        lg search --url "$SERVER_URL" --server-pid "$SERVER_PID" --clients 16 --seconds "$SEARCH_SECONDS" \
            --warmup 3 --out "$RAW" || failed "search" $?
    else
        failed "glossa serve (search)" 1
    fi
    stop_server
    verify_rc=0
    "$GLOSSA_BIN" verify "$WORK/search-root/bench" > "$WORK/search-verify.log" 2>&1 || verify_rc=$?
    printf '{"phase": "collection_verify", "collection": "search-root/bench", "exit": %d}\n' "$verify_rc" >> "$RAW"
    echo "   glossa verify after the search run: exit $verify_rc"
fi

if [[ " $PHASES " == *" priority "* ]]; then
    for lanes in on off; do
        echo "== priority, lanes $lanes: $PRIORITY_CLIENTS search clients idle, then during a $BULK_DOCS-passage bulk write"
        fresh_root "priority-$lanes-root"
        if start_glossa "priority-lanes-$lanes" "$WORK/priority-$lanes-root" --batching on --lanes "$lanes"; then
            lg priority --url "$SERVER_URL" --server-pid "$SERVER_PID" --side "glossa-lanes-$lanes" \
                --clients "$PRIORITY_CLIENTS" --idle-seconds "$IDLE_SECONDS" --warmup 2 --bulk-docs "$BULK_DOCS" \
                --bulk-batch "$BULK_BATCH" --bulk-clients 2 --max-seconds "$PRIORITY_SECONDS" --out "$RAW" \
                || failed "priority lanes $lanes" $?
        else
            failed "glossa serve --lanes $lanes (priority)" 1
        fi
        stop_server
    done
fi

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" Benchmarks/serve/summarize.py "$RAW" --work "$WORK" --out "$OUT"
if [[ "${KEEP_WORK:-0}" != 1 ]]; then
    find "$WORK" -mindepth 1 -maxdepth 1 -type d -name '*-root' -exec rm -rf {} +
fi
echo "raw: $RAW; summary: $OUT"
