"""Reading a response body up to a limit, and no further.

A server the SDK talks to (an identity server, or an API the playground calls) cannot make
it hold more than the limit in memory, however much it sends: the caller closes the
response after this returns, which drops the connection instead of reading the rest.
"""

from __future__ import annotations

import httpx

__all__ = ["read_bounded", "read_bounded_sync"]


class _Collected:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> bool:
        """Keep ``chunk``; True once past the limit (read no more)."""
        self.chunks.append(chunk)
        self.size += len(chunk)
        return self.size > self.limit

    def result(self) -> tuple[bytes, bool]:
        return b"".join(self.chunks)[: self.limit], self.size > self.limit


async def read_bounded(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """The first ``limit`` bytes of a streamed response's body, and whether there were more."""
    collected = _Collected(limit)
    async for chunk in response.aiter_bytes():
        if collected.add(chunk):
            break
    return collected.result()


def read_bounded_sync(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """As ``read_bounded``, for a synchronous client's streamed response."""
    collected = _Collected(limit)
    for chunk in response.iter_bytes():
        if collected.add(chunk):
            break
    return collected.result()
