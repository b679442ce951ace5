"""The bookkeeping every write does: the library's version, date and counters, who changed
an element and with what, walking a library's elements, and copying elements between
libraries (the same blobs, registered again in the target).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from cclibs.clock import Clock
from cclibs.libraries.access import Caller
from cclibs.libraries.errors import Conflict
from cclibs.libraries.models import Asset, Element, ElementFilter, Library, Position
from cclibs.libraries.paging import parse_ordering
from cclibs.libraries.payloads import need_name
from cclibs.libraries.ports import LibraryStore
from cclibs.libraries.representations import thumbnail_source

__all__ = [
    "copy_elements",
    "each_element",
    "now_ms",
    "renamed",
    "stamp",
    "touch",
    "with_thumbnails",
]

_SCAN = 500
"""Elements per query when walking a whole library."""


def now_ms(clock: Clock) -> int:
    return int(clock.now().timestamp() * 1000)


def stamp(caller: Caller, client: object, now: int) -> dict[str, Any]:
    given = client if isinstance(client, Mapping) else {}
    return {
        "app": given.get("app") or caller.client_id,
        "time": now,
        "userId": caller.user_id,
        "deviceId": given.get("deviceId") or "",
        "device": given.get("device") or "",
    }


async def touch(
    store: LibraryStore,
    library: Library,
    now: int,
    *,
    live: int = 0,
    archived: int = 0,
    storage: int = 0,
) -> Library:
    changed = replace(
        library,
        modified_ms=now,
        version=library.version + 1,
        elements_count=library.elements_count + live,
        archived_count=library.archived_count + archived,
        storage_used=max(0, library.storage_used + storage),
    )
    await store.update_library(changed)
    return changed


async def each_element(
    store: LibraryStore, library_id: str, where: ElementFilter
) -> AsyncIterator[list[Element]]:
    """The library's elements that match, in batches, oldest first."""
    ordering = parse_ordering("created_date")
    position: Position | None = None
    while True:
        batch = await store.list_elements(
            library_id, where, ordering, after=position, offset=0, limit=_SCAN
        )
        if batch:
            yield batch
        if len(batch) < _SCAN:
            return
        position = Position((batch[-1].created_ms,), batch[-1].id)


async def with_thumbnails(
    store: LibraryStore, library_id: str, order_by: str, count: int
) -> list[Element]:
    """The first ``count`` live elements, in ``order_by``, that have a thumbnail (looking at
    no more than 500 elements, so a rendition grid costs one bounded query)."""
    batch = await store.list_elements(
        library_id, ElementFilter(), parse_ordering(order_by), after=None, offset=0, limit=500
    )
    return [e for e in batch if thumbnail_source(e) is not None][:count]


def renamed(element: Element, item: Mapping[str, Any] | None, field: str) -> Element:
    if item is None:
        return element
    data = dict(element.data)
    name = element.name
    if item.get("name") is not None:
        name = need_name(item["name"], f"{field}.elements.name")
    if isinstance(item.get("description"), str):
        if item["description"]:
            data["description"] = item["description"]
        else:
            data.pop("description", None)
    return replace(element, name=name, data=data)


async def copy_elements(
    store: LibraryStore,
    caller: Caller,
    elements: Sequence[Element],
    source: Library,
    target: Library,
    now: int,
) -> list[Element]:
    """New elements in ``target`` like ``elements`` (of ``source``): new ids and dates;
    uploads of another library are registered again in this one (same blobs)."""
    moved_assets: dict[str, str] = {}
    copies: list[Element] = []
    for element in elements:
        reps: list[dict[str, Any]] = []
        for rep in element.representations:
            copy = dict(rep)
            copy["id"] = str(uuid.uuid4())
            asset_id = rep.get("asset_id")
            if asset_id and source.id != target.id:
                if asset_id not in moved_assets:
                    moved_assets[asset_id] = await _register_again(
                        store, str(asset_id), target, caller, now
                    )
                copy["asset_id"] = moved_assets[asset_id]
            reps.append(copy)
        data = dict(element.data)
        data["library#createdData"] = stamp(caller, None, now)
        data["library#modifiedData"] = data["library#createdData"]
        copy_element = replace(
            element,
            id=str(uuid.uuid4()),
            library_id=target.id,
            created_ms=now,
            modified_ms=now,
            version=1,
            data=data,
            representations=tuple(reps),
        )
        await store.insert_element(copy_element)
        copies.append(copy_element)
    return copies


async def _register_again(
    store: LibraryStore, asset_id: str, target: Library, caller: Caller, now: int
) -> str:
    asset = await store.asset(asset_id)
    if asset is None:  # pragma: no cover - the element links keep their assets
        raise Conflict("An uploaded file of this element is missing.")
    again = Asset(
        id=str(uuid.uuid4()),
        library_id=target.id,
        owner_id=target.owner_id,  # an editor's copy belongs to the library's owner
        blob_key=asset.blob_key,
        type=asset.type,
        content_length=asset.content_length,
        md5=asset.md5,
        created_ms=now,
    )
    await store.insert_asset(again)
    return again.id
