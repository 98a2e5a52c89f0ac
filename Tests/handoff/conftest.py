"""Fixtures of the hand-off suite: one multilingual corpus (10,000 Tatoeba sentences in 20 languages, with
metadata), indexed once with `glossa index` into a flat collection and exported once with `glossa export`,
1,000 English queries encoded once with `glossa embed`, and one embedded Milvus server on loopback. Every
test reuses them, so the slow parts (encoding, starting Milvus) happen once per run."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts" / "handoff"))

BIN = Path(os.environ.get("GLOSSA_BIN", REPO / ".build/release/glossa"))
MODEL = Path(os.environ.get("GLOSSA_MODEL", REPO / "Models/multilingual-e5-small"))
SHARED = Path(os.environ.get("GLOSSA_SHARED", REPO.parent / "shared"))
CI = os.environ.get("CI") == "true"
LANGUAGES = ["deu", "fra", "spa", "ita", "por", "nld", "rus", "pol", "tur", "ara",
             "heb", "hin", "jpn", "cmn", "kor", "vie", "tha", "ell", "fin", "swe"]
PER_LANGUAGE = 500
QUERIES_PER_LANGUAGE = 50


def require(condition: bool, what: str) -> None:
    """Missing prerequisites fail under CI and skip elsewhere."""
    if not condition:
        if CI:
            pytest.fail(what)
        pytest.skip(what)


def glossa(*arguments: str, stdin: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess:
    environment = dict(os.environ, GLOSSA_MODEL=str(MODEL))
    finished = subprocess.run([str(BIN), *arguments], input=stdin, capture_output=True, env=environment,
                              cwd=REPO, timeout=1800)
    if check and finished.returncode != 0:
        raise AssertionError(f"glossa {' '.join(arguments)} exited {finished.returncode}: "
                             f"{finished.stderr.decode(errors='replace')[-3000:]}")
    return finished


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def workspace(tmp_path_factory) -> Path:
    require(BIN.is_file(), f"{BIN} is missing: run `make build`")
    require((MODEL / "model.safetensors").is_file(), f"{MODEL} is missing: run `make model`")
    require((SHARED / "data/tatoeba").is_dir(), f"{SHARED}/data/tatoeba is missing")
    return tmp_path_factory.mktemp("handoff")


@pytest.fixture(scope="session")
def corpus(workspace: Path) -> dict:
    """10,000 documents (500 sentences of each of 20 languages) and 1,000 English queries for them."""
    documents, queries, relevant = [], [], {}
    for language in LANGUAGES:
        pair = SHARED / f"data/tatoeba/tatoeba.{language}-eng"
        native = Path(f"{pair}.{language}").read_text(encoding="utf-8").splitlines()[:PER_LANGUAGE]
        english = Path(f"{pair}.eng").read_text(encoding="utf-8").splitlines()[:PER_LANGUAGE]
        for line, text in enumerate(native):
            documents.append({"id": f"{language}-{line:04d}", "text": text,
                              "metadata": {"lang": language, "line": line, "source": {"set": "tatoeba"}}})
        for line in range(QUERIES_PER_LANGUAGE):
            queries.append({"_id": f"q-{language}-{line:04d}", "text": english[line]})
            relevant[f"q-{language}-{line:04d}"] = f"{language}-{line:04d}"
    path = workspace / "corpus.jsonl"
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents), encoding="utf-8")
    query_path = workspace / "queries.jsonl"
    query_path.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in queries), encoding="utf-8")
    return {"path": path, "documents": documents, "queries_path": query_path, "queries": queries,
            "relevant": relevant}


@pytest.fixture(scope="session")
def collection(workspace: Path, corpus: dict) -> Path:
    folder = workspace / "flat"
    glossa("index", str(folder), str(corpus["path"]), "--quiet")
    return folder


@pytest.fixture(scope="session")
def exported(workspace: Path, collection: Path) -> Path:
    out = workspace / "bundle"
    glossa("export", str(collection), str(out))
    return out


@pytest.fixture(scope="session")
def query_vectors(workspace: Path, corpus: dict) -> np.ndarray:
    lines = "\n".join(q["text"] for q in corpus["queries"]) + "\n"
    output = glossa("embed", "--kind", "query", "--quiet", stdin=lines.encode()).stdout.decode()
    vectors = np.array([json.loads(line) for line in output.splitlines() if line.strip()], dtype="<f4")
    assert vectors.shape == (len(corpus["queries"]), 384)
    return vectors


def glossa_search(collection: Path, queries_path: Path, k: int, filters: list[str] = ()) -> dict[str, list[dict]]:
    """`glossa search --queries` as {query id: [{"id", "score"}]}."""
    arguments = ["search", str(collection), "--queries", str(queries_path), "--k", str(k)]
    for item in filters:
        arguments += ["--filter", item]
    output = glossa(*arguments).stdout.decode()
    results = {}
    for line in output.splitlines():
        record = json.loads(line)
        results[record["query_id"]] = [{"id": h["id"], "score": h["score"]} for h in record["hits"]]
    return results


@pytest.fixture(scope="session")
def milvus_uri(workspace: Path):
    """The embedded Milvus server from PyPI `milvus`, on a free loopback port, stopped at the end."""
    from milvus import MilvusServer

    server = MilvusServer()
    server.set_base_dir(str(workspace / "milvus"))
    server.listen_port = free_port()
    # Its other ports (etcd, coordinators, metrics) are picked free by the package; the tests talk to it only
    # through 127.0.0.1.
    server.start()
    try:
        yield f"http://127.0.0.1:{server.listen_port}"
    finally:
        server.stop()
