"""A fixed list of HTTP/1.1 requests sent over C keep-alive connections, timed as a whole.

For loads whose every request must differ and be used once (authorization codes: minting them,
then redeeming each exactly once), which wrk, bound to a duration, cannot count. Raw asyncio
streams on 127.0.0.1, as bench/_pyload.py: one Python process, so it costs more client CPU per
request than wrk, the same for both servers compared.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field

from _harness import HOST

__all__ = ["Answer", "Burst", "burst", "get_request", "post_request"]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Burst:
    seconds: float
    answers: list[Answer | None]  # in the order of the requests; None: a socket error
    latencies: list[float] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return sum(1 for a in self.answers if a is not None and 200 <= a.status < 400)

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile_ms(self, q: int) -> float:
        if len(self.latencies) < 2:
            return (self.latencies or [0.0])[0] * 1000
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1] * 1000


def get_request(port: int, target: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {target} HTTP/1.1", f"Host: {HOST}:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def post_request(port: int, target: str, headers: dict[str, str], body: str) -> bytes:
    data = body.encode()
    lines = [f"POST {target} HTTP/1.1", f"Host: {HOST}:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append(f"Content-Length: {len(data)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


async def _read_answer(reader: asyncio.StreamReader) -> tuple[Answer, bool]:
    """One response; and whether the server keeps the connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            parts.append(chunk[:-2])
        body = b"".join(parts)
    else:
        length = int(headers.get("content-length", "0"))
        body = await reader.readexactly(length) if length else b""
    keep = headers.get("connection", "").lower() != "close"
    return Answer(status, headers, body), keep


async def _connection(port: int, queue: list[int], requests: list[bytes], out: Burst) -> None:
    reader = writer = None
    while queue:
        index = queue.pop()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            assert reader is not None
            began = time.perf_counter()
            writer.write(requests[index])
            answer, keep = await _read_answer(reader)
            out.latencies.append(time.perf_counter() - began)
            out.answers[index] = answer
            if not keep:
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            if writer is not None:
                writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def _burst(port: int, requests: list[bytes], connections: int, timeout: float) -> Burst:
    out = Burst(0.0, [None] * len(requests))
    queue = list(range(len(requests)))[::-1]  # pop() from the end: the requests in order
    began = time.perf_counter()
    tasks = [_connection(port, queue, requests, out) for _ in range(connections)]
    await asyncio.wait_for(asyncio.gather(*tasks), timeout)
    out.seconds = time.perf_counter() - began
    return out


def burst(port: int, requests: list[bytes], connections: int = 32, timeout: float = 120) -> Burst:
    """Send every request once, ``connections`` at a time; bounded by ``timeout`` seconds."""
    try:
        import uvloop

        return uvloop.run(_burst(port, requests, connections, timeout))
    except ImportError:
        return asyncio.run(_burst(port, requests, connections, timeout))
