"""Benchmarks/serve/http1.py — the load generator's HTTP/1.1 client and statistics, standard library only.

One keep-alive connection per simulated client on asyncio streams: a closed-loop client costs the 2-core host
far less CPU than httpx would, and the same client measures Glossa and the peer. Loopback targets only.
"""

import asyncio
import ipaddress
import socket
import urllib.parse
from dataclasses import dataclass, field


class LoadError(Exception):
    """A refused target or a malformed response; the message says which."""


def loopback_target(url: str) -> tuple[str, int]:
    """(host, port) of an http:// URL on the loopback range; anything else is refused (this benchmark only
    ever loads servers it started on this machine)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname is None or parts.port is None:
        raise LoadError(f"{url!r}: want http://HOST:PORT with an explicit port")
    host = parts.hostname
    if host != "localhost":
        try:
            address = ipaddress.ip_address(host)
        except ValueError as error:
            raise LoadError(f"{url!r}: host must be a loopback address, not a name") from error
        if not address.is_loopback:
            raise LoadError(f"{url!r}: {host} is not a loopback address; this benchmark loads 127.0.0.0/8 only")
    return host, parts.port


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Connection:
    """One HTTP/1.1 keep-alive connection. request() reconnects once when a reused connection turns out to be
    closed before any response byte arrived (an idle keep-alive closed by the server)."""

    host: str
    port: int
    reconnects: int = 0
    _reader: asyncio.StreamReader | None = field(default=None, repr=False)
    _writer: asyncio.StreamWriter | None = field(default=None, repr=False)

    async def _connect(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port, limit=1 << 22)
        sock = self._writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def request(self, method: str, path: str, body: bytes | None = None,
                      headers: tuple[tuple[str, str], ...] = ()) -> Response:
        payload = body or b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: keep-alive",
                 f"Content-Length: {len(payload)}"]
        if body is not None:
            lines.append("Content-Type: application/json")
        lines += [f"{k}: {v}" for k, v in headers]
        message = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload
        for attempt in range(2):
            fresh = self._writer is None
            if fresh:
                await self._connect()
            assert self._reader is not None and self._writer is not None
            try:
                self._writer.write(message)
                await self._writer.drain()
                head = await self._reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if fresh or attempt == 1:
                    raise
                self.reconnects += 1
                continue
            return await self._read_rest(head)
        raise AssertionError("unreachable")

    async def _read_rest(self, head: bytes) -> Response:
        assert self._reader is not None
        lines = head.decode("latin-1").split("\r\n")
        status_parts = lines[0].split(" ", 2)
        if len(status_parts) < 2 or not status_parts[1].isdigit():
            self.close()
            raise LoadError(f"malformed status line {lines[0]!r}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self._reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size_line = await self._reader.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while (await self._reader.readuntil(b"\r\n")) != b"\r\n":
                        pass  # trailers
                    break
                chunks.append((await self._reader.readexactly(size + 2))[:-2])
            body = b"".join(chunks)
        else:
            body = await self._reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Response(int(status_parts[1]), headers, body)


def percentile(sorted_values: list[float], p: float) -> float:
    """Linear-interpolated percentile (numpy's default method) of an ascending list; nan when empty."""
    if not sorted_values:
        return float("nan")
    rank = (len(sorted_values) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def latency_summary(seconds: list[float]) -> dict[str, float | int]:
    """count, mean and p50/p90/p95/p99/max in milliseconds of a list of latencies in seconds."""
    values = sorted(seconds)
    ms = lambda x: round(x * 1e3, 3)  # noqa: E731
    return {
        "count": len(values),
        "mean_ms": ms(sum(values) / len(values)) if values else float("nan"),
        "p50_ms": ms(percentile(values, 50)), "p90_ms": ms(percentile(values, 90)),
        "p95_ms": ms(percentile(values, 95)), "p99_ms": ms(percentile(values, 99)),
        "max_ms": ms(values[-1]) if values else float("nan"),
    }


def retry_after_seconds(response: Response, cap: float = 1.0) -> float:
    """The pause a client takes after a 429: the server's Retry-After (seconds), at most cap, 0.1 s when absent."""
    try:
        return max(0.0, min(cap, float(response.headers.get("retry-after", "0.1"))))
    except ValueError:
        return 0.1
