"""The official `openai` Python client against POST /v1/embeddings (and the /embeddings alias).

Every vector is compared with `glossa embed` run on the same texts: the server must give the reference
embedding within 1e-6 per component, whichever encoding the client asks for.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import openai
import pytest
from openai import OpenAI

from conftest import (
    GlossaServer,
    assert_error_shape,
    describe,
    reference_embeddings,
    reference_token_ids,
)

TOLERANCE = 1e-6
DIMENSION = 384

TEXTS = [
    "Wann wurde der Eiffelturm fertiggestellt?",
    "How tall is Mount Everest?",
    "Qui a découvert le radium et le polonium ?",
    "¿Dónde nace el río Amazonas?",
    "Кто был первым человеком в космосе?",
    "长城有多长？",
    "富士山の高さはどれくらいですか？",
    "ما هو أطول نهر في العالم؟",
    "İstanbul hangi iki kıtada yer alır?",
    "Kto sformułował model heliocentryczny?",
]

# Well over 512 tokens on one line: the server must truncate it as `glossa embed` does, and say so.
LONG_TEXT = " ".join(
    f"Satz {n}: Der Eiffelturm in Paris wurde 1889 zur Weltausstellung fertiggestellt und ist etwa 330 Meter hoch."
    for n in range(60)
)


def client_for(server: GlossaServer, path: str = "/v1", api_key: str | None = None) -> OpenAI:
    return OpenAI(
        base_url=f"{server.url}{path}",
        api_key=api_key or server.key or "sk-glossa-unused",
        max_retries=0,
        timeout=120,
    )


@pytest.fixture(scope="module")
def client(server: GlossaServer) -> OpenAI:
    return client_for(server)


def vectors_of(response) -> list[list[float]]:
    """The embeddings in input order, after checking the list/embedding objects and their indices."""
    assert response.object == "list"
    indices = [item.index for item in response.data]
    assert sorted(indices) == list(range(len(response.data))), f"indices: {indices}"
    for item in response.data:
        assert item.object == "embedding"
    return [item.embedding for item in sorted(response.data, key=lambda item: item.index)]


def assert_close(got: list[list[float]], want: list[list[float]], what: str) -> None:
    """Per component within TOLERANCE; on failure, name the first differing values and the max difference."""
    got_array = np.asarray(got, dtype=np.float64)
    want_array = np.asarray(want, dtype=np.float64)
    assert got_array.shape == want_array.shape, f"{what}: shape {got_array.shape}, want {want_array.shape}"
    difference = np.abs(got_array - want_array)
    worst = float(difference.max()) if difference.size else 0.0
    if worst > TOLERANCE:
        rows, cols = np.nonzero(difference > TOLERANCE)
        first = [
            f"[{r}][{c}] got {got_array[r, c]:.9f} want {want_array[r, c]:.9f}"
            for r, c in list(zip(rows, cols))[:5]
        ]
        pytest.fail(
            f"{what}: {len(rows)} of {difference.size} components differ by more than {TOLERANCE}; "
            f"max difference {worst:.3e}; first: {'; '.join(first)}"
        )


def usage_of(response) -> tuple[int, int]:
    assert response.usage is not None
    return response.usage.prompt_tokens, response.usage.total_tokens


def extra_field(response, name: str):
    extra = response.model_extra or {}
    assert name in extra, f"response has no {name!r} field: {response.model_dump()}"
    return extra[name]


# ---------------------------------------------------------------------------------------------------------------
# Vectors


def test_default_encoding_is_base64_and_matches_glossa_embed(client: OpenAI, server: GlossaServer) -> None:
    want = reference_embeddings(TEXTS, "query")

    # What the client sends by default (encoding_format=base64) and what the server puts on the wire.
    raw = client.embeddings.with_raw_response.create(model="anything", input=TEXTS)
    wire = json.loads(raw.http_response.text)
    sent = json.loads(raw.http_request.content)
    assert sent["encoding_format"] == "base64"
    for item in wire["data"]:
        assert isinstance(item["embedding"], str), f"asked for base64, got {type(item['embedding']).__name__}"
        assert len(base64.b64decode(item["embedding"])) == 4 * DIMENSION  # little-endian float32

    response = raw.parse()
    got = vectors_of(response)
    assert all(len(vector) == DIMENSION for vector in got)
    assert_close(got, want, "default (base64) encoding vs glossa embed --kind query")

    # The served model's name, whatever the client asked for.
    info = server.get("/info").json()
    assert response.model == info["model"], (response.model, info["model"])


def test_float_encoding_matches_glossa_embed(client: OpenAI) -> None:
    response = client.embeddings.create(model="anything", input=TEXTS, encoding_format="float")
    got = vectors_of(response)
    assert all(isinstance(value, float) for value in got[0])
    assert_close(got, reference_embeddings(TEXTS, "query"), "encoding_format=float vs glossa embed --kind query")
    norms = np.linalg.norm(np.asarray(got), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5), norms


def test_explicit_base64_returns_strings(client: OpenAI) -> None:
    response = client.embeddings.create(model="anything", input=TEXTS[:3], encoding_format="base64")
    got = []
    for item in sorted(response.data, key=lambda item: item.index):
        assert isinstance(item.embedding, str)
        got.append(np.frombuffer(base64.b64decode(item.embedding), dtype="<f4").tolist())
    assert_close(got, reference_embeddings(TEXTS[:3], "query"), "encoding_format=base64 decoded")


def test_single_string_input(client: OpenAI) -> None:
    response = client.embeddings.create(model="text-embedding-3-small", input=TEXTS[4], encoding_format="float")
    assert len(response.data) == 1
    assert_close(vectors_of(response), reference_embeddings([TEXTS[4]], "query"), "single string input")


def test_passage_input_type_matches_glossa_embed_passage(client: OpenAI) -> None:
    response = client.embeddings.create(
        model="anything", input=TEXTS, encoding_format="float", extra_body={"input_type": "passage"}
    )
    got = vectors_of(response)
    assert_close(got, reference_embeddings(TEXTS, "passage"), "input_type=passage vs glossa embed --kind passage")
    # and it is not the query embedding
    query = np.asarray(reference_embeddings(TEXTS, "query"))
    assert float(np.abs(np.asarray(got) - query).max()) > 1e-3


def test_user_field_is_accepted(client: OpenAI) -> None:
    # `user` is part of OpenAI's request; clients send it and the server must not refuse it.
    response = client.embeddings.create(model="anything", input=TEXTS[:2], user="user-1234", encoding_format="float")
    assert_close(vectors_of(response), reference_embeddings(TEXTS[:2], "query"), "with user=")


def test_explicit_query_input_type(client: OpenAI) -> None:
    response = client.embeddings.create(
        model="anything", input=TEXTS[:2], encoding_format="float", extra_body={"input_type": "query"}
    )
    assert_close(vectors_of(response), reference_embeddings(TEXTS[:2], "query"), "input_type=query")


def test_token_id_input_equals_text_input(client: OpenAI) -> None:
    ids = reference_token_ids(TEXTS, "query")
    assert all(row[0] == 0 and row[-1] == 2 for row in ids), "glossa tokenize adds <s> and </s>"
    by_ids = client.embeddings.create(model="anything", input=ids, encoding_format="float")
    by_text = client.embeddings.create(model="anything", input=TEXTS, encoding_format="float")
    assert_close(vectors_of(by_ids), vectors_of(by_text), "[[int]] token ids vs the same texts")
    assert_close(vectors_of(by_ids), reference_embeddings(TEXTS, "query"), "[[int]] token ids vs glossa embed")
    # The same tokens are counted the same way.
    assert usage_of(by_ids) == usage_of(by_text), (by_ids.usage, by_text.usage)


def test_token_ids_without_special_tokens_get_them_added(client: OpenAI) -> None:
    ids = reference_token_ids(TEXTS[:3], "query")
    bare = [row[1:-1] for row in ids]
    response = client.embeddings.create(model="anything", input=bare, encoding_format="float")
    assert_close(vectors_of(response), reference_embeddings(TEXTS[:3], "query"), "ids without <s>/</s>")


def test_single_token_id_list(client: OpenAI) -> None:
    ids = reference_token_ids([TEXTS[0]], "query")[0]
    response = client.embeddings.create(model="anything", input=ids, encoding_format="float")
    assert len(response.data) == 1
    assert_close(vectors_of(response), reference_embeddings([TEXTS[0]], "query"), "[int] token ids")


def test_embeddings_alias_without_v1(server: GlossaServer) -> None:
    alias = client_for(server, path="")
    response = alias.embeddings.create(model="anything", input=TEXTS[:2])
    assert_close(vectors_of(response), reference_embeddings(TEXTS[:2], "query"), "/embeddings alias")


# ---------------------------------------------------------------------------------------------------------------
# Usage and truncation


def test_usage_counts_tokens(client: OpenAI) -> None:
    response = client.embeddings.create(model="anything", input=TEXTS, encoding_format="float")
    prompt, total = usage_of(response)
    assert prompt > 0 and total >= prompt, response.usage
    one = client.embeddings.create(model="anything", input=TEXTS[:1], encoding_format="float")
    assert 0 < usage_of(one)[0] < prompt
    assert extra_field(response, "truncated") == 0


def test_long_input_is_truncated_and_reported(client: OpenAI) -> None:
    ids = reference_token_ids([LONG_TEXT], "none")[0]
    assert len(ids) == 512, "the reference tokenizer cuts at 512; LONG_TEXT must be longer than that"
    response = client.embeddings.create(
        model="anything", input=[LONG_TEXT, TEXTS[0]], encoding_format="float"
    )
    assert extra_field(response, "truncated") == 1
    assert_close(
        vectors_of(response), reference_embeddings([LONG_TEXT, TEXTS[0]], "query"), "truncated long input"
    )
    assert usage_of(response)[0] > 0


def test_long_token_id_input_is_truncated(client: OpenAI) -> None:
    # 700 ids of the long text: more than the model's 512 positions.
    ids = reference_token_ids([LONG_TEXT], "none")[0][1:-1]
    long_ids = (ids * 2)[:700]
    response = client.embeddings.create(model="anything", input=[long_ids], encoding_format="float")
    assert extra_field(response, "truncated") == 1
    assert len(vectors_of(response)[0]) == DIMENSION


# ---------------------------------------------------------------------------------------------------------------
# Errors, as the client surfaces them


def expect_client_error(call, statuses: tuple[int, ...]) -> openai.APIStatusError:
    classes = {
        400: openai.BadRequestError,
        401: openai.AuthenticationError,
        403: openai.PermissionDeniedError,
        404: openai.NotFoundError,
        413: openai.APIStatusError,
        422: openai.UnprocessableEntityError,
    }
    with pytest.raises(openai.APIStatusError) as caught:
        call()
    error = caught.value
    assert error.status_code in statuses, (
        f"status {error.status_code}, want one of {statuses}: {error.response.text[:500]}"
    )
    assert isinstance(error, classes[error.status_code]), type(error)
    assert_error_shape(error.response.json())
    assert isinstance(error.body, dict) and error.body.get("message"), error.body  # the client's view of "error"
    assert error.type, "the client read no error type"
    return error


def test_dimensions_other_than_384_is_rejected(client: OpenAI) -> None:
    error = expect_client_error(
        lambda: client.embeddings.create(model="anything", input=TEXTS[:1], dimensions=100), (400, 422)
    )
    assert error.param in (None, "dimensions"), error.param


def test_dimensions_384_is_accepted(client: OpenAI) -> None:
    response = client.embeddings.create(model="anything", input=TEXTS[:1], dimensions=384, encoding_format="float")
    assert len(vectors_of(response)[0]) == DIMENSION


def test_empty_input_list_is_rejected(client: OpenAI) -> None:
    expect_client_error(lambda: client.embeddings.create(model="anything", input=[]), (400, 422))


def test_too_many_inputs_is_rejected(client: OpenAI, server: GlossaServer) -> None:
    limit = server.get("/info").json()["max_inputs"]
    assert limit == 2048
    error = expect_client_error(
        lambda: client.embeddings.create(model="anything", input=["a"] * (limit + 1)), (422,)
    )
    assert error.param in (None, "input"), error.param


def test_unknown_encoding_format_is_rejected(client: OpenAI) -> None:
    expect_client_error(
        lambda: client.embeddings.create(model="anything", input=TEXTS[:1], encoding_format="int8"),  # type: ignore[arg-type]
        (400, 422),
    )


def test_unknown_input_type_is_rejected(client: OpenAI) -> None:
    expect_client_error(
        lambda: client.embeddings.create(model="anything", input=TEXTS[:1], extra_body={"input_type": "sentence"}),
        (400, 422),
    )


def test_out_of_vocabulary_token_id_is_rejected(client: OpenAI) -> None:
    expect_client_error(
        lambda: client.embeddings.create(model="anything", input=[[0, 999_999_999, 2]]), (400, 422)
    )
    expect_client_error(lambda: client.embeddings.create(model="anything", input=[[0, -5, 2]]), (400, 422))


def test_mixed_input_kinds_are_rejected(client: OpenAI) -> None:
    expect_client_error(
        lambda: client.embeddings.create(model="anything", input=[TEXTS[0], [0, 5, 2]]),  # type: ignore[list-item]
        (400, 422),
    )


# The same requests without the client: what the wire says when the client would not send it.


def test_missing_model_is_rejected(server: GlossaServer) -> None:
    answer = server.post("/v1/embeddings", {"input": ["hallo"]})
    assert answer.status_code in (400, 422), describe(answer)
    assert_error_shape(answer.json())


def test_bad_json_is_400(server: GlossaServer) -> None:
    answer = server.request(
        "POST", "/v1/embeddings", data=b'{"input": ["unterminated', headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400, describe(answer)
    assert_error_shape(answer.json())


def test_wrong_input_type_is_400(server: GlossaServer) -> None:
    answer = server.post("/v1/embeddings", {"model": "m", "input": 42})
    assert answer.status_code in (400, 422), describe(answer)
    assert_error_shape(answer.json())


def test_server_survives_the_bad_requests(client: OpenAI, server: GlossaServer) -> None:
    response = client.embeddings.create(model="anything", input=TEXTS[:1], encoding_format="float")
    assert_close(vectors_of(response), reference_embeddings(TEXTS[:1], "query"), "after the errors")
    health = server.get("/health")
    assert health.status_code == 200 and health.json() == {"status": "ok"}, describe(health)


# ---------------------------------------------------------------------------------------------------------------
# Concurrency: micro-batching packs texts of different lengths from different requests into one forward pass;
# each must still get exactly its own embedding.


def test_concurrent_mixed_length_requests_match_glossa_embed(client: OpenAI) -> None:
    from concurrent.futures import ThreadPoolExecutor

    pool_texts = TEXTS + [LONG_TEXT, "Ja.", "🌊 Байкал 🌊", "a " * 200]
    want = dict(zip(pool_texts, reference_embeddings(pool_texts, "query")))
    want_passage = dict(zip(pool_texts, reference_embeddings(pool_texts, "passage")))
    jobs = []
    for n in range(24):
        subset = [pool_texts[(n * 7 + i * 3) % len(pool_texts)] for i in range(1 + n % 6)]
        jobs.append((subset, "passage" if n % 3 == 0 else "query", "base64" if n % 2 else "float"))

    def run(job):
        texts, kind, encoding = job
        response = client.embeddings.create(
            model="anything", input=texts, extra_body={"input_type": kind}, encoding_format=encoding
        )
        if encoding == "base64":
            return [np.frombuffer(base64.b64decode(item.embedding), dtype="<f4").tolist()
                    for item in sorted(response.data, key=lambda item: item.index)]
        return vectors_of(response)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(run, jobs))
    for (texts, kind, encoding), got in zip(jobs, results):
        reference = want_passage if kind == "passage" else want
        assert_close(got, [reference[text] for text in texts], f"concurrent {kind}/{encoding} request of {len(texts)}")


def test_exactly_max_inputs_is_accepted(client: OpenAI) -> None:
    texts = [f"Nr. {i}" for i in range(2048)]
    response = client.embeddings.create(model="anything", input=texts, timeout=300)
    got = vectors_of(response)
    assert len(got) == 2048
    picks = [0, 1, 777, 2047]
    assert_close([got[i] for i in picks], reference_embeddings([texts[i] for i in picks], "query"), "2048 inputs")


def test_unicode_edge_texts_match_glossa_embed(client: OpenAI) -> None:
    texts = [
        "🌊🏔️🗼 emoji only",
        "e\u0301cole (combining accent) vs école",
        "עברית ועברית עם ניקוד: שָׁלוֹם",
        "हिन्दी में एक वाक्य",
        "Tab\there",
        "   leading and trailing spaces   ",
        "ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ",
        "zero\u200bwidth\u200dspace",
    ]
    response = client.embeddings.create(model="anything", input=texts, encoding_format="float")
    assert_close(vectors_of(response), reference_embeddings(texts, "query"), "unicode edge texts")


def test_invalid_unicode_in_json_is_a_clear_400(server: GlossaServer) -> None:
    # A lone surrogate: the body is a JSON object, and the message should not say otherwise.
    answer = server.request(
        "POST", "/v1/embeddings", data=b'{"model": "m", "input": ["\\ud800"]}',
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400, describe(answer)
    assert_error_shape(answer.json())
    assert "not an object" not in answer.json()["error"]["message"], describe(answer)


def test_async_client(server: GlossaServer) -> None:
    import asyncio

    from openai import AsyncOpenAI

    async def main() -> list:
        async with AsyncOpenAI(base_url=f"{server.url}/v1", api_key="sk-unused", max_retries=0, timeout=120) as api:
            return await asyncio.gather(
                *(api.embeddings.create(model="anything", input=[text]) for text in TEXTS)
            )

    responses = asyncio.run(main())
    got = [vectors_of(response)[0] for response in responses]
    assert_close(got, reference_embeddings(TEXTS, "query"), "AsyncOpenAI, one request per text, concurrently")
