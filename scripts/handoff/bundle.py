"""Reading a Glossa bundle (what `glossa export` and `glossa encode` write) for the hand-off scripts.

A bundle is a folder: manifest.json (model, dimension, metric, normalisation, row count, SHA-256 of each
file, metadata schema), rows.jsonl (one JSON object per chunk, in vector order) and vectors.f32.npy
(rows x dimension, little-endian float32). Everything here checks what it reads against the manifest and
names the file and line of anything wrong, so a hand-off never loads half a bundle silently.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class BundleError(Exception):
    """A bundle that does not match its manifest, or is not a bundle at all."""


@dataclass
class Bundle:
    folder: Path
    manifest: dict
    rows: list[dict]
    vectors: np.ndarray  # (rows, dimension) float32

    @property
    def dimension(self) -> int:
        return int(self.manifest["dimension"])

    @property
    def metadata_schema(self) -> dict[str, str]:
        return dict(self.manifest.get("metadata_schema") or {})


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read(folder: str | Path, verify_hashes: bool = True) -> Bundle:
    """The bundle in `folder`, checked: format, hashes, row counts, vector shape, finiteness, norms."""
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise BundleError(f"{manifest_path}: cannot read the manifest ({error})") from error
    if manifest.get("format") != "glossa-bundle":
        raise BundleError(f"{manifest_path}: field 'format' is {manifest.get('format')!r}, not 'glossa-bundle'")
    files = manifest.get("files") or {}
    for name in ("rows.jsonl", "vectors.f32.npy"):
        entry = files.get(name)
        if not entry:
            raise BundleError(f"{manifest_path}: field 'files' lacks {name}")
        if verify_hashes:
            actual = sha256(folder / name)
            if actual != entry.get("sha256"):
                raise BundleError(f"{folder / name}: SHA-256 {actual} differs from the manifest's {entry.get('sha256')}")
    rows = []
    rows_path = folder / "rows.jsonl"
    with rows_path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise BundleError(f"{rows_path}:{number}: not JSON ({error})") from error
    vectors = np.load(folder / "vectors.f32.npy", mmap_mode="r", allow_pickle=False)
    expected = int(manifest["rows"])
    if len(rows) != expected or vectors.shape != (expected, int(manifest["dimension"])):
        raise BundleError(f"{folder}: manifest says {expected} rows of dimension {manifest['dimension']}, "
                          f"rows.jsonl has {len(rows)}, vectors.f32.npy is {vectors.shape}")
    if vectors.dtype != np.dtype("<f4"):
        raise BundleError(f"{folder / 'vectors.f32.npy'}: dtype {vectors.dtype}, not little-endian float32")
    if not np.isfinite(vectors).all():
        raise BundleError(f"{folder / 'vectors.f32.npy'}: row {int(np.argwhere(~np.isfinite(vectors))[0][0])} is not finite")
    return Bundle(folder, manifest, rows, np.asarray(vectors))


def read_all(folders: list[str | Path]) -> Bundle:
    """Several bundles of one model (e.g. one per shard) as one."""
    bundles = [read(folder) for folder in folders]
    first = bundles[0].manifest
    for bundle in bundles[1:]:
        if (bundle.manifest["model"], bundle.dimension) != (first["model"], int(first["dimension"])):
            raise BundleError(f"{bundle.folder}: model {bundle.manifest['model']} / {bundle.dimension} differs from "
                              f"{bundles[0].folder}'s {first['model']} / {first['dimension']}")
    schema: dict[str, str] = {}
    for bundle in bundles:
        for key, kind in bundle.metadata_schema.items():
            schema[key] = kind if schema.get(key, kind) == kind else "mixed"
    manifest = dict(first, rows=sum(len(b.rows) for b in bundles), metadata_schema=schema)
    return Bundle(bundles[0].folder, manifest, [row for b in bundles for row in b.rows],
                  np.concatenate([b.vectors for b in bundles]) if len(bundles) > 1 else bundles[0].vectors)


def flat_metadata(metadata: dict, prefix: str = "") -> dict:
    """Nested metadata as dotted keys (how Glossa's filters name them); arrays stay arrays."""
    out = {}
    for key, value in metadata.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flat_metadata(value, name + "."))
        else:
            out[name] = value
    return out
