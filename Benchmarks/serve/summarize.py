#!/usr/bin/env python3
"""Benchmarks/serve/summarize.py — turns one run's raw JSON lines (Benchmarks/results/raw/serve-*.jsonl) into the
Markdown summary Benchmarks/results/serve.md: machine, commit, date, each side's medians over rounds, the ratios,
the goals and whether they were met (a goal whose inputs are missing says so).

  summarize.py RAW.jsonl [--work DIR] [--out Benchmarks/results/serve.md]
"""

import argparse
import glob
import json
import math
import os
import statistics

GLOSSA_ON, GLOSSA_OFF, PEER = "glossa-batching-on", "glossa-batching-off", "infinity-emb"


def load(path: str) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip().startswith("{")]


def med(values):
    values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return statistics.median(values) if values else float("nan")


def embed_table(rows: list[dict]) -> dict:
    """(side, mode) -> medians over rounds of the rate and latency figures, plus the per-round values."""
    table: dict = {}
    for r in rows:
        table.setdefault((r["side"], r["mode"]), []).append(r)
    out = {}
    for key, rs in table.items():
        out[key] = {
            "rounds": len(rs),
            "requests_per_s": med([r["requests_per_s"] for r in rs]),
            "texts_per_s": med([r["texts_per_s"] for r in rs]),
            "tokens_per_s": med([r["tokens_per_s"] for r in rs]),
            "p50_ms": med([r["latency"]["p50_ms"] for r in rs]),
            "p95_ms": med([r["latency"]["p95_ms"] for r in rs]),
            "p99_ms": med([r["latency"]["p99_ms"] for r in rs]),
            "errors": sum(sum(r["errors"].values()) for r in rs),
            "status_429": sum(r["status_429"] for r in rs),
            "per_round_rps": [r["requests_per_s"] for r in rs],
            "per_round_p99": [r["latency"]["p99_ms"] for r in rs],
            "per_server_cpu_s": med([r["requests"] / r["server_cpu_s"] if r.get("server_cpu_s") else None
                                     for r in rs]),
            "client_cores": med([r["client_cpu_s"] / (r["seconds"] + r["warmup_s"]) for r in rs]),
            "server_cores": med([r["server_cpu_s"] / r["seconds"] if r.get("server_cpu_s") is not None else None
                                 for r in rs]),
            "load": [r["loadavg_before"][0] for r in rs],
            "samples": [s for r in rs for s in r.get("error_samples", [])][:3],
        }
    return out


def fmt(x, digits=1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.{digits}f}"


def verdict(ok) -> str:
    return "n/a (not measured)" if ok is None else ("**met**" if ok else "**not met**")


def cosine(a, b) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def parity(work: str | None) -> list[str]:
    if not work:
        return []
    probes = {os.path.basename(p)[6:-5]: json.load(open(p)) for p in glob.glob(os.path.join(work, "probe-*.json"))}
    lines = []
    for other in (GLOSSA_OFF, PEER):
        if GLOSSA_ON in probes and other in probes:
            cos = [cosine(a, b) for kind in ("query", "passage")
                   for a, b in zip(probes[GLOSSA_ON][kind], probes[other][kind])]
            lines.append(f"- {GLOSSA_ON} vs {other}: cosine min {min(cos):.6f} over {len(cos)} texts "
                         "(8 queries, 4 passages)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("raw")
    parser.add_argument("--work")
    parser.add_argument("--out", default="Benchmarks/results/serve.md")
    args = parser.parse_args()
    rows = load(args.raw)
    meta = next((r for r in rows if r["phase"] == "meta"), {})
    embeds = embed_table([r for r in rows if r["phase"] == "embed"])
    search = next((r for r in rows if r["phase"] == "search"), None)
    prio = {r["side"]: r for r in rows if r["phase"] == "priority"}
    verify = next((r for r in rows if r["phase"] == "collection_verify"), None)
    exits = [r for r in rows if r["phase"] == "server_exit"]
    seed = next((r for r in rows if r["phase"] == "seed"), None)
    loads = [r["loadavg_before"][0] for r in rows if "loadavg_before" in r]

    L = ["# Serve benchmark: `glossa serve` versus infinity-emb (CPU PyTorch)", ""]
    L.append(f"Run: `bash Benchmarks/run-serve.sh` ({os.path.basename(args.raw)}), {meta.get('time', '?')}, commit "
             f"{meta.get('commit', '?')}{' + uncommitted changes' if meta.get('worktree_dirty') else ''}; binary "
             f"`{meta.get('glossa_bin', '?')}` built {meta.get('glossa_bin_mtime', '?')} (sha256 "
             f"{meta.get('glossa_bin_sha256', '?')}).")
    L.append(f"Machine: {meta.get('cpu', '?')}, {meta.get('cpus', '?')} CPUs, {meta.get('memory_gib', '?')} GiB, "
             f"{meta.get('kernel', '?')}; load average (1 min) {meta.get('loadavg', ['?'])[0]} at the start, "
             f"{fmt(min(loads) if loads else None, 2)}–{fmt(max(loads) if loads else None, 2)} before the phases. "
             f"Threads: {meta.get('threads', '?')} per server. Peer: {meta.get('peer', '?')} (torch {meta.get('torch', '?')}, "
             f"transformers {meta.get('transformers', '?')}, sentence-transformers {meta.get('sentence_transformers', '?')}).")
    if meta.get("note"):
        L += ["", f"**Note: {meta['note']}**"]
    failures = [r for r in rows if r["phase"] == "failure"]
    if failures:
        L += ["", "**Steps that failed** (the run went on without them; see the server logs in the raw folder): "
              + "; ".join(f"{r['what']} (exit {r['exit']})" for r in failures) + "."]
    L.append("")

    on_s, off_s, peer_s = (embeds.get((s, "single")) for s in (GLOSSA_ON, GLOSSA_OFF, PEER))
    on_b, peer_b = embeds.get((GLOSSA_ON, "batch")), embeds.get((PEER, "batch"))
    ratio = lambda a, b, key: (a[key] / b[key]) if a and b and b[key] else None  # noqa: E731
    g_tp = ratio(on_s, peer_s, "requests_per_s")
    g_p99 = ratio(on_s, peer_s, "p99_ms")
    g_mb = ratio(on_s, off_s, "requests_per_s")
    L += ["## Goals", "", "| goal | measured | verdict |", "|---|---|---|"]
    L.append(f"| Glossa ≥ 2× the peer's throughput, 16 clients × 1 text | {fmt(g_tp, 2)}× "
             f"({fmt(on_s and on_s['requests_per_s'])} vs {fmt(peer_s and peer_s['requests_per_s'])} req/s) | "
             f"{verdict(None if g_tp is None else g_tp >= 2)} |")
    L.append(f"| Glossa p99 ≤ ½ the peer's, 16 clients × 1 text | {fmt(g_p99, 2)}× "
             f"({fmt(on_s and on_s['p99_ms'])} vs {fmt(peer_s and peer_s['p99_ms'])} ms) | "
             f"{verdict(None if g_p99 is None else g_p99 <= 0.5)} |")
    L.append(f"| micro-batching ≥ 3× no batching, 16 clients × 1 text | {fmt(g_mb, 2)}× "
             f"({fmt(on_s and on_s['requests_per_s'])} vs {fmt(off_s and off_s['requests_per_s'])} req/s) | "
             f"{verdict(None if g_mb is None else g_mb >= 3)} |")
    if search:
        errs = sum(search["search"]["errors"].values()) + sum(search["write"]["errors"].values())
        v = search["verify"]
        ok = errs == 0 and v["checked"] > 0 and v["ok"] == v["checked"]
        L.append(f"| mixed search/write: no errors but 429s, every acknowledged document GET-able | {errs} errors, "
                 f"{search['search']['status_429'] + search['write']['status_429']} 429s, {v['ok']}/{v['checked']} "
                 f"documents back | {verdict(ok)} |")
    else:
        L.append("| mixed search/write: no errors but 429s, every acknowledged document GET-able | – | n/a (not measured) |")
    on = prio.get("glossa-lanes-on")
    if on:
        r = on["during_bulk"]["latency"]["p99_ms"] / on["idle"]["latency"]["p99_ms"]
        L.append(f"| lanes on: search p99 during the bulk write ≤ 3× idle p99 | {fmt(r, 2)}× "
                 f"({fmt(on['during_bulk']['latency']['p99_ms'])} vs {fmt(on['idle']['latency']['p99_ms'])} ms) | "
                 f"{verdict(r <= 3)} |")
    else:
        L.append("| lanes on: search p99 during the bulk write ≤ 3× idle p99 | – | n/a (not measured) |")
    L.append("")

    if embeds:
        L += ["## Embeddings (`POST /v1/embeddings`)", "",
              "Medians over rounds (each round: every side in turn, a fresh server each). Tokens are model input ids "
              "(`<s>`, prefix, text, `</s>`), counted by the load generator for both sides alike.", "",
              "| side | clients × texts | req/s | texts/s | tokens/s | p50 ms | p95 ms | p99 ms | errors | 429s | "
              "server / client CPU (cores) | req per server CPU-s | rounds (req/s each) |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for mode, label in (("single", "16 × 1 query"), ("batch", "4 × 32 passages")):
            for side in (GLOSSA_ON, GLOSSA_OFF, PEER):
                e = embeds.get((side, mode))
                if not e:
                    continue
                L.append(f"| {side} | {label} | {fmt(e['requests_per_s'])} | {fmt(e['texts_per_s'])} | "
                         f"{fmt(e['tokens_per_s'], 0)} | {fmt(e['p50_ms'])} | {fmt(e['p95_ms'])} | {fmt(e['p99_ms'])} | "
                         f"{e['errors']} | {e['status_429']} | {fmt(e['server_cores'], 2)} / {fmt(e['client_cores'], 2)} | "
                     f"{fmt(e['per_server_cpu_s'], 1)} | "
                         f"{e['rounds']} ({', '.join(fmt(x) for x in e['per_round_rps'])}) |")
        L.append("")
        b_tp, b_p99 = ratio(on_b, peer_b, "tokens_per_s"), ratio(on_b, peer_b, "p99_ms")
        g_cpu = ratio(on_s, peer_s, "per_server_cpu_s")
        L.append(f"Requests per CPU-second the server itself used (from /proc, inside the window; less sensitive to "
                 f"how much of the shared CPU each server got), Glossa / peer, single texts: {fmt(g_cpu, 2)}×; "
                 f"batching on / off: {fmt(ratio(on_s, off_s, 'per_server_cpu_s'), 2)}×.")
        L.append("")
        L.append(f"Ratios, Glossa (batching on) / peer: single texts {fmt(g_tp, 2)}× req/s, p99 {fmt(g_p99, 2)}×; "
                 f"batches of 32 passages {fmt(b_tp, 2)}× tokens/s, p99 {fmt(b_p99, 2)}×. Batching on / off: single "
                 f"{fmt(g_mb, 2)}×, batches {fmt(ratio(on_b, embeds.get((GLOSSA_OFF, 'batch')), 'tokens_per_s'), 2)}×.")
        samples = [s for e in embeds.values() for s in e["samples"]]
        if samples:
            L += ["", "Unexpected answers (first few, verbatim):", ""] + [f"- `{s}`" for s in samples[:5]]
        par = parity(args.work)
        if par:
            L += ["", "Same work on both sides (embeddings of the same inputs, probed before round 1):", ""] + par
        L.append("")

    if search:
        L += ["## Mixed search and writes (16 clients, 80 % search / 20 % PUT of "
              f"{search['write_batch']} new documents)", "",
              f"{search['seconds']:.0f} s measured after {search['warmup_s']:.0f} s of warm-up, seed collection of "
              f"{seed['documents'] if seed else '?'} documents (indexed in {seed['index_s'] if seed else '?'} s by "
              f"`glossa index`), k = {search['k']}.", "",
              "| op | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | 429s |", "|---|---|---|---|---|---|---|---|"]
        for op in ("search", "write"):
            x = search[op]
            lat = x["latency"]
            L.append(f"| {op} | {fmt(x['requests_per_s'])} | {fmt(lat['p50_ms'])} | {fmt(lat['p95_ms'])} | "
                     f"{fmt(lat['p99_ms'])} | {fmt(lat['max_ms'])} | {sum(x['errors'].values())} | {x['status_429']} |")
        v = search["verify"]
        L += ["", f"Total {fmt(search['qps_total'])} requests/s. Afterwards: {v['ok']} of {v['checked']} acknowledged "
              f"documents GET-able with the text sent ({v['missing']} missing, {v['text_differs']} changed, "
              f"{v['failed']} failed)" + (f"; `glossa verify` after shutdown exit {verify['exit']}" if verify else "")
              + (f"; searching the exact text of {v['searchable']['checked']} of them found "
                 f"{v['searchable']['in_top10']} in their top 10" if v.get("searchable") else "") + "."]
        bad = search["search"]["error_samples"] + search["write"]["error_samples"] + v["samples"]
        if bad:
            L += ["", "Unexpected answers (first few, verbatim):", ""] + [f"- `{s}`" for s in bad[:6]]
        L.append("")

    if prio:
        any_r = next(iter(prio.values()))
        L += ["## Search latency under a bulk write (lanes)", "",
              f"{any_r['clients']} search clients (k = {any_r['k']}); idle for {fmt(any_r['idle_seconds'], 0)} s, then while "
              f"{any_r['bulk_clients']} writers PUT {any_r['bulk_docs']} new passages ({any_r['bulk_tokens']:,} model ids) in "
              f"batches of {any_r['bulk_batch']}.", "",
              "| server | idle p50 / p99 ms | during bulk p50 / p95 / p99 ms | p99 during / idle | search req/s idle / bulk | bulk docs written | bulk docs/s | errors | 429s |",
              "|---|---|---|---|---|---|---|---|---|"]
        for side in ("glossa-lanes-on", "glossa-lanes-off"):
            r = prio.get(side)
            if not r:
                continue
            i, d, b = r["idle"]["latency"], r["during_bulk"]["latency"], r["bulk"]
            errs = sum(sum(r[k]["errors"].values()) for k in ("idle", "during_bulk", "bulk"))
            n429 = sum(r[k]["status_429"] for k in ("idle", "during_bulk", "bulk"))
            L.append(f"| {side} | {fmt(i['p50_ms'])} / {fmt(i['p99_ms'])} | {fmt(d['p50_ms'])} / {fmt(d['p95_ms'])} / "
                     f"{fmt(d['p99_ms'])} | {fmt(d['p99_ms'] / i['p99_ms'], 2)}× | {fmt(r['idle']['requests_per_s'])} / "
                     f"{fmt(r['during_bulk']['requests_per_s'])} | {b['acknowledged_docs']}/{r['bulk_docs']}"
                     f"{'' if b['complete'] else ' (cap reached)'} in {fmt(b['seconds'])} s | {fmt(b['docs_per_s'])} | {errs} | {n429} |")
        L.append("")

    glossa_exits = [e for e in exits if not os.path.basename(e["log"]).startswith("peer")]
    bad_exits = [e for e in glossa_exits if e["exit"] != 0]
    peer_exits = sorted({e["exit"] for e in exits if os.path.basename(e["log"]).startswith("peer")})
    L += ["## Method", "",
          "- One server at a time on 127.0.0.1, started fresh for each measurement, the load generator "
          "(`Benchmarks/serve/loadgen.py`: closed-loop clients, one keep-alive HTTP/1.1 connection each, Python asyncio, "
          "standard library) on the same 2 cores; a request counts when it completes inside the measured window. "
          "Every load phase is capped at 120 s and stops by itself.",
          "- Same model input on both sides: Glossa gets `input_type` (`query`/`passage`) and adds the mE5 prefix "
          "itself; the peer gets `query: ` / `passage: ` + text. Both answer `encoding_format: float` JSON.",
          "- Peer: `infinity_emb v2 --engine torch --device cpu --dtype float32 --no-bettertransformer "
          "--batch-size 32` (its own dynamic batching) on a copy of the model folder that links the same "
          "`config.json`, `model.safetensors`, `sentencepiece.bpe.model` and adds XLM-R tokenizer files and a "
          "sentence-transformers mean-pooling config (`Benchmarks/serve/peer_model.py`); OMP/MKL threads = 2. "
          "Glossa: `OPENBLAS_NUM_THREADS=2`.",
          "- Queries: `Benchmarks/data/queries.txt` (1000 XQuAD-R questions, 6 languages, mean 20 ids); passages: "
          "`Benchmarks/data/passages.txt` (500 contexts of 120–128 ids). Written documents are windows of 24–48 "
          "sentencepiece pieces cut from those passages (`Benchmarks/serve/texts.py`), each distinct.",
          f"- `glossa serve` runs that did not exit 0 on SIGTERM (the contract's graceful shutdown): {len(bad_exits)} "
          f"of {len(glossa_exits)}"
          + (" (" + ", ".join(f"{os.path.basename(e['log'])}: {e['exit']}" for e in bad_exits) + ")" if bad_exits else "")
          + (f"; the peer's exit codes: {', '.join(map(str, peer_exits))} (143 = ended by the signal)" if peer_exits else "")
          + ".",
          ""]
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(L))
    print("\n".join(L[:25]))


if __name__ == "__main__":
    main()
