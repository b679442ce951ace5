"""Running ``conversation``'s steps over httpx: the only I/O of the OAuth client.

Each request a step yields is built with the caller's httpx client (its default headers,
timeouts, transports and mounts apply), sent, and its body read up to ``max_body`` bytes
before the step receives it. A request that gets no answer raises ``IssuerUnreachable``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import httpx

from cclibs.sdk.bounded import read_bounded, read_bounded_sync
from cclibs.sdk.conversation import OAuthRequest, Step
from cclibs.sdk.endpoints import transport_reason
from cclibs.sdk.errors import IssuerUnreachable

__all__ = ["MAX_BODY", "run_async", "run_sync"]

T = TypeVar("T")
MAX_BODY = 1_000_000
"""The most of an identity server's answer the SDK reads: its documents are a few KB."""
_FRAMING = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def run_sync(http: httpx.Client, step: Step[T], *, max_body: int = MAX_BODY) -> T:
    """Send each request ``step`` yields with ``http``; its result."""
    run = _Run(step)
    while run.request is not None:
        run.feed(_send_sync(http, run.request, max_body))
    return run.result


async def run_async(http: httpx.AsyncClient, step: Step[T], *, max_body: int = MAX_BODY) -> T:
    """As ``run_sync``, awaiting each answer."""
    run = _Run(step)
    while run.request is not None:
        run.feed(await _send_async(http, run.request, max_body))
    return run.result


def _send_sync(http: httpx.Client, request: OAuthRequest, max_body: int) -> httpx.Response:
    built = http.build_request(
        request.method, request.url, headers=request.headers, data=request.form
    )
    try:
        response = http.send(built, stream=True)
        try:
            content, _ = read_bounded_sync(response, max_body)
        finally:
            response.close()
    except httpx.TransportError as exc:
        raise _unreachable(request, exc) from None
    return _answered(response, content)


async def _send_async(
    http: httpx.AsyncClient, request: OAuthRequest, max_body: int
) -> httpx.Response:
    built = http.build_request(
        request.method, request.url, headers=request.headers, data=request.form
    )
    try:
        response = await http.send(built, stream=True)
        try:
            content, _ = await read_bounded(response, max_body)
        finally:
            await response.aclose()
    except httpx.TransportError as exc:
        raise _unreachable(request, exc) from None
    return _answered(response, content)


class _Run(Generic[T]):
    """Drives a step: ``request`` is what to send next, None once ``result`` is set."""

    result: T

    def __init__(self, step: Step[T]) -> None:
        self._step = step
        self.request: OAuthRequest | None = None
        self._advance(lambda: next(step))

    def feed(self, response: httpx.Response) -> None:
        self._advance(lambda: self._step.send(response))

    def _advance(self, move: Callable[[], OAuthRequest]) -> None:
        try:
            self.request = move()
        except StopIteration as done:
            self.request, self.result = None, done.value


def _answered(response: httpx.Response, content: bytes) -> httpx.Response:
    """A streamed response as read (bounded, decoded): what the steps receive."""
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in _FRAMING  # the content is decoded and complete now
    ]
    return httpx.Response(
        response.status_code, headers=headers, content=content, request=response.request
    )


def _unreachable(request: OAuthRequest, exc: httpx.TransportError) -> IssuerUnreachable:
    """The error for a request that got no answer, naming the origin it went to."""
    url = httpx.URL(request.url)
    origin = f"{url.scheme}://{url.netloc.decode()}"
    return IssuerUnreachable(f"cannot reach {origin}: {transport_reason(exc)}")
