"""The JSON routes of API.md with plain `requests`: shapes, status codes and the one error body."""

from __future__ import annotations

import json

import pytest
import requests

from conftest import COLLECTION, GlossaServer, assert_error_shape, describe


def test_one_listening_line(server: GlossaServer) -> None:
    listening = [line for line in server.stdout_lines if line.startswith("glossa serve: listening on ")]
    assert len(listening) == 1, server.stdout_lines
    assert listening[0].endswith(":" + server.url.rsplit(":", 1)[1]), (listening, server.url)


def test_health_ready_info(server: GlossaServer) -> None:
    assert server.get("/health").json() == {"status": "ok"}
    ready = server.get("/ready")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}, describe(ready)
    info = server.get("/info")
    assert info.status_code == 200, describe(info)
    body = info.json()
    assert body["dimension"] == 384 and body["max_tokens"] == 512 and body["max_inputs"] == 2048, body
    assert body["default_input_type"] == "query", body
    assert isinstance(body["model"], str) and body["model"], body
    assert isinstance(body["max_body_bytes"], int) and body["max_body_bytes"] > 0, body
    assert COLLECTION in body["collections"], body


def test_collections_list_and_info(server: GlossaServer, passages) -> None:
    listed = server.get("/collections")
    assert listed.status_code == 200, describe(listed)
    entries = {entry["name"]: entry for entry in listed.json()["collections"]}
    assert COLLECTION in entries, listed.json()
    entry = entries[COLLECTION]
    for field in ("name", "documents", "chunks", "index_type", "shards", "model", "dimension"):
        assert field in entry, entry
    one = server.get(f"/collections/{COLLECTION}")
    assert one.status_code == 200, describe(one)
    info = one.json()
    assert info["documents"] == len(passages) and info["chunks"] >= len(passages), info
    assert info["dimension"] == 384, info


def test_search_single_and_batch(server: GlossaServer) -> None:
    single = server.post(f"/collections/{COLLECTION}/search", {"query": "Wann wurde der Eiffelturm fertiggestellt?", "k": 3})
    assert single.status_code == 200, describe(single)
    body = single.json()
    assert body["query"] == "Wann wurde der Eiffelturm fertiggestellt?"
    assert len(body["hits"]) == 3
    hit = body["hits"][0]
    assert hit["id"] == "en-eiffel", body
    assert set(hit) >= {"id", "score", "title", "text", "metadata", "chunk"}, hit
    assert hit["title"] == "Eiffel Tower" and hit["metadata"] == {"lang": "en", "topic": "landmarks"}, hit
    assert set(hit["chunk"]) >= {"start", "end"}, hit
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True), scores

    queries = ["Кто был первым человеком в космосе?", "¿Quién escribió Don Quijote?", "富士山の高さは？"]
    batch = server.post(f"/collections/{COLLECTION}/search", {"queries": queries, "k": 2})
    assert batch.status_code == 200, describe(batch)
    results = batch.json()["results"]
    assert [r["query"] for r in results] == queries
    assert [r["hits"][0]["id"] for r in results] == ["ru-gagarin", "es-cervantes", "ja-fuji"], results


def test_search_filter(server: GlossaServer) -> None:
    answer = server.post(
        f"/collections/{COLLECTION}/search", {"query": "famous scientist", "k": 10, "filters": {"lang": "ru"}}
    )
    assert answer.status_code == 200, describe(answer)
    hits = answer.json()["hits"]
    assert hits and all(hit["metadata"]["lang"] == "ru" for hit in hits), hits
    assert {hit["id"] for hit in hits} <= {"ru-baikal", "ru-gagarin", "ru-mendeleev"}


def test_get_document_and_404s(server: GlossaServer, passages) -> None:
    first = passages[0]
    got = server.get(f"/collections/{COLLECTION}/documents/{first['id']}")
    assert got.status_code == 200, describe(got)
    assert got.json() == {"id": first["id"], "title": first["title"], "text": first["text"], "metadata": first["metadata"]}
    for path in (f"/collections/{COLLECTION}/documents/no-such-id", "/collections/no-such-collection"):
        missing = server.get(path)
        assert missing.status_code == 404, describe(missing)
        assert_error_shape(missing.json())
    search = server.post("/collections/no-such-collection/search", {"query": "x"})
    assert search.status_code == 404, describe(search)
    assert_error_shape(search.json())


def test_write_cycle_on_a_scratch_collection(server: GlossaServer) -> None:
    name = "scratch"
    created = server.post("/collections", {"name": name})
    assert created.status_code == 201, describe(created)
    again = server.post("/collections", {"name": name})
    assert again.status_code == 409, describe(again)
    assert_error_shape(again.json())

    doc = {"id": "d1", "text": "La Tour Eiffel mesure environ 330 mètres.", "title": "Tour", "metadata": {"lang": "fr"}}
    path = f"/collections/{name}/documents"
    first = server.put(path, {"documents": [doc]})
    assert first.status_code == 200, describe(first)
    assert first.json()["inserted"] == 1 and first.json()["chunks_embedded"] >= 1, first.json()
    same = server.put(path, {"documents": [doc]})
    assert same.json()["unchanged"] == 1 and same.json()["chunks_embedded"] == 0, describe(same)
    meta = server.put(path, {"documents": [{**doc, "metadata": {"lang": "fr", "v": 2}}]})
    assert meta.json()["metadata_updated"] == 1 and meta.json()["chunks_embedded"] == 0, describe(meta)
    text = server.put(path, {"documents": [{**doc, "text": "Le Mont Blanc culmine à 4 806 mètres."}]})
    assert text.json()["replaced"] == 1, describe(text)
    assert server.get(f"/collections/{name}").json()["documents"] == 1

    hits = server.post(f"/collections/{name}/search", {"query": "Wie hoch ist der Mont Blanc?"}).json()["hits"]
    assert hits[0]["id"] == "d1" and "Mont Blanc" in hits[0]["text"], hits

    deleted = server.delete(f"{path}/d1")
    assert deleted.status_code == 200 and deleted.json() == {"deleted": "d1"}, describe(deleted)
    assert server.delete(f"{path}/d1").status_code == 404
    assert server.get(f"{path}/d1").status_code == 404
    assert server.get(f"/collections/{name}").json()["documents"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"documents": [{"id": "x"}]},  # no text
        {"documents": [{"id": ["a"], "text": "t"}]},  # id neither a string nor a number (numbers are read as in JSONL)
        {"documents": [{"id": "x", "text": 5}]},  # text not a string
        {"documents": [{"id": "x", "text": "t", "metadata": "lang=en"}]},  # metadata not an object
        {"documents": "nope"},
        {"documents": []},
        {},
    ],
)
def test_bad_documents_are_400(server: GlossaServer, body) -> None:
    name = "bad-documents"
    if server.get(f"/collections/{name}").status_code == 404:
        assert server.post("/collections", {"name": name}).status_code == 201
    answer = server.put(f"/collections/{name}/documents", body)
    assert answer.status_code in (400, 422), describe(answer)
    assert_error_shape(answer.json())
    assert server.get(f"/collections/{name}").json()["documents"] == 0


def test_body_too_large_is_413(server: GlossaServer) -> None:
    limit = server.get("/info").json()["max_body_bytes"]
    if limit > 64 * 1024 * 1024:
        pytest.skip(f"max_body_bytes {limit} is too large to exceed cheaply")
    text = "a" * (limit + 1024)
    answer = server.request(
        "POST",
        "/v1/embeddings",
        data=json.dumps({"model": "m", "input": [text]}).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 413, describe(answer)
    assert_error_shape(answer.json())


def test_docs_openapi_metrics(server: GlossaServer) -> None:
    spec = server.get("/openapi.json")
    assert spec.status_code == 200, describe(spec)
    document = spec.json()
    assert str(document.get("openapi", "")).startswith("3.1"), document.get("openapi")
    for route in ("/v1/embeddings", "/collections", "/collections/{name}/search"):
        assert route in document.get("paths", {}), sorted(document.get("paths", {}))
    docs = server.get("/docs")
    assert docs.status_code == 200 and "html" in docs.headers.get("Content-Type", ""), describe(docs)
    metrics = server.get("/metrics")
    assert metrics.status_code == 200, describe(metrics)
    assert "# TYPE" in metrics.text or "# HELP" in metrics.text, metrics.text[:500]


def test_long_document_chunks_and_offsets(server: GlossaServer) -> None:
    """A document over 512 tokens is split into chunks; a hit shows its best chunk, and chunk.start/end locate
    that chunk in the document's text (as UTF-8 byte offsets, as `glossa search --json` gives them)."""
    name = "long-documents"
    assert server.post("/collections", {"name": name}).status_code == 201
    text = " ".join(
        f"Абзац {i}: Байкал — самое глубокое озеро мира, его глубина {1000 + i} метров; вода прозрачна. 🌊"
        for i in range(80)
    )
    put = server.put(f"/collections/{name}/documents", {"documents": [{"id": "baikal-long", "text": text}]})
    assert put.status_code == 200, describe(put)
    assert put.json()["chunks_embedded"] > 1, put.json()
    info = server.get(f"/collections/{name}").json()
    assert info["documents"] == 1 and info["chunks"] == put.json()["chunks_embedded"], info
    assert server.get(f"/collections/{name}/documents/baikal-long").json()["text"] == text

    answer = server.post(f"/collections/{name}/search", {"query": "глубина 1057 метров", "k": 5})
    assert answer.status_code == 200, describe(answer)
    hits = answer.json()["hits"]
    assert [hit["id"] for hit in hits] == ["baikal-long"], "a document is one hit, however many chunks match"
    start, end = hits[0]["chunk"]["start"], hits[0]["chunk"]["end"]
    assert 0 <= start < end <= len(text.encode()), hits[0]["chunk"]
    assert text.encode()[start:end].decode() == hits[0]["text"], (start, end, hits[0]["text"][:80])

    assert server.delete(f"/collections/{name}/documents/baikal-long").status_code == 200
    after = server.post(f"/collections/{name}/search", {"query": "глубина 1057 метров", "k": 5})
    assert after.status_code == 200 and after.json()["hits"] == [], describe(after)
    assert server.get(f"/collections/{name}").json()["chunks"] == 0


def test_document_ids_with_url_characters(server: GlossaServer) -> None:
    name = "odd-ids"
    assert server.post("/collections", {"name": name}).status_code == 201
    ids = ["straße 1", "a/b", "q?x=1#f", "%41", "日本", "trailing."]
    docs = [{"id": uid, "text": f"Dokument {n}"} for n, uid in enumerate(ids)]
    assert server.put(f"/collections/{name}/documents", {"documents": docs}).status_code == 200
    for uid in ids:
        got = server.get(f"/collections/{name}/documents/{requests.utils.quote(uid, safe='')}")
        assert got.status_code == 200 and got.json()["id"] == uid, describe(got)
    gone = server.delete(f"/collections/{name}/documents/{requests.utils.quote('a/b', safe='')}")
    assert gone.status_code == 200 and gone.json() == {"deleted": "a/b"}, describe(gone)
    assert server.get(f"/collections/{name}").json()["documents"] == len(ids) - 1


def test_invalid_collection_names_are_refused(server: GlossaServer, tmp_path_factory) -> None:
    for bad in ("../escape", "a/b", "", ".hidden", "x" * 300, "a b"):
        answer = server.post("/collections", {"name": bad})
        assert answer.status_code in (400, 422), describe(answer)
        assert_error_shape(answer.json())
    assert not (server.root.parent / "escape").exists()


def test_ivf_collection_with_shards(server: GlossaServer, passages) -> None:
    created = server.post("/collections", {"name": "sharded", "index_type": "ivf", "shards": 2})
    assert created.status_code == 201, describe(created)
    assert created.json()["index_type"] == "ivf" and created.json()["shards"] == 2, created.json()
    put = server.put("/collections/sharded/documents", {"documents": passages})
    assert put.status_code == 200, describe(put)
    answer = server.post("/collections/sharded/search", {"query": "Wann wurde der Eiffelturm fertiggestellt?", "nprobe": 64})
    assert answer.status_code == 200, describe(answer)
    assert answer.json()["hits"][0]["id"] == "en-eiffel", answer.json()


def test_metrics_count_requests(server: GlossaServer) -> None:
    server.post(f"/collections/{COLLECTION}/search", {"query": "Eiffel"})
    text = server.get("/metrics").text
    samples = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert samples, text[:500]
    assert any("search" in line for line in samples), "no metric mentions the search route"


def test_batch_search_equals_single_searches(server: GlossaServer) -> None:
    queries = ["Wann wurde der Eiffelturm fertiggestellt?", "Кто открыл периодический закон?", "茶起源于哪里？",
               "Who composed nine symphonies?", "Onde fica o maior rio?"]
    batch = server.post(f"/collections/{COLLECTION}/search", {"queries": queries, "k": 5})
    assert batch.status_code == 200, describe(batch)
    for query, result in zip(queries, batch.json()["results"]):
        single = server.post(f"/collections/{COLLECTION}/search", {"query": query, "k": 5}).json()
        assert [h["id"] for h in result["hits"]] == [h["id"] for h in single["hits"]], query
        for a, b in zip(result["hits"], single["hits"]):
            assert abs(a["score"] - b["score"]) <= 1e-6, (query, a["id"], a["score"], b["score"])


def test_search_scores_are_cosines_of_the_embedding_route(server: GlossaServer, passages) -> None:
    """A one-chunk document scores the dot product of the query's /v1/embeddings vector and the passage vector
    of what was indexed ("passage: {title} {text}", as the reference embeds it)."""
    import numpy as np

    query = "Wann wurde der Eiffelturm fertiggestellt?"
    hits = server.post(f"/collections/{COLLECTION}/search", {"query": query, "k": 5}).json()["hits"]
    by_id = {p["id"]: p for p in passages}
    indexed = [f"{by_id[h['id']]['title']} {by_id[h['id']]['text']}" for h in hits]
    q = server.post("/v1/embeddings", {"model": "m", "input": [query]}).json()["data"][0]["embedding"]
    docs = server.post("/v1/embeddings", {"model": "m", "input": indexed, "input_type": "passage"}).json()["data"]
    for hit, doc in zip(hits, docs):
        cosine = float(np.dot(np.asarray(q, dtype=np.float64), np.asarray(doc["embedding"], dtype=np.float64)))
        assert abs(hit["score"] - cosine) <= 1e-5, (hit["id"], hit["score"], cosine)


def test_read_only_key_reads_documents(auth_server: GlossaServer) -> None:
    from conftest import READ_ONLY_KEY

    got = auth_server.get(f"/collections/{COLLECTION}/documents/en-eiffel", key=READ_ONLY_KEY)
    assert got.status_code == 200 and got.json()["id"] == "en-eiffel", describe(got)
    listed = auth_server.get("/collections", key=READ_ONLY_KEY)
    assert listed.status_code == 200, describe(listed)


def test_chunked_request_body(server: GlossaServer) -> None:
    def body():
        yield b'{"model": "m", '
        yield b'"input": ["Transfer-Encoding: chunked"]}'

    answer = server.request("POST", "/v1/embeddings", data=body(), headers={"Content-Type": "application/json"})
    assert answer.status_code == 200, describe(answer)
    assert len(answer.json()["data"][0]["embedding"]) == 384


def test_acknowledged_writes_are_visible_to_search_at_once(server: GlossaServer) -> None:
    """API.md: a PUT is acknowledged only when durable and visible to search. Search right after each ack."""
    name = "read-your-writes"
    assert server.post("/collections", {"name": name}).status_code == 201
    for n in range(15):
        uid = f"ryw-{n}"
        text = f"Notiz {n}: das Treffen ist am {n + 1}. März um {8 + n % 10} Uhr."
        put = server.put(f"/collections/{name}/documents", {"documents": [{"id": uid, "text": text, "metadata": {"n": n}}]})
        assert put.status_code == 200, describe(put)
        found = server.post(f"/collections/{name}/search", {"query": text, "k": 3, "filters": {"n": n}})
        assert [hit["id"] for hit in found.json()["hits"]] == [uid], describe(found)
        if n % 3 == 0:
            changed = f"Notiz {n}: verschoben auf den {n + 2}. April."
            assert server.put(f"/collections/{name}/documents", {"documents": [{"id": uid, "text": changed, "metadata": {"n": n}}]}).status_code == 200
            again = server.post(f"/collections/{name}/search", {"query": changed, "k": 3, "filters": {"n": n}}).json()
            assert again["hits"][0]["text"] == changed, again
    assert server.get(f"/collections/{name}").json()["documents"] == 15


def test_duplicate_ids_in_one_batch_last_wins(server: GlossaServer) -> None:
    name = "dupes"
    assert server.post("/collections", {"name": name}).status_code == 201
    docs = [{"id": "x", "text": "erste Fassung"}, {"id": "y", "text": "anderes"}, {"id": "x", "text": "letzte Fassung"}]
    put = server.put(f"/collections/{name}/documents", {"documents": docs})
    assert put.status_code == 200, describe(put)
    assert put.json()["inserted"] == 2, put.json()
    assert server.get(f"/collections/{name}/documents/x").json()["text"] == "letzte Fassung"
    info = server.get(f"/collections/{name}").json()
    assert info["documents"] == 2 and info["chunks"] == 2, info
    hits = server.post(f"/collections/{name}/search", {"query": "Fassung", "k": 10}).json()["hits"]
    assert sorted(hit["id"] for hit in hits) == ["x", "y"], hits


def test_k_beyond_the_collection_and_nested_filters(server: GlossaServer, passages) -> None:
    everything = server.post(f"/collections/{COLLECTION}/search", {"query": "Geschichte", "k": 500}).json()["hits"]
    assert len(everything) == len(passages) and len({h["id"] for h in everything}) == len(passages)
    name = "nested"
    assert server.post("/collections", {"name": name}).status_code == 201
    docs = [
        {"id": "n1", "text": "Wien liegt an der Donau.", "metadata": {"geo": {"land": "AT"}, "tags": ["fluss", "stadt"], "jahr": 1900}},
        {"id": "n2", "text": "Budapest liegt an der Donau.", "metadata": {"geo": {"land": "HU"}, "tags": ["stadt"], "jahr": 1873}},
    ]
    assert server.put(f"/collections/{name}/documents", {"documents": docs}).status_code == 200

    def ids(filters):
        answer = server.post(f"/collections/{name}/search", {"query": "Donau", "filters": filters})
        assert answer.status_code == 200, describe(answer)
        return sorted(hit["id"] for hit in answer.json()["hits"])

    assert ids({"geo.land": "HU"}) == ["n2"]
    assert ids({"tags": "fluss"}) == ["n1"]
    assert ids({"jahr": 1873}) == ["n2"]
    assert ids({"tags": "stadt", "geo.land": "AT"}) == ["n1"]
    assert ids({"geo.land": "DE"}) == []


def test_concurrent_creation_and_writes_of_one_name(server: GlossaServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(6) as pool:
        codes = sorted(pool.map(lambda _: server.post("/collections", {"name": "race"}).status_code, range(6)))
    assert codes == [201, 409, 409, 409, 409, 409], codes

    texts = [f"Fassung {n}: der Text dieser Fassung ist die Nummer {n}." for n in range(8)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(
            lambda text: server.put("/collections/race/documents", {"documents": [{"id": "same", "text": text}]}),
            texts,
        ))
    assert all(answer.status_code == 200 for answer in answers), [describe(a) for a in answers if a.status_code != 200]
    assert sum(answer.json()["inserted"] for answer in answers) == 1
    info = server.get("/collections/race").json()
    assert info["documents"] == 1 and info["chunks"] == 1, info
    final = server.get("/collections/race/documents/same").json()["text"]
    assert final in texts
    hits = server.post("/collections/race/search", {"query": "Fassung", "k": 10}).json()["hits"]
    assert [hit["id"] for hit in hits] == ["same"] and hits[0]["text"] == final, hits
