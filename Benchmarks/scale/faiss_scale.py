#!/usr/bin/env python3
"""Benchmarks/scale/faiss_scale.py: the scale benchmark's exact ground truth and pip faiss-cpu peer.

  faiss_scale.py truth --bundle B --queries Q.npy --k 10 --out T
      exact top-k row numbers of every query over the bundle's vectors (numpy, float32 sgemm in blocks);
      writes T.i64 (nq x k int64) and T.f32 (the queries, raw float32) for GlossaBench.
  faiss_scale.py run --bundle B --queries Q.npy --truth T.i64 --index flat|ivf|ivf-sq8|ivf-pq --nlist L
      --nprobe P [--k 10] [--runs 3] [--threads 2] [--latency-count 200] [--nq 1000]
      builds the same index kind as Glossa (IVF{L},Flat / SQ8 / PQ{d/8}x8, trained on a strided sample of
      max(65536, 39 L) vectors as Glossa's rebuild does) and prints JSON lines like GlossaBench scale:
      build_s, batch_qps, latency_p50_ms, latency_p99_ms, recall_at_10, index_memory_mb, peak_rss_mb.
      pip's faiss returns its index's own scores: SQ8/PQ results are NOT re-scored (Glossa's are).
"""
import argparse
import json
import os
import resource
import statistics
import time

import numpy as np


def emit(args, metric, values):
    print(json.dumps({"side": "faiss-pip", "index": args.index, "n": args.n, "metric": metric,
                      "median": statistics.median(values), "runs": values}), flush=True)


def truth(args):
    base = np.load(os.path.join(args.bundle, "vectors.f32.npy"), mmap_mode="r")
    q = np.load(args.queries).astype(np.float32)
    best_s = np.full((len(q), args.k), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(q), args.k), dtype=np.int64)
    for start in range(0, base.shape[0], 131072):
        block = np.asarray(base[start:start + 131072], dtype=np.float32)
        s = q @ block.T
        top = np.argpartition(-s, args.k, axis=1)[:, :args.k] if s.shape[1] > args.k else np.tile(np.arange(s.shape[1]), (len(q), 1))
        cand_s = np.concatenate([best_s, np.take_along_axis(s, top, 1)], 1)
        cand_i = np.concatenate([best_i, top + start], 1)
        order = np.argsort(-cand_s, axis=1, kind="stable")[:, :args.k]
        best_s = np.take_along_axis(cand_s, order, 1)
        best_i = np.take_along_axis(cand_i, order, 1)
    best_i.astype("<i8").tofile(args.out + ".i64")
    q.astype("<f4").tofile(args.out + ".f32")


def run(args):
    import faiss

    faiss.omp_set_num_threads(args.threads)
    base = np.load(os.path.join(args.bundle, "vectors.f32.npy"))
    q = np.load(args.queries).astype(np.float32)
    expected = np.fromfile(args.truth, dtype="<i8").reshape(len(q), args.k)
    # --nq: the first NQ queries only (slow index types at 1M).
    q, expected = q[:args.nq], expected[:args.nq]
    n, d = base.shape
    args.n = n
    start = time.perf_counter()
    if args.index == "flat":
        index = faiss.IndexFlatIP(d)
    else:
        kind = {"ivf": "Flat", "ivf-sq8": "SQ8", "ivf-pq": f"PQ{d // 8}x8"}[args.index]
        index = faiss.index_factory(d, f"IVF{args.nlist},{kind}", faiss.METRIC_INNER_PRODUCT)
        if args.index == "ivf-pq":
            # Glossa's PQ training settings (CFaiss glossa_faiss_create): 39 points per centroid, 10 iterations.
            index.pq.cp.max_points_per_centroid = 39
            index.pq.cp.niter = 10
            index.do_polysemous_training = False
        sample = max(65536, 39 * args.nlist)
        step = max(1, n // sample)
        index.train(np.ascontiguousarray(base[::step]))
        index.nprobe = args.nprobe
    index.add(base)
    emit(args, "build_s", [time.perf_counter() - start])
    index.search(q, args.k)
    qps = []
    for _ in range(args.runs):
        t = time.perf_counter()
        _, found = index.search(q, args.k)
        qps.append(len(q) / (time.perf_counter() - t))
    emit(args, "batch_qps", qps)
    hits = sum(len(set(found[i]) & set(expected[i])) for i in range(len(q)))
    emit(args, "recall_at_10", [hits / (len(q) * args.k)])
    p50, p99 = [], []
    for _ in range(args.runs):
        times = []
        for i in range(min(args.latency_count, len(q))):
            t = time.perf_counter()
            index.search(q[i:i + 1], args.k)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        p50.append(times[len(times) // 2])
        p99.append(times[min(len(times) - 1, int(len(times) * 0.99))])
    emit(args, "latency_p50_ms", p50)
    emit(args, "latency_p99_ms", p99)
    emit(args, "index_memory_mb", [faiss.serialize_index(index).nbytes / 1048576])
    emit(args, "peak_rss_mb", [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("truth")
    t.add_argument("--bundle", required=True)
    t.add_argument("--queries", required=True)
    t.add_argument("--k", type=int, default=10)
    t.add_argument("--out", required=True)
    r = sub.add_parser("run")
    r.add_argument("--bundle", required=True)
    r.add_argument("--queries", required=True)
    r.add_argument("--truth", required=True)
    r.add_argument("--index", required=True)
    r.add_argument("--nlist", type=int, default=1)
    r.add_argument("--nprobe", type=int, default=1)
    r.add_argument("--k", type=int, default=10)
    r.add_argument("--runs", type=int, default=3)
    r.add_argument("--threads", type=int, default=2)
    r.add_argument("--latency-count", type=int, default=200)
    r.add_argument("--nq", type=int, default=1000)
    args = parser.parse_args()
    truth(args) if args.command == "truth" else run(args)


if __name__ == "__main__":
    main()
