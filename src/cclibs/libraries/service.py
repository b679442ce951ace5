"""The Libraries API's operations on libraries themselves: list, create, copy, get, rename
and delete (elements: ``cclibs.libraries.elements``; the archive: ``.archive``).

Every operation names its caller and asks ``access.require`` before it reads or writes, so
sharing can widen access without touching the operations. Writers lock the library row
first; the library's version, modified date and counters change in the same transaction as
its elements, so concurrent writers take turns and none loses an update.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, cast

from cclibs.clock import Clock
from cclibs.libraries.access import Action, Caller, library_for, require
from cclibs.libraries.bookkeeping import copy_elements, each_element, now_ms, with_thumbnails
from cclibs.libraries.collaboration import OWNER_FILTERS, OwnerFilter
from cclibs.libraries.errors import BadRequest, InvalidElement
from cclibs.libraries.models import Element, ElementFilter, Library, library_id_from
from cclibs.libraries.paging import Page, page_of, page_request
from cclibs.libraries.payloads import check_if_match, need_name, need_object
from cclibs.libraries.ports import LibraryStore, LibraryTransactions
from cclibs.libraries.sharing import SharingService, collaboration_view

__all__ = ["LIBRARY_PAGE", "LibraryService"]

LIBRARY_PAGE = (10, 10)
"""Default and maximum ``limit`` of the libraries list (compat reference §1.3)."""
_OWNERS = OWNER_FILTERS | {"public"}


class LibraryService:
    def __init__(self, transactions: LibraryTransactions, clock: Clock) -> None:
        self._tx = transactions
        self._clock = clock
        self.sharing = SharingService(transactions, clock)
        """Collaborators, invitations and publishing (``cclibs.libraries.sharing``)."""

    async def list_libraries(
        self,
        caller: Caller,
        *,
        owner: str | None,
        order_by: str | None,
        start: str | None,
        limit: str | None,
    ) -> Page[Library]:
        owner = (owner or "all").strip().lower()
        if owner not in _OWNERS:
            raise BadRequest(f"owner: {owner!r} is not one of {', '.join(sorted(_OWNERS))}.")
        page = page_request(
            order_by, start, limit, default_limit=LIBRARY_PAGE[0], max_limit=LIBRARY_PAGE[1]
        )
        shown = cast(OwnerFilter, owner)
        async with self._tx.read() as store:
            items = await store.list_libraries(
                caller.user_id,
                page.ordering,
                after=page.after,
                offset=page.offset,
                limit=page.limit + 1,
                owner=shown,
            )
            total = await store.count_libraries(caller.user_id, shown)
        return page_of(
            items, total, page, lambda lib: (lib.name, lib.modified_ms, lib.created_ms, lib.id)
        )

    async def create_library(self, caller: Caller, body: object) -> Library:
        payload = need_object(body, "a library with its name")
        if payload.get("self") is not None:
            raise InvalidElement(
                "self",
                "moving a library is not supported; copy it with source, then delete the old one",
            )
        source = payload.get("source")
        if source is not None:
            return await self._copy_library(caller, source, payload.get("name"))
        now = now_ms(self._clock)
        library = Library(
            id=str(uuid.uuid4()),
            owner_id=caller.user_id,
            name=need_name(payload.get("name")),
            created_ms=now,
            modified_ms=now,
            version=1,
            elements_count=0,
            archived_count=0,
            storage_used=0,
        )
        async with self._tx.write() as store:
            await store.insert_library(library)
        return library

    async def _copy_library(self, caller: Caller, source: object, name: object) -> Library:
        if not isinstance(source, str):
            raise InvalidElement("source", "must be the id or URN of the library to copy")
        source_id = library_id_from(source)
        if source_id is None:
            raise InvalidElement("source", "must be the id or URN of the library to copy")
        now = now_ms(self._clock)
        async with self._tx.write() as store:
            original = require(
                caller.user_id,
                await store.library(source_id, for_user=caller.user_id),
                Action.READ,
            )
            library = Library(
                id=str(uuid.uuid4()),
                owner_id=caller.user_id,
                name=need_name(name) if name is not None else original.name,
                created_ms=now,
                modified_ms=now,
                version=1,
                elements_count=0,
                archived_count=0,
                storage_used=0,
            )
            await store.insert_library(library)
            copied: list[Element] = []
            async for batch in each_element(store, original.id, ElementFilter()):
                copied.extend(await copy_elements(store, caller, batch, original, library, now))
            library = replace(
                library,
                elements_count=len(copied),
                storage_used=sum(e.storage_used for e in copied),
                version=1 + (1 if copied else 0),
            )
            await store.update_library(library)
        return library

    async def library(self, caller: Caller, given_id: str) -> Library:
        async with self._tx.read() as store:
            return await library_for(store, caller, given_id, Action.READ)

    async def library_extras(
        self, caller: Caller, library: Library, selectors: frozenset[str]
    ) -> dict[str, Any]:
        """What the ``details``, ``collaboration`` and ``groups`` selectors add (the
        ``rendition_grid`` is the web layer's: it needs rendition links)."""
        extras: dict[str, Any] = {}
        if not selectors & {"details", "collaboration", "groups"}:
            return extras
        async with self._tx.read() as store:
            if "details" in selectors:
                counts = await store.element_type_counts(library.id)
                extras["details"] = {
                    "etag": library.etag,
                    "state": "active",
                    "num_elements": library.elements_count,
                    "num_archived_elements": library.archived_count,
                    "types": sorted(counts),
                    "element_type_counts": counts,
                }
            if "collaboration" in selectors:
                extras["collaboration"] = await collaboration_view(store, caller, library)
            if "groups" in selectors:
                extras["groups"] = await self._groups(store, library)
        return extras

    async def with_thumbnails(
        self, caller: Caller, library: Library, order_by: str, count: int
    ) -> list[Element]:
        """The first ``count`` live elements, in ``order_by``, that have a thumbnail (looking
        at no more than 500 elements, so the grid costs one bounded query)."""
        require(caller.user_id, library, Action.READ)
        async with self._tx.read() as store:
            return await with_thumbnails(store, library.id, order_by, count)

    @staticmethod
    async def _groups(store: LibraryStore, library: Library) -> list[dict[str, Any]]:
        """The groups the library's live elements name, each once (by classifier and id)."""
        found: dict[str, dict[str, Any]] = {}
        async for batch in each_element(store, library.id, ElementFilter()):
            for element in batch:
                for group in element.data.get("groups") or ():
                    if isinstance(group, Mapping) and isinstance(group.get("id"), str):
                        key = f"{group.get('classifier') or '$default'}#{group['id']}"
                        found.setdefault(key, dict(group))
        return sorted(found.values(), key=lambda g: (str(g.get("order") or ""), str(g["id"])))

    async def rename_library(
        self, caller: Caller, given_id: str, body: object, if_match: str | None
    ) -> Library:
        payload = need_object(body, '{"name": ...}')
        name = need_name(payload.get("name"))
        async with self._tx.write() as store:
            library = await library_for(store, caller, given_id, Action.WRITE, lock=True)
            check_if_match(if_match, library.etag)
            library = replace(
                library, name=name, modified_ms=now_ms(self._clock), version=library.version + 1
            )
            await store.update_library(library)
        return library

    async def delete_library(self, caller: Caller, given_id: str, if_match: str | None) -> set[str]:
        """Delete the library, its elements and its uploads; returns the blob keys its
        uploads named, for the caller to release (``LibraryFiles.release``)."""
        async with self._tx.write() as store:
            library = await library_for(store, caller, given_id, Action.DELETE, lock=True)
            check_if_match(if_match, library.etag)
            keys = await store.library_blob_keys(library.id)
            await store.delete_library(library.id)
        return keys
