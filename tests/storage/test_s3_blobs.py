"""The S3 blob store and rendition cache, against a real S3-compatible server (moto's server
mode, in a process of its own on 127.0.0.1): what lands in the bucket is read back with the
S3 API itself, not through the store."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import pytest

from cclibs.config import ConfigError, load_settings
from cclibs.libraries.blobs import BlobTooLarge, StoredBlob
from cclibs.storage.s3_blobs import S3BlobStore, S3RenditionCache, open_s3
from tests.support.blob_contract import BlobStoreContract, read_all, stream
from tests.support.scaleout import S3Server, s3_server

pytestmark = pytest.mark.anyio

MiB = 1024 * 1024
SIZE = 128 * MiB
"""The large blob: 16 parts, and more than twice what the store may hold in memory."""
PREFIX = "team/blobs"


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@pytest.fixture
def bucket(s3: S3Server) -> str:
    return s3.create_bucket()


@pytest.fixture
def stores(s3: S3Server, bucket: str, tmp_path: Path) -> tuple[S3BlobStore, S3RenditionCache]:
    """Built from the settings a user writes, as the server builds it."""
    environment = s3.environment(bucket, PREFIX)
    settings = load_settings(
        data_dir=tmp_path,
        **{name.removeprefix("CCLIBS_").lower(): value for name, value in environment.items()},
    )
    return open_s3(settings)


@pytest.fixture
def store(stores: tuple[S3BlobStore, S3RenditionCache]) -> S3BlobStore:
    return stores[0]


class TestBlobStoreContract(BlobStoreContract):
    """The contract every blob store keeps (tests/support/blob_contract.py), in a bucket."""


def blob_object(key: str) -> str:
    return f"{PREFIX}/sha256/{key[:2]}/{key[2:4]}/{key}"


def rss() -> int:
    """This process's resident memory, Rust's buffers included (tracemalloc sees Python's
    only)."""
    with Path("/proc/self/statm").open() as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def test_a_small_blob_is_one_object_under_its_sha256(
    store: S3BlobStore, s3: S3Server, bucket: str
) -> None:
    content = os.urandom(100_000)

    stored = await store.put(stream(content[:1000], content[1000:]), max_size=MiB)

    assert stored.key == hashlib.sha256(content).hexdigest()
    assert stored.size == len(content)
    expected_md5 = hashlib.md5(content, usedforsecurity=False).digest()
    assert stored.md5 == base64.b64encode(expected_md5).decode()
    assert s3.objects(bucket) == {blob_object(stored.key): len(content)}
    assert await store.exists(stored.key)
    assert await read_all(store, stored.key) == content


async def test_a_large_blob_streams_in_parts_with_flat_memory(
    store: S3BlobStore, s3: S3Server, bucket: str
) -> None:
    base = os.urandom(64 * 1024 - 8)
    count = SIZE // (64 * 1024)
    start = rss()
    peak = start

    def chunk(i: int) -> bytes:
        return base + i.to_bytes(8, "big")  # a fresh object each time, as a socket gives

    async def generated() -> AsyncIterator[bytes]:
        nonlocal peak
        for i in range(count):
            if i % 64 == 0:
                peak = max(peak, rss())
            yield chunk(i)

    stored = await store.put(generated(), max_size=SIZE)

    expected = hashlib.sha256()
    for i in range(count):
        expected.update(chunk(i))
    assert stored.key == expected.hexdigest()
    assert stored.size == SIZE
    # Held at most: the parts in flight (4 x 8 MiB). A store that gathered it would hold it all.
    assert peak - start < SIZE // 2, f"memory grew by {(peak - start) / MiB:.0f} MiB"
    # In place under its name, the temporary gone, no multipart upload left open.
    assert s3.objects(bucket) == {blob_object(stored.key): SIZE}
    assert s3.multipart_uploads(bucket) == []
    # Read back in a stream, memory as flat.
    digest, size, start = hashlib.sha256(), 0, rss()
    peak = start
    async for block in store.get(stored.key):
        digest.update(block)
        size += len(block)
        peak = max(peak, rss()) if size % (8 * MiB) < len(block) else peak
    assert (size, digest.hexdigest()) == (SIZE, stored.key)
    assert peak - start < SIZE // 2, f"memory grew by {(peak - start) / MiB:.0f} MiB reading"


async def test_the_same_content_twice_is_one_object(
    store: S3BlobStore, s3: S3Server, bucket: str
) -> None:
    big = os.urandom(9 * MiB)  # past one part: the multipart path, then the copy is skipped
    first = await store.put(stream(big), max_size=20 * MiB)
    second = await store.put(stream(big[:MiB], big[MiB:]), max_size=20 * MiB)
    small = await store.put(stream(b"same bytes"), max_size=100)
    again = await store.put(stream(b"same ", b"bytes"), max_size=100)

    assert first == second
    assert small == again
    assert s3.objects(bucket) == {blob_object(first.key): len(big), blob_object(small.key): 10}


@pytest.mark.parametrize("size", [100, 12 * MiB], ids=["small", "multipart"])
async def test_the_blob_appears_inside_its_commit_and_not_before(
    store: S3BlobStore, s3: S3Server, bucket: str, size: int
) -> None:
    content = os.urandom(size)
    seen: list[tuple[bool, bool]] = []

    @contextlib.asynccontextmanager
    async def commit(blob: StoredBlob) -> AsyncIterator[None]:
        before = await store.exists(blob.key)
        yield
        seen.append((before, await store.exists(blob.key)))

    stored = await store.put(stream(content), max_size=20 * MiB, commit=commit)

    assert seen == [(False, True)]
    assert s3.objects(bucket) == {blob_object(stored.key): size}


@pytest.mark.parametrize("size", [100, 12 * MiB], ids=["small", "multipart"])
async def test_a_refused_commit_stores_nothing(
    store: S3BlobStore, s3: S3Server, bucket: str, size: int
) -> None:
    @contextlib.asynccontextmanager
    async def refuse(blob: StoredBlob) -> AsyncIterator[None]:
        raise RuntimeError("the library is gone")
        yield

    with pytest.raises(RuntimeError):
        await store.put(stream(os.urandom(size)), max_size=20 * MiB, commit=refuse)

    assert s3.objects(bucket) == {}
    assert s3.multipart_uploads(bucket) == []


@pytest.mark.parametrize("parts", [3, 20], ids=["small", "multipart"])
async def test_a_stream_past_max_size_stores_nothing(
    store: S3BlobStore, s3: S3Server, bucket: str, parts: int
) -> None:
    limit = (parts - 1) * MiB + 1
    with pytest.raises(BlobTooLarge) as refused:
        await store.put(stream(*[os.urandom(MiB)] * parts), max_size=limit)

    assert refused.value.max_size == limit
    assert s3.objects(bucket) == {}
    assert s3.multipart_uploads(bucket) == []


async def test_a_stream_that_fails_halfway_aborts_the_upload(
    store: S3BlobStore, s3: S3Server, bucket: str
) -> None:
    async def disconnecting() -> AsyncIterator[bytes]:
        for _ in range(20):  # past two parts: the multipart upload has begun
            yield os.urandom(MiB)
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await store.put(disconnecting(), max_size=100 * MiB)

    assert s3.objects(bucket) == {}
    assert s3.multipart_uploads(bucket) == []


async def test_a_cancelled_upload_is_aborted(store: S3BlobStore, s3: S3Server, bucket: str) -> None:
    sent = anyio.Event()

    async def stalling() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield os.urandom(MiB)
        sent.set()
        await anyio.sleep_forever()
        yield b""  # pragma: no cover

    with anyio.CancelScope() as scope:
        async with anyio.create_task_group() as group:
            group.start_soon(lambda: store.put(stalling(), max_size=100 * MiB))
            await sent.wait()
            # The first parts have gone out; the stream now waits for bytes that never come.
            assert s3.multipart_uploads(bucket) != []
            scope.cancel()

    assert s3.objects(bucket) == {}
    assert s3.multipart_uploads(bucket) == []


async def test_delete_removes_and_tolerates_absence(
    store: S3BlobStore, s3: S3Server, bucket: str
) -> None:
    stored = await store.put(stream(b"gone soon"), max_size=100)

    await store.delete(stored.key)
    await store.delete(stored.key)

    assert s3.objects(bucket) == {}
    with pytest.raises(KeyError):
        await read_all(store, stored.key)


async def test_sweep_removes_only_temporaries_older_than_asked(
    store: S3BlobStore, s3: S3Server, bucket: str
) -> None:
    kept = await store.put(stream(b"a stored blob"), max_size=100)
    # What a process stopped between an upload's end and its copy leaves behind.
    s3.put_object(bucket, "/".join((PREFIX, "tmp", "crashed.part")), b"left behind")

    assert await store.sweep_temporary(3600) == 0  # written just now: maybe live
    assert await store.sweep_temporary(0) == 1

    assert s3.objects(bucket) == {blob_object(kept.key): 13}


# The rendition cache


async def test_a_rendition_round_trips_in_the_bucket(
    stores: tuple[S3BlobStore, S3RenditionCache], s3: S3Server, bucket: str
) -> None:
    cache = stores[1]
    await cache.save("blob:abc;size=200", b"\x89PNG fake")
    await cache.save("../../escape", b"two")

    assert await cache.load("blob:abc;size=200") == b"\x89PNG fake"
    assert await cache.load("../../escape") == b"two"
    assert await cache.load("blob:abc;size=100") is None
    names = list(s3.objects(bucket))
    assert len(names) == 2
    assert all(n.startswith(f"{PREFIX}/renditions/") and n.endswith(".png") for n in names)


# Settings


def test_s3_settings_are_checked_with_messages_that_name_them(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, blob_url="s3://bucket/a/prefix/")
    assert settings.blob_url == "s3://bucket/a/prefix"
    for bad in ("bucket/prefix", "https://bucket/prefix", "s3://", "s3://key:secret@bucket"):
        with pytest.raises(ConfigError, match="CCLIBS_BLOB_URL"):
            load_settings(data_dir=tmp_path, blob_url=bad)
    with pytest.raises(ConfigError, match="CCLIBS_S3_ENDPOINT_URL is set but CCLIBS_BLOB_URL"):
        load_settings(data_dir=tmp_path, s3_endpoint_url="http://127.0.0.1:9000")
    with pytest.raises(ConfigError, match="CCLIBS_MAX_UPLOAD_BYTES"):
        load_settings(data_dir=tmp_path, blob_url="s3://bucket", max_upload_bytes=6 * 1024**3)
    with pytest.raises(ConfigError, match="go together"):
        load_settings(data_dir=tmp_path, blob_url="s3://bucket", s3_access_key_id="AKIA")


def test_the_secret_access_key_is_never_shown(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path,
        blob_url="s3://bucket",
        s3_access_key_id="AKIAEXAMPLE",
        s3_secret_access_key="wJalrXUtnFEMI-very-secret",
    )
    assert "very-secret" not in repr(settings)
    assert "very-secret" not in str(settings.model_dump())


# Backup and restore copy a data directory: with the files in a bucket they refuse, and say so


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_backup_and_restore_refuse_when_the_files_live_in_a_bucket(
    tmp_path: Path, command: str
) -> None:
    from typer.testing import CliRunner

    from cclibs.cli.main import app as cli

    target = tmp_path / "backup"
    if command == "restore":
        target.mkdir()
        (target / "manifest.json").write_text('{"format": "cclibs-backup"}')
    env = {
        "CCLIBS_DATA_DIR": str(tmp_path / "data"),
        "CCLIBS_BLOB_URL": "s3://team-bucket/cclibs",
        "CCLIBS_DATABASE_URL": "",
    }
    result = CliRunner().invoke(cli, [command, str(target)], env=env)

    assert result.exit_code == 2
    assert "the files live in the bucket of CCLIBS_BLOB_URL (s3://team-bucket/cclibs)" in (
        result.output
    )
    assert "Traceback" not in result.output
    if command == "backup":
        assert not target.exists()
