"""The Libraries API's operations on libraries, elements and the archive.

Every operation names its caller and asks ``access.require`` before it reads or writes, so
sharing can widen access without touching the operations. Writers lock the library row
first; the library's version, modified date and counters change in the same transaction as
its elements, so concurrent writers take turns and none loses an update.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from cclibs.clock import Clock
from cclibs.libraries.access import Action, require
from cclibs.libraries.errors import (
    BadRequest,
    Conflict,
    InvalidElement,
    NotFound,
    PreconditionFailed,
)
from cclibs.libraries.models import (
    Asset,
    Element,
    ElementFilter,
    Library,
    Position,
    library_id_from,
)
from cclibs.libraries.paging import PageRequest, encode_cursor, page_request, parse_ordering
from cclibs.libraries.ports import LibraryStore, LibraryTransactions
from cclibs.libraries.representations import (
    normalize_representations,
    storage_used,
    thumbnail_source,
)
from cclibs.libraries.validation import validate_element, validate_representations
from cclibs.libraries.validation.elements import MAX_NAME_LENGTH

__all__ = [
    "MAX_BATCH_IDS",
    "Caller",
    "LibraryService",
    "Page",
    "check_if_match",
    "element_ids_in",
    "parse_library_id",
]

LIBRARY_PAGE = (10, 10)
"""Default and maximum ``limit`` of the libraries list (compat reference §1.3)."""
ELEMENT_PAGE = (10, 100)
MAX_BATCH_IDS = 1000
"""Element ids in one copy, move, archive, restore or purge request."""
_OWNERS = frozenset({"all", "private", "incoming", "public"})
_SERVER_FIELDS = frozenset(
    {
        *("id", "name", "type", "representations", "client", "source", "self"),
        *("created_date", "modified_date", "archived_date", "_links", "thumbnail"),
        *("parent_id", "manifest_etag", "assetSubType", "storage_used", "details"),
        *("library#createdData", "library#modifiedData", "path", "_fc"),
    }
)
"""Keys of an element payload the server owns; any other key is kept as the client sent it."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: str
    client_id: str


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    ordering: str
    next_start: str | None


def parse_library_id(given: str) -> str:
    library_id = library_id_from(given)
    if library_id is None:
        raise NotFound("There is no library with this id.")
    return library_id


def check_if_match(if_match: str | None, etag: str) -> None:
    """``If-Match``: ``*`` or a list of entity tags, one of which must be the current one
    (weak tags compare by their opaque part, as a client may get them back weakened)."""
    if if_match is None:
        return
    tags = [tag.strip() for tag in if_match.split(",") if tag.strip()]
    if "*" in tags:
        return
    current = etag.removeprefix("W/")
    if not any(tag.removeprefix("W/") == current for tag in tags):
        raise PreconditionFailed(
            "The resource changed since the version named by If-Match; "
            f"get it again (its ETag is now {etag})."
        )


def _name(value: object, field: str = "name") -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidElement(field, "must be a non-blank string")
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidElement(field, f"must be at most {MAX_NAME_LENGTH} characters")
    return value


def _object(body: object, what: str) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise BadRequest(f"The body must be a JSON object ({what}).")
    return body


def _ids(value: object, field: str) -> list[str]:
    """Element ids, given as strings or as ``{"id": ...}`` objects."""
    if not isinstance(value, list) or not value:
        raise InvalidElement(field, "must be a non-empty list of element ids")
    if len(value) > MAX_BATCH_IDS:
        raise InvalidElement(field, f"may name at most {MAX_BATCH_IDS} elements")
    ids: list[str] = []
    for index, item in enumerate(value):
        element_id = item.get("id") if isinstance(item, Mapping) else item
        if not isinstance(element_id, str) or not element_id.strip():
            raise InvalidElement(f"{field}[{index}]", "must be an element id")
        ids.append(element_id.strip())
    return list(dict.fromkeys(ids))


class LibraryService:
    def __init__(self, transactions: LibraryTransactions, clock: Clock) -> None:
        self._tx = transactions
        self._clock = clock

    def _now(self) -> int:
        return int(self._clock.now().timestamp() * 1000)

    # Libraries ---------------------------------------------------------------------------

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
        if owner in ("incoming", "public"):
            # Nobody shares yet: the sharing issue adds collaborators and public libraries.
            return Page([], 0, page.ordering.text(), None)
        async with self._tx.read() as store:
            items = await store.list_libraries(
                caller.user_id,
                page.ordering,
                after=page.after,
                offset=page.offset,
                limit=page.limit + 1,
            )
            total = await store.count_libraries(caller.user_id)
        return self._page(
            items, total, page, lambda lib: (lib.name, lib.modified_ms, lib.created_ms, lib.id)
        )

    @staticmethod
    def _page(items: list[T], total: int, page: PageRequest, key: Any) -> Page[T]:
        """One more than ``limit`` was fetched: if it came, there is a next page."""
        more = len(items) > page.limit
        items = items[: page.limit]
        next_start = None
        if more and items:
            name, modified, created, id_ = key(items[-1])
            values = {"name": name.casefold(), "modified_date": modified, "created_date": created}
            position = Position(tuple(values[k.field] for k in page.ordering.keys), id_)
            next_start = encode_cursor(page.ordering, position)
        return Page(items, total, page.ordering.text(), next_start)

    async def create_library(self, caller: Caller, body: object) -> Library:
        payload = _object(body, "a library with its name")
        if payload.get("self") is not None:
            raise InvalidElement(
                "self",
                "moving a library is not supported; copy it with source, then delete the old one",
            )
        source = payload.get("source")
        if source is not None:
            return await self._copy_library(caller, source, payload.get("name"))
        now = self._now()
        library = Library(
            id=str(uuid.uuid4()),
            owner_id=caller.user_id,
            name=_name(payload.get("name")),
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
        now = self._now()
        async with self._tx.write() as store:
            original = require(caller.user_id, await store.library(source_id), Action.READ)
            library = Library(
                id=str(uuid.uuid4()),
                owner_id=caller.user_id,
                name=_name(name) if name is not None else original.name,
                created_ms=now,
                modified_ms=now,
                version=1,
                elements_count=0,
                archived_count=0,
                storage_used=0,
            )
            await store.insert_library(library)
            copied: list[Element] = []
            where = ElementFilter()
            position: Position | None = None
            ordering = parse_ordering("created_date")
            while True:
                batch = await store.list_elements(
                    original.id, where, ordering, after=position, offset=0, limit=500
                )
                if not batch:
                    break
                copied.extend(
                    await self._copy_elements(store, caller, batch, original, library, now)
                )
                last = batch[-1]
                position = Position((last.created_ms,), last.id)
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
            return require(
                caller.user_id, await store.library(parse_library_id(given_id)), Action.READ
            )

    async def library_extras(
        self, caller: Caller, library: Library, selectors: frozenset[str]
    ) -> dict[str, Any]:
        """What the ``details``, ``collaboration`` and ``groups`` selectors add (the
        ``rendition_grid`` is the web layer's: it needs rendition links)."""
        extras: dict[str, Any] = {}
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
                extras["collaboration"] = {
                    "rootURN": library.urn,
                    "ownerId": library.owner_id,
                    "state": "private",
                    "collaborators": [
                        {
                            "collaborator": library.owner_id,
                            "role": "owner",
                            "canShare": True,
                            "canComment": True,
                        }
                    ],
                    "directCollaborators": [],
                    "invitations": [],
                    "public": False,
                    "hasAdmin": False,
                }
            if "groups" in selectors:
                extras["groups"] = await self._groups(store, library)
        del caller
        return extras

    async def with_thumbnails(
        self, caller: Caller, library: Library, order_by: str, count: int
    ) -> list[Element]:
        """The first ``count`` live elements, in ``order_by``, that have a thumbnail (looking
        at no more than 50, so a library of text and fonts costs one short query)."""
        require(caller.user_id, library, Action.READ)
        async with self._tx.read() as store:
            batch = await store.list_elements(
                library.id,
                ElementFilter(),
                parse_ordering(order_by),
                after=None,
                offset=0,
                limit=50,
            )
        return [e for e in batch if thumbnail_source(e) is not None][:count]

    @staticmethod
    async def _groups(store: LibraryStore, library: Library) -> list[dict[str, Any]]:
        """The groups the library's live elements name, each once (by classifier and id)."""
        ordering = parse_ordering("created_date")
        found: dict[str, dict[str, Any]] = {}
        position: Position | None = None
        while True:
            batch = await store.list_elements(
                library.id, ElementFilter(), ordering, after=position, offset=0, limit=500
            )
            for element in batch:
                for group in element.data.get("groups") or ():
                    if isinstance(group, Mapping) and isinstance(group.get("id"), str):
                        key = f"{group.get('classifier') or '$default'}#{group['id']}"
                        found.setdefault(key, dict(group))
            if len(batch) < 500:
                break
            position = Position((batch[-1].created_ms,), batch[-1].id)
        return sorted(found.values(), key=lambda g: (str(g.get("order") or ""), str(g["id"])))

    async def rename_library(
        self, caller: Caller, given_id: str, body: object, if_match: str | None
    ) -> Library:
        payload = _object(body, '{"name": ...}')
        name = _name(payload.get("name"))
        async with self._tx.write() as store:
            library = require(
                caller.user_id,
                await store.library(parse_library_id(given_id), lock=True),
                Action.WRITE,
            )
            check_if_match(if_match, library.etag)
            library = replace(
                library, name=name, modified_ms=self._now(), version=library.version + 1
            )
            await store.update_library(library)
        return library

    async def delete_library(self, caller: Caller, given_id: str, if_match: str | None) -> set[str]:
        """Delete the library, its elements and its uploads; returns the blob keys its
        uploads named, for the caller to release (``LibraryFiles.release``)."""
        async with self._tx.write() as store:
            library = require(
                caller.user_id,
                await store.library(parse_library_id(given_id), lock=True),
                Action.DELETE,
            )
            check_if_match(if_match, library.etag)
            keys = await store.library_blob_keys(library.id)
            await store.delete_library(library.id)
        return keys

    # Elements ----------------------------------------------------------------------------

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
            library = require(
                caller.user_id, await store.library(parse_library_id(given_id)), Action.READ
            )
            items = await store.list_elements(
                library.id,
                where,
                page.ordering,
                after=page.after,
                offset=page.offset,
                limit=page.limit + 1,
            )
            total = await store.count_elements(library.id, where)
        return library, self._page(
            items, total, page, lambda e: (e.name, e.modified_ms, e.created_ms, e.id)
        )

    async def element(
        self, caller: Caller, given_id: str, element_id: str
    ) -> tuple[Library, Element]:
        async with self._tx.read() as store:
            library = require(
                caller.user_id, await store.library(parse_library_id(given_id)), Action.READ
            )
            element = await store.element(library.id, element_id)
        if element is None or element.archived_ms is not None:
            raise NotFound("There is no element with this id in the library.")
        return library, element

    async def create_elements(
        self, caller: Caller, given_id: str, body: object
    ) -> tuple[Library, list[Element]]:
        """Create one element, or copy (``source``) or move (``self``) elements here."""
        payload = _object(body, "an element with name, type, client and representations")
        if payload.get("source") is not None:
            return await self._transfer(caller, given_id, payload["source"], "source", move=False)
        if payload.get("self") is not None:
            return await self._transfer(caller, given_id, payload["self"], "self", move=True)
        validate_element(payload)
        now = self._now()
        async with self._tx.write() as store:
            library = require(
                caller.user_id,
                await store.library(parse_library_id(given_id), lock=True),
                Action.WRITE,
            )
            reps, assets = await normalize_representations(
                payload.get("representations") or [],
                library_id=library.id,
                find_asset=store.asset,
            )
            stamp = self._stamp(caller, payload.get("client"), now)
            data = {k: v for k, v in payload.items() if k not in _SERVER_FIELDS}
            data["library#createdData"] = stamp
            data["library#modifiedData"] = stamp
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
            library = await self._touch(store, library, now, live=1, storage=element.storage_used)
        return library, [element]

    @staticmethod
    def _stamp(caller: Caller, client: object, now: int) -> dict[str, Any]:
        given = client if isinstance(client, Mapping) else {}
        return {
            "app": given.get("app") or caller.client_id,
            "time": now,
            "userId": caller.user_id,
            "deviceId": given.get("deviceId") or "",
            "device": given.get("device") or "",
        }

    async def _touch(
        self,
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

    async def _transfer(
        self, caller: Caller, given_id: str, spec: object, field: str, *, move: bool
    ) -> tuple[Library, list[Element]]:
        listing = spec if isinstance(spec, Mapping) else None
        if listing is None:
            raise InvalidElement(field, "must be {elements: [...], id: <library URN>}")
        ids = _ids(listing.get("elements") or listing.get("elementIds"), f"{field}.elements")
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
        now = self._now()
        async with self._tx.write() as store:
            # Lock in id order, so two opposite moves cannot wait on each other.
            locked = {
                lid: await store.library(lid, lock=True) for lid in sorted({source_id, target_id})
            }
            target = require(caller.user_id, locked[target_id], Action.WRITE)
            source = require(
                caller.user_id, locked[source_id], Action.WRITE if move else Action.READ
            )
            found = await store.elements(source.id, ids)
            missing = sorted(set(ids) - {e.id for e in found})
            if missing:
                raise NotFound(f"There is no element {missing[0]} in the source library.")
            if move and source.id == target.id:
                return target, found
            renamed = [self._renamed(e, names.get(e.id), field) for e in found]
            copies = await self._copy_elements(store, caller, renamed, source, target, now)
            live = sum(1 for e in copies if e.archived_ms is None)
            target = await self._touch(
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
                await self._touch(
                    store,
                    source,
                    now,
                    live=-moved_live,
                    archived=-(len(found) - moved_live),
                    storage=-sum(e.storage_used for e in found),
                )
        return target, copies

    @staticmethod
    def _renamed(element: Element, item: Mapping[str, Any] | None, field: str) -> Element:
        if item is None:
            return element
        data = dict(element.data)
        name = element.name
        if item.get("name") is not None:
            name = _name(item["name"], f"{field}.elements.name")
        if isinstance(item.get("description"), str):
            if item["description"]:
                data["description"] = item["description"]
            else:
                data.pop("description", None)
        return replace(element, name=name, data=data)

    async def _copy_elements(
        self,
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
                        moved_assets[asset_id] = await self._register_again(
                            store, str(asset_id), target, caller, now
                        )
                    copy["asset_id"] = moved_assets[asset_id]
                reps.append(copy)
            data = dict(element.data)
            data["library#createdData"] = self._stamp(caller, None, now)
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

    @staticmethod
    async def _register_again(
        store: LibraryStore, asset_id: str, target: Library, caller: Caller, now: int
    ) -> str:
        asset = await store.asset(asset_id)
        if asset is None:  # pragma: no cover - the element links keep their assets
            raise Conflict("An uploaded file of this element is missing.")
        again = Asset(
            id=str(uuid.uuid4()),
            library_id=target.id,
            owner_id=caller.user_id,
            blob_key=asset.blob_key,
            type=asset.type,
            content_length=asset.content_length,
            md5=asset.md5,
            created_ms=now,
        )
        await store.insert_asset(again)
        return again.id

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
                _name(item["name"], f"elements[{index}].name")
            if item.get("description") is not None and not isinstance(item["description"], str):
                raise InvalidElement(f"elements[{index}].description", "must be a string")
            changes[item["id"]] = item
        now = self._now()
        async with self._tx.write() as store:
            library = require(
                caller.user_id,
                await store.library(parse_library_id(given_id), lock=True),
                Action.WRITE,
            )
            found = {e.id: e for e in await store.elements(library.id, list(changes))}
            missing = [i for i in changes if i not in found or found[i].archived_ms is not None]
            if missing:
                raise NotFound(f"There is no element {missing[0]} in the library.")
            for element_id, item in changes.items():
                element = self._renamed(found[element_id], item, "elements")
                data = dict(element.data)
                data["library#modifiedData"] = self._stamp(caller, None, now)
                await store.update_element(
                    replace(element, data=data, modified_ms=now, version=element.version + 1)
                )
            library = await self._touch(store, library, now)
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
        payload = _object(body, "an element with its representations")
        reps = payload.get("representations")
        if reps is None:
            raise InvalidElement("representations", "is required: the complete new set")
        now = self._now()
        async with self._tx.write() as store:
            library = require(
                caller.user_id,
                await store.library(parse_library_id(given_id), lock=True),
                Action.WRITE,
            )
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
            data["library#modifiedData"] = self._stamp(caller, payload.get("client"), now)
            changed = replace(
                element,
                representations=tuple(stored),
                storage_used=storage_used(assets),
                data=data,
                modified_ms=now,
                version=element.version + 1,
            )
            await store.update_element(changed)
            library = await self._touch(
                store, library, now, storage=changed.storage_used - element.storage_used
            )
        return library, changed

    # Archive -----------------------------------------------------------------------------

    async def archive(
        self,
        caller: Caller,
        given_id: str,
        element_ids: Sequence[str],
        *,
        if_match: str | None = None,
    ) -> Library:
        """Move live elements to the archive (``DELETE .../elements[/{id}]``)."""
        now = self._now()
        async with self._tx.write() as store:
            library = require(
                caller.user_id,
                await store.library(parse_library_id(given_id), lock=True),
                Action.WRITE,
            )
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
            library = await self._touch(store, library, now, live=-len(found), archived=len(found))
        return library

    async def restore(
        self, caller: Caller, given_id: str, body: object
    ) -> tuple[Library, list[Element]]:
        """``POST .../archive``: archived elements back among the live ones."""
        listing = body.get("self", body) if isinstance(body, Mapping) else None
        if not isinstance(listing, Mapping):
            raise InvalidElement("elements", "must be a non-empty list of element ids")
        ids = _ids(listing.get("elements") or listing.get("elementIds"), "elements")
        now = self._now()
        async with self._tx.write() as store:
            library = require(
                caller.user_id,
                await store.library(parse_library_id(given_id), lock=True),
                Action.WRITE,
            )
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
            library = await self._touch(
                store, library, now, live=len(restored), archived=-len(restored)
            )
        return library, restored

    async def purge(self, caller: Caller, given_id: str, element_ids: Sequence[str] | None) -> None:
        """Delete archived elements for good: those named, or the whole archive."""
        now = self._now()
        async with self._tx.write() as store:
            library = require(
                caller.user_id,
                await store.library(parse_library_id(given_id), lock=True),
                Action.WRITE,
            )
            if element_ids is None:
                found = await self._all_archived(store, library)
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
            await self._touch(
                store,
                library,
                now,
                archived=-len(found),
                storage=-sum(e.storage_used for e in found),
            )

    @staticmethod
    async def _all_archived(store: LibraryStore, library: Library) -> list[Element]:
        ordering = parse_ordering("created_date")
        found: list[Element] = []
        position: Position | None = None
        while True:
            batch = await store.list_elements(
                library.id,
                ElementFilter(archived=True),
                ordering,
                after=position,
                offset=0,
                limit=500,
            )
            found.extend(batch)
            if len(batch) < 500:
                return found
            position = Position((batch[-1].created_ms,), batch[-1].id)


def element_ids_in(body: object, field: str = "elements") -> list[str] | None:
    """The ids of an ``ArchiveDeleteElementListPayload``; None when the body names none."""
    if body is None:
        return None
    if not isinstance(body, Mapping):
        raise BadRequest('The body must be a JSON object such as {"elements": ["<id>"]}.')
    if body.get(field) is None:
        return None
    return _ids(body[field], field)
