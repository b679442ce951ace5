"""The port to the bytes of uploaded files: a small, streaming, content-addressed store.

Keys are the SHA-256 of the content (hex). Everything streams: a 1 GB upload or download
never sits in memory. The default implementation is files in the data directory
(``cclibs.storage.blobs.FileBlobStore``); an S3-compatible one can implement the same four
operations.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

__all__ = ["BlobStore", "BlobTooLarge", "Commit", "RenditionCache", "StoredBlob"]


@dataclass(frozen=True, slots=True)
class StoredBlob:
    key: str
    """SHA-256 of the content, lower-case hex: the blob's name in the store."""
    size: int
    md5: str
    """MD5 of the content, base64 (as Adobe's upload answer carries it)."""


class BlobTooLarge(Exception):
    """The stream passed ``max_size``; nothing was stored."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        super().__init__(f"larger than {max_size} bytes")


Commit = Callable[[StoredBlob], AbstractAsyncContextManager[object]]
"""What records a blob (a database transaction): the blob becomes visible inside it."""


class BlobStore(Protocol):
    async def put(
        self, chunks: AsyncIterable[bytes], *, max_size: int, commit: Commit | None = None
    ) -> StoredBlob:
        """Store a stream. The blob becomes visible only once it is complete and durable
        (written to a temporary name, fsynced, renamed); a stream that fails or passes
        ``max_size`` (``BlobTooLarge``) leaves nothing behind. Storing content that is
        already there is cheap and returns the same key.

        ``commit``, when given, is entered once the content is complete, and the blob is put
        in place inside it: a transaction that records the blob then commits with it, and a
        blob released meanwhile (the same content, no longer named) is put back. If entering
        it fails, nothing is stored."""
        ...

    def get(self, key: str, *, chunk_size: int = 64 * 1024) -> AsyncIterator[bytes]:
        """The content of ``key``, streamed. ``KeyError`` (at the first iteration) when absent."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Remove ``key``; removing an absent key is not an error."""
        ...


class RenditionCache(Protocol):
    """Rendered PNGs by a key that names their source and size (they are cheap to redo)."""

    async def load(self, key: str) -> bytes | None: ...

    async def save(self, key: str, png: bytes) -> None: ...
