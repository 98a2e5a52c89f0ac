"""Fixtures for the real-client suite of `glossa serve`.

The server under test is the built binary, started as a person would start it:
`glossa serve --root TMP --host 127.0.0.1 --port 0 --model MODEL`, with the port read from its one
`glossa serve: listening on http://HOST:PORT` line and GET /ready polled until it answers 200. It is stopped
with SIGTERM and must exit 0. Every request goes to 127.0.0.1 only.

Environment:
  GLOSSA_BIN    the binary (default: <repo>/.build/release/glossa)
  GLOSSA_MODEL  the model folder (default: <repo>/Models/multilingual-e5-small)
  CI=true       a missing binary, model or browser fails the run instead of skipping it
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
GLOSSA_BIN = os.environ.get("GLOSSA_BIN") or str(REPO / ".build" / "release" / "glossa")
GLOSSA_MODEL = os.environ.get("GLOSSA_MODEL") or str(REPO / "Models" / "multilingual-e5-small")
SAMPLES = REPO / "samples" / "passages.jsonl"
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")

HOST = "127.0.0.1"
READY_TIMEOUT = 120.0  # seconds from spawn to GET /ready == 200
STOP_TIMEOUT = 30.0  # seconds from SIGTERM to exit
REQUEST_TIMEOUT = 60.0  # one HTTP request
COLLECTION = "samples"

ADMIN_KEY = "glossa-test-admin-key-7f3a"
READ_ONLY_KEY = "glossa-test-read-only-key-91bc"

LISTEN_RE = re.compile(r"^glossa serve: listening on (http://([^/:\s]+):(\d+))\s*$")


def unavailable(reason: str) -> None:
    """Skip locally, fail under CI: CI must never pass by skipping the server tests."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing prerequisite is a failure)", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------------------------------------------
# The binary, the model and the reference commands


_binary_checked: str | None = None


def require_binary() -> str:
    """The server binary, after checking that `glossa serve --help` exits 0."""
    global _binary_checked
    if _binary_checked is not None:
        return _binary_checked
    path = Path(GLOSSA_BIN)
    if not (path.is_file() and os.access(path, os.X_OK)):
        unavailable(f"no glossa binary at {path} (set GLOSSA_BIN or run `make build`)")
    try:
        probe = subprocess.run(
            [str(path), "serve", "--help"], capture_output=True, timeout=30, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        unavailable(f"`{path} serve --help` did not finish in 30 s")
    if probe.returncode != 0:
        unavailable(
            f"`{path} serve --help` exited {probe.returncode}: the binary has no serve command yet\n"
            + probe.stderr.decode(errors="replace")[-2000:]
        )
    _binary_checked = str(path)
    return _binary_checked


def require_model() -> str:
    folder = Path(GLOSSA_MODEL)
    for name in ("config.json", "model.safetensors", "sentencepiece.bpe.model"):
        if not (folder / name).is_file():
            unavailable(f"model folder {folder} has no {name} (set GLOSSA_MODEL or run `make model`)")
    return str(folder)


def run_glossa(args: list[str], stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `glossa ARGS`, text in and out, bounded in time."""
    env = dict(os.environ, GLOSSA_MODEL=GLOSSA_MODEL)
    return subprocess.run(
        [require_binary(), *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


_embed_cache: dict[tuple[str, tuple[str, ...]], list[list[float]]] = {}
_token_cache: dict[tuple[str, tuple[str, ...]], list[list[int]]] = {}


def _lines_in(texts: list[str]) -> str:
    for text in texts:
        assert "\n" not in text and "\r" not in text, f"reference commands read one text per line: {text!r}"
    return "".join(text + "\n" for text in texts)


def reference_embeddings(texts: list[str], kind: str) -> list[list[float]]:
    """`glossa embed --kind KIND` of each text: the vectors the server must reproduce."""
    key = (kind, tuple(texts))
    if key not in _embed_cache:
        done = run_glossa(["embed", "--kind", kind, "--quiet", "--model", require_model()], _lines_in(texts))
        assert done.returncode == 0, f"glossa embed exited {done.returncode}:\n{done.stderr[-2000:]}"
        vectors = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        assert len(vectors) == len(texts), f"glossa embed printed {len(vectors)} lines for {len(texts)} texts"
        _embed_cache[key] = vectors
    return _embed_cache[key]


def reference_token_ids(texts: list[str], prefix: str) -> list[list[int]]:
    """`glossa tokenize --prefix PREFIX` of each text (with <s> = 0 and </s> = 2)."""
    key = (prefix, tuple(texts))
    if key not in _token_cache:
        done = run_glossa(["tokenize", "--prefix", prefix, "--model", require_model()], _lines_in(texts))
        assert done.returncode == 0, f"glossa tokenize exited {done.returncode}:\n{done.stderr[-2000:]}"
        ids = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        assert len(ids) == len(texts)
        _token_cache[key] = ids
    return _token_cache[key]


def load_passages() -> list[dict[str, Any]]:
    with SAMPLES.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# --------------------------------------------------------------------------------------------------------------
# One server process


try:
    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl  # resolved here, not in the forked child
except (OSError, AttributeError):
    _PRCTL = None


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL it when the spawning thread dies, so no server outlives the suite."""
    if _PRCTL is not None:
        _PRCTL(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG


class ServerFailed(AssertionError):
    pass


class GlossaServer:
    """One `glossa serve` process on 127.0.0.1 with a random port.

    Start it from the main thread: the child is killed when the thread that spawned it exits.
    """

    _serial = 0

    def __init__(
        self,
        root: Path,
        log_dir: Path,
        *,
        collections: tuple[str, ...] = (),
        api_key_file: Path | None = None,
        read_only_key_file: Path | None = None,
        extra_args: tuple[str, ...] = (),
        key: str | None = None,
    ) -> None:
        self.root = Path(root)
        self.log_dir = Path(log_dir)
        self.collections = collections
        self.api_key_file = api_key_file
        self.read_only_key_file = read_only_key_file
        self.extra_args = extra_args
        self.key = key
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.stdout_lines: list[str] = []
        self._listening = threading.Event()
        self._reader: threading.Thread | None = None
        self.stderr_path: Path | None = None
        self.command: list[str] = []

    # -- lifecycle ----------------------------------------------------------------------------------------------

    def start(self, ready_timeout: float = READY_TIMEOUT) -> "GlossaServer":
        GlossaServer._serial += 1
        self.root.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.stderr_path = self.log_dir / f"serve-{GlossaServer._serial}.stderr"
        self.command = [
            require_binary(),
            "serve",
            *self.collections,
            "--root",
            str(self.root),
            "--host",
            HOST,
            "--port",
            "0",
            "--model",
            require_model(),
        ]
        if self.api_key_file is not None:
            self.command += ["--api-key-file", str(self.api_key_file)]
        if self.read_only_key_file is not None:
            self.command += ["--read-only-key-file", str(self.read_only_key_file)]
        self.command += list(self.extra_args)
        self.stdout_lines = []
        self._listening.clear()
        self.url = ""
        with open(self.stderr_path, "wb") as stderr:
            self.proc = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                cwd=str(self.root.parent),
                env=dict(os.environ, GLOSSA_MODEL=require_model()),
                preexec_fn=_die_with_parent,
            )
        self._reader = threading.Thread(target=self._read_stdout, args=(self.proc,), daemon=True)
        self._reader.start()

        deadline = time.monotonic() + ready_timeout
        while not self._listening.wait(0.1):
            if self.proc.poll() is not None:
                self._fail(f"exited {self.proc.returncode} before printing its listening line")
            if time.monotonic() > deadline:
                self.kill9()
                self._fail(f"printed no listening line in {ready_timeout:.0f} s")
        self.wait_ready(deadline)
        return self

    def _read_stdout(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            self.stdout_lines.append(line)
            match = LISTEN_RE.match(line)
            if match and not self._listening.is_set():
                host = match.group(2)
                if host not in ("127.0.0.1", "localhost"):
                    # Never send traffic anywhere but the loopback address.
                    continue
                self.url = f"http://127.0.0.1:{match.group(3)}"
                self._listening.set()

    def wait_ready(self, deadline: float) -> None:
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                self._fail(f"exited {self.proc.returncode} while waiting for /ready ({last})")
            try:
                answer = requests.get(f"{self.url}/ready", timeout=2)
                if answer.status_code == 200:
                    assert answer.json() == {"status": "ready"}, answer.text
                    return
                last = f"{answer.status_code} {answer.text[:200]}"
                # Before it is ready the server says so with a 503 in the one error shape, nothing else.
                assert answer.status_code == 503, f"GET /ready before ready: {last}"
                assert_error_shape(answer.json())
            except requests.RequestException as error:
                last = repr(error)
            time.sleep(0.2)
        self.kill9()
        self._fail(f"GET /ready was not 200 in time (last: {last})")

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, then wait; the exit code (a server that hangs is killed and reported)."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
                self._fail(f"did not exit within {timeout:.0f} s of SIGTERM")
        self._join_reader()
        return self.proc.returncode

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
        self._join_reader()

    def _join_reader(self) -> None:
        if self._reader is not None:
            self._reader.join(5)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stderr_tail(self, chars: int = 4000) -> str:
        if self.stderr_path is None or not self.stderr_path.exists():
            return ""
        return self.stderr_path.read_bytes()[-chars:].decode("utf-8", errors="replace")

    def _fail(self, what: str) -> None:
        raise ServerFailed(
            f"glossa serve {what}\ncommand: {' '.join(self.command)}\nstdout: {self.stdout_lines[-20:]}\n"
            f"stderr tail:\n{self.stderr_tail()}"
        )

    # -- HTTP ---------------------------------------------------------------------------------------------------

    def headers(self, key: str | None = "default") -> dict[str, str]:
        key = self.key if key == "default" else key
        return {"Authorization": f"Bearer {key}"} if key else {}

    def request(self, method: str, path: str, *, key: str | None = "default", **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        headers = {**self.headers(key), **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.url}{path}", headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, json=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def create_collection(self, name: str, passages: list[dict[str, Any]] | None = None, **options: Any) -> None:
        created = self.post("/collections", {"name": name, **options})
        assert created.status_code == 201, describe(created)
        if passages:
            put = self.put(f"/collections/{name}/documents", {"documents": passages})
            assert put.status_code == 200, describe(put)
            counts = put.json()
            assert counts["inserted"] == len(passages), counts


def describe(response: requests.Response) -> str:
    """The request and the response, for assertion messages (and the report to the server's author)."""
    request = response.request
    body = request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if body and len(body) > 600:
        body = body[:600] + f"... ({len(body)} chars)"
    return (
        f"\n>>> {request.method} {request.url}\n>>> {body}\n"
        f"<<< {response.status_code} {response.reason}\n<<< {dict(response.headers)}\n<<< {response.text[:1500]}"
    )


def assert_error_shape(body: Any) -> None:
    """The one error body: {"error": {"message": str, "type": str, "param": str|null, "code": str|null}}."""
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), f"not an error body: {body!r}"
    error = body["error"]
    assert set(error) >= {"message", "type", "param", "code"}, f"error fields: {sorted(error)}"
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["type"], str) and error["type"], error
    assert error["param"] is None or isinstance(error["param"], str), error
    assert error["code"] is None or isinstance(error["code"], str), error


# --------------------------------------------------------------------------------------------------------------
# Fixtures


class ServerPool:
    """Starts servers for one test and makes sure none is left running afterwards."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.servers: list[GlossaServer] = []

    def start(self, root: Path, **kwargs: Any) -> GlossaServer:
        server = GlossaServer(root, self.base / "logs", **kwargs)
        self.servers.append(server)
        return server.start()

    def close(self) -> None:
        for server in self.servers:
            server.kill9()


@pytest.fixture
def server_pool(tmp_path: Path) -> Iterator[ServerPool]:
    pool = ServerPool(tmp_path)
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture(scope="session")
def passages() -> list[dict[str, Any]]:
    return load_passages()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, passages: list[dict[str, Any]]) -> Iterator[GlossaServer]:
    """A server with no auth and the `samples` collection made through the API from samples/passages.jsonl."""
    require_binary()
    require_model()
    base = tmp_path_factory.mktemp("serve")
    running = GlossaServer(base / "root", base / "logs")
    try:
        running.start()
        running.create_collection(COLLECTION, passages)
    except BaseException:
        running.kill9()
        raise
    yield running
    if running.running:
        code = running.stop()
        assert code == 0, f"glossa serve exited {code} after SIGTERM\n{running.stderr_tail()}"


@pytest.fixture(scope="session")
def auth_server(tmp_path_factory: pytest.TempPathFactory, passages: list[dict[str, Any]]) -> Iterator[GlossaServer]:
    """A server started with --api-key-file and --read-only-key-file; `key` is the full-access key."""
    require_binary()
    require_model()
    base = tmp_path_factory.mktemp("serve-auth")
    keys = base / "keys"
    keys.mkdir()
    admin, read_only = keys / "api-key", keys / "read-only-key"
    admin.write_text(ADMIN_KEY + "\n")
    read_only.write_text(READ_ONLY_KEY + "\n")
    running = GlossaServer(
        base / "root", base / "logs", api_key_file=admin, read_only_key_file=read_only, key=ADMIN_KEY
    )
    try:
        running.start()
        running.create_collection(COLLECTION, passages[:8])
    except BaseException:
        running.kill9()
        raise
    yield running
    if running.running:
        code = running.stop()
        assert code == 0, f"glossa serve exited {code} after SIGTERM\n{running.stderr_tail()}"
