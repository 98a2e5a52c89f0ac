"""Encode a corpus on Spark: one Glossa bundle per partition, then `glossa import` builds the collection.

    python scripts/spark/encode.py CORPUS.jsonl --out BUNDLES_DIR [--partitions 4] [--master local[*]]
        [--glossa .build/release/glossa] [--model Models/multilingual-e5-small] [--chunk-tokens 512 --chunk-overlap 64]
    glossa import COLLECTION BUNDLES_DIR/part-*

Each Spark task writes its partition's JSON Lines documents to a temporary file and runs the `glossa` binary on
it (`glossa encode`: the same reading, chunking and embedding as `glossa index`), which writes the partition's
bundle under BUNDLES_DIR/part-NNNNN. Nothing is encoded in Python, so the vectors are Glossa's own, and the
result does not depend on the partitioning: every document is chunked and embedded on its own terms, and
`glossa import` files each under its id. On a cluster, the binary and the model folder must exist at the same
paths on every worker (ship them with --archives, or a shared mount); here `local[*]` runs the tasks on this
machine's cores.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def encode_partition(index: int, lines, out: str, glossa: str, model: str, extra: list[str], threads: str):
    """Runs in a Spark task: the partition's lines → one bundle folder. Yields (partition, documents, rows)."""
    documents = [line for line in lines if line.strip()]
    if not documents:
        return
    target = Path(out) / f"part-{index:05d}"
    with tempfile.TemporaryDirectory(prefix=f"glossa-spark-{index}-") as scratch:
        corpus = Path(scratch) / "documents.jsonl"
        corpus.write_text("\n".join(documents) + "\n", encoding="utf-8")
        staging = Path(scratch) / "bundle"
        environment = dict(os.environ, OPENBLAS_NUM_THREADS=threads)
        command = [glossa, "encode", str(corpus), "--out", str(staging), "--model", model, "--quiet", *extra]
        finished = subprocess.run(command, capture_output=True, text=True, env=environment)
        if finished.returncode != 0:
            raise RuntimeError(f"partition {index}: {' '.join(command)} exited {finished.returncode}: "
                               f"{finished.stderr.strip()[-2000:]}")
        # A finished bundle appears under its final name in one rename (a retried task replaces its own).
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(staging), str(target))
    manifest = json.loads((target / "manifest.json").read_text())
    yield index, len(documents), int(manifest["rows"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", help="JSON Lines documents {id, text, title?, metadata?}")
    parser.add_argument("--out", required=True, help="folder for the bundles (part-NNNNN)")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--glossa", default=".build/release/glossa")
    parser.add_argument("--model", default=os.environ.get("GLOSSA_MODEL", "Models/multilingual-e5-small"))
    parser.add_argument("--threads-per-task", default="1", help="encoder threads in each task (OPENBLAS_NUM_THREADS)")
    parser.add_argument("--chunk-tokens", type=int)
    parser.add_argument("--chunk-overlap", type=int)
    args = parser.parse_args()

    from pyspark.sql import SparkSession

    glossa = str(Path(args.glossa).resolve())
    model = str(Path(args.model).resolve())
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    extra = []
    if args.chunk_tokens:
        extra += ["--chunk-tokens", str(args.chunk_tokens)]
    if args.chunk_overlap is not None:
        extra += ["--chunk-overlap", str(args.chunk_overlap)]
    spark = (SparkSession.builder.master(args.master).appName("glossa-encode")
             .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
             .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
    try:
        lines = spark.sparkContext.textFile(str(Path(args.corpus).resolve())).repartition(args.partitions)
        threads = args.threads_per_task
        done = lines.mapPartitionsWithIndex(
            lambda index, part: encode_partition(index, part, str(out), glossa, model, extra, threads)).collect()
    finally:
        spark.stop()
    done.sort()
    report = {"bundles": [str(out / f"part-{index:05d}") for index, _, _ in done],
              "documents": sum(d for _, d, _ in done), "rows": sum(r for _, _, r in done),
              "partitions": len(done)}
    print(json.dumps(report))


if __name__ == "__main__":
    sys.exit(main())
