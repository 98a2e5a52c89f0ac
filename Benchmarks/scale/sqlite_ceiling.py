#!/usr/bin/env python3
"""How fast SQLite alone stores a bundle in Glossa's schema: the ceiling of `glossa import`'s storing pass.

    sqlite_ceiling.py --bundle DIR --schema COLLECTION.sqlite [--batch 4096] [--runs 3] [--no-lexical]
                      [--fts5 hashsize=67108864,automerge=4] [--autocheckpoint 4096]

Everything Glossa does before SQLite (reading and checking the bundle, planning, hashing, lexical analysis,
Swift and GRDB) is done here BEFORE the clock starts; the timed part is only the inserts: per document one
`document` row and its `metadata_entry` rows, per chunk one `chunk` row with its float32 blob and one row of
the contentless FTS5 `lexical` table (tokenize='ascii'), `--batch` rows per transaction, with the pragmas of
Glossa's bulk import (WAL, synchronous NORMAL, 64 MiB checkpoints and page cache). Python's sqlite3 module
is a thin C binding, so its per-row cost is small beside SQLite's.

The schema is copied from an existing collection (`--schema`). The lexical terms are an approximation, said
here so nobody mistakes them for Glossa's analyzer: words = runs of letters and digits of the casefolded
chunk text; pieces = the same words again (Glossa's pieces are sentencepiece ids, about as many); bigrams =
overlapping pairs of CJK characters. `--no-lexical` leaves the FTS5 rows out (to see their share). Prints one
JSON line per run and the median rows/s.
"""
import argparse
import hashlib
import json
import os
import re
import sqlite3
import statistics
import tempfile
import time

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
WORD = re.compile(r"\w+")


def load(bundle, dimension):
    """The documents of the bundle, each with its chunks, vectors and approximate terms (untimed)."""
    vectors = open(os.path.join(bundle, "vectors.f32.npy"), "rb")
    header = vectors.read(10)
    vectors.read(int.from_bytes(header[8:10], "little"))  # the rest of the NPY v1 header
    documents = []
    current = None
    for line in open(os.path.join(bundle, "rows.jsonl"), encoding="utf-8"):
        row = json.loads(line)
        blob = vectors.read(4 * dimension)
        if current is None or current["id"] != row["id"]:
            text = row.get("document_text", row["text"])
            metadata = json.dumps(row.get("metadata") or {}, sort_keys=True, separators=(",", ":"))
            current = {"id": row["id"], "title": row.get("title"), "text": text, "metadata": metadata,
                       "hash": hashlib.sha256(text.encode()).hexdigest(), "shard": 0,
                       "entries": [(k, str(v)) for k, v in (row.get("metadata") or {}).items()], "chunks": []}
            documents.append(current)
        folded = row["text"].casefold()
        words = " ".join(WORD.findall(folded))
        bigrams = " ".join(run[i:i + 2] for run in CJK.findall(folded) for i in range(max(1, len(run) - 1)))
        current["chunks"].append((row["start"], row["end"], blob, words, bigrams, words))
    return documents


def schema_sql(path):
    db = sqlite3.connect(path)
    sql = [r[0] for r in db.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'lexical_%' "
        "AND name NOT LIKE 'sqlite_%' ORDER BY rowid")]
    db.close()
    return sql


def run(documents, schema, batch, lexical, fts5, autocheckpoint):
    folder = tempfile.mkdtemp(prefix="sqlite-ceiling-")
    path = os.path.join(folder, "collection.sqlite")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    for statement in schema:
        db.execute(statement)
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute(f"PRAGMA wal_autocheckpoint = {autocheckpoint}")
    for option in filter(None, fts5.split(",")):
        name, value = option.split("=")
        db.execute("INSERT INTO lexical(lexical, rank) VALUES (?, ?)", (name, int(value)))
    db.execute("PRAGMA cache_size = -65536")
    rows = 0
    start = time.perf_counter()
    db.execute("BEGIN")
    in_batch = 0
    for document in documents:
        cursor = db.execute(
            "INSERT INTO document(external_id, title, text, metadata, content_hash, shard) VALUES (?,?,?,?,?,?)",
            (document["id"], document["title"], document["text"], document["metadata"], document["hash"], 0))
        document_id = cursor.lastrowid
        db.executemany("INSERT INTO metadata_entry(document_id, key, value) VALUES (?,?,?)",
                       [(document_id, k, v) for k, v in document["entries"]])
        for ordinal, (s, e, blob, words, bigrams, pieces) in enumerate(document["chunks"]):
            chunk = db.execute(
                'INSERT INTO chunk(document_id, ordinal, start, "end", shard, vector) VALUES (?,?,?,?,?,?)',
                (document_id, ordinal, s, e, 0, blob)).lastrowid
            if lexical:
                db.execute("INSERT INTO lexical(rowid, words, bigrams, pieces) VALUES (?,?,?,?)",
                           (chunk, words, bigrams, pieces))
            rows += 1
            in_batch += 1
        if in_batch >= batch:
            db.execute("COMMIT")
            db.execute("BEGIN")
            in_batch = 0
    db.execute("COMMIT")
    seconds = time.perf_counter() - start
    db.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    os.rmdir(folder)
    return rows, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", required=True)
    parser.add_argument("--schema", required=True, help="an existing collection.sqlite whose schema to copy")
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-lexical", action="store_true", help="leave out the FTS5 rows")
    parser.add_argument("--fts5", default="", help="FTS5 options set before the inserts, name=value,...")
    parser.add_argument("--autocheckpoint", type=int, default=4096, help="PRAGMA wal_autocheckpoint (pages)")
    args = parser.parse_args()
    manifest = json.load(open(os.path.join(args.bundle, "manifest.json")))
    documents = load(args.bundle, manifest["dimension"])
    schema = schema_sql(args.schema)
    rates = []
    for _ in range(args.runs):
        rows, seconds = run(documents, schema, args.batch, not args.no_lexical, args.fts5, args.autocheckpoint)
        rates.append(rows / seconds)
        print(json.dumps({"name": "sqlite_ceiling", "rows": rows, "seconds": round(seconds, 3),
                          "rows_per_s": round(rows / seconds), "lexical": not args.no_lexical,
                          "batch": args.batch, "fts5": args.fts5, "autocheckpoint": args.autocheckpoint,
                          "sqlite": sqlite3.sqlite_version}))
    print(json.dumps({"name": "sqlite_ceiling_median", "rows_per_s": round(statistics.median(rates)),
                      "runs": args.runs, "load": os.getloadavg()}))


if __name__ == "__main__":
    main()
