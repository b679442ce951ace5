"""What every blob store (``cclibs.libraries.blobs.BlobStore``) does, whatever keeps the bytes:
one contract, run against the file store (tests/storage/test_blobs.py) and the S3 store
(tests/storage/test_s3_blobs.py), each a ``TestBlobStoreContract(BlobStoreContract)`` beside
its own ``store`` fixture. What lands on disk or in the bucket stays in those modules."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from cclibs.libraries.blobs import BlobStore, StoredBlob

__all__ = ["INVALID_KEYS", "BlobStoreContract", "read_all", "stream"]

INVALID_KEYS = [
    "",
    "../../etc/passwd",
    "A" * 64,
    "a" * 63,
    "g" * 64,
    "../" + "a" * 61,
    "٣" * 64,  # Arabic-Indic digits: \d would take them
]


async def stream(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def read_all(store: BlobStore, key: str, chunk_size: int = 64 * 1024) -> bytes:
    return b"".join([chunk async for chunk in store.get(key, chunk_size=chunk_size)])


@pytest.mark.anyio
class BlobStoreContract:
    async def test_content_released_before_the_commit_is_put_back(self, store: BlobStore) -> None:
        first = await store.put(stream(b"shared"), max_size=100)

        @contextlib.asynccontextmanager
        async def released_meanwhile(blob: StoredBlob) -> AsyncIterator[None]:
            await store.delete(blob.key)  # another library let go of the same content
            yield

        again = await store.put(stream(b"shared"), max_size=100, commit=released_meanwhile)

        assert again.key == first.key
        assert await read_all(store, again.key) == b"shared"

    async def test_an_empty_stream_is_a_blob(self, store: BlobStore) -> None:
        stored = await store.put(stream(), max_size=0)

        assert stored.size == 0
        assert await read_all(store, stored.key) == b""

    async def test_exactly_max_size_is_accepted(self, store: BlobStore) -> None:
        stored = await store.put(stream(b"x" * 10), max_size=10)

        assert stored.size == 10

    @pytest.mark.parametrize("key", INVALID_KEYS)
    async def test_invalid_keys_reach_nothing(self, store: BlobStore, key: str) -> None:
        with pytest.raises(KeyError):
            await anext(store.get(key))
        assert await store.exists(key) is False
        await store.delete(key)  # no error

    async def test_an_absent_key_is_a_key_error_at_first_iteration(self, store: BlobStore) -> None:
        chunks = store.get("0" * 64)  # nothing happens until iterated

        with pytest.raises(KeyError):
            await anext(chunks)
        assert await store.exists("0" * 64) is False
