"""Reading published libraries: ``/api/v1/public/libraries/...`` (compat reference §1.2 rows
23 to 26).

Anyone with an API key reads a library its owner published: the library, its live elements,
and their files and renditions. Nothing else is readable here, not even by the owner: a
library that is not published is ``NotFound``, as one that does not exist. The policy
(``access.may`` with ``public=True``, for nobody in particular) answers; the reads are the
element and file services' own, given ``published`` to find the library.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from cclibs.libraries.access import Action, may
from cclibs.libraries.bookkeeping import with_thumbnails
from cclibs.libraries.elements import ElementService
from cclibs.libraries.errors import NotFound
from cclibs.libraries.files import LibraryFiles, Rendition
from cclibs.libraries.models import Asset, Element, Library
from cclibs.libraries.paging import Page
from cclibs.libraries.payloads import parse_library_id
from cclibs.libraries.ports import LibraryLookup, LibraryStore, LibraryTransactions

__all__ = ["PublicLibraries", "published"]


def published(given_id: str) -> LibraryLookup:
    """Finds the library ``given_id`` names (id or URN) if anyone may read it publicly."""

    async def find(store: LibraryStore) -> Library:
        library = await store.library(parse_library_id(given_id))
        # user None: the public endpoints answer everyone alike, the owner included.
        if library is None or not may(None, library, Action.READ, public=True):
            raise NotFound("There is no public library with this id.")
        return library

    return find


class PublicLibraries:
    def __init__(
        self, transactions: LibraryTransactions, elements: ElementService, files: LibraryFiles
    ) -> None:
        self._tx = transactions
        self._elements = elements
        self._files = files

    async def library(self, given_id: str) -> Library:
        async with self._tx.read() as store:
            return await published(given_id)(store)

    async def with_thumbnails(self, library: Library, order_by: str, count: int) -> list[Element]:
        """As ``LibraryService.with_thumbnails``, of a library ``library`` found published."""
        async with self._tx.read() as store:
            return await with_thumbnails(store, library.id, order_by, count)

    async def type_counts(self, library: Library) -> dict[str, int]:
        """Live elements per element type (the ``details`` selector)."""
        async with self._tx.read() as store:
            return await store.element_type_counts(library.id)

    async def list_elements(
        self,
        given_id: str,
        *,
        types: str | None,
        group: str | None,
        order_by: str | None,
        start: str | None,
        limit: str | None,
    ) -> tuple[Library, Page[Element]]:
        return await self._elements.list_elements_in(
            published(given_id),
            types=types,
            group=group,
            order_by=order_by,
            start=start,
            limit=limit,
        )

    async def element(self, given_id: str, element_id: str) -> tuple[Library, Element]:
        return await self._elements.element_in(published(given_id), element_id)

    async def file(self, given_id: str, asset_id: str) -> tuple[Asset, AsyncIterator[bytes]]:
        return await self._files.file_in(published(given_id), asset_id)

    async def rendition(self, given_id: str, element_id: str, size: int | None) -> Rendition:
        return await self._files.rendition_in(published(given_id), element_id, size)
