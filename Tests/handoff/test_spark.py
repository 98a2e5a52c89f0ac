"""Distributed encoding: a 5,000-document multilingual corpus encoded by the Spark job with 4 partitions and
imported gives the same chunks and vectors (≤ 1e-6) as `glossa index` on the same corpus, and the same search
results."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

import bundle as bundles
from conftest import BIN, MODEL, REPO, glossa, glossa_search


def test_spark_encoding_equals_glossa_index(workspace, corpus):
    subset = corpus["documents"][::2][:5000]
    assert len(subset) == 5000
    source = workspace / "spark-corpus.jsonl"
    source.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in subset), encoding="utf-8")
    out = workspace / "spark-bundles"
    job = subprocess.run(
        [sys.executable, str(REPO / "scripts/spark/encode.py"), str(source), "--out", str(out), "--partitions", "4",
         "--master", "local[2]", "--glossa", str(BIN), "--model", str(MODEL)],
        capture_output=True, text=True, timeout=1800, env=dict(os.environ, PYSPARK_PYTHON=sys.executable))
    assert job.returncode == 0, job.stderr[-3000:]
    report = json.loads(job.stdout.strip().splitlines()[-1])
    assert report["partitions"] == 4 and report["documents"] == 5000

    imported = workspace / "from-spark"
    glossa("import", str(imported), *report["bundles"])
    reference = workspace / "from-index"
    glossa("index", str(reference), str(source), "--quiet")

    # Same chunks and vectors: export both and compare row by row, keyed by (document, chunk).
    left, right = workspace / "spark-export", workspace / "index-export"
    glossa("export", str(imported), str(left))
    glossa("export", str(reference), str(right))
    a, b = bundles.read(left), bundles.read(right)
    key = lambda row: (row["id"], row["chunk"])  # noqa: E731
    order_a = sorted(range(len(a.rows)), key=lambda i: key(a.rows[i]))
    order_b = sorted(range(len(b.rows)), key=lambda i: key(b.rows[i]))
    assert [key(a.rows[i]) for i in order_a] == [key(b.rows[i]) for i in order_b]
    for i, j in zip(order_a, order_b):
        for field in ("start", "end", "text", "title", "metadata", "uid64", "uuid"):
            assert a.rows[i].get(field) == b.rows[j].get(field), (key(a.rows[i]), field)
    difference = np.abs(a.vectors[order_a] - b.vectors[order_b]).max()
    assert difference <= 1e-6, difference

    # Same search results.
    queries = workspace / "spark-queries.jsonl"
    queries.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in corpus["queries"][::5]),
                       encoding="utf-8")
    ours, theirs = glossa_search(imported, queries, k=10), glossa_search(reference, queries, k=10)
    for query in ours:
        assert [h["id"] for h in ours[query]] == [h["id"] for h in theirs[query]], query
        assert np.allclose([h["score"] for h in ours[query]], [h["score"] for h in theirs[query]], atol=1e-6)
