"""Benchmarks/serve/workload.py — what every load phase shares: the measured window, the tally of one kind of
request (latencies, texts, tokens, errors by kind, 429s), one request with its error handling, and the JSON
line each measurement prints."""

import asyncio
import json
import os
import sys
import time

from http1 import Connection, latency_summary, retry_after_seconds

REQUEST_TIMEOUT = 60.0


class Tally:
    """Latencies and outcomes of one kind of request inside the measured window."""

    def __init__(self):
        self.latencies: list[float] = []
        self.texts = 0
        self.tokens = 0
        self.errors: dict[str, int] = {}
        self.too_many = 0
        self.samples: list[str] = []  # the first few unexpected answers, verbatim (cut)

    def error(self, kind: str, detail: str = "") -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.samples) < 5:
            self.samples.append(f"{kind}: {detail[:400]}")

    def report(self, seconds: float) -> dict:
        n = len(self.latencies)
        return {"requests": n, "requests_per_s": round(n / seconds, 2), "texts_per_s": round(self.texts / seconds, 1),
                "tokens_per_s": round(self.tokens / seconds, 1), "latency": latency_summary(self.latencies),
                "errors": self.errors, "status_429": self.too_many, "error_samples": self.samples}


class Window:
    """Warm-up, then the measured window; requests count when they complete inside it."""

    def __init__(self, warmup: float, seconds: float, cap: float):
        if warmup + seconds > cap:
            seconds = max(1.0, cap - warmup)
            print(f"loadgen: measured window cut to {seconds:.0f} s (at most {cap:.0f} s of load)", file=sys.stderr)
        self.start = time.perf_counter()
        self.measure_from = self.start + warmup
        self.end = self.measure_from + seconds
        self.seconds = seconds

    def open(self) -> bool:
        return time.perf_counter() < self.end

    def counts(self, t0: float, t1: float) -> bool:
        return t1 >= self.measure_from and t1 <= self.end


def emit(record: dict, out: str | None) -> None:
    """Appends the result line to `out` and prints a one-line summary; without `out`, prints the JSON line."""
    line = json.dumps(record, ensure_ascii=False)
    if not out:
        print(line, flush=True)
        return
    with open(out, "a", encoding="utf-8") as f:
        f.write(line + "\n")
    print("   " + human(record), flush=True)


def human(record: dict) -> str:
    parts = [record["phase"], record.get("side", ""), record.get("mode", "")]
    for key in ("search", "write", "idle", "during_bulk", "bulk", None):
        x = record if key is None else record.get(key)
        if not isinstance(x, dict) or "latency" not in x:
            continue
        lat = x["latency"]
        parts.append(f"{key or ''} {x['requests_per_s']} req/s {x['tokens_per_s']} tok/s p50 {lat['p50_ms']} "
                     f"p99 {lat['p99_ms']} ms, errors {sum(x['errors'].values())}, 429s {x['status_429']}")
    for key in ("verify", "verify_sample"):
        if key in record:
            parts.append(f"{key} {record[key]['ok']}/{record[key]['checked']} ok")
    if "bulk" in record:
        parts.append(f"bulk {record['bulk']['acknowledged_docs']}/{record['bulk_docs']} docs in {record['bulk']['seconds']} s")
    return " | ".join(p for p in parts if p)


def env_record(args, phase: str) -> dict:
    return {"phase": phase, "url": args.url, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "loadavg_before": [round(x, 2) for x in os.getloadavg()]}


async def call(conn: Connection, tally: Tally, window: Window, method: str, path: str, body: bytes | None,
               headers=()):
    """One request: (response if 200 else None, throttled, t0, t1). Errors and 429s are tallied whenever they
    happen (warm-up included); after a 429 the client has already waited Retry-After (throttled is then True)."""
    t0 = time.perf_counter()
    try:
        response = await asyncio.wait_for(conn.request(method, path, body, headers), REQUEST_TIMEOUT)
    except asyncio.TimeoutError:
        conn.close()
        tally.error("timeout", f"{method} {path} took over {REQUEST_TIMEOUT:.0f} s")
        return None, False, t0, time.perf_counter()
    except (OSError, asyncio.IncompleteReadError, ValueError) as error:
        conn.close()
        tally.error(type(error).__name__, f"{method} {path}: {error}")
        await asyncio.sleep(0.05)
        return None, False, t0, time.perf_counter()
    t1 = time.perf_counter()
    if response.status == 429:
        tally.too_many += 1
        await asyncio.sleep(retry_after_seconds(response))
        return None, True, t0, t1
    if response.status != 200:
        tally.error(f"http {response.status}", f"{method} {path} -> {response.body.decode('utf-8', 'replace')}")
        return None, False, t0, t1
    return response, False, t0, t1


def process_cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of process `pid` (all its threads) from /proc; None without a pid."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def server_cpu_in_window(pid: int | None, window: Window) -> float | None:
    """The server's CPU seconds spent inside the measured window (sampled at its two ends)."""
    if not pid:
        return None
    await asyncio.sleep(max(0.0, window.measure_from - time.perf_counter()))
    start = process_cpu_seconds(pid)
    await asyncio.sleep(max(0.0, window.end - time.perf_counter()))
    end = process_cpu_seconds(pid)
    return None if start is None or end is None else round(end - start, 2)

