"""The archive: elements deleted from a library wait here until restored or purged.

``DELETE .../elements[/{id}]`` archives, ``POST .../archive`` restores, ``DELETE .../archive``
purges (all, or those listed) and ``DELETE .../archive/{id}`` purges one. A purged element's
uploads become garbage (``LibraryFiles.collect_garbage``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from cclibs.clock import Clock
from cclibs.libraries.access import Action, Caller, library_for
from cclibs.libraries.bookkeeping import each_element, now_ms, touch
from cclibs.libraries.errors import Conflict, InvalidElement, NotFound
from cclibs.libraries.models import Element, ElementFilter, Library
from cclibs.libraries.payloads import check_if_match, element_ids
from cclibs.libraries.ports import LibraryTransactions

__all__ = ["ArchiveService"]


class ArchiveService:
    def __init__(self, transactions: LibraryTransactions, clock: Clock) -> None:
        self._tx = transactions
        self._clock = clock

    async def archive(
        self,
        caller: Caller,
        given_id: str,
        element_ids: Sequence[str],
        *,
        if_match: str | None = None,
    ) -> Library:
        """Move live elements to the archive (``DELETE .../elements[/{id}]``)."""
        now = now_ms(self._clock)
        async with self._tx.write() as store:
            library = await library_for(store, caller, given_id, Action.WRITE, lock=True)
            found = {e.id: e for e in await store.elements(library.id, element_ids)}
            missing = [i for i in element_ids if i not in found or found[i].archived_ms is not None]
            if missing:
                raise NotFound(f"There is no element {missing[0]} in the library.")
            if if_match is not None and len(element_ids) == 1:
                check_if_match(if_match, found[element_ids[0]].etag)
            for element in found.values():
                await store.update_element(
                    replace(element, archived_ms=now, version=element.version + 1)
                )
            library = await touch(store, library, now, live=-len(found), archived=len(found))
        return library

    async def restore(
        self, caller: Caller, given_id: str, body: object
    ) -> tuple[Library, list[Element]]:
        """``POST .../archive``: archived elements back among the live ones."""
        listing = body.get("self", body) if isinstance(body, Mapping) else None
        if not isinstance(listing, Mapping):
            raise InvalidElement("elements", "must be a non-empty list of element ids")
        ids = element_ids(listing.get("elements") or listing.get("elementIds"), "elements")
        now = now_ms(self._clock)
        async with self._tx.write() as store:
            library = await library_for(store, caller, given_id, Action.WRITE, lock=True)
            found = {e.id: e for e in await store.elements(library.id, ids)}
            missing = [i for i in ids if i not in found or found[i].archived_ms is None]
            if missing:
                raise NotFound(f"There is no archived element {missing[0]} in the library.")
            restored = [
                replace(e, archived_ms=None, modified_ms=now, version=e.version + 1)
                for e in found.values()
            ]
            for element in restored:
                await store.update_element(element)
            library = await touch(store, library, now, live=len(restored), archived=-len(restored))
        return library, restored

    async def purge(self, caller: Caller, given_id: str, element_ids: Sequence[str] | None) -> None:
        """Delete archived elements for good: those named, or the whole archive."""
        now = now_ms(self._clock)
        async with self._tx.write() as store:
            library = await library_for(store, caller, given_id, Action.PURGE, lock=True)
            if element_ids is None:
                found = [
                    element
                    async for batch in each_element(store, library.id, ElementFilter(archived=True))
                    for element in batch
                ]
            else:
                by_id = {e.id: e for e in await store.elements(library.id, element_ids)}
                missing = [i for i in element_ids if i not in by_id]
                if missing:
                    raise NotFound(f"There is no element {missing[0]} in the library.")
                live = [i for i in element_ids if by_id[i].archived_ms is None]
                if live:
                    raise Conflict(
                        f"The element {live[0]} is not archived; archive it before purging it."
                    )
                found = list(by_id.values())
            if not found:
                return
            await store.delete_elements(library.id, [e.id for e in found])
            await touch(
                store,
                library,
                now,
                archived=-len(found),
                storage=-sum(e.storage_used for e in found),
            )
