"""A user's bookmarks of other people's libraries (compat reference §1.2 rows 3 to 6, §1.5).

A bookmark names a library by its ``id`` and says how the user reaches it: ``PUBLIC``, a
library its owner published, or ``COLLAB``, one shared with the user. A library is bookmarked
once: a second submission of the same id is discarded (the spec's words). ``created`` is the
server's, set once. For a ``COLLAB`` bookmark, ``role``, ``can_share`` and ``can_comment`` are
what the collaborator row says today, not what the client sent.

A bookmark whose ground went away (the library unpublished, the user no longer a collaborator)
is not shown; bookmarking the library again replaces it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from cclibs.clock import Clock
from cclibs.libraries.access import Caller
from cclibs.libraries.bookkeeping import now_ms
from cclibs.libraries.errors import BadRequest, NotFound
from cclibs.libraries.models import REGION, Membership, library_id_from

__all__ = [
    "MAX_BOOKMARKS",
    "Bookmark",
    "BookmarkKind",
    "BookmarkService",
    "BookmarkStore",
    "BookmarkTransactions",
    "HeldBookmark",
    "InvalidBookmark",
    "Standing",
]

MAX_BOOKMARKS = 1000
"""Bookmarks one user may hold: the list is answered whole, without paging (as Adobe's)."""
_MAX_URL = 2048


class InvalidBookmark(BadRequest):
    reason = "invalid_bookmark"

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class BookmarkKind(StrEnum):
    PUBLIC = "PUBLIC"
    """A library its owner published."""
    COLLAB = "COLLAB"
    """A library shared with the user."""


@dataclass(frozen=True, slots=True)
class Bookmark:
    library_id: str
    kind: BookmarkKind
    url: str | None
    """The public library's landing page, as the client gave it (``PUBLIC`` only)."""
    created_ms: int


@dataclass(frozen=True, slots=True)
class Standing:
    """What a user may bookmark in one library: is it published, is the user a collaborator."""

    published: bool
    membership: Membership | None

    def allows(self, kind: BookmarkKind) -> bool:
        return self.published if kind is BookmarkKind.PUBLIC else self.membership is not None


@dataclass(frozen=True, slots=True)
class HeldBookmark:
    bookmark: Bookmark
    membership: Membership | None
    """The collaborator row (``COLLAB``); None for a ``PUBLIC`` bookmark."""

    @property
    def urn(self) -> str:
        return f"urn:aaid:sc:{REGION}:{self.bookmark.library_id}"


class BookmarkStore(Protocol):
    async def bookmarks(self, user_id: str, library_id: str | None = None) -> list[HeldBookmark]:
        """The user's bookmarks that still stand (``PUBLIC``: the library is published;
        ``COLLAB``: the user is its collaborator), oldest first, ties by library id; only
        that of ``library_id`` when given."""
        ...

    async def standing(self, user_id: str, library_id: str) -> Standing | None:
        """None when there is no such library."""
        ...

    async def put_bookmark(self, user_id: str, bookmark: Bookmark) -> None:
        """Insert, or replace the user's bookmark of the same library."""
        ...

    async def delete_bookmark(self, user_id: str, library_id: str) -> bool:
        """Whether there was one."""
        ...

    async def count_bookmarks(self, user_id: str) -> int: ...


class BookmarkTransactions(Protocol):
    def read(self) -> AbstractAsyncContextManager[BookmarkStore]: ...

    def write(self) -> AbstractAsyncContextManager[BookmarkStore]: ...


@dataclass(frozen=True, slots=True)
class _Wanted:
    """One bookmark as a request gives it, checked for shape."""

    library_id: str
    kind: BookmarkKind | None
    url: str | None


def _text(item: Mapping[str, Any], key: str, field: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidBookmark(f"{field}.{key}", "must be a non-blank string")
    return value.strip()


def _kind(item: Mapping[str, Any], field: str) -> BookmarkKind | None:
    given = _text(item, "type", field)
    if given is None:
        return None
    try:
        return BookmarkKind(given.upper())
    except ValueError:
        raise InvalidBookmark(f"{field}.type", "must be PUBLIC or COLLAB") from None


def _url(item: Mapping[str, Any], field: str) -> str | None:
    url = _text(item, "url", field)
    if url is not None and len(url) > _MAX_URL:
        raise InvalidBookmark(f"{field}.url", f"must be at most {_MAX_URL} characters")
    return url


def _wanted(item: object, field: str) -> _Wanted:
    if not isinstance(item, Mapping):
        raise InvalidBookmark(field, "must be an object with the library's id")
    given_id = _text(item, "id", field)
    if given_id is None:
        raise InvalidBookmark(f"{field}.id", "is required: the id of the library to bookmark")
    library_id = library_id_from(given_id)
    if library_id is None:
        raise InvalidBookmark(f"{field}.id", "is not the id of a library")
    kind = _kind(item, field)
    url = _url(item, field)
    urn = _text(item, "urn", field)
    if urn is not None and library_id_from(urn) != library_id:
        raise InvalidBookmark(f"{field}.urn", "must be the library_urn of the library id names")
    if kind is BookmarkKind.PUBLIC and url is None:
        raise InvalidBookmark(f"{field}.url", "is required for a PUBLIC bookmark")
    if kind is BookmarkKind.COLLAB and urn is None:
        raise InvalidBookmark(f"{field}.urn", "is required for a COLLAB bookmark")
    return _Wanted(library_id, kind, url)


def _bookmark_list(body: object) -> Sequence[object]:
    if not isinstance(body, Mapping):
        raise InvalidBookmark("body", 'must be an object: {"bookmarks": [...]}')
    items = body.get("bookmarks")
    if not isinstance(items, list) or not items:
        raise InvalidBookmark("bookmarks", "must be a non-empty list of bookmarks")
    if len(items) > MAX_BOOKMARKS:
        raise InvalidBookmark("bookmarks", f"must hold at most {MAX_BOOKMARKS} bookmarks")
    return items


def _one_bookmark(body: object) -> object:
    """PUT's body: ``{"bookmarks": [one]}`` as the spec has it, or the bookmark alone."""
    if isinstance(body, Mapping) and "bookmarks" in body:
        items = _bookmark_list(body)
        if len(items) != 1:
            raise InvalidBookmark("bookmarks", "must hold exactly the one bookmark to update")
        return items[0]
    return body


def _chosen_kind(wanted: _Wanted, standing: Standing | None) -> BookmarkKind:
    """The kind asked for, or the one the library allows (collaborator first); NotFound
    when the user may not bookmark the library (its existence is not the user's to know)."""
    if standing is not None:
        if wanted.kind is not None and standing.allows(wanted.kind):
            return wanted.kind
        if wanted.kind is None:
            for kind in (BookmarkKind.COLLAB, BookmarkKind.PUBLIC):
                if standing.allows(kind):
                    return kind
    raise NotFound("There is no public or shared library with this id to bookmark.")


class BookmarkService:
    def __init__(self, transactions: BookmarkTransactions, clock: Clock) -> None:
        self._tx = transactions
        self._clock = clock

    async def list_bookmarks(self, caller: Caller) -> list[HeldBookmark]:
        async with self._tx.read() as store:
            return await store.bookmarks(caller.user_id)

    async def bookmark_of(self, caller: Caller, library_id: str) -> HeldBookmark | None:
        """The caller's bookmark of the library, if it stands."""
        async with self._tx.read() as store:
            held = await store.bookmarks(caller.user_id, library_id)
        return held[0] if held else None

    async def add(self, caller: Caller, body: object) -> tuple[list[HeldBookmark], bool]:
        """Add the bookmarks of a ``BookmarksPayload``; those of a library already bookmarked
        are discarded. Returns all the user's bookmarks, and whether any was added."""
        items = _bookmark_list(body)
        wanted = [
            (f"bookmarks[{i}]", _wanted(item, f"bookmarks[{i}]")) for i, item in enumerate(items)
        ]
        now = now_ms(self._clock)
        added = False
        async with self._tx.write() as store:
            held = {b.bookmark.library_id for b in await store.bookmarks(caller.user_id)}
            for field, each in wanted:
                if each.library_id in held:
                    continue  # a library already bookmarked: discarded, as Adobe does
                standing = await store.standing(caller.user_id, each.library_id)
                kind = _chosen_kind(each, standing)
                if kind is BookmarkKind.PUBLIC and each.url is None:
                    raise InvalidBookmark(f"{field}.url", "is required for a PUBLIC bookmark")
                url = each.url if kind is BookmarkKind.PUBLIC else None
                await store.put_bookmark(caller.user_id, Bookmark(each.library_id, kind, url, now))
                held.add(each.library_id)
                added = True
            if added and await store.count_bookmarks(caller.user_id) > MAX_BOOKMARKS:
                raise InvalidBookmark(
                    "bookmarks", f"a user may hold at most {MAX_BOOKMARKS} bookmarks"
                )
            return await store.bookmarks(caller.user_id), added

    async def update(self, caller: Caller, bookmark_id: str, body: object) -> HeldBookmark:
        """Change a bookmark's kind or URL; ``created`` stays."""
        library_id = library_id_from(bookmark_id)
        if library_id is None:
            raise NotFound("There is no bookmark with this id.")
        item = _one_bookmark(body)
        if isinstance(item, Mapping) and item.get("id") is None:
            item = {**item, "id": library_id}
        wanted = _wanted(item, "bookmark")
        if wanted.library_id != library_id:
            raise InvalidBookmark("bookmark.id", "must be the id in the address")
        async with self._tx.write() as store:
            current = await self._standing_bookmark(store, caller, library_id)
            kind = _chosen_kind(
                _Wanted(library_id, wanted.kind or current.kind, wanted.url),
                await store.standing(caller.user_id, library_id),
            )
            url = (wanted.url or current.url) if kind is BookmarkKind.PUBLIC else None
            if kind is BookmarkKind.PUBLIC and url is None:
                raise InvalidBookmark("bookmark.url", "is required for a PUBLIC bookmark")
            await store.put_bookmark(
                caller.user_id, Bookmark(library_id, kind, url, current.created_ms)
            )
            (found,) = await store.bookmarks(caller.user_id, library_id)
        return found

    async def remove(self, caller: Caller, bookmark_id: str) -> None:
        library_id = library_id_from(bookmark_id)
        async with self._tx.write() as store:
            if library_id is None or not await store.delete_bookmark(caller.user_id, library_id):
                raise NotFound("There is no bookmark with this id.")

    @staticmethod
    async def _standing_bookmark(store: BookmarkStore, caller: Caller, library_id: str) -> Bookmark:
        """The user's bookmark of the library, if it still stands."""
        shown = await store.bookmarks(caller.user_id, library_id)
        if not shown:
            raise NotFound("There is no bookmark with this id.")
        return shown[0].bookmark
