"""Blobs and rendered PNGs in an S3-compatible object store, shared by every server process.

Layout under the bucket's prefix (the same as ``FileBlobStore``'s under ``data/blobs``, so a
plain ``sync`` of ``sha256/`` moves a store between the two)::

    sha256/ab/cd/abcd…     one object per blob, named by the SHA-256 of its content
    renditions/xy/xy….png  cached renditions, named by the SHA-256 of their cache key
    tmp/<random>.part      large uploads being written; copied into place once complete

A blob's name is known only once its last byte has arrived, and S3 has no rename, so:

* content up to ``_PART`` bytes is held in memory and written with one PUT, straight under its
  name, inside the ``commit`` (one atomic request: a reader never sees half an object);
* larger content streams to a temporary object by multipart upload (``_PART``-sized parts, at
  most ``_CONCURRENCY`` in flight, so memory stays flat whatever the size), then is copied
  under its name inside the ``commit`` (CopyObject, server-side) and the temporary deleted.
  A stream that fails, passes ``max_size`` or is cancelled aborts the multipart upload: S3
  shows nothing for it. Only a process killed mid-upload leaves an incomplete multipart
  upload behind, which the bucket's ``AbortIncompleteMultipartUpload`` lifecycle rule removes.

The client is obstore (Rust's ``object_store`` crate): streaming both ways, multipart with
abort on error, retries with back-off, typed, and about 10 ms to import.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
import obstore
from obstore.exceptions import BaseError
from obstore.store import S3Store

from cclibs.config import Settings
from cclibs.libraries.blobs import BlobTooLarge, Commit, StoredBlob
from cclibs.logs import get_logger

if TYPE_CHECKING:
    from obstore.store import ClientConfig, S3Config

__all__ = ["S3BlobStore", "S3RenditionCache", "open_s3"]

_KEY = re.compile(r"[0-9a-f]{64}")
_PART = 8 * 1024 * 1024
"""Bytes per multipart part (S3 wants at least 5 MiB but the last). 10,000 parts, S3's
limit, make 80 GiB: well past the 5 GiB a blob may have here (``CCLIBS_MAX_UPLOAD_BYTES``)."""
_CONCURRENCY = 3
"""Parts in flight at once: what an upload holds in memory is about (this + 1) x ``_PART``."""
_BATCH = 1024 * 1024
"""Bytes gathered before one hand-over to a thread that hashes them (as ``FileBlobStore``)."""
_ABANDON_WAIT_S = 30.0
"""How long a cancelled upload waits for the multipart upload's abort before giving up."""
_TEMPORARY = "tmp"
_log = get_logger("cclibs.storage.s3")


def open_s3(settings: Settings) -> tuple[S3BlobStore, S3RenditionCache]:
    """The blob store and rendition cache of ``CCLIBS_BLOB_URL=s3://bucket/prefix``."""
    if settings.blob_url is None:
        raise ValueError("CCLIBS_BLOB_URL is not set")
    parts = urlsplit(settings.blob_url)
    client: ClientConfig = {
        # The default (30 s for a whole request, body included) would cut a slow client's
        # download of a large file; a stalled store is caught by the read timeout instead.
        "timeout": timedelta(hours=6),
        "read_timeout": timedelta(seconds=60),
    }
    endpoint = settings.s3_endpoint_url
    if endpoint is not None and urlsplit(endpoint).scheme == "http":
        client["allow_http"] = True
    config: S3Config = {}
    if endpoint is not None:
        config["endpoint"] = endpoint
    if settings.s3_region is not None:
        config["region"] = settings.s3_region
    secret = settings.s3_secret_access_key
    if settings.s3_access_key_id is not None and secret is not None:
        config["access_key_id"] = settings.s3_access_key_id
        config["secret_access_key"] = secret.get_secret_value()
    store = S3Store(
        parts.netloc, prefix=parts.path.strip("/") or None, config=config, client_options=client
    )
    return S3BlobStore(store), S3RenditionCache(store)


class S3BlobStore:
    """``BlobStore`` on an S3-compatible object store, content-addressed by SHA-256."""

    def __init__(self, store: S3Store) -> None:
        self._store = store

    async def put(
        self, chunks: AsyncIterable[bytes], *, max_size: int, commit: Commit | None = None
    ) -> StoredBlob:
        source = _Source(chunks.__aiter__(), max_size)
        head = await source.head(_PART)
        temporary: str | None = None
        try:
            if not source.ended:
                temporary = f"{_TEMPORARY}/{uuid.uuid4().hex}.part"
                await self._upload(temporary, head, source)
                head = b""
            blob = source.stored()
            if commit is None:
                await self._settle(blob.key, head, temporary)
            else:
                async with commit(blob):
                    await self._settle(blob.key, head, temporary)
        finally:
            if temporary is not None:
                with anyio.CancelScope(shield=True):
                    await self._forget(temporary)
        return blob

    async def _upload(self, temporary: str, head: bytes, source: _Source) -> None:
        """Multipart upload of ``head`` then the rest of ``source``. On cancellation the
        stream is ended with an error instead, so that obstore aborts the upload."""
        upload = asyncio.ensure_future(
            obstore.put_async(
                self._store,
                temporary,
                source.following(head),
                use_multipart=True,
                chunk_size=_PART,
                max_concurrency=_CONCURRENCY,
            )
        )
        try:
            await asyncio.shield(upload)
        except asyncio.CancelledError:
            source.abandon()
            with anyio.CancelScope(shield=True), anyio.move_on_after(_ABANDON_WAIT_S):
                await asyncio.wait([upload])
            if not upload.done():
                upload.cancel()
            elif not upload.cancelled():
                upload.exception()  # retrieved: the abandonment is the expected outcome
            raise

    async def _settle(self, key: str, content: bytes, temporary: str | None) -> None:
        """Put the blob under its name (inside the commit): the same content already there
        is as good, so nothing is written then."""
        final = _location(key)
        if await self._exists(final):
            return
        if temporary is None:
            await obstore.put_async(self._store, final, content, use_multipart=False)
        else:
            await obstore.copy_async(self._store, temporary, final)

    async def _forget(self, temporary: str) -> None:
        try:
            await obstore.delete_async(self._store, temporary)
        except Exception:  # logged; sweep_temporary removes it later
            _log.warning("could not delete an upload temporary", path=temporary)

    async def get(self, key: str, *, chunk_size: int = 64 * 1024) -> AsyncIterator[bytes]:
        if not _is_key(key):
            raise KeyError(key)
        try:
            result = await obstore.get_async(self._store, _location(key))
        except FileNotFoundError:
            raise KeyError(key) from None
        # The body is pulled from S3 only as the consumer asks: backpressure end to end.
        async for block in result.stream(min_chunk_size=chunk_size):
            yield block

    async def exists(self, key: str) -> bool:
        return _is_key(key) and await self._exists(_location(key))

    async def _exists(self, path: str) -> bool:
        try:
            await obstore.head_async(self._store, path)
        except FileNotFoundError:
            return False
        return True

    async def delete(self, key: str) -> None:
        if _is_key(key):
            await obstore.delete_async(self._store, _location(key))  # absent: no error

    async def sweep_temporary(self, max_age_seconds: float) -> int:
        """Delete temporaries older than ``max_age_seconds`` (a process stopped between the
        end of an upload and the copy); returns how many. Every process may sweep: a live
        temporary lives seconds, between the last part and the copy."""
        cutoff = datetime.now(UTC) - timedelta(seconds=max_age_seconds)
        try:
            stale = [
                meta["path"]
                async for batch in obstore.list(self._store, _TEMPORARY)
                for meta in batch
                if meta["last_modified"] < cutoff
            ]
            if stale:
                await obstore.delete_async(self._store, stale)
        except BaseError as exc:  # as the file store's sweep: an OSError, logged by the caller
            raise OSError(f"the S3 store refused the sweep: {exc}") from exc
        return len(stale)


class S3RenditionCache:
    """``RenditionCache`` in the same bucket: one PUT per PNG (atomic), shared by the nodes."""

    def __init__(self, store: S3Store) -> None:
        self._store = store

    async def load(self, key: str) -> bytes | None:
        try:
            result = await obstore.get_async(self._store, _rendition(key))
        except FileNotFoundError:
            return None
        return bytes(await result.bytes_async())

    async def save(self, key: str, png: bytes) -> None:
        await obstore.put_async(self._store, _rendition(key), png, use_multipart=False)


class _Source:
    """The stream being stored: counted against ``max_size`` (refused before a byte past it is
    sent), hashed in a worker thread a batch at a time, yielded in batches of ``_BATCH``."""

    def __init__(self, chunks: AsyncIterator[bytes], max_size: int) -> None:
        self._chunks = chunks
        self._max_size = max_size
        self._size = 0
        self._sha256 = hashlib.sha256()
        self._md5 = hashlib.md5(usedforsecurity=False)  # Adobe's upload answer carries it
        self.ended = False
        self._abandoned = False
        self._reading: asyncio.Future[bytes] | None = None

    async def head(self, limit: int) -> bytes:
        """Up to ``limit`` bytes (more only by the last chunk's overshoot); ``ended`` tells
        whether that was all."""
        blocks: list[bytes] = []
        held = 0
        while held < limit and (block := await self._batch()):
            blocks.append(block)
            held += len(block)
        return b"".join(blocks)

    async def following(self, head: bytes) -> AsyncIterator[bytes]:
        """``head``, then the rest, read on demand as obstore asks for more."""
        if head:
            yield head
        while True:
            if self._abandoned:
                raise _Abandoned
            self._reading = asyncio.ensure_future(self._batch())
            try:
                block = await self._reading
            except asyncio.CancelledError:
                if self._abandoned:
                    raise _Abandoned from None
                raise
            finally:
                self._reading = None
            if not block:
                return
            yield block

    def abandon(self) -> None:
        """Make the stream fail at once (a read in progress included)."""
        self._abandoned = True
        if self._reading is not None:
            self._reading.cancel()

    async def _batch(self) -> bytes:
        """The next ``_BATCH`` bytes or so, hashed; empty at the end."""
        if self.ended:
            return b""
        chunks: list[bytes] = []
        pending = 0
        while pending < _BATCH:
            chunk = await anext(self._chunks, None)
            if chunk is None:
                self.ended = True
                break
            self._size += len(chunk)
            if self._size > self._max_size:
                raise BlobTooLarge(self._max_size)
            chunks.append(chunk)
            pending += len(chunk)
        block = b"".join(chunks)
        if block:
            # hashlib drops the GIL on large buffers: the event loop only counts bytes.
            await anyio.to_thread.run_sync(self._digest, block)
        return block

    def _digest(self, block: bytes) -> None:
        self._sha256.update(block)
        self._md5.update(block)

    def stored(self) -> StoredBlob:
        return StoredBlob(
            key=self._sha256.hexdigest(),
            size=self._size,
            md5=base64.b64encode(self._md5.digest()).decode("ascii"),
        )


class _Abandoned(Exception):
    """The upload was cancelled: the stream ends with this so that the upload is aborted."""


def _is_key(key: str) -> bool:
    """Keys come from URLs and stored rows: only 64 lower-case hex digits name an object."""
    return isinstance(key, str) and _KEY.fullmatch(key) is not None


def _location(key: str) -> str:
    return f"sha256/{key[:2]}/{key[2:4]}/{key}"


def _rendition(key: str) -> str:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return f"renditions/{digest[:2]}/{digest}.png"
