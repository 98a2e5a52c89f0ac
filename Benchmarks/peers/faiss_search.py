#!/usr/bin/env python3
"""Benchmarks/peers/faiss_search.py: pip's faiss-cpu half of Benchmarks/run-search.sh, and the shared data generator.

  faiss_search.py generate --out DIR --n N --d D --nq NQ [--centres C] [--seed S]
      writes DIR/base.f32 (N x D) and DIR/queries.f32 (NQ x D): raw little-endian float32, row-major,
      a Gaussian mixture around C random centres (cosine ~0.8 to the own centre), every row L2-normalised,
      so that Glossa (Benchmarks/GlossaBench/SearchBench.swift) and faiss search the very same vectors.
  faiss_search.py run --base F --n N --d D --queries F --nq NQ --index flat|ivf --nlist L --nprobe P
      [--k 10] [--runs 5] [--threads 2] [--latency-count 100] [--train-per-list 64]
      prints one JSON line per measurement: {"side": "faiss-pip", "index", "n", "metric", "median", "runs": [...]}.
Measurements: build_s (train + add, once), batch_qps (NQ queries in one call), latency_ms (mean per query of
--latency-count one-query calls), peak_rss_mb. Medians are over --runs runs after one warm-up.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import numpy as np


def generate(args):
    rng = np.random.default_rng(args.seed)
    centres = rng.standard_normal((args.centres, args.d), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    # Per-component noise s gives |noise| ~ s*sqrt(d); s = 0.75/sqrt(d) puts each vector at cosine ~0.8 to its centre.
    s = np.float32(0.75 / np.sqrt(args.d))

    def sample(count, path):
        with open(path, "wb") as f:
            for start in range(0, count, 65536):
                m = min(65536, count - start)
                x = centres[rng.integers(0, args.centres, m)] + s * rng.standard_normal((m, args.d), dtype=np.float32)
                x /= np.linalg.norm(x, axis=1, keepdims=True)
                f.write(np.ascontiguousarray(x, dtype="<f4").tobytes())

    os.makedirs(args.out, exist_ok=True)
    sample(args.n, os.path.join(args.out, "base.f32"))
    sample(args.nq, os.path.join(args.out, "queries.f32"))


def load(path, n, d):
    x = np.fromfile(path, dtype="<f4", count=n * d)
    if x.size != n * d:
        sys.exit(f"faiss_search: {path} holds {x.size} floats, expected {n}x{d}; regenerate the data")
    return x.reshape(n, d)


def emit(args, metric, values):
    print(json.dumps({"side": "faiss-pip", "index": args.index, "n": args.n, "metric": metric,
                      "median": statistics.median(values), "runs": values}), flush=True)


def run(args):
    import faiss

    faiss.omp_set_num_threads(args.threads)
    base = load(args.base, args.n, args.d)
    queries = load(args.queries, args.nq, args.d)

    start = time.perf_counter()
    if args.index == "flat":
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(args.d))
    else:
        index = faiss.index_factory(args.d, f"IVF{args.nlist},Flat", faiss.METRIC_INNER_PRODUCT)
        # The same training sample as Glossa's side: the first nlist * train-per-list base vectors.
        index.train(base[: min(args.n, args.nlist * args.train_per_list)])
        index.nprobe = args.nprobe
    index.add_with_ids(base, np.arange(args.n, dtype=np.int64))
    emit(args, "build_s", [time.perf_counter() - start])

    index.search(queries, args.k)  # warm-up
    qps = []
    for _ in range(args.runs):
        t = time.perf_counter()
        index.search(queries, args.k)
        qps.append(args.nq / (time.perf_counter() - t))
    emit(args, "batch_qps", qps)

    count = min(args.latency_count, args.nq)
    latency = []
    for _ in range(args.runs):
        t = time.perf_counter()
        for i in range(count):
            index.search(queries[i : i + 1], args.k)
        latency.append((time.perf_counter() - t) * 1000 / count)
    emit(args, "latency_ms", latency)
    emit(args, "peak_rss_mb", [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--out", required=True)
    g.add_argument("--n", type=int, required=True)
    g.add_argument("--d", type=int, default=384)
    g.add_argument("--nq", type=int, default=1000)
    g.add_argument("--centres", type=int, default=2048)
    g.add_argument("--seed", type=int, default=20261128)
    r = sub.add_parser("run")
    r.add_argument("--base", required=True)
    r.add_argument("--n", type=int, required=True)
    r.add_argument("--d", type=int, default=384)
    r.add_argument("--queries", required=True)
    r.add_argument("--nq", type=int, default=1000)
    r.add_argument("--index", choices=["flat", "ivf"], required=True)
    r.add_argument("--nlist", type=int, default=1024)
    r.add_argument("--nprobe", type=int, default=32)
    r.add_argument("--k", type=int, default=10)
    r.add_argument("--runs", type=int, default=5)
    r.add_argument("--threads", type=int, default=2)
    r.add_argument("--latency-count", type=int, default=100)
    r.add_argument("--train-per-list", type=int, default=64)
    args = parser.parse_args()
    generate(args) if args.command == "generate" else run(args)


if __name__ == "__main__":
    main()
