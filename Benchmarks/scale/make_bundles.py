#!/usr/bin/env python3
"""Benchmarks/scale/make_bundles.py SEED_DIR OUT_DIR N [N ...]

The scale benchmark's data: Glossa bundles of N chunk rows whose vectors are perturbed mixtures of REAL mE5
embeddings, so that their neighbour structure (anisotropy, cluster sizes, the ~0.7-0.9 cosines between related
texts) is that of multilingual text, not of a synthetic Gaussian mixture.

Seed: SEED_DIR/passages.jsonl and queries.jsonl, the output of `glossa embed --kind passage|query` on ~35k
Tatoeba sentences in ~100 languages (pick_seed_texts.py). Each generated row is
    x = normalise(s_p + b * (s_q - s_p) + e),   b ~ U(0, 0.5),   e ~ N(0, (0.10 / sqrt(d))^2 I)
where s_p is a random seed passage and s_q one of its 10 nearest seed passages: a point between two real,
related embeddings, slightly off the seeds (cosine to s_p ~0.95), so rows form dense neighbourhoods around
real sentences, as chunks of a large corpus do. Queries: the 1,000 real query embeddings, perturbed the same
way (b = 0). Documents have 1-4 chunks; the text of a chunk is its seed sentence with a row number; each
document's metadata is {"lang": <seed file language or row bucket>, "n": row % 100}.

Writes OUT_DIR/n<N>/bundle/ (manifest.json, rows.jsonl, vectors.f32.npy, exactly as Glossa writes them:
NPY 1.0 with a 128-byte header) and OUT_DIR/queries.npy. Deterministic (seed 20261201).
"""
import hashlib
import json
import os
import sys

import numpy as np

MODEL = "multilingual-e5-small"
NAMESPACE = "d93f2be3-4900-5940-9027-bf7a3336d861"


def load_seed(path):
    rows = [json.loads(line) for line in open(path)]
    x = np.asarray(rows, dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def neighbours(seed, k=10, block=4096):
    """Indices of each seed's k nearest other seeds (inner product), in blocks to bound memory."""
    out = np.empty((len(seed), k), dtype=np.int64)
    for start in range(0, len(seed), block):
        scores = seed[start:start + block] @ seed.T
        for i in range(scores.shape[0]):
            scores[i, start + i] = -np.inf
        out[start:start + block] = np.argpartition(-scores, k, axis=1)[:, :k]
    return out


def npy_header(rows, d):
    text = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, d)
    room = 128 - 10
    text = text + " " * (room - len(text) - 1) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode()


def uuid5(name):
    import uuid
    return uuid.uuid5(uuid.UUID(NAMESPACE), name)


def make(seed, texts, near, n, out, rng):
    d = seed.shape[1]
    folder = os.path.join(out, f"n{n}", "bundle")
    if os.path.exists(os.path.join(folder, "manifest.json")):
        print(f"make_bundles: {folder} exists")
        return
    os.makedirs(folder, exist_ok=True)
    rows_path = os.path.join(folder, "rows.jsonl")
    vec_path = os.path.join(folder, "vectors.f32.npy")
    rows_sha, vec_sha = hashlib.sha256(), hashlib.sha256()
    header = npy_header(n, d)
    vec_sha.update(header)
    documents = 0
    sigma = np.float32(0.10 / np.sqrt(d))
    with open(rows_path, "wb") as rows_file, open(vec_path, "wb") as vec_file:
        vec_file.write(header)
        row = 0
        while row < n:
            m = min(65536, n - row)
            p = rng.integers(0, len(seed), m)
            q = near[p, rng.integers(0, near.shape[1], m)]
            b = rng.uniform(0, 0.5, (m, 1)).astype(np.float32)
            x = seed[p] + b * (seed[q] - seed[p]) + sigma * rng.standard_normal((m, d), dtype=np.float32)
            x /= np.linalg.norm(x, axis=1, keepdims=True)
            data = np.ascontiguousarray(x, dtype="<f4").tobytes()
            vec_sha.update(data)
            vec_file.write(data)
            lines = []
            i = 0
            while i < m:
                chunks = min(int(rng.integers(1, 5)), m - i)
                doc = f"doc-{row + i}"
                pieces = [f"{texts[p[i + c]]} (row {row + i + c})" for c in range(chunks)]
                document_text = " ".join(pieces)
                start = 0
                metadata = {"lang": f"l{p[i] % 100}", "n": int((row + i) % 100)}
                for c, piece in enumerate(pieces):
                    end = start + len(piece.encode())
                    u = uuid5(f"{doc}:{c}")
                    line = {"id": doc, "chunk": c, "start": start, "end": end, "text": piece, "title": None,
                            "metadata": metadata, "uid64": int.from_bytes(u.bytes[:8], "big") & ((1 << 63) - 1),
                            "uuid": str(u)}
                    if c == 0:
                        line["document_text"] = document_text
                    lines.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
                    start = end + 1
                documents += 1
                i += chunks
            blob = ("\n".join(lines) + "\n").encode()
            rows_sha.update(blob)
            rows_file.write(blob)
            row += m
    manifest = {
        "format": "glossa-bundle", "version": 1, "model": MODEL, "dimension": d, "metric": "inner_product",
        "normalized": True, "precision": "float32", "rows": n, "documents": documents, "chunk_tokens": 512,
        "chunk_overlap": 64,
        "files": {"rows.jsonl": {"sha256": rows_sha.hexdigest(), "bytes": os.path.getsize(rows_path)},
                  "vectors.f32.npy": {"sha256": vec_sha.hexdigest(), "bytes": os.path.getsize(vec_path)}},
        "metadata_schema": {"lang": "string", "n": "integer"}, "id_namespace": NAMESPACE,
        "created_by": "Benchmarks/scale/make_bundles.py",
    }
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
    print(f"make_bundles: {folder}: {n} rows, {documents} documents")


def main():
    seed_dir, out = sys.argv[1], sys.argv[2]
    sizes = [int(s) for s in sys.argv[3:]]
    seed = load_seed(os.path.join(seed_dir, "passages.jsonl"))
    texts = [line.rstrip("\n") for line in open(os.path.join(seed_dir, "passages.txt"), encoding="utf-8")]
    assert len(texts) == len(seed), "passages.txt and passages.jsonl disagree"
    rng = np.random.default_rng(20261201)
    queries_path = os.path.join(out, "queries.npy")
    if not os.path.exists(queries_path):
        q = load_seed(os.path.join(seed_dir, "queries.jsonl"))
        q = q + np.float32(0.10 / np.sqrt(q.shape[1])) * rng.standard_normal(q.shape, dtype=np.float32)
        q /= np.linalg.norm(q, axis=1, keepdims=True)
        os.makedirs(out, exist_ok=True)
        np.save(queries_path, q.astype("<f4"))
    todo = [n for n in sizes if not os.path.exists(os.path.join(out, f"n{n}", "bundle", "manifest.json"))]
    if not todo:
        print("make_bundles: every bundle exists")
        return
    near = neighbours(seed)
    for n in todo:
        make(seed, texts, near, n, out, np.random.default_rng(20261201 + n))


if __name__ == "__main__":
    main()
