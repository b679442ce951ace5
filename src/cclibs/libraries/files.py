"""Uploaded files and renditions: upload, download, thumbnails, and releasing unused blobs.

An upload is two steps around the blob store: the bytes stream into the store first (so a
client that stops halfway leaves nothing visible), then a row records the asset. A blob goes
when no asset names it any more; an asset goes when no element has referenced it for a while
(the grace period lets a client upload now and create its element a moment later).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from cclibs.clock import Clock
from cclibs.libraries.access import Action, Caller, library_for, require
from cclibs.libraries.blobs import BlobStore, BlobTooLarge, RenditionCache, StoredBlob
from cclibs.libraries.errors import BadRequest, NotFound, PayloadTooLarge
from cclibs.libraries.models import Asset, Library
from cclibs.libraries.ports import LibraryLookup, LibraryStore, LibraryTransactions
from cclibs.libraries.renditions import swatch_for, thumbnail_png
from cclibs.libraries.representations import ThumbnailSource, asset_etag, thumbnail_source
from cclibs.libraries.validation.mime import check_mime

__all__ = ["FULL_SWATCH_SIZE", "LibraryFiles", "Rendition"]

FULL_SWATCH_SIZE = 512
"""The "full size" of a drawn swatch (a color has no size of its own)."""
MAX_RENDER_SOURCE = 256 * 1024 * 1024
"""An image larger than this is not decoded for a thumbnail."""
GRACE_MS = 3600 * 1000
"""How long an upload no element references is kept."""
UNFINISHED_UPLOAD_MS = 24 * 3600 * 1000
"""How long a chunked upload may stay unfinished."""


@dataclass(frozen=True, slots=True)
class Rendition:
    content_type: str
    length: int
    etag: str
    body: bytes | None = None
    chunks: AsyncIterator[bytes] | None = None
    """The content, streamed (for a full-size uploaded file); otherwise ``body``."""


def _readable(caller: Caller, given_id: str) -> LibraryLookup:
    async def find(store: LibraryStore) -> Library:
        return await library_for(store, caller, given_id, Action.READ)

    return find


class LibraryFiles:
    def __init__(
        self,
        transactions: LibraryTransactions,
        blobs: BlobStore,
        cache: RenditionCache,
        clock: Clock,
        *,
        max_upload: int,
    ) -> None:
        self._tx = transactions
        self._blobs = blobs
        self._cache = cache
        self._clock = clock
        self.max_upload = max_upload

    @property
    def blobs(self) -> BlobStore:
        return self._blobs

    def _now(self) -> int:
        return int(self._clock.now().timestamp() * 1000)

    # Upload --------------------------------------------------------------------------------

    async def writable(self, caller: Caller, given_id: str) -> Library:
        """The library an upload goes to, checked before any byte is stored."""
        async with self._tx.read() as store:
            return await library_for(store, caller, given_id, Action.WRITE)

    async def upload(
        self,
        caller: Caller,
        library_id: str,
        chunks: AsyncIterable[bytes],
        kind_of: Callable[[], str],
        *,
        also: Callable[[LibraryStore], Awaitable[None]] | None = None,
    ) -> Asset:
        """Store a stream as an asset of the library. ``kind_of`` gives its type once the
        stream has ended (a multipart body may name it after the file); ``also`` runs in the
        transaction that records the asset. The blob is put in place inside that
        transaction, under the blob's lock, so a release of the same content can never
        leave the new asset without its bytes; a refusal leaves nothing stored."""
        recorded: list[Asset] = []

        @asynccontextmanager
        async def record(blob: StoredBlob) -> AsyncIterator[None]:
            async with self._tx.write() as store:
                library = await store.library(library_id, lock=True, for_user=caller.user_id)
                # The library's owner owns what an editor uploads to it: the file stays
                # when the editor leaves or their account goes.
                asset = Asset(
                    id=str(uuid.uuid4()),
                    library_id=library_id,
                    owner_id=require(caller.user_id, library, Action.WRITE).owner_id,
                    blob_key=blob.key,
                    type=kind_of(),
                    content_length=blob.size,
                    md5=blob.md5,
                    created_ms=self._now(),
                )
                if also is not None:
                    await also(store)
                await store.lock_blob(blob.key)
                await store.insert_asset(asset)
                yield
            recorded.append(asset)

        try:
            await self._blobs.put(chunks, max_size=self.max_upload, commit=record)
        except BlobTooLarge:
            raise PayloadTooLarge(
                f"The file is larger than this server's limit of {self.max_upload} bytes."
            ) from None
        return recorded[0]

    @staticmethod
    def upload_type(representation_data: str | None, part_type: str | None) -> str:
        given: object = None
        if representation_data is not None and representation_data.strip():
            try:
                data = json.loads(representation_data)
            except (ValueError, RecursionError):
                raise BadRequest(
                    'Representation-Data must be JSON such as {"type": "image/png"}.'
                ) from None
            if not isinstance(data, Mapping):
                raise BadRequest(
                    'Representation-Data must be a JSON object such as {"type": "image/png"}.'
                )
            given = data.get("type")
        if (
            given is None
            and part_type
            and part_type.split(";")[0].strip().lower()
            not in (
                "application/octet-stream",
                "",
            )
        ):
            given = part_type
        if given is None:
            raise BadRequest(
                'Name the file\'s type in Representation-Data, e.g. {"type": "image/png"}.'
            )
        check_mime(given, "Representation-Data.type")
        assert isinstance(given, str)
        return given.split(";", 1)[0].strip().lower()

    # Download ------------------------------------------------------------------------------

    async def file(
        self, caller: Caller, given_id: str, asset_id: str
    ) -> tuple[Asset, AsyncIterator[bytes]]:
        return await self.file_in(_readable(caller, given_id), asset_id)

    async def file_in(
        self, find: LibraryLookup, asset_id: str
    ) -> tuple[Asset, AsyncIterator[bytes]]:
        """``file`` of the library ``find`` reads (and checks) in the transaction."""
        async with self._tx.read() as store:
            library = await find(store)
            asset = await store.asset(asset_id)
        if asset is None or asset.library_id != library.id:
            raise NotFound("There is no uploaded file with this id in the library.")
        return asset, self._blobs.get(asset.blob_key)

    async def rendition(
        self, caller: Caller, given_id: str, element_id: str, size: int | None
    ) -> Rendition:
        """The element's thumbnail at ``size`` (longest side), or its full-size file."""
        return await self.rendition_in(_readable(caller, given_id), element_id, size)

    async def rendition_in(
        self, find: LibraryLookup, element_id: str, size: int | None
    ) -> Rendition:
        """``rendition`` of the library ``find`` reads (and checks) in the transaction."""
        async with self._tx.read() as store:
            library = await find(store)
            element = await store.element(library.id, element_id)
            source = thumbnail_source(element) if element is not None else None
            asset = await store.asset(source.asset_id) if source and source.asset_id else None
        if element is None:
            raise NotFound("There is no element with this id in the library.")
        if source is None:
            raise NotFound("This element has no image, color, gradient or theme to show.")
        if asset is not None:
            return await self._image(asset, size)
        return await self._swatch(source, size)

    async def _image(self, asset: Asset, size: int | None) -> Rendition:
        if size is None:
            return Rendition(
                asset.type,
                asset.content_length,
                asset_etag(asset),
                chunks=self._blobs.get(asset.blob_key),
            )
        key = f"{asset.blob_key}.{size}"
        png = await self._cache.load(key)
        if png is None:
            if asset.content_length > MAX_RENDER_SOURCE:
                raise PayloadTooLarge("The image is too large to draw a thumbnail of.")
            original = b"".join([chunk async for chunk in self._blobs.get(asset.blob_key)])
            png = await asyncio.to_thread(thumbnail_png, original, size)
            await self._cache.save(key, png)
        return Rendition("image/png", len(png), f'"{hashlib.sha256(png).hexdigest()[:32]}"', png)

    async def _swatch(self, source: ThumbnailSource, size: int | None) -> Rendition:
        side = size or FULL_SWATCH_SIZE
        drawn = json.dumps(source.rep, sort_keys=True, separators=(",", ":"), default=str)
        key = "swatch." + hashlib.sha256(f"{drawn}|{side}".encode()).hexdigest()
        png = await self._cache.load(key)
        if png is None:
            render = swatch_for(str(source.rep.get("type")), source.rep)
            if render is None:  # pragma: no cover - thumbnail_source picks swatch types only
                raise NotFound("This element has nothing to draw.")
            png = await asyncio.to_thread(render, side)
            await self._cache.save(key, png)
        return Rendition("image/png", len(png), f'"{key[7:39]}"', png)

    # Garbage -------------------------------------------------------------------------------

    async def release(self, keys: Iterable[str]) -> int:
        """Delete the blobs of ``keys`` that no asset names any more; how many went."""
        gone = 0
        for key in set(keys):
            # Under the blob's lock, in a write transaction: an upload of the same content
            # either recorded its asset before (the blob stays) or puts the blob back after.
            async with self._tx.write() as store:
                await store.lock_blob(key)
                if not await store.blob_in_use(key):
                    await self._blobs.delete(key)
                    gone += 1
        return gone

    async def collect_garbage(self, *, grace_ms: int = GRACE_MS, limit: int = 1000) -> int:
        """Forget uploads no element has referenced for ``grace_ms``, and chunked uploads
        left unfinished for a day, then release their blobs; how many went."""
        now = self._now()
        async with self._tx.write() as store:
            assets = await store.unreferenced_assets(now - grace_ms, limit)
            await store.delete_assets([asset.id for asset in assets])
            keys = {asset.blob_key for asset in assets}
            stale = await store.expired_uploads(now - UNFINISHED_UPLOAD_MS, limit)
            for upload in stale:
                keys.update(part.blob_key for part in await store.delete_upload(upload.id))
        await self.release(keys)
        return len(assets) + len(stale)
