"""Blobs and rendered PNGs as files in the data directory.

Layout under ``root``::

    sha256/ab/cd/abcd…     one file per blob, named by the SHA-256 of its content
    renditions/xy/xy….png  cached renditions, named by the SHA-256 of their cache key
    tmp/                   files being written; renamed into place only once complete

Two fan-out levels keep directories small (65 536 buckets: a million blobs is ~15 a bucket).
Every write goes to ``tmp/`` first and is renamed into place after an fsync, so a reader never
sees half a file and a crash leaves at most a stale temporary, which ``sweep_temporary`` removes.
``tmp/`` sits on the same filesystem as the store, which is what makes the rename atomic.

All file I/O runs in worker threads: the event loop only counts bytes and hands over batches.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
import time
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import BinaryIO

import anyio
import anyio.to_thread

from cclibs.libraries.blobs import BlobTooLarge, Commit, StoredBlob

__all__ = ["FileBlobStore", "FileRenditionCache"]

_KEY = re.compile(r"[0-9a-f]{64}")
_BATCH_BYTES = 1024 * 1024
"""Bytes gathered in the loop before one hand-over to a writer thread: big enough that thread
hops cost nothing next to the disk, small enough that memory stays flat whatever the size."""
_TEMPORARY = "tmp"


class FileBlobStore:
    """``BlobStore`` on a local filesystem, content-addressed by SHA-256."""

    def __init__(self, root: Path) -> None:
        self._blobs = root / "sha256"
        self._temporary = root / _TEMPORARY

    async def put(
        self, chunks: AsyncIterable[bytes], *, max_size: int, commit: Commit | None = None
    ) -> StoredBlob:
        partial = await anyio.to_thread.run_sync(_PartialBlob.create, self._temporary)
        try:
            size = await _fill(partial, chunks, max_size)
            key, md5 = await anyio.to_thread.run_sync(partial.seal)
            if commit is None:
                await anyio.to_thread.run_sync(self._settle, partial.path, key)
            else:
                async with commit(StoredBlob(key=key, size=size, md5=md5)):
                    await anyio.to_thread.run_sync(self._settle, partial.path, key)
        except BaseException:
            # Also on cancellation (a client gone mid-upload): the temporary must go, so the
            # clean-up itself must not be cancelled.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(partial.discard)
            raise
        return StoredBlob(key=key, size=size, md5=md5)

    async def get(self, key: str, *, chunk_size: int = 64 * 1024) -> AsyncIterator[bytes]:
        path = self._path(key)
        if path is None:
            raise KeyError(key)
        try:
            file = await anyio.to_thread.run_sync(path.open, "rb")
        except FileNotFoundError:
            raise KeyError(key) from None
        # One thread hop reads several chunks, as ``put`` writes several at once.
        per_read = max(1, _BATCH_BYTES // chunk_size) * chunk_size
        try:
            while block := await anyio.to_thread.run_sync(file.read, per_read):
                for start in range(0, len(block), chunk_size):
                    yield block[start : start + chunk_size]
        finally:
            # Closing a file opened for reading does no I/O worth a thread, and an async
            # generator's ``finally`` may run where awaiting is no longer possible.
            file.close()

    async def exists(self, key: str) -> bool:
        path = self._path(key)
        return path is not None and await anyio.to_thread.run_sync(path.is_file)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        if path is not None:
            await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))

    async def sweep_temporary(self, max_age_seconds: float) -> int:
        """Remove temporaries older than ``max_age_seconds``, left by a crash; returns how many.

        An upload in progress touches its temporary at every batch, so any age well above the
        longest pause a live upload may take (the server's read timeout) is safe.
        """
        return await anyio.to_thread.run_sync(_sweep, self._temporary, max_age_seconds)

    def _path(self, key: str) -> Path | None:
        """Where ``key`` lives, or None for anything but 64 lower-case hex digits: keys come
        from URLs and stored rows, and only this check stands between them and the disk."""
        if not isinstance(key, str) or _KEY.fullmatch(key) is None:
            return None
        return self._location(key)

    def _location(self, key: str) -> Path:
        return self._blobs / key[:2] / key[2:4] / key

    def _settle(self, temporary: Path, key: str) -> None:
        final = self._location(key)
        _make_durable_directories(final.parent, stop=self._blobs.parent)
        if final.exists():
            # Same name, same content: the stored copy is as good and already durable.
            temporary.unlink(missing_ok=True)
            return
        temporary.replace(final)
        _fsync_directory(final.parent)


class FileRenditionCache:
    """``RenditionCache`` on a local filesystem. Any string is a safe key: files are named by
    its SHA-256. No locking: two renderers of one key write the same bytes, the last rename
    wins."""

    def __init__(self, root: Path) -> None:
        self._renditions = root / "renditions"
        self._temporary = root / _TEMPORARY

    async def load(self, key: str) -> bytes | None:
        return await anyio.to_thread.run_sync(self._load, self._path(key))

    async def save(self, key: str, png: bytes) -> None:
        await anyio.to_thread.run_sync(self._save, self._path(key), png)

    def _path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self._renditions / digest[:2] / f"{digest}.png"

    @staticmethod
    def _load(path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def _save(self, path: Path, png: bytes) -> None:
        self._temporary.mkdir(parents=True, exist_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self._temporary, prefix="rendition-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(png)
                file.flush()
                # Without it a crash could leave a renamed but empty PNG, served from then on.
                os.fsync(file.fileno())
            Path(name).replace(path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise


class _PartialBlob:
    """A temporary file being filled and its running digests. Used by one thread at a time:
    ``put`` awaits each call before making the next."""

    def __init__(self, path: Path, file: BinaryIO) -> None:
        self.path = path
        self._file = file
        self._sha256 = hashlib.sha256()
        self._md5 = hashlib.md5(usedforsecurity=False)  # Adobe's upload answer carries it

    @classmethod
    def create(cls, directory: Path) -> _PartialBlob:
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=directory, prefix="blob-", suffix=".part")
        return cls(Path(name), os.fdopen(fd, "wb"))

    def write(self, batch: list[bytes]) -> None:
        # Hashing here rather than in the loop: hashlib drops the GIL on large buffers, so a
        # 1 GB upload costs the event loop nothing but the byte count.
        for chunk in batch:
            self._sha256.update(chunk)
            self._md5.update(chunk)
            self._file.write(chunk)

    def seal(self) -> tuple[str, str]:
        """Make the content durable; returns (sha256 hex, md5 base64)."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return self._sha256.hexdigest(), base64.b64encode(self._md5.digest()).decode("ascii")

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


async def _fill(partial: _PartialBlob, chunks: AsyncIterable[bytes], max_size: int) -> int:
    """Write the stream into ``partial`` in batches; returns its size. Refuses the chunk that
    would pass ``max_size`` before writing it, so a refused stream never fills the disk."""
    size = 0
    batch: list[bytes] = []
    pending = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_size:
            raise BlobTooLarge(max_size)
        batch.append(chunk)
        pending += len(chunk)
        if pending >= _BATCH_BYTES:
            await anyio.to_thread.run_sync(partial.write, batch)
            batch, pending = [], 0
    if batch:
        await anyio.to_thread.run_sync(partial.write, batch)
    return size


def _make_durable_directories(directory: Path, *, stop: Path) -> None:
    """Create ``directory`` and its missing parents up to ``stop``, fsyncing the parent of each
    one created: a new directory entry is no more durable than a new file's."""
    missing: list[Path] = []
    while directory != stop and not directory.is_dir():
        missing.append(directory)
        directory = directory.parent
    stop.mkdir(parents=True, exist_ok=True)
    for path in reversed(missing):
        path.mkdir(exist_ok=True)
        _fsync_directory(path.parent)


def _fsync_directory(path: Path) -> None:
    # The rename is durable only once the directory is flushed (POSIX). Windows can neither
    # open a directory nor needs to: NTFS journals the rename.
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sweep(directory: Path, max_age_seconds: float) -> int:
    cutoff = time.time() - max_age_seconds
    removed = 0
    try:
        entries = list(directory.iterdir())
    except FileNotFoundError:
        return 0
    for entry in entries:
        try:
            stale = entry.is_file() and entry.stat().st_mtime < cutoff
            if stale:
                entry.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # finished or swept by another process meanwhile
    return removed
