"""`glossa serve` flags, each on a server of its own: limits (422, 413, 429 + Retry-After, 504), the default input
type, serving a collection built by `glossa index` (same hits as `glossa search --json`), and SIGTERM while a
request is in flight (it finishes, then the server exits 0)."""

from __future__ import annotations

import json
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openai
import pytest
import requests
from openai import OpenAI

from conftest import (
    GLOSSA_MODEL,
    SAMPLES,
    ServerPool,
    assert_error_shape,
    describe,
    reference_embeddings,
    run_glossa,
)
from test_openai_client import TEXTS, assert_close, vectors_of

QUERIES = [
    "Wann wurde der Eiffelturm fertiggestellt?",
    "Кто был первым человеком в космосе?",
    "¿Quién escribió Don Quijote?",
    "长城有多长？",
    "Who invented printing with movable type?",
]


def client(url: str) -> OpenAI:
    return OpenAI(base_url=f"{url}/v1", api_key="sk-unused", max_retries=0, timeout=120)


def passage_texts(count: int) -> list[str]:
    with SAMPLES.open(encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for line in handle if line.strip()]
    return [f"{texts[i % len(texts)]} ({i})" for i in range(count)]


def test_default_input_type_passage(server_pool: ServerPool, tmp_path: Path) -> None:
    server = server_pool.start(tmp_path / "root", extra_args=("--default-input-type", "passage"))
    assert server.get("/info").json()["default_input_type"] == "passage"
    response = client(server.url).embeddings.create(model="m", input=TEXTS[:4], encoding_format="float")
    assert_close(vectors_of(response), reference_embeddings(TEXTS[:4], "passage"), "--default-input-type passage")
    response = client(server.url).embeddings.create(
        model="m", input=TEXTS[:4], encoding_format="float", extra_body={"input_type": "query"}
    )
    assert_close(vectors_of(response), reference_embeddings(TEXTS[:4], "query"), "input_type=query overrides it")
    assert server.stop() == 0


def test_max_inputs_and_body_limit(server_pool: ServerPool, tmp_path: Path) -> None:
    server = server_pool.start(tmp_path / "root", extra_args=("--max-inputs", "4", "--max-body-bytes", "4096"))
    info = server.get("/info").json()
    assert info["max_inputs"] == 4 and info["max_body_bytes"] == 4096, info
    api = client(server.url)
    assert len(api.embeddings.create(model="m", input=TEXTS[:4]).data) == 4
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        api.embeddings.create(model="m", input=TEXTS[:5])
    assert_error_shape(caught.value.response.json())

    assert server.post("/collections", {"name": "c"}).status_code == 201
    docs = [{"id": f"d{i}", "text": text} for i, text in enumerate(TEXTS[:5])]
    too_many = server.put("/collections/c/documents", {"documents": docs})
    assert too_many.status_code == 422, describe(too_many)
    assert_error_shape(too_many.json())
    queries = server.post("/collections/c/search", {"queries": TEXTS[:5]})
    assert queries.status_code == 422, describe(queries)

    big = server.post("/v1/embeddings", {"model": "m", "input": ["x" * 5000]})
    assert big.status_code == 413, describe(big)
    assert_error_shape(big.json())
    assert server.get("/collections/c").json()["documents"] == 0
    assert server.stop() == 0


def test_queue_full_is_429_with_retry_after(server_pool: ServerPool, tmp_path: Path) -> None:
    server = server_pool.start(tmp_path / "root", extra_args=("--max-queued-inputs", "64"))
    texts = passage_texts(60)
    api = client(server.url)

    def one(_: int):
        try:
            return api.embeddings.create(model="m", input=texts, extra_body={"input_type": "passage"})
        except openai.RateLimitError as error:
            return error

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(one, range(8)))
    limited = [o for o in outcomes if isinstance(o, openai.RateLimitError)]
    served = [o for o in outcomes if not isinstance(o, openai.RateLimitError)]
    assert limited, "8 concurrent requests of 60 inputs never filled a 64-input queue"
    assert served, "every request was refused"
    for error in limited:
        assert error.status_code == 429
        retry_after = error.response.headers.get("retry-after")
        assert retry_after is not None and retry_after.isdigit() and int(retry_after) >= 1, dict(error.response.headers)
        assert_error_shape(error.response.json())
    want = reference_embeddings(texts[:3], "passage")
    for response in served:
        assert len(response.data) == 60
        assert_close(vectors_of(response)[:3], want, "a request served beside refused ones")
    assert server.stop() == 0


def test_deadline_passed_is_504(server_pool: ServerPool, tmp_path: Path) -> None:
    server = server_pool.start(tmp_path / "root", extra_args=("--request-timeout", "0.2", "--lanes", "off"))
    long_job = passage_texts(300)
    api = client(server.url)
    first: dict = {}

    def bulk() -> None:
        try:
            first["response"] = api.embeddings.create(model="m", input=long_job, extra_body={"input_type": "passage"})
        except openai.APIStatusError as error:
            first["error"] = error

    thread = threading.Thread(target=bulk)
    thread.start()
    time.sleep(0.3)
    answer = server.post("/v1/embeddings", {"model": "m", "input": passage_texts(40)})
    thread.join(120)
    assert answer.status_code == 504, describe(answer)
    assert_error_shape(answer.json())
    # The first job started within its deadline, so it is served in full.
    assert "response" in first, f"the job that started in time failed: {first.get('error')!r}"
    assert len(first["response"].data) == 300
    assert server.stop() == 0


def test_sigterm_finishes_the_request_in_flight(server_pool: ServerPool, tmp_path: Path) -> None:
    server = server_pool.start(tmp_path / "root")
    texts = passage_texts(250)
    outcome: dict = {}

    def bulk() -> None:
        try:
            outcome["answer"] = requests.post(
                f"{server.url}/v1/embeddings",
                json={"model": "m", "input": texts, "input_type": "passage", "encoding_format": "base64"},
                timeout=120,
            )
        except requests.RequestException as error:
            outcome["error"] = error

    thread = threading.Thread(target=bulk)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive(), "the request finished before SIGTERM; make it bigger"
    started = time.monotonic()
    assert server.proc is not None
    server.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    # While it drains, a new request is refused: 503 in the error shape, or no connection at all.
    try:
        late = requests.get(f"{server.url}/info", timeout=10)
        assert late.status_code == 503, describe(late)
        assert_error_shape(late.json())
    except requests.ConnectionError:
        pass
    code = server.stop(timeout=60)
    thread.join(60)
    assert code == 0, f"exit {code} after SIGTERM\n{server.stderr_tail()}"
    assert "answer" in outcome, f"the request in flight at SIGTERM failed: {outcome.get('error')!r}"
    answer = outcome["answer"]
    assert answer.status_code == 200, describe(answer)
    assert len(answer.json()["data"]) == 250
    print(f"exited {time.monotonic() - started:.1f} s after SIGTERM, with the request answered")


def test_serves_a_collection_built_by_glossa_index(server_pool: ServerPool, tmp_path: Path) -> None:
    folder = tmp_path / "cli" / "built"
    indexed = run_glossa(["index", str(folder), str(SAMPLES), "--model", GLOSSA_MODEL], timeout=180)
    assert indexed.returncode == 0, indexed.stderr[-2000:]
    server = server_pool.start(tmp_path / "root", collections=(str(folder),))
    listed = [entry["name"] for entry in server.get("/collections").json()["collections"]]
    assert listed == ["built"], listed
    for query in QUERIES:
        cli = run_glossa(["search", str(folder), query, "--k", "5", "--json", "--model", GLOSSA_MODEL])
        assert cli.returncode == 0, cli.stderr[-2000:]
        want = json.loads(cli.stdout)
        got = server.post("/collections/built/search", {"query": query, "k": 5})
        assert got.status_code == 200, describe(got)
        body = got.json()
        assert [hit["id"] for hit in body["hits"]] == [hit["id"] for hit in want["hits"]], (query, body, want)
        for mine, theirs in zip(body["hits"], want["hits"]):
            assert abs(mine["score"] - theirs["score"]) <= 1e-6, (query, mine, theirs)
            assert {k: mine[k] for k in ("title", "text", "metadata", "chunk")} == {
                k: theirs[k] for k in ("title", "text", "metadata", "chunk")
            }
    assert server.stop() == 0
    verified = run_glossa(["verify", str(folder)])
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_searches_are_not_held_behind_bulk_embedding(server_pool: ServerPool, tmp_path: Path, passages) -> None:
    """README: with lanes, bulk work goes in slices of at most 512 tokens a pass (128 while queries are about),
    so searches made one after another during a large embedding request all finish while it still runs.
    Checked by order and by the pass sizes the server reports, not by timing (tests never measure time)."""
    server = server_pool.start(tmp_path / "root")
    server.create_collection("s", passages)
    bulk_texts = passage_texts(500)
    outcome: dict = {}

    def bulk() -> None:
        answer = requests.post(
            f"{server.url}/v1/embeddings",
            json={"model": "m", "input": bulk_texts, "input_type": "passage", "encoding_format": "base64"},
            timeout=300,
        )
        outcome["status"] = answer.status_code

    thread = threading.Thread(target=bulk)
    thread.start()
    # Wait until the bulk request is being encoded (the queue holds its inputs).
    for _ in range(600):
        depth = metric(server.get("/metrics").text, "glossa_encoder_queue_inputs")
        if depth and depth > 100:
            break
        time.sleep(0.05)
    for query in QUERIES:
        answer = server.post("/collections/s/search", {"query": query})
        assert answer.status_code == 200, describe(answer)
    still_running = thread.is_alive()
    thread.join(300)
    assert outcome.get("status") == 200
    assert still_running, "the bulk request finished before the searches: they waited behind it"
    text = server.get("/metrics").text
    passes = metric(text, "glossa_batch_tokens_count")
    small = metric(text, 'glossa_batch_tokens_bucket{le="1024.0"}') or metric(text, 'glossa_batch_tokens_bucket{le="1024"}')
    assert passes and small == passes, f"some forward pass exceeded 1024 tokens: {small} of {passes} within"
    assert server.stop() == 0


def metric(text: str, name: str) -> float | None:
    """The value of one sample in Prometheus text, or None."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_sigint_exits_zero(server_pool: ServerPool, tmp_path: Path) -> None:
    server = server_pool.start(tmp_path / "root")
    assert server.proc is not None
    # An idle keep-alive connection must not hold the shutdown up.
    session = requests.Session()
    assert session.get(f"{server.url}/health", timeout=10).status_code == 200
    server.proc.send_signal(signal.SIGINT)
    try:
        code = server.proc.wait(30)
    except Exception:
        server.kill9()
        raise
    assert code == 0, f"exit {code} after SIGINT\n{server.stderr_tail()}"
