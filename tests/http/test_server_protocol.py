"""The HTTP protocol ``cclibs serve`` runs (``cclibs.web.server_protocol``), on a real socket:
one write per small response, streamed bodies still leave chunk by chunk, nothing is lost on
close, and large bodies arrive whole."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from cclibs.web.server_protocol import OneWriteHttpProtocol
from tests.support.servers import free_socket, running

_BIG = hashlib.sha256(b"seed").digest() * (5 * 1024 * 1024 // 32)  # 5 MiB
_released = threading.Event()


async def _healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _big(_request: Request) -> Response:
    return Response(_BIG, media_type="application/octet-stream")


async def _stream(_request: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"first chunk\n"
        # The test reads the first chunk before it lets the stream go on.
        await anyio.to_thread.run_sync(_released.wait, 10)
        yield b"second chunk\n"

    return StreamingResponse(chunks(), media_type="text/plain")


_app = Starlette(
    routes=[
        Route("/healthz", _healthz),
        Route("/big", _big),
        Route("/stream", _stream),
    ]
)
_writes: list[bytes] = []


class _Recorder:
    """Between the protocol's buffer and the real transport: what reaches the socket."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def write(self, data: bytes) -> None:
        _writes.append(bytes(data))
        self._transport.write(data)

    def writelines(self, lines: list[bytes]) -> None:
        _writes.append(b"".join(lines))
        self._transport.writelines(lines)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _RecordedProtocol(OneWriteHttpProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        recorder: Any = _Recorder(transport)  # type: ignore[arg-type]
        super().connection_made(recorder)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running(_app, free_socket(), http=_RecordedProtocol) as base:
        yield base


def _raw(base_url: str, request: bytes) -> bytes:
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_a_small_response_leaves_in_one_write(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as http:
        http.get("/healthz")  # the connection is open
        _writes.clear()
        answers = [http.get("/healthz") for _ in range(5)]
    assert all(a.json() == {"status": "ok"} for a in answers)
    assert len(_writes) == 5
    assert all(w.startswith(b"HTTP/1.1 200 OK\r\n") for w in _writes)
    assert all(w.endswith(b'\r\n\r\n{"status":"ok"}') for w in _writes)


def test_a_streamed_body_is_not_held_until_it_ends(base_url: str) -> None:
    _released.clear()
    with httpx.Client(base_url=base_url, timeout=5) as http, http.stream("GET", "/stream") as r:
        parts = r.iter_raw()
        first = next(parts)  # arrives while the app still waits for the test
        _released.set()
        rest = b"".join(parts)
    assert first == b"first chunk\n"
    assert rest == b"second chunk\n"


def test_a_closing_connection_gets_its_whole_answer(base_url: str) -> None:
    answer = _raw(base_url, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"connection: close\r\n" in answer.lower()
    assert answer.endswith(b'{"status":"ok"}')


def test_a_bad_request_is_answered_before_the_connection_closes(base_url: str) -> None:
    answer = _raw(base_url, b"NOT HTTP AT ALL\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")


def test_large_bodies_and_head_requests_arrive_intact(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        big = http.get("/big")
        head = http.head("/healthz")
        after = http.get("/healthz")
    assert big.status_code == 200
    assert hashlib.sha256(big.content).digest() == hashlib.sha256(_BIG).digest()
    assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", "15")
    assert after.json() == {"status": "ok"}
