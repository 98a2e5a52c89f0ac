"""Serve a Glossa collection from Milvus: load exported bundles, build an index, check the counts.

    python scripts/handoff/milvus_handoff.py load BUNDLE... --collection NAME [--uri http://127.0.0.1:19530] [--index FLAT]
    python scripts/handoff/milvus_handoff.py search --collection NAME --queries Q.npy [--k 10] [--filter lang=ru] [--out hits.json]

The schema follows the bundle: `uid64` (INT64 primary key, derived by Glossa from the document id and chunk),
`id` (the document's string id), `chunk`, `start`, `end`, `text`, `title`, `vector` (FLOAT_VECTOR, inner
product: the vectors are L2-normalised, so IP is cosine), `metadata` (JSON, all of it) and one typed scalar
field per metadata key of a single type in the manifest's schema (`meta_<key>`, dots as `__`), which is what
Milvus filters on. Rows go in by batched inserts (`insert`): the route proven here against the embedded server
from PyPI `milvus` (its bulk import needs object storage the embedded server does not run). Counts are checked
against the manifest after the flush.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle as bundles  # noqa: E402

TYPED = {"string": "VARCHAR", "integer": "INT64", "number": "DOUBLE", "boolean": "BOOL"}
TEXT_LIMIT = 65535  # Milvus VARCHAR max_length, in bytes


def field_name(key: str) -> str:
    """A metadata key as a Milvus field name ([A-Za-z_][A-Za-z0-9_]*)."""
    return "meta_" + re.sub(r"[^A-Za-z0-9_]", "_", key.replace(".", "__"))


def clip(text: str | None, limit: int = TEXT_LIMIT) -> str:
    data = (text or "").encode("utf-8")
    return text or "" if len(data) <= limit else data[:limit].decode("utf-8", errors="ignore")


def schema_for(bundle: bundles.Bundle):
    from pymilvus import CollectionSchema, DataType, FieldSchema

    fields = [
        FieldSchema("uid64", DataType.INT64, is_primary=True, auto_id=False),
        FieldSchema("id", DataType.VARCHAR, max_length=TEXT_LIMIT),
        FieldSchema("chunk", DataType.INT64),
        FieldSchema("start", DataType.INT64),
        FieldSchema("end", DataType.INT64),
        FieldSchema("text", DataType.VARCHAR, max_length=TEXT_LIMIT),
        FieldSchema("title", DataType.VARCHAR, max_length=TEXT_LIMIT),
        FieldSchema("vector", DataType.FLOAT_VECTOR, dim=bundle.dimension),
        FieldSchema("metadata", DataType.JSON),
    ]
    typed = {}
    for key, kind in sorted(bundle.metadata_schema.items()):
        if kind in TYPED:
            typed[key] = kind
            extra = {"max_length": TEXT_LIMIT} if kind == "string" else {}
            fields.append(FieldSchema(field_name(key), getattr(DataType, TYPED[kind]), **extra))
        else:
            print(f"milvus: metadata key {key!r} has {kind} values: kept in the JSON field only", file=sys.stderr)
    return CollectionSchema(fields, description=f"Glossa export of {bundle.manifest['model']}"), typed


def typed_value(value, kind: str):
    """A metadata value for a typed field; absent values get the type's zero (Milvus has no NULL in 2.3)."""
    if value is None or isinstance(value, (list, dict)):
        return {"string": "", "integer": 0, "number": 0.0, "boolean": False}[kind]
    return {"string": str, "integer": int, "number": float, "boolean": bool}[kind](value)


def load(paths: list[str], name: str, uri: str, index: str = "FLAT", batch: int = 2000, drop: bool = True) -> dict:
    from pymilvus import Collection, connections, utility

    bundle = bundles.read_all(paths)
    connections.connect(alias="default", uri=uri)
    if utility.has_collection(name):
        if not drop:
            raise SystemExit(f"milvus: collection {name} exists (use --drop)")
        utility.drop_collection(name)
    schema, typed = schema_for(bundle)
    collection = Collection(name, schema)
    rows = bundle.rows
    for start in range(0, len(rows), batch):
        part = rows[start:start + batch]
        flat = [bundles.flat_metadata(row.get("metadata") or {}) for row in part]
        columns = [
            [int(row["uid64"]) for row in part],
            [clip(row["id"]) for row in part],
            [int(row["chunk"]) for row in part],
            [int(row["start"]) for row in part],
            [int(row["end"]) for row in part],
            [clip(row.get("text")) for row in part],
            [clip(row.get("title")) for row in part],
            np.ascontiguousarray(bundle.vectors[start:start + len(part)]).tolist(),
            [row.get("metadata") or {} for row in part],
        ]
        for key, kind in typed.items():
            columns.append([typed_value(meta.get(key), kind) for meta in flat])
        collection.insert(columns)
        print(f"milvus: inserted {start + len(part)}/{len(rows)} rows", file=sys.stderr)
    collection.flush()
    params = {"FLAT": {}, "HNSW": {"M": 16, "efConstruction": 200}, "IVF_FLAT": {"nlist": 1024}}[index]
    collection.create_index("vector", {"index_type": index, "metric_type": "IP", "params": params})
    collection.load()
    count = collection.num_entities
    if count != int(bundle.manifest["rows"]):
        raise SystemExit(f"milvus: {count} entities after the flush, the manifest says {bundle.manifest['rows']}")
    return {"collection": name, "rows": count, "documents": len({row["id"] for row in rows}),
            "typed_fields": {key: field_name(key) for key in typed}, "index": index, "route": "insert"}


def filter_expression(filters: list[str], typed: set[str] | None = None) -> str:
    """`key=value` pairs as a Milvus boolean expression on the typed fields (strings quoted, numbers not)."""
    parts = []
    for item in filters:
        key, _, value = item.partition("=")
        if re.fullmatch(r"-?\d+(\.\d+)?", value) or value in ("true", "false"):
            literal = value.capitalize() if value in ("true", "false") else value
        else:
            literal = json.dumps(value, ensure_ascii=False)
        parts.append(f"{field_name(key)} == {literal}")
    return " and ".join(parts)


def search(name: str, uri: str, queries: np.ndarray, k: int, filters: list[str]) -> list[list[dict]]:
    """Top-k chunks per query, grouped to documents like Glossa (a document scores as its best chunk)."""
    from pymilvus import Collection, connections

    connections.connect(alias="default", uri=uri)
    collection = Collection(name)
    collection.load()
    expression = filter_expression(filters) or None
    results = []
    # Over-fetch chunks so that k distinct documents remain after grouping.
    fetch = min(16384, k * 4)
    for start in range(0, len(queries), 100):
        batch = queries[start:start + 100].tolist()
        found = collection.search(batch, "vector", {"metric_type": "IP", "params": {}}, limit=fetch,
                                  expr=expression, output_fields=["id", "chunk"])
        for hits in found:
            seen, ranked = set(), []
            for hit in hits:
                document = hit.entity.get("id")
                if document in seen:
                    continue
                seen.add(document)
                ranked.append({"id": document, "score": float(hit.distance), "chunk": int(hit.entity.get("chunk"))})
                if len(ranked) == k:
                    break
            results.append(ranked)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    load_parser = sub.add_parser("load", help="create the collection from bundles, index it, check counts")
    load_parser.add_argument("bundles", nargs="+")
    load_parser.add_argument("--collection", required=True)
    load_parser.add_argument("--uri", default="http://127.0.0.1:19530")
    load_parser.add_argument("--index", default="FLAT", choices=["FLAT", "HNSW", "IVF_FLAT"])
    search_parser = sub.add_parser("search", help="top-k documents for query vectors (.npy)")
    search_parser.add_argument("--collection", required=True)
    search_parser.add_argument("--uri", default="http://127.0.0.1:19530")
    search_parser.add_argument("--queries", required=True)
    search_parser.add_argument("--k", type=int, default=10)
    search_parser.add_argument("--filter", action="append", default=[])
    search_parser.add_argument("--out")
    args = parser.parse_args()
    if args.command == "load":
        print(json.dumps(load(args.bundles, args.collection, args.uri, args.index)))
    else:
        hits = search(args.collection, args.uri, np.load(args.queries).astype("<f4"), args.k, args.filter)
        text = json.dumps(hits)
        Path(args.out).write_text(text) if args.out else print(text)


if __name__ == "__main__":
    try:
        main()
    except bundles.BundleError as error:
        raise SystemExit(f"milvus: {error}")
