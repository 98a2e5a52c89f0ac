#!/usr/bin/env python3
"""Benchmarks/serve/loadgen.py — the load generator of Benchmarks/run-serve.sh (closed-loop clients, loopback only).

  loadgen.py embed    --url U --side S --style glossa|peer --mode single|batch --clients N [--batch 32]
  loadgen.py search   --url U --collection C --clients 16 --seconds 60 [--write-fraction 0.2 --write-batch 4]
  loadgen.py priority --url U --collection C --clients 4 --idle-seconds 15 --bulk-docs 10000 --bulk-batch 128
  loadgen.py probe    --url U --style glossa|peer --save F     (embeddings of fixed texts, for the parity check)
  loadgen.py seed     --out F --count 3000                     (the seed collection's JSONL)
  loadgen.py ready    --url U [--timeout 300]                  (waits for 200)
Every client holds one keep-alive connection and sends its next request when the previous answer arrives.
Each measurement prints one JSON line (and appends it to --out): request rate, tokens/s, latency percentiles,
errors by kind, 429s (intended back-pressure: the client waits Retry-After, at most 1 s, and goes on), the load
generator's own CPU seconds and the load average. A load phase never runs past --max-seconds (120).
--style glossa sends {"input_type": "query"|"passage"} and lets the server add the prefix; --style peer sends
"query: "/"passage: " + text, so both sides encode the same model input. Tokens are counted here, with the
model's sentencepiece file, so both sides are counted alike (infinity's usage counts characters by default).
"""

import argparse
import asyncio
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import texts as T  # noqa: E402
from http1 import Connection, loopback_target  # noqa: E402
from workload import Tally, Window, call, emit, env_record, server_cpu_in_window  # noqa: E402

MODEL_NAME = "multilingual-e5-small"
EMBEDDING_KEY = re.compile(rb'"embedding"\s*:')


# MARK: - embed


def embedding_bodies(args, counter: T.TokenCounter) -> list[tuple[bytes, int, int]]:
    """(request body, texts, tokens) for every request a client may send, in order."""
    if args.mode == "single":
        items = [[q] for q in T.read_lines(args.queries)]
        prefix, kind = T.QUERY_PREFIX, "query"
    else:
        passages = T.read_lines(args.passages)
        items = [[passages[(start + j) % len(passages)] for j in range(args.batch)]
                 for start in range(0, len(passages) * args.batch, args.batch)][: len(passages)]
        prefix, kind = T.PASSAGE_PREFIX, "passage"
    bodies = []
    for item in items:
        inputs = item if args.style == "glossa" else [prefix + t for t in item]
        payload = {"input": inputs[0] if args.mode == "single" else inputs, "model": MODEL_NAME}
        if args.style == "glossa":
            payload["input_type"] = kind
        tokens = sum(counter.count(prefix + t) for t in item)
        bodies.append((json.dumps(payload, ensure_ascii=False).encode(), len(item), tokens))
    return bodies


def check_embeddings(body: bytes, expected: int, full: bool, dimension: int) -> str | None:
    """None when the answer holds `expected` embeddings (counted cheaply; every 50th answer parsed fully)."""
    if len(EMBEDDING_KEY.findall(body)) != expected:
        return f"expected {expected} embeddings in {body[:200]!r}"
    if full:
        data = json.loads(body)["data"]
        if len(data) != expected or any(len(d["embedding"]) != dimension for d in data):
            return f"wrong count or dimension: {[len(d['embedding']) for d in data][:4]}"
        norm = sum(x * x for x in data[0]["embedding"]) ** 0.5
        if abs(norm - 1.0) > 1e-3:
            return f"embedding norm {norm:.4f}, want 1"
    return None


async def run_embed(args) -> None:
    host, port = loopback_target(args.url)
    counter = T.TokenCounter(args.spm)
    bodies = embedding_bodies(args, counter)
    record = env_record(args, "embed")
    tally = Tally()
    window = Window(args.warmup, args.seconds, args.max_seconds)
    conns = [Connection(host, port) for _ in range(args.clients)]

    async def client(c: int) -> None:
        i = c * (len(bodies) // args.clients)
        answered = 0
        while window.open():
            body, n_texts, n_tokens = bodies[i % len(bodies)]
            i += 1
            response, _, t0, t1 = await call(conns[c], tally, window, "POST", args.path, body)
            if response is None:
                continue
            answered += 1
            problem = check_embeddings(response.body, n_texts, full=answered % 50 == 1, dimension=args.dimension)
            if problem:
                tally.error("bad body", problem)
            elif window.counts(t0, t1):
                tally.latencies.append(t1 - t0)
                tally.texts += n_texts
                tally.tokens += n_tokens

    cpu0 = time.process_time()
    server_cpu = asyncio.ensure_future(server_cpu_in_window(args.server_pid, window))
    await asyncio.gather(*(client(c) for c in range(args.clients)))
    for conn in conns:
        conn.close()
    record.update({"side": args.side, "mode": args.mode, "clients": args.clients,
                   "batch": args.batch if args.mode == "batch" else 1, "seconds": window.seconds,
                   "warmup_s": args.warmup, "reconnects": sum(c.reconnects for c in conns),
                   "client_cpu_s": round(time.process_time() - cpu0, 2), "server_cpu_s": await server_cpu,
                   **tally.report(window.seconds),
                   "loadavg_after": [round(x, 2) for x in os.getloadavg()]})
    emit(record, args.out)


async def run_probe(args) -> None:
    """Embeddings of 8 queries and 4 passages, saved for the cross-side parity check."""
    host, port = loopback_target(args.url)
    queries = T.read_lines(args.queries)[:8]
    passages = T.read_lines(args.passages)[:4]
    conn = Connection(host, port)
    vectors = {}
    for kind, prefix, items in (("query", T.QUERY_PREFIX, queries), ("passage", T.PASSAGE_PREFIX, passages)):
        payload = {"input": items if args.style == "glossa" else [prefix + t for t in items], "model": MODEL_NAME}
        if args.style == "glossa":
            payload["input_type"] = kind
        response = await conn.request("POST", args.path, json.dumps(payload).encode())
        if response.status != 200:
            raise SystemExit(f"probe: POST {args.path} -> {response.status} {response.body[:300]!r}")
        answer = json.loads(response.body)
        vectors[kind] = [d["embedding"] for d in sorted(answer["data"], key=lambda d: d["index"])]
        vectors[f"{kind}_usage"] = answer.get("usage")
        vectors[f"{kind}_model"] = answer.get("model")
    conn.close()
    with open(args.save, "w", encoding="utf-8") as f:
        json.dump(vectors, f)


async def run_ready(args) -> None:
    """Waits until GET --url answers 200 (the server is up and its model loaded)."""
    host, port = loopback_target(args.url)
    path = "/" + args.url.split("/", 3)[3] if args.url.count("/") >= 3 else "/"
    deadline = time.perf_counter() + args.timeout
    last = "no answer"
    while time.perf_counter() < deadline:
        conn = Connection(host, port)
        try:
            response = await asyncio.wait_for(conn.request("GET", path), 5)
            if response.status == 200:
                return
            last = f"{response.status} {response.body[:200]!r}"
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as error:
            last = repr(error)
        finally:
            conn.close()
        await asyncio.sleep(0.25)
    raise SystemExit(f"loadgen ready: GET {args.url} did not answer 200 within {args.timeout:.0f} s (last: {last})")


def run_seed(args) -> None:
    counter = T.TokenCounter(args.spm)
    docs = T.seed_documents(args.samples, T.read_lines(args.passages), counter, args.count, args.whole_passages)
    with open(args.out, "w", encoding="utf-8") as f:
        for doc in docs:
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
    tokens = sum(counter.count(T.PASSAGE_PREFIX + d["text"]) for d in docs)
    print(f"loadgen seed: {len(docs)} documents, {tokens} model ids as passages -> {args.out}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    data = argparse.ArgumentParser(add_help=False)
    data.add_argument("--queries", default="Benchmarks/data/queries.txt")
    data.add_argument("--passages", default="Benchmarks/data/passages.txt")
    data.add_argument("--spm", default="Models/multilingual-e5-small/sentencepiece.bpe.model")
    data.add_argument("--out", help="JSONL file to append the result line to")
    load = argparse.ArgumentParser(add_help=False, parents=[data])
    load.add_argument("--url", required=True, help="http://127.0.0.1:PORT")
    load.add_argument("--clients", type=int, default=16)
    load.add_argument("--seconds", type=float, default=20.0)
    load.add_argument("--warmup", type=float, default=3.0)
    load.add_argument("--max-seconds", type=float, default=120.0, help="cap on this phase's load")
    load.add_argument("--rng-seed", type=int, default=42)
    load.add_argument("--side", default="glossa")
    load.add_argument("--server-pid", type=int, help="the server's pid, to record its CPU seconds in the window")

    p = sub.add_parser("embed", parents=[load])
    p.add_argument("--style", choices=["glossa", "peer"], default="glossa")
    p.add_argument("--mode", choices=["single", "batch"], default="single")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--path", default="/v1/embeddings")
    p.add_argument("--dimension", type=int, default=384, help="embedding size to expect")
    for name, extra in (("search", {"--write-fraction": 0.2, "--write-batch": 4}),
                        ("priority", {"--idle-seconds": 15.0, "--bulk-docs": 10000, "--bulk-batch": 128,
                                      "--bulk-clients": 2})):
        p = sub.add_parser(name, parents=[load])
        p.add_argument("--collection", default="bench")
        p.add_argument("--k", type=int, default=10)
        for flag, default in extra.items():
            p.add_argument(flag, type=type(default), default=default)
    p = sub.add_parser("probe", parents=[data])
    p.add_argument("--url", required=True)
    p.add_argument("--style", choices=["glossa", "peer"], default="glossa")
    p.add_argument("--path", default="/v1/embeddings")
    p.add_argument("--save", required=True)
    p = sub.add_parser("ready")
    p.add_argument("--url", required=True, help="e.g. http://127.0.0.1:8080/ready")
    p.add_argument("--timeout", type=float, default=300.0)
    p = sub.add_parser("seed", parents=[data])
    p.add_argument("--samples", default="samples/passages.jsonl")
    p.add_argument("--count", type=int, default=3000)
    p.add_argument("--whole-passages", type=int, default=500, help="benchmark passages taken whole into the seed")
    args = parser.parse_args()
    if getattr(args, "max_seconds", 120.0) > 120.0:
        parser.error("--max-seconds is at most 120 (the benchmark's bound on one phase's load)")

    if args.command == "seed":
        return run_seed(args)
    import collection_load

    runner = {"embed": run_embed, "probe": run_probe, "ready": run_ready, "search": collection_load.run_search,
              "priority": collection_load.run_priority}[args.command]
    asyncio.run(runner(args))


if __name__ == "__main__":
    main()
