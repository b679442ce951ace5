"""A small OpenID provider on 127.0.0.1 whose answers a test sets: what a provider that sends
``iss``, answers nonsense, or sends a huge body does to the playground."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.servers import free_socket, running

__all__ = ["FakeProvider", "fake_provider"]

CHUNK = 64 * 1024


@dataclass
class FakeProvider:
    base_url: str = ""
    device: dict[str, Any] = field(default_factory=dict)
    large_body_bytes: int = 0
    sent_bytes: int = 0
    token_requests: list[dict[str, str]] = field(default_factory=list)

    async def _discovery(self, _request: Request) -> Response:
        base = self.base_url
        return JSONResponse(
            {
                "issuer": base,
                "authorization_endpoint": base + "/authorize",
                "token_endpoint": base + "/token",
                "device_authorization_endpoint": base + "/device",
                "authorization_response_iss_parameter_supported": True,
            }
        )

    async def _token(self, request: Request) -> Response:
        self.token_requests.append({k: str(v) for k, v in (await request.form()).items()})
        return JSONResponse({"access_token": "fake-access-token", "token_type": "Bearer"})

    async def _device(self, _request: Request) -> Response:
        return JSONResponse(self.device)

    async def _large(self, request: Request) -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            # Until the client hangs up (after that, sending is a no-op, not an error).
            while self.sent_bytes < self.large_body_bytes and not await request.is_disconnected():
                self.sent_bytes += CHUNK
                yield b"x" * CHUNK

        return StreamingResponse(chunks(), media_type="text/plain")

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/healthz", lambda _r: PlainTextResponse("ok")),
                Route("/.well-known/openid-configuration", self._discovery),
                Route("/token", self._token, methods=["POST"]),
                Route("/device", self._device, methods=["POST"]),
                Route("/large", self._large),
            ]
        )


@contextmanager
def fake_provider() -> Iterator[FakeProvider]:
    sock = free_socket()
    provider = FakeProvider(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}")
    with running(provider.app(), sock):
        yield provider
