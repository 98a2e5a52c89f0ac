"""--api-key-file and --read-only-key-file, seen through `requests` and the `openai` client.

With keys, every route but /health and /ready needs `Authorization: Bearer <key>`: no or a wrong key is 401,
the read-only key may search and embed but a write (PUT/DELETE documents, POST /collections) is 403.
"""

from __future__ import annotations

import openai
import pytest
from openai import OpenAI

from conftest import ADMIN_KEY, COLLECTION, READ_ONLY_KEY, GlossaServer, assert_error_shape, describe

WRONG_KEY = "glossa-test-wrong-key"
DOC = {"id": "auth-doc", "text": "Der Kölner Dom ist eine gotische Kathedrale am Rhein.", "metadata": {"lang": "de"}}


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_probes_need_no_key(auth_server: GlossaServer, path: str) -> None:
    answer = auth_server.get(path, key=None)
    assert answer.status_code == 200, describe(answer)


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("GET", "/info", None),
        ("GET", "/collections", None),
        ("GET", f"/collections/{COLLECTION}", None),
        ("POST", f"/collections/{COLLECTION}/search", {"query": "Eiffelturm"}),
        ("POST", "/v1/embeddings", {"model": "m", "input": ["hallo"]}),
        ("PUT", f"/collections/{COLLECTION}/documents", {"documents": [DOC]}),
        ("POST", "/collections", {"name": "never-made"}),
        ("GET", "/metrics", None),
    ],
)
@pytest.mark.parametrize("key", [None, WRONG_KEY])
def test_no_or_wrong_key_is_401(auth_server: GlossaServer, method: str, path: str, body, key) -> None:
    answer = auth_server.request(method, path, key=key, json=body)
    assert answer.status_code == 401, describe(answer)
    assert_error_shape(answer.json())


def test_full_key_reads_and_writes(auth_server: GlossaServer) -> None:
    assert auth_server.get("/info").status_code == 200
    put = auth_server.put(f"/collections/{COLLECTION}/documents", {"documents": [DOC]})
    assert put.status_code == 200, describe(put)
    got = auth_server.get(f"/collections/{COLLECTION}/documents/{DOC['id']}")
    assert got.status_code == 200 and got.json()["text"] == DOC["text"], describe(got)
    deleted = auth_server.delete(f"/collections/{COLLECTION}/documents/{DOC['id']}")
    assert deleted.status_code == 200 and deleted.json() == {"deleted": DOC["id"]}, describe(deleted)


def test_read_only_key_searches_and_embeds(auth_server: GlossaServer) -> None:
    search = auth_server.post(
        f"/collections/{COLLECTION}/search", {"query": "Wann wurde der Eiffelturm gebaut?", "k": 3}, key=READ_ONLY_KEY
    )
    assert search.status_code == 200, describe(search)
    assert search.json()["hits"][0]["id"] == "en-eiffel", describe(search)
    embed = auth_server.post("/v1/embeddings", {"model": "m", "input": ["hallo"]}, key=READ_ONLY_KEY)
    assert embed.status_code == 200, describe(embed)
    assert auth_server.get(f"/collections/{COLLECTION}", key=READ_ONLY_KEY).status_code == 200


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("PUT", f"/collections/{COLLECTION}/documents", {"documents": [DOC]}),
        ("DELETE", f"/collections/{COLLECTION}/documents/en-eiffel", None),
        ("POST", "/collections", {"name": "made-by-read-only"}),
    ],
)
def test_read_only_key_cannot_write(auth_server: GlossaServer, method: str, path: str, body) -> None:
    answer = auth_server.request(method, path, key=READ_ONLY_KEY, json=body)
    assert answer.status_code == 403, describe(answer)
    assert_error_shape(answer.json())
    # nothing changed
    assert auth_server.get(f"/collections/{COLLECTION}/documents/en-eiffel").status_code == 200
    assert auth_server.get("/collections/made-by-read-only").status_code == 404


def test_openai_client_with_keys(auth_server: GlossaServer) -> None:
    def client(key: str) -> OpenAI:
        return OpenAI(base_url=f"{auth_server.url}/v1", api_key=key, max_retries=0, timeout=60)

    for key in (ADMIN_KEY, READ_ONLY_KEY):
        response = client(key).embeddings.create(model="anything", input=["Привет, мир"])
        assert len(response.data) == 1 and len(response.data[0].embedding) == 384

    with pytest.raises(openai.AuthenticationError) as caught:
        client(WRONG_KEY).embeddings.create(model="anything", input=["Привет, мир"])
    assert caught.value.status_code == 401
    assert_error_shape(caught.value.response.json())


@pytest.mark.parametrize("path", ["/", "/docs", "/openapi.json"])
def test_static_pages_stay_open(auth_server: GlossaServer, path: str) -> None:
    # README: the pages hold no data and stay open so a browser can load them (API.md says only the probes are
    # open; README and server agree on this wider rule).
    answer = auth_server.get(path, key=None)
    assert answer.status_code == 200, describe(answer)
