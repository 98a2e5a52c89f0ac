"""The Parquet hand-off (for Milvus bulk import, LanceDB, Spark): every row and every vector bit for bit."""
from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq

import bundle as bundles
import to_parquet


def test_parquet_holds_the_bundle_exactly(exported, workspace):
    source = bundles.read(exported)
    out = workspace / "chunks.parquet"
    table = to_parquet.table(source)
    pq.write_table(table, out)
    back = pq.read_table(out)
    assert back.num_rows == len(source.rows)
    vectors = np.stack(back.column("vector").to_numpy(zero_copy_only=False)).astype("<f4")
    assert vectors.tobytes() == np.ascontiguousarray(source.vectors).tobytes()
    assert back.column("id").to_pylist() == [r["id"] for r in source.rows]
    assert back.column("uid64").to_pylist() == [r["uid64"] for r in source.rows]
    assert back.column("meta_lang").to_pylist() == [r["metadata"]["lang"] for r in source.rows]
    assert back.column("meta_source__set").to_pylist()[0] == "tatoeba"
    assert json.loads(back.schema.metadata[b"glossa_manifest"])["rows"] == len(source.rows)
    # The derived keys are unique, as a primary key must be.
    assert len(set(back.column("uid64").to_pylist())) == back.num_rows
    assert len(set(back.column("uuid").to_pylist())) == back.num_rows
