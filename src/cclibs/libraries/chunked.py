"""Chunked uploads: initiate, upload parts, finalize (for files of any size).

Adobe's docs announce an "initiate / upload chunks / finalize" flow for files of 5 MB and
more, marked "coming soon" and undocumented. cclibs' design:

1. ``POST .../representations/uploads`` ``{"type": "video/mp4"}`` starts an upload.
2. ``PUT .../representations/uploads/{uploadId}/parts/{n}`` sends part ``n`` (1-based) as the
   raw body. Parts may come in any order, in parallel, and again (the last one wins), which
   makes a failed part cheap to retry. Each part is at most ``MAX_PART`` bytes.
3. ``POST .../representations/uploads/{uploadId}`` finalizes: the parts, in number order and
   without gaps, become one file, answered like the single-request upload (the flat object an
   element's representation is made from). ``GET`` shows the parts received so far (to resume);
   ``DELETE`` abandons the upload.

Each part is a blob of its own; finalizing streams them into the file's blob and releases
them. Upload sessions left unfinished for a day are collected (``LibraryFiles``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from cclibs.clock import Clock
from cclibs.libraries.access import Action, Caller, library_for
from cclibs.libraries.blobs import BlobStore, BlobTooLarge, StoredBlob
from cclibs.libraries.errors import BadRequest, Conflict, InvalidElement, NotFound, PayloadTooLarge
from cclibs.libraries.files import LibraryFiles
from cclibs.libraries.models import Asset, Library, Upload, UploadPart
from cclibs.libraries.ports import LibraryStore, LibraryTransactions
from cclibs.libraries.validation.mime import check_mime

__all__ = ["MAX_PART", "MAX_PARTS", "ChunkedUploads"]

MAX_PART = 100 * 1024 * 1024
MAX_PARTS = 10_000


class ChunkedUploads:
    def __init__(
        self,
        transactions: LibraryTransactions,
        blobs: BlobStore,
        files: LibraryFiles,
        clock: Clock,
    ) -> None:
        self._tx = transactions
        self._blobs = blobs
        self._files = files
        self._clock = clock

    def _now(self) -> int:
        return int(self._clock.now().timestamp() * 1000)

    async def initiate(self, caller: Caller, given_id: str, body: object) -> tuple[Library, Upload]:
        if not isinstance(body, Mapping):
            raise BadRequest('The body is {"type": "<the file\'s MIME type>"}.')
        kind = check_mime(body.get("type"), "type")
        async with self._tx.write() as store:
            library = await library_for(store, caller, given_id, Action.WRITE)
            upload = Upload(str(uuid.uuid4()), library.id, caller.user_id, kind, self._now())
            await store.insert_upload(upload)
        return library, upload

    async def _mine(
        self, store: LibraryStore, caller: Caller, given_id: str, upload_id: str, *, lock: bool
    ) -> tuple[Library, Upload]:
        library = await library_for(store, caller, given_id, Action.WRITE)
        upload = await store.upload(upload_id, lock=lock)
        if upload is None or upload.library_id != library.id or upload.owner_id != caller.user_id:
            raise NotFound("There is no upload with this id in the library (finished or expired?).")
        return library, upload

    async def status(
        self, caller: Caller, given_id: str, upload_id: str
    ) -> tuple[Library, Upload, list[UploadPart]]:
        async with self._tx.read() as store:
            library, upload = await self._mine(store, caller, given_id, upload_id, lock=False)
            return library, upload, await store.parts(upload.id)

    async def put_part(
        self,
        caller: Caller,
        given_id: str,
        upload_id: str,
        number_text: str,
        chunks: AsyncIterable[bytes],
    ) -> UploadPart:
        number = _part_number(number_text)
        async with self._tx.read() as store:
            await self._mine(store, caller, given_id, upload_id, lock=False)
        recorded: list[tuple[UploadPart, UploadPart | None]] = []

        @asynccontextmanager
        async def record(blob: StoredBlob) -> AsyncIterator[None]:
            if blob.size == 0:
                raise BadRequest("A part cannot be empty.")
            part = UploadPart(number, blob.key, blob.size, blob.md5)
            async with self._tx.write() as store:
                await self._mine(store, caller, given_id, upload_id, lock=True)
                await store.lock_blob(blob.key)
                replaced = await store.put_part(upload_id, part)
                yield
            recorded.append((part, replaced))

        try:
            await self._blobs.put(chunks, max_size=MAX_PART, commit=record)
        except BlobTooLarge:
            raise PayloadTooLarge(f"A part may be at most {MAX_PART} bytes.") from None
        part, replaced = recorded[0]
        if replaced is not None and replaced.blob_key != part.blob_key:
            await self._files.release([replaced.blob_key])
        return part

    async def finalize(
        self, caller: Caller, given_id: str, upload_id: str, body: object
    ) -> tuple[Library, Asset]:
        async with self._tx.read() as store:
            library, upload = await self._mine(store, caller, given_id, upload_id, lock=False)
            parts = await store.parts(upload.id)
        parts = _chosen(parts, body)
        total = sum(part.size for part in parts)
        if total > self._files.max_upload:
            raise PayloadTooLarge(
                f"The file would be {total} bytes; this server takes at most "
                f"{self._files.max_upload}."
            )
        leftovers: list[UploadPart] = []

        async def finish(store: LibraryStore) -> None:
            # Whoever finalizes first wins; a second finalize finds no upload.
            await self._mine(store, caller, given_id, upload_id, lock=True)
            leftovers.extend(await store.delete_upload(upload.id))

        try:
            asset = await self._files.upload(
                caller, library.id, self._joined(parts), lambda: upload.type, also=finish
            )
        except KeyError:  # pragma: no cover - a part's blob vanished under us
            raise Conflict("A part of this upload is missing; send it again.") from None
        await self._files.release(part.blob_key for part in leftovers)
        return library, asset

    async def _joined(self, parts: list[UploadPart]) -> AsyncIterator[bytes]:
        for part in parts:
            async for chunk in self._blobs.get(part.blob_key):
                yield chunk

    async def abort(self, caller: Caller, given_id: str, upload_id: str) -> None:
        async with self._tx.write() as store:
            await self._mine(store, caller, given_id, upload_id, lock=True)
            parts = await store.delete_upload(upload_id)
        await self._files.release(part.blob_key for part in parts)


def _part_number(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 5:
        raise BadRequest(f"The part number must be a whole number from 1 to {MAX_PARTS}.")
    number = int(text)
    if not 1 <= number <= MAX_PARTS:
        raise BadRequest(f"The part number must be a whole number from 1 to {MAX_PARTS}.")
    return number


def _chosen(parts: list[UploadPart], body: Any) -> list[UploadPart]:
    """The parts to join: those the body lists (``{"parts": [1, 2, ...]}``, to check that
    the server has what the client sent), else all; numbered 1..n without a gap."""
    if not parts:
        raise Conflict("No part has been uploaded yet.")
    numbers = [part.number for part in parts]
    listed = body.get("parts") if isinstance(body, Mapping) else None
    if listed is not None:
        if not isinstance(listed, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in listed
        ):
            raise InvalidElement("parts", "must be the list of part numbers sent, e.g. [1, 2, 3]")
        missing = sorted(set(listed) - set(numbers))
        if missing:
            raise Conflict(f"Part {missing[0]} has not arrived; send it again.")
        extra = sorted(set(numbers) - set(listed))
        if extra:
            raise Conflict(
                f"Part {extra[0]} arrived but is not listed; list it or send a new upload."
            )
    expected = list(range(1, len(numbers) + 1))
    if numbers != expected:
        gap = next(n for n, m in zip(expected, numbers, strict=False) if n != m)
        raise Conflict(f"Part {gap} is missing: parts are numbered 1, 2, 3, ... without a gap.")
    return parts
