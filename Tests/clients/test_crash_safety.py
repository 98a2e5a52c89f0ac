"""kill -9 during concurrent writes, ten times, on the same --root.

Several threads PUT small batches of unique documents (now and then re-sending one already acknowledged, which
must stay a single document, or deleting one). After every SIGKILL the server is started again on the same folder. At the end:
- every acknowledged id is GET-able with the text that was sent, unless a delete of it was sent; an
  acknowledged delete stays deleted;
- an unacknowledged write may or may not be there, but the collection's document count equals the number of
  distinct ids that are there (no id twice), and so does its chunk count (each document is one chunk);
- a filtered search for a document finds exactly one hit: the vector index holds no duplicates either;
- SIGTERM exits 0 and `glossa verify <collection folder>` exits 0.

GLOSSA_CRASH_SEED fixes the kill times; the seed is printed either way.
"""

from __future__ import annotations

import os
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from conftest import GlossaServer, ServerPool, describe, run_glossa

NAME = "crash"
ROUNDS = 10
WRITERS = 3
BATCH = 4
PUT_TIMEOUT = 30.0
ROUND_WRITE_LIMIT = 10.0  # seconds of writing before the kill at the latest
SAMPLE_SEARCHES = 20

WORDS = ["Fluss", "Berg", "Stadt", "река", "гора", "город", "rivière", "montagne", "ville", "河流", "山", "城市"]


@dataclass
class Ledger:
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: dict[str, dict] = field(default_factory=dict)  # every document ever sent, by id
    acked: set[str] = field(default_factory=set)  # ids in a PUT batch that got 200
    acked_this_round: int = 0
    unexpected: list[str] = field(default_factory=list)  # any status other than 200/429/503
    resent: set[str] = field(default_factory=set)
    owned: dict[int, list[str]] = field(default_factory=dict)  # writer -> its acknowledged, undeleted ids
    delete_sent: set[str] = field(default_factory=set)
    delete_acked: set[str] = field(default_factory=set)


def document(uid: str, number: int) -> dict:
    word = WORDS[number % len(WORDS)]
    return {
        "id": uid,
        "title": f"Crash {uid}",
        "text": f"Dokument {uid}: die Zahl {number} und das Wort {word}; ihr Quadrat ist {number * number}.",
        "metadata": {"uid": uid, "number": number},
    }


def writer(url: str, round_no: int, writer_no: int, stop: threading.Event, ledger: Ledger, seed: int) -> None:
    """PUT batches of new documents; now and then re-send one of this writer's own acknowledged documents, or
    DELETE one. Only the owner touches a document again, so its operations on it are ordered."""
    rng = random.Random(seed * 1000 + round_no * 10 + writer_no)
    session = requests.Session()
    sequence = 0
    with ledger.lock:
        owned = ledger.owned.setdefault(writer_no, [])
    while not stop.is_set():
        if owned and rng.random() < 0.15:
            victim = owned.pop(rng.randrange(len(owned)))
            with ledger.lock:
                ledger.delete_sent.add(victim)
            try:
                answer = session.delete(f"{url}/collections/{NAME}/documents/{victim}", timeout=PUT_TIMEOUT)
            except requests.RequestException:
                return
            if answer.status_code == 200 and answer.json() == {"deleted": victim}:
                with ledger.lock:
                    ledger.delete_acked.add(victim)
            elif answer.status_code not in (429, 503):
                with ledger.lock:
                    ledger.unexpected.append(describe(answer))
                return
            continue
        docs = []
        for i in range(BATCH):
            uid = f"r{round_no:02d}-w{writer_no}-b{sequence:05d}-{i}"
            docs.append(document(uid, round_no * 100_000 + writer_no * 10_000 + sequence * BATCH + i))
        with ledger.lock:
            for doc in docs:
                ledger.sent[doc["id"]] = doc
            if owned and rng.random() < 0.3:
                again = rng.choice(owned)
                docs.append(ledger.sent[again])
                ledger.resent.add(again)
        try:
            answer = session.put(f"{url}/collections/{NAME}/documents", json={"documents": docs}, timeout=PUT_TIMEOUT)
        except requests.RequestException:
            return  # the server is gone (killed); whatever was in flight is unacknowledged
        if answer.status_code == 200:
            with ledger.lock:
                fresh = [doc["id"] for doc in docs[:BATCH]]
                ledger.acked.update(doc["id"] for doc in docs)
                ledger.acked_this_round += len(docs)
                owned.extend(fresh)
            sequence += 1
        elif answer.status_code in (429, 503):
            time.sleep(0.05)  # queue full / not ready: the same ids again, next time round
        else:
            with ledger.lock:
                ledger.unexpected.append(describe(answer))
            return


def start(pool: ServerPool, root: Path) -> GlossaServer:
    return pool.start(root)


@pytest.mark.slow
@pytest.mark.timeout(420)
@pytest.mark.parametrize(
    "settings,rounds",
    [({}, ROUNDS), ({"index_type": "ivf", "shards": 2}, 4)],
    ids=["flat", "ivf-2-shards"],
)
def test_kill9_during_concurrent_writes(server_pool: ServerPool, tmp_path: Path, settings: dict, rounds: int) -> None:
    seed = int(os.environ.get("GLOSSA_CRASH_SEED") or time.time())
    print(f"GLOSSA_CRASH_SEED={seed}")
    rng = random.Random(seed)
    root = tmp_path / "root"
    ledger = Ledger()

    for round_no in range(rounds):
        server = start(server_pool, root)
        if round_no == 0:
            created = server.post("/collections", {"name": NAME, **settings})
            assert created.status_code == 201, describe(created)
        else:
            info = server.get(f"/collections/{NAME}")
            assert info.status_code == 200, f"after kill {round_no}: {describe(info)}"
            must = len(ledger.acked - ledger.delete_sent)
            assert info.json()["documents"] >= must, (
                f"after kill {round_no}: {info.json()['documents']} documents, {must} acknowledged and not deleted"
            )

        stop = threading.Event()
        ledger.acked_this_round = 0
        threads = [
            threading.Thread(target=writer, args=(server.url, round_no, w, stop, ledger, seed), daemon=True)
            for w in range(WRITERS)
        ]
        for thread in threads:
            thread.start()
        # Let some writes land, then kill at a random moment while the writers are busy.
        deadline = time.monotonic() + ROUND_WRITE_LIMIT
        while ledger.acked_this_round < BATCH * 2 and time.monotonic() < deadline and not ledger.unexpected:
            time.sleep(0.02)
        # Shard files are written behind, every 5 s of writing: some kills land around that write too.
        time.sleep(rng.uniform(4.0, 6.5) if round_no % 4 == 1 else rng.uniform(0.0, 1.0))
        server.kill9()
        stop.set()
        for thread in threads:
            thread.join(PUT_TIMEOUT + 5)
            assert not thread.is_alive(), "a writer is still blocked after the kill"
        assert not ledger.unexpected, ledger.unexpected[0]
        assert ledger.acked_this_round > 0, (
            f"round {round_no}: no write was acknowledged in {ROUND_WRITE_LIMIT:.0f} s\n{server.stderr_tail()}"
        )
        print(f"round {round_no}: {len(ledger.acked)} acknowledged of {len(ledger.sent)} sent")

    # The survivors, after one more restart.
    server = start(server_pool, root)
    must_exist = ledger.acked - ledger.delete_sent
    present: set[str] = set()
    lost: list[str] = []
    revived: list[str] = []
    for uid, doc in sorted(ledger.sent.items()):
        got = server.get(f"/collections/{NAME}/documents/{uid}", timeout=30)
        if got.status_code == 200:
            body = got.json()
            assert body["id"] == uid and body["text"] == doc["text"], describe(got)
            assert body["metadata"] == doc["metadata"], describe(got)
            present.add(uid)
            if uid in ledger.delete_acked:
                revived.append(uid)
        elif got.status_code == 404:
            if uid in must_exist:
                lost.append(uid)
        else:
            pytest.fail(describe(got))
    assert not lost, f"{len(lost)} acknowledged documents are gone after kill -9, e.g. {lost[:10]}"
    assert not revived, f"{len(revived)} acknowledged deletes were undone by kill -9, e.g. {revived[:10]}"

    info = server.get(f"/collections/{NAME}").json()
    print(
        f"sent {len(ledger.sent)}, acknowledged {len(ledger.acked)}, present {len(present)}, "
        f"re-sent {len(ledger.resent)}, deleted {len(ledger.delete_acked)} of {len(ledger.delete_sent)}; collection says {info['documents']} documents, {info['chunks']} chunks"
    )
    assert info["documents"] == len(present), f"document count {info['documents']} != {len(present)} distinct ids"
    assert info["chunks"] == len(present), f"chunk count {info['chunks']} != {len(present)} one-chunk documents"

    sample = sorted(ledger.resent & present)[: SAMPLE_SEARCHES // 2]
    for uid in sorted(ledger.delete_acked)[:5]:  # deleted documents are gone from the vector index too
        answer = server.post(
            f"/collections/{NAME}/search", {"query": ledger.sent[uid]["text"], "k": 10, "filters": {"uid": uid}}
        )
        assert answer.status_code == 200 and answer.json()["hits"] == [], describe(answer)
    sample += rng.sample(sorted(present), min(len(present), SAMPLE_SEARCHES - len(sample)))
    for uid in sample:
        answer = server.post(
            f"/collections/{NAME}/search", {"query": ledger.sent[uid]["text"], "k": 10, "filters": {"uid": uid}}
        )
        assert answer.status_code == 200, describe(answer)
        hits = answer.json()["hits"]
        assert [hit["id"] for hit in hits] == [uid], f"filtered search for {uid}: {describe(answer)}"

    code = server.stop()
    assert code == 0, f"glossa serve exited {code} after SIGTERM\n{server.stderr_tail()}"
    verified = run_glossa(["verify", str(root / NAME)], timeout=120)
    assert verified.returncode == 0, f"glossa verify exited {verified.returncode}:\n{verified.stdout}\n{verified.stderr}"


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_sigterm_during_concurrent_writes_leaves_a_verified_collection(server_pool: ServerPool, tmp_path: Path) -> None:
    """SIGTERM while writers are busy: exit 0, `glossa verify` passes at once (no restart needed to repair
    anything), and after a restart every acknowledged write is there, once."""
    seed = int(os.environ.get("GLOSSA_CRASH_SEED") or time.time())
    root = tmp_path / "root"
    ledger = Ledger()
    for round_no in range(3):
        server = start(server_pool, root)
        if round_no == 0:
            assert server.post("/collections", {"name": NAME}).status_code == 201
        stop = threading.Event()
        ledger.acked_this_round = 0
        threads = [
            threading.Thread(target=writer, args=(server.url, round_no, w, stop, ledger, seed), daemon=True)
            for w in range(WRITERS)
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + ROUND_WRITE_LIMIT
        while ledger.acked_this_round < BATCH * 4 and time.monotonic() < deadline and not ledger.unexpected:
            time.sleep(0.02)
        code = server.stop(timeout=60)
        stop.set()
        for thread in threads:
            thread.join(PUT_TIMEOUT + 5)
        assert code == 0, f"round {round_no}: exit {code} after SIGTERM under writes\n{server.stderr_tail()}"
        assert not ledger.unexpected, ledger.unexpected[0]
        verified = run_glossa(["verify", str(root / NAME)], timeout=120)
        assert verified.returncode == 0, (
            f"round {round_no}: glossa verify right after a graceful stop exited {verified.returncode}:\n"
            f"{verified.stdout}\n{verified.stderr}"
        )

    server = start(server_pool, root)
    must_exist = ledger.acked - ledger.delete_sent
    present = set()
    for uid in sorted(ledger.sent):
        got = server.get(f"/collections/{NAME}/documents/{uid}", timeout=30)
        assert got.status_code in (200, 404), describe(got)
        if got.status_code == 200:
            present.add(uid)
    assert must_exist <= present, f"lost after SIGTERM: {sorted(must_exist - present)[:10]}"
    assert not (ledger.delete_acked & present), f"deletes undone: {sorted(ledger.delete_acked & present)[:10]}"
    info = server.get(f"/collections/{NAME}").json()
    assert info["documents"] == len(present) and info["chunks"] == len(present), (info, len(present))
    assert server.stop() == 0


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_kill9_during_collection_creation(server_pool: ServerPool, tmp_path: Path) -> None:
    """kill -9 while POST /collections runs, several times: the server must start again on the same --root each
    time, and every name is then either a served collection or free to create."""
    seed = int(os.environ.get("GLOSSA_CRASH_SEED") or time.time())
    print(f"GLOSSA_CRASH_SEED={seed}")
    rng = random.Random(seed)
    root = tmp_path / "root"
    names = [f"made-{n}" for n in range(8)]
    for n, name in enumerate(names):
        try:
            server = start(server_pool, root)
        except AssertionError as error:
            leftovers = {p.name: sorted(f.name for f in p.iterdir()) for p in root.iterdir() if p.is_dir()}
            pytest.fail(f"after kill -9 during POST /collections ({names[:n]}), the server no longer starts on "
                        f"the same --root; folders: {leftovers}\n{error}")
        body = {"name": name, "index_type": "ivf" if n % 2 else "flat", "shards": 1 + n % 3}
        thread = threading.Thread(
            target=lambda: _quietly(lambda: requests.post(f"{server.url}/collections", json=body, timeout=10)),
            daemon=True,
        )
        thread.start()
        time.sleep(rng.uniform(0.0, 0.03))
        server.kill9()
        thread.join(15)

    server = start(server_pool, root)
    for name in names:
        got = server.get(f"/collections/{name}")
        if got.status_code == 200:
            continue
        assert got.status_code == 404, describe(got)
        created = server.post("/collections", {"name": name})
        assert created.status_code == 201, f"{name} is neither served nor creatable: {describe(created)}"
    assert server.stop() == 0


def _quietly(call) -> None:
    try:
        call()
    except requests.RequestException:
        pass
