"""The one way request bodies are read: streamed, and never past a limit.

A declared ``Content-Length`` over the limit is refused before a byte is read; a body that
runs past the limit (chunked, or lying about its length) is refused as soon as it does, so a
client cannot make the server hold more than the limit in memory. The errors render in the
route's own format (``BodyTooLarge``: 413, or 400 ``invalid_request`` on OAuth endpoints).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.requests import ClientDisconnect, Request

from cclibs.web.errors import BodyTooLarge, MalformedRequest

__all__ = ["BodyCutOff", "declared_length", "read_body", "stream_body"]


class BodyCutOff(MalformedRequest):
    message = "The request body was cut off."


def declared_length(request: Request) -> int | None:
    """``Content-Length`` as a number; a malformed one is a 400 (``'²'.isdigit()`` is true,
    so ASCII is checked too)."""
    declared = request.headers.get("content-length")
    if declared is None:
        return None
    if not (declared.isascii() and declared.isdigit()):
        raise MalformedRequest("The Content-Length header is not a number.")
    return int(declared)


async def stream_body(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The body's chunks; ``BodyTooLarge`` once more than ``limit`` bytes came (or were
    announced), ``BodyCutOff`` when the client goes away before the end."""
    declared = declared_length(request)
    if declared is not None and declared > limit:
        raise BodyTooLarge(f"The request body is too large (at most {limit} bytes).")
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(f"The request body is too large (at most {limit} bytes).")
            if chunk:
                yield chunk
    except ClientDisconnect:
        raise BodyCutOff() from None


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, at most ``limit`` bytes (see ``stream_body``)."""
    body = bytearray()
    async for chunk in stream_body(request, limit):
        body += chunk
    return bytes(body)
