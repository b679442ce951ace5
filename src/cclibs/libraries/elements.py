"""The Libraries API's operations on elements: list, get, create, copy (``source``), move
(``self``), rename, and replace representations.

Writers lock the library row first (see ``cclibs.libraries.service``); uploaded files are
named by the ``storage_href`` an upload answered and resolved here
(``cclibs.libraries.representations``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cclibs.clock import Clock
from cclibs.libraries.access import Action, Caller, library_for, require
from cclibs.libraries.bookkeeping import copy_elements, now_ms, renamed, stamp, touch
from cclibs.libraries.errors import InvalidElement, NotFound
from cclibs.libraries.models import Element, ElementFilter, Library, library_id_from
from cclibs.libraries.paging import Page, page_of, page_request
from cclibs.libraries.payloads import (
    MAX_BATCH_IDS,
    check_if_match,
    element_ids,
    need_name,
    need_object,
    parse_library_id,
)
from cclibs.libraries.ports import LibraryLookup, LibraryStore, LibraryTransactions
from cclibs.libraries.representations import normalize_representations, storage_used
from cclibs.libraries.validation import validate_element, validate_representations
from cclibs.libraries.validation.elements import check_client

__all__ = ["ELEMENT_PAGE", "ElementService"]

ELEMENT_PAGE = (10, 100)
"""Default and maximum ``limit`` of element lists (compat reference §1.3)."""
_SERVER_FIELDS = frozenset(
    {
        *("id", "name", "type", "representations", "client", "source", "self"),
        *("created_date", "modified_date", "archived_date", "_links", "thumbnail"),
        *("parent_id", "manifest_etag", "assetSubType", "storage_used", "details"),
        *("library#createdData", "library#modifiedData", "path", "_fc"),
    }
)
"""Keys of an element payload the server owns; any other key is kept as the client sent it."""


class ElementService:
    def __init__(self, transactions: LibraryTransactions, clock: Clock) -> None:
        self._tx = transactions
        self._clock = clock

    async def list_elements(
        self,
        caller: Caller,
        given_id: str,
        *,
        types: str | None,
        group: str | None,
        order_by: str | None,
        start: str | None,
        limit: str | None,
        archived: bool = False,
    ) -> tuple[Library, Page[Element]]:
        async def find(store: LibraryStore) -> Library:
            return await library_for(store, caller, given_id, Action.READ)

        return await self.list_elements_in(
            find,
            types=types,
            group=group,
            order_by=order_by,
            start=start,
            limit=limit,
            archived=archived,
        )

    async def list_elements_in(
        self,
        find: LibraryLookup,
        *,
        types: str | None,
        group: str | None,
        order_by: str | None,
        start: str | None,
        limit: str | None,
        archived: bool = False,
    ) -> tuple[Library, Page[Element]]:
        """``list_elements`` of the library ``find`` reads (and checks) in the transaction:
        the public endpoints find published libraries (``cclibs.libraries.public``)."""
        page = page_request(
            order_by, start, limit, default_limit=ELEMENT_PAGE[0], max_limit=ELEMENT_PAGE[1]
        )
        kinds = tuple(t.strip().lower() for t in (types or "").split(",") if t.strip())
        group_key: str | None = None
        if group is not None and group.strip():
            group_key = group.strip()
            if group_key != "$none$" and "#" not in group_key:
                group_key = f"$default#{group_key}"
        where = ElementFilter(archived=archived, types=kinds, group=group_key)
        async with self._tx.read() as store:
            library = await find(store)
            items = await store.list_elements(
                library.id,
                where,
                page.ordering,
                after=page.after,
                offset=page.offset,
                limit=page.limit + 1,
            )
            if where.types or where.group is not None:
                total = await store.count_elements(library.id, where)
            else:
                # The library row keeps these counts (under its lock, with every write): a
                # page of 100,000 elements need not count them all again.
                total = library.archived_count if archived else library.elements_count
        return library, page_of(
            items, total, page, lambda e: (e.name, e.modified_ms, e.created_ms, e.id)
        )

    async def element(
        self, caller: Caller, given_id: str, element_id: str
    ) -> tuple[Library, Element]:
        async def find(store: LibraryStore) -> Library:
            return await library_for(store, caller, given_id, Action.READ)

        return await self.element_in(find, element_id)

    async def element_in(self, find: LibraryLookup, element_id: str) -> tuple[Library, Element]:
        """``element`` of the library ``find`` reads (and checks) in the transaction."""
        async with self._tx.read() as store:
            library = await find(store)
            element = await store.element(library.id, element_id)
        if element is None or element.archived_ms is not None:
            raise NotFound("There is no element with this id in the library.")
        return library, element

    async def create_elements(
        self, caller: Caller, given_id: str, body: object
    ) -> tuple[Library, list[Element]]:
        """Create one element, or copy (``source``) or move (``self``) elements here."""
        payload = need_object(body, "an element with name, type, client and representations")
        if payload.get("source") is not None:
            return await self._transfer(caller, given_id, payload["source"], "source", move=False)
        if payload.get("self") is not None:
            return await self._transfer(caller, given_id, payload["self"], "self", move=True)
        validate_element(payload)
        now = now_ms(self._clock)
        async with self._tx.write() as store:
            library = await library_for(store, caller, given_id, Action.WRITE, lock=True)
            reps, assets = await normalize_representations(
                payload.get("representations") or [],
                library_id=library.id,
                find_asset=store.asset,
            )
            stamped = stamp(caller, payload.get("client"), now)
            data = {k: v for k, v in payload.items() if k not in _SERVER_FIELDS}
            data["library#createdData"] = stamped
            data["library#modifiedData"] = stamped
            if isinstance(payload.get("description"), str):
                data["description"] = payload["description"]
            element = Element(
                id=str(uuid.uuid4()),
                library_id=library.id,
                name=payload["name"],
                type=str(payload["type"]).split(";", 1)[0].strip().lower(),
                created_ms=now,
                modified_ms=now,
                archived_ms=None,
                version=1,
                data=data,
                representations=tuple(reps),
                storage_used=storage_used(assets),
            )
            await store.insert_element(element)
            library = await touch(store, library, now, live=1, storage=element.storage_used)
        return library, [element]

    async def _transfer(
        self, caller: Caller, given_id: str, spec: object, field: str, *, move: bool
    ) -> tuple[Library, list[Element]]:
        listing = spec if isinstance(spec, Mapping) else None
        if listing is None:
            raise InvalidElement(field, "must be {elements: [...], id: <library URN>}")
        ids = element_ids(listing.get("elements") or listing.get("elementIds"), f"{field}.elements")
        names = {
            str(item["id"]): item
            for item in listing.get("elements") or ()
            if isinstance(item, Mapping) and isinstance(item.get("id"), str)
        }
        target_id = parse_library_id(given_id)
        source_given = listing.get("id")
        if source_given is None:
            source_id = target_id
        elif not isinstance(source_given, str) or library_id_from(source_given) is None:
            raise InvalidElement(f"{field}.id", "must be the id or URN of the source library")
        else:
            source_id = library_id_from(source_given) or target_id
        now = now_ms(self._clock)
        async with self._tx.write() as store:
            # Lock in id order, so two opposite moves cannot wait on each other.
            locked = {
                lid: await store.library(lid, lock=True, for_user=caller.user_id)
                for lid in sorted({source_id, target_id})
            }
            target = require(caller.user_id, locked[target_id], Action.WRITE)
            source = require(
                caller.user_id, locked[source_id], Action.WRITE if move else Action.READ
            )
            found = await store.elements(source.id, ids)
            found = [e for e in found if e.archived_ms is None]
            missing = sorted(set(ids) - {e.id for e in found})
            if missing:
                raise NotFound(f"There is no element {missing[0]} in the source library.")
            if move and source.id == target.id:
                return target, found
            named = [renamed(e, names.get(e.id), field) for e in found]
            copies = await copy_elements(store, caller, named, source, target, now)
            live = sum(1 for e in copies if e.archived_ms is None)
            target = await touch(
                store,
                target,
                now,
                live=live,
                archived=len(copies) - live,
                storage=sum(e.storage_used for e in copies),
            )
            if move:
                await store.delete_elements(source.id, [e.id for e in found])
                moved_live = sum(1 for e in found if e.archived_ms is None)
                await touch(
                    store,
                    source,
                    now,
                    live=-moved_live,
                    archived=-(len(found) - moved_live),
                    storage=-sum(e.storage_used for e in found),
                )
        return target, copies

    async def update_metadata(self, caller: Caller, given_id: str, body: object) -> Library:
        """``PUT .../elements/metadata``: names and descriptions of several elements."""
        items_raw = body.get("elements") if isinstance(body, Mapping) else body
        if not isinstance(items_raw, list) or not items_raw:
            raise InvalidElement("elements", "must be a non-empty list of {id, name, description}")
        if len(items_raw) > MAX_BATCH_IDS:
            raise InvalidElement("elements", f"may name at most {MAX_BATCH_IDS} elements")
        changes: dict[str, Mapping[str, Any]] = {}
        for index, item in enumerate(items_raw):
            if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
                raise InvalidElement(f"elements[{index}].id", "must be an element id")
            if item.get("name") is not None:
                need_name(item["name"], f"elements[{index}].name")
            if item.get("description") is not None and not isinstance(item["description"], str):
                raise InvalidElement(f"elements[{index}].description", "must be a string")
            changes[item["id"]] = item
        now = now_ms(self._clock)
        async with self._tx.write() as store:
            library = await library_for(store, caller, given_id, Action.WRITE, lock=True)
            found = {e.id: e for e in await store.elements(library.id, list(changes))}
            missing = [i for i in changes if i not in found or found[i].archived_ms is not None]
            if missing:
                raise NotFound(f"There is no element {missing[0]} in the library.")
            for element_id, item in changes.items():
                element = renamed(found[element_id], item, "elements")
                data = dict(element.data)
                data["library#modifiedData"] = stamp(caller, None, now)
                await store.update_element(
                    replace(element, data=data, modified_ms=now, version=element.version + 1)
                )
            library = await touch(store, library, now)
        return library

    async def put_representations(
        self,
        caller: Caller,
        given_id: str,
        element_id: str,
        body: object,
        if_match: str | None,
    ) -> tuple[Library, Element]:
        """Replace the element's representations with the set in the body: those not
        named are deleted; uploaded files stay immutable."""
        payload = need_object(body, "an element with its representations")
        reps = payload.get("representations")
        if payload.get("client") is not None:
            check_client(payload["client"])
        if reps is None:
            raise InvalidElement("representations", "is required: the complete new set")
        now = now_ms(self._clock)
        async with self._tx.write() as store:
            library = await library_for(store, caller, given_id, Action.WRITE, lock=True)
            element = await store.element(library.id, element_id)
            if element is None or element.archived_ms is not None:
                raise NotFound("There is no element with this id in the library.")
            check_if_match(if_match, element.etag)
            validate_representations(reps, element.type)
            stored, assets = await normalize_representations(
                reps,
                library_id=library.id,
                find_asset=store.asset,
                previous=element.representations,
            )
            data = dict(element.data)
            data["library#modifiedData"] = stamp(caller, payload.get("client"), now)
            changed = replace(
                element,
                representations=tuple(stored),
                storage_used=storage_used(assets),
                data=data,
                modified_ms=now,
                version=element.version + 1,
            )
            await store.update_element(changed)
            library = await touch(
                store, library, now, storage=changed.storage_used - element.storage_used
            )
        return library, changed
