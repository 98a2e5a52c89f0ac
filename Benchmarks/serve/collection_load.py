"""Benchmarks/serve/collection_load.py — the collection workloads of the load generator (see loadgen.py):

search    16 clients, each request a search (80 %) or a PUT of a small batch of new unique documents (20 %),
          for --seconds; then every acknowledged document is fetched back (GET) and compared with what was sent.
priority  a few search clients alone (idle latency), then the same clients while bulk writers PUT a
          --bulk-docs corpus in batches of --bulk-batch; the bulk phase ends when the corpus is written or the
          load cap is reached (the record says how many documents were acknowledged).
"""

import asyncio
import json
import os
import random
import time
import urllib.parse

import texts as T
from http1 import Connection, loopback_target
from workload import Tally, Window, call, emit, env_record, process_cpu_seconds, server_cpu_in_window


def search_bodies(queries: list[str], k: int) -> list[bytes]:
    return [json.dumps({"query": q, "k": k}, ensure_ascii=False).encode() for q in queries]


def check_search(body: bytes, k: int) -> str | None:
    try:
        hits = json.loads(body)["hits"]
    except (ValueError, KeyError, TypeError) as error:
        return f"no hits list ({error}): {body[:200]!r}"
    if not isinstance(hits, list) or not 0 < len(hits) <= k:
        return f"{len(hits) if isinstance(hits, list) else hits!r} hits for k={k}"
    return None


def check_put(body: bytes, sent: int) -> str | None:
    try:
        answer = json.loads(body)
    except ValueError as error:
        return f"not JSON ({error}): {body[:200]!r}"
    if answer.get("inserted") != sent:
        return f"sent {sent} new documents, answer {answer}"
    return None


async def verify(host: str, port: int, collection: str, sent: dict[str, str], concurrency: int = 8) -> dict:
    """GET every acknowledged document; counts those missing (404), changed (text differs) or failing."""
    ids = list(sent)
    outcome = {"checked": len(ids), "ok": 0, "missing": 0, "text_differs": 0, "failed": 0, "samples": []}
    cursor = iter(ids)

    async def worker() -> None:
        conn = Connection(host, port)
        for doc_id in cursor:
            path = f"/collections/{collection}/documents/{urllib.parse.quote(doc_id, safe='')}"
            try:
                response = await asyncio.wait_for(conn.request("GET", path), 30)
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as error:
                conn.close()
                outcome["failed"] += 1
                kind, detail = "failed", repr(error)
            else:
                if response.status == 200 and json.loads(response.body).get("text") == sent[doc_id]:
                    outcome["ok"] += 1
                    continue
                kind = "missing" if response.status == 404 else ("text_differs" if response.status == 200 else "failed")
                outcome[kind] += 1
                detail = f"{response.status} {response.body[:300]!r}"
            if len(outcome["samples"]) < 5:
                outcome["samples"].append(f"GET {path}: {kind}: {detail}")
        conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    outcome["seconds"] = round(time.perf_counter() - t0, 2)
    outcome["searchable"] = await searchable(host, port, collection, sent)
    return outcome


async def searchable(host: str, port: int, collection: str, sent: dict[str, str], count: int = 50) -> dict:
    """Searches the exact text of `count` acknowledged documents: how many come back in the top 10 (the contract
    acknowledges a write only once it is visible to search; a near-copy among the seed windows may outrank it,
    so this is a check, not a proof)."""
    sample = random.Random(7).sample(sorted(sent), min(count, len(sent)))
    conn = Connection(host, port)
    found, samples = 0, []
    for doc_id in sample:
        body = json.dumps({"query": sent[doc_id], "k": 10}, ensure_ascii=False).encode()
        response = await asyncio.wait_for(conn.request("POST", f"/collections/{collection}/search", body), 60)
        ids = [h.get("id") for h in json.loads(response.body).get("hits", [])] if response.status == 200 else []
        if doc_id in ids:
            found += 1
        elif len(samples) < 3:
            samples.append(f"{doc_id}: {response.status}, top ids {ids[:3]}")
    conn.close()
    return {"checked": len(sample), "in_top10": found, "samples": samples}


async def run_search(args) -> None:
    host, port = loopback_target(args.url)
    counter = T.TokenCounter(args.spm)
    queries = search_bodies(T.read_lines(args.queries), args.k)
    stream = T.fragments(T.read_lines(args.passages), counter, "live")
    record = env_record(args, "search")
    search, write = Tally(), Tally()
    acknowledged: dict[str, str] = {}
    window = Window(args.warmup, args.seconds, args.max_seconds)
    rng = random.Random(args.rng_seed)
    search_path = f"/collections/{args.collection}/search"
    put_path = f"/collections/{args.collection}/documents"

    async def client(c: int) -> None:
        conn = Connection(host, port)
        seq = 0
        while window.open():
            if rng.random() < args.write_fraction:
                docs = [{"id": f"live-{c:02d}-{seq:05d}-{j}", "text": next(stream),
                         "metadata": {"source": "live", "client": c}} for j in range(args.write_batch)]
                seq += 1
                body = json.dumps({"documents": docs}, ensure_ascii=False).encode()
                response, _, t0, t1 = await call(conn, write, window, "PUT", put_path, body)
                if response is None:
                    continue
                problem = check_put(response.body, len(docs))
                # A 200 is an acknowledgement whatever the window: every acknowledged document is verified.
                acknowledged.update({d["id"]: d["text"] for d in docs})
                tally = write
            else:
                response, _, t0, t1 = await call(conn, search, window, "POST", search_path, rng.choice(queries))
                if response is None:
                    continue
                problem = check_search(response.body, args.k)
                tally = search
            if problem:
                tally.error("bad body", problem)
            elif window.counts(t0, t1):
                tally.latencies.append(t1 - t0)
                tally.texts += args.write_batch if tally is write else 1
        conn.close()

    cpu0 = time.process_time()
    server_cpu = asyncio.ensure_future(server_cpu_in_window(args.server_pid, window))
    await asyncio.gather(*(client(c) for c in range(args.clients)))
    load_s = time.perf_counter() - window.start
    record.update({"clients": args.clients, "seconds": window.seconds, "warmup_s": args.warmup,
                   "write_fraction": args.write_fraction, "write_batch": args.write_batch, "k": args.k,
                   "load_s": round(load_s, 1), "client_cpu_s": round(time.process_time() - cpu0, 2),
                   "server_cpu_s": await server_cpu,
                   "search": search.report(window.seconds), "write": write.report(window.seconds),
                   "loadavg_after": [round(x, 2) for x in os.getloadavg()]})
    record["qps_total"] = round(record["search"]["requests_per_s"] + record["write"]["requests_per_s"], 2)
    record["verify"] = await verify(host, port, args.collection, acknowledged)
    emit(record, args.out)


async def run_priority(args) -> None:
    host, port = loopback_target(args.url)
    counter = T.TokenCounter(args.spm)
    queries = search_bodies(T.read_lines(args.queries), args.k)
    stream = T.fragments(T.read_lines(args.passages), counter, "bulk")
    bulk = [{"id": f"bulk-{i:05d}", "text": next(stream), "metadata": {"source": "bulk"}}
            for i in range(args.bulk_docs)]
    bulk_tokens = sum(counter.count(T.PASSAGE_PREFIX + d["text"]) for d in bulk)
    batches = [bulk[i : i + args.bulk_batch] for i in range(0, len(bulk), args.bulk_batch)]
    record = env_record(args, "priority")
    record.update({"side": args.side, "clients": args.clients, "k": args.k, "bulk_docs": len(bulk),
                   "bulk_tokens": bulk_tokens, "bulk_batch": args.bulk_batch, "bulk_clients": args.bulk_clients})
    rng = random.Random(args.rng_seed)
    search_path = f"/collections/{args.collection}/search"
    put_path = f"/collections/{args.collection}/documents"
    conns = [Connection(host, port) for _ in range(args.clients)]
    cpu0 = time.process_time()

    async def searcher(c: int, tally: Tally, window: Window, keep_going) -> None:
        while window.open() and keep_going():
            response, _, t0, t1 = await call(conns[c], tally, window, "POST", search_path, rng.choice(queries))
            if response is None:
                continue
            problem = check_search(response.body, args.k)
            if problem:
                tally.error("bad body", problem)
            elif window.counts(t0, t1):
                tally.latencies.append(t1 - t0)
                tally.texts += 1

    # Idle: searches alone.
    idle = Tally()
    idle_window = Window(args.warmup, args.idle_seconds, args.max_seconds)
    await asyncio.gather(*(searcher(c, idle, idle_window, lambda: True) for c in range(args.clients)))
    record["idle"] = idle.report(idle_window.seconds)
    record["idle_seconds"] = idle_window.seconds

    # Bulk: the same searchers while the bulk writers run; both stop when the corpus is written (or at the cap).
    during, writes = Tally(), Tally()
    bulk_window = Window(0.0, args.max_seconds - args.warmup - idle_window.seconds, args.max_seconds)
    pending = iter(batches)
    acknowledged: dict[str, str] = {}
    state = {"writers": args.bulk_clients}

    async def writer() -> None:
        conn = Connection(host, port)
        for batch in pending:
            body = json.dumps({"documents": batch}, ensure_ascii=False).encode()
            response = None
            while bulk_window.open():
                response, throttled, t0, t1 = await call(conn, writes, bulk_window, "PUT", put_path, body)
                if not throttled:
                    break  # answered, or failed (tallied; the batch is skipped); after a 429 send it again
            if response is None:
                if not bulk_window.open():
                    break
                continue
            problem = check_put(response.body, len(batch))
            if problem:
                writes.error("bad body", problem)
            acknowledged.update({d["id"]: d["text"] for d in batch})
            writes.latencies.append(t1 - t0)
            writes.texts += len(batch)
        conn.close()
        state["writers"] -= 1

    t_bulk = time.perf_counter()
    cpu_bulk = process_cpu_seconds(args.server_pid)
    await asyncio.gather(*(writer() for _ in range(args.bulk_clients)),
                         *(searcher(c, during, bulk_window, lambda: state["writers"] > 0) for c in range(args.clients)))
    bulk_s = time.perf_counter() - t_bulk
    cpu_end = process_cpu_seconds(args.server_pid)
    record["server_cpu_s_bulk"] = None if cpu_bulk is None or cpu_end is None else round(cpu_end - cpu_bulk, 2)
    for conn in conns:
        conn.close()
    record["during_bulk"] = during.report(bulk_s)
    record["bulk"] = {**writes.report(bulk_s), "seconds": round(bulk_s, 2), "acknowledged_docs": len(acknowledged),
                      "complete": len(acknowledged) == len(bulk),
                      "docs_per_s": round(len(acknowledged) / bulk_s, 1),
                      "tokens_per_s": round(bulk_tokens * len(acknowledged) / len(bulk) / bulk_s, 1)}
    sample = dict(random.Random(1).sample(sorted(acknowledged.items()), min(200, len(acknowledged))))
    record["verify_sample"] = await verify(host, port, args.collection, sample)
    record["client_cpu_s"] = round(time.process_time() - cpu0, 2)
    record["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    emit(record, args.out)
