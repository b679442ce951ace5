"""Reading a response body up to a limit, and no further: a server the playground talks to
cannot make it hold more than that in memory, however much it sends."""

from __future__ import annotations

import httpx

__all__ = ["read_bounded"]


async def read_bounded(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """The first ``limit`` bytes of a streamed response's body, and whether there were more.

    The caller leaves the ``client.stream(...)`` block at once, which closes the connection
    instead of reading the rest."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    content = b"".join(chunks)
    return content[:limit], size > limit
