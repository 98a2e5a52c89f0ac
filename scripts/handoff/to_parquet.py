"""A Glossa bundle as Parquet, for Milvus bulk import, LanceDB, Spark or any Arrow reader.

    python scripts/handoff/to_parquet.py BUNDLE... --out chunks.parquet [--row-group 10000]

Columns: uid64 (int64), uuid (string), id, chunk, start, end, text, title, metadata (JSON text), one typed
column per metadata key of a single type (`meta_<key>`, dots as `__`), and vector (fixed-size list of float32,
the bundle's dimension). The rows keep the bundle's order; the vectors are copied bit for bit.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle as bundles  # noqa: E402
from milvus_handoff import TYPED, field_name, typed_value  # noqa: E402

ARROW = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}


def table(bundle: bundles.Bundle) -> pa.Table:
    rows = bundle.rows
    flat = [bundles.flat_metadata(row.get("metadata") or {}) for row in rows]
    columns = {
        "uid64": pa.array([int(r["uid64"]) for r in rows], pa.int64()),
        "uuid": pa.array([r["uuid"] for r in rows], pa.string()),
        "id": pa.array([r["id"] for r in rows], pa.string()),
        "chunk": pa.array([int(r["chunk"]) for r in rows], pa.int64()),
        "start": pa.array([int(r["start"]) for r in rows], pa.int64()),
        "end": pa.array([int(r["end"]) for r in rows], pa.int64()),
        "text": pa.array([r.get("text") for r in rows], pa.string()),
        "title": pa.array([r.get("title") for r in rows], pa.string()),
        "metadata": pa.array([json.dumps(r.get("metadata") or {}, ensure_ascii=False, sort_keys=True) for r in rows]),
    }
    for key, kind in sorted(bundle.metadata_schema.items()):
        if kind in TYPED:
            columns[field_name(key)] = pa.array([typed_value(m.get(key), kind) for m in flat], ARROW[kind])
    vectors = np.ascontiguousarray(bundle.vectors, dtype="<f4")
    columns["vector"] = pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), bundle.dimension)
    metadata = {b"glossa_manifest": json.dumps(bundle.manifest).encode()}
    return pa.table(columns).replace_schema_metadata(metadata)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bundles", nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--row-group", type=int, default=10_000)
    args = parser.parse_args()
    try:
        result = table(bundles.read_all(args.bundles))
    except bundles.BundleError as error:
        raise SystemExit(f"to_parquet: {error}")
    pq.write_table(result, args.out, row_group_size=args.row_group)
    print(json.dumps({"out": args.out, "rows": result.num_rows, "columns": result.column_names}))


if __name__ == "__main__":
    main()
