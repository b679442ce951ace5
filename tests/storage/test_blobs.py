"""The file blob store and rendition cache, on a real directory."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import time
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from cclibs.libraries.blobs import BlobTooLarge, StoredBlob
from cclibs.storage.blobs import FileBlobStore, FileRenditionCache
from tests.support.blob_contract import BlobStoreContract, read_all, stream

pytestmark = pytest.mark.anyio

MiB = 1024 * 1024


def files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


@pytest.fixture
def store(tmp_path: Path) -> FileBlobStore:
    return FileBlobStore(tmp_path)


class TestBlobStoreContract(BlobStoreContract):
    """The contract every blob store keeps (tests/support/blob_contract.py), on a directory."""


async def test_a_blob_round_trips_under_its_sha256(store: FileBlobStore, tmp_path: Path) -> None:
    content = os.urandom(3 * MiB + 17)

    stored = await store.put(stream(content[:MiB], content[MiB:]), max_size=10 * MiB)

    assert stored.key == hashlib.sha256(content).hexdigest()
    assert stored.size == len(content)
    assert await read_all(store, stored.key) == content
    assert await store.exists(stored.key)
    key = stored.key
    assert (tmp_path / "sha256" / key[:2] / key[2:4] / key).is_file()
    assert files_under(tmp_path / "tmp") == []


async def test_md5_is_the_base64_digest_adobe_reports(store: FileBlobStore) -> None:
    stored = await store.put(stream(b"hello ", b"world"), max_size=100)

    expected = base64.b64encode(hashlib.md5(b"hello world").digest()).decode()  # noqa: S324
    assert stored.md5 == expected == "XrY7u+Ae7tCTyyK7j1rNww=="


async def test_get_streams_in_the_asked_chunk_size(store: FileBlobStore) -> None:
    stored = await store.put(stream(b"x" * 2500), max_size=10_000)

    sizes = [len(chunk) async for chunk in store.get(stored.key, chunk_size=1000)]

    assert sizes == [1000, 1000, 500]


async def test_the_same_content_twice_is_one_file(store: FileBlobStore, tmp_path: Path) -> None:
    first = await store.put(stream(b"same bytes"), max_size=100)
    second = await store.put(stream(b"same ", b"bytes"), max_size=100)

    assert first == second
    assert len(files_under(tmp_path / "sha256")) == 1
    assert files_under(tmp_path / "tmp") == []


async def test_the_blob_appears_inside_its_commit_and_not_before(
    store: FileBlobStore, tmp_path: Path
) -> None:
    seen: list[tuple[bool, bool]] = []

    @contextlib.asynccontextmanager
    async def commit(blob: StoredBlob) -> AsyncIterator[None]:
        before = await store.exists(blob.key)
        yield
        seen.append((before, await store.exists(blob.key)))

    stored = await store.put(stream(b"recorded bytes"), max_size=100, commit=commit)

    assert seen == [(False, True)]
    assert await read_all(store, stored.key) == b"recorded bytes"


async def test_a_refused_commit_stores_nothing(store: FileBlobStore, tmp_path: Path) -> None:
    @contextlib.asynccontextmanager
    async def refuse(blob: StoredBlob) -> AsyncIterator[None]:
        raise RuntimeError("the library is gone")
        yield

    with pytest.raises(RuntimeError):
        await store.put(stream(b"unwanted"), max_size=100, commit=refuse)

    assert files_under(tmp_path) == []


async def test_a_stream_past_max_size_leaves_nothing(store: FileBlobStore, tmp_path: Path) -> None:
    with pytest.raises(BlobTooLarge) as refused:
        await store.put(stream(*[b"x" * MiB] * 3), max_size=2 * MiB + 1)

    assert refused.value.max_size == 2 * MiB + 1
    assert files_under(tmp_path) == []


async def test_a_stream_that_fails_halfway_leaves_nothing(
    store: FileBlobStore, tmp_path: Path
) -> None:
    async def disconnecting() -> AsyncIterator[bytes]:
        for _ in range(3):  # past one batch, so the temporary has been written to
            yield b"y" * MiB
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await store.put(disconnecting(), max_size=100 * MiB)

    assert (tmp_path / "tmp").is_dir()
    assert files_under(tmp_path) == []


async def test_a_cancelled_upload_leaves_nothing(store: FileBlobStore, tmp_path: Path) -> None:
    async def stalling() -> AsyncIterator[bytes]:
        yield b"z" * 2 * MiB
        await anyio.sleep_forever()
        yield b""  # pragma: no cover

    with anyio.move_on_after(0.5) as scope:
        await store.put(stalling(), max_size=100 * MiB)

    assert scope.cancelled_caught
    assert files_under(tmp_path) == []


async def test_delete_removes_and_tolerates_absence(store: FileBlobStore) -> None:
    stored = await store.put(stream(b"gone soon"), max_size=100)

    await store.delete(stored.key)
    await store.delete(stored.key)

    assert await store.exists(stored.key) is False
    with pytest.raises(KeyError):
        await read_all(store, stored.key)


async def test_sweep_removes_only_stale_temporaries(store: FileBlobStore, tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    stale, fresh = temporary / "blob-crashed.part", temporary / "blob-live.part"
    stale.write_bytes(b"left by a crash")
    fresh.write_bytes(b"being written")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    kept = await store.put(stream(b"a stored blob"), max_size=100)

    assert await store.sweep_temporary(3600) == 1

    assert not stale.exists()
    assert fresh.exists()
    assert await store.exists(kept.key)


async def test_sweep_without_a_temporary_directory_is_a_no_op(store: FileBlobStore) -> None:
    assert await store.sweep_temporary(0) == 0


async def test_memory_stays_flat_for_a_200_mb_stream(store: FileBlobStore) -> None:
    base = os.urandom(64 * 1024 - 8)
    count = 200 * MiB // (64 * 1024)

    def chunk(i: int) -> bytes:
        # A fresh object each time, allocated while traced: a store that kept chunks would
        # show up as ~200 MiB here (re-yielding one object would hide it).
        return base + i.to_bytes(8, "big")

    async def generated() -> AsyncIterator[bytes]:
        for i in range(count):
            yield chunk(i)

    tracemalloc.start()
    try:
        stored = await store.put(generated(), max_size=250 * MiB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert stored.size == 200 * MiB
    assert peak < 20 * MiB, f"peak Python memory {peak / MiB:.1f} MiB"
    expected = hashlib.sha256()
    for i in range(count):
        expected.update(chunk(i))
    assert stored.key == expected.hexdigest()


# The rendition cache


@pytest.fixture
def cache(tmp_path: Path) -> FileRenditionCache:
    return FileRenditionCache(tmp_path)


async def test_a_rendition_round_trips(cache: FileRenditionCache, tmp_path: Path) -> None:
    await cache.save("blob:abc;size=200", b"\x89PNG fake")

    assert await cache.load("blob:abc;size=200") == b"\x89PNG fake"
    assert await cache.load("blob:abc;size=100") is None
    assert files_under(tmp_path / "tmp") == []


async def test_a_second_save_replaces_the_first(cache: FileRenditionCache) -> None:
    await cache.save("k", b"one")
    await cache.save("k", b"two")

    assert await cache.load("k") == b"two"


@pytest.mark.parametrize("key", ["../../escape", "/etc/passwd", "a\x00b", "é" * 500])
async def test_any_string_key_stays_inside_the_cache(
    cache: FileRenditionCache, tmp_path: Path, key: str
) -> None:
    await cache.save(key, b"png")

    assert await cache.load(key) == b"png"
    (written,) = files_under(tmp_path)
    assert written.is_relative_to(tmp_path / "renditions")
    assert written.suffix == ".png"
