"""``POST /api/v1/search`` (compat reference §1.10): the ``SearchQuery`` (made from the payload
by ``search_payload.parse_search``), its pages' cursors, and the search itself through the
``SearchStore`` port.

Decisions where the spec is silent, documented in the OpenAPI operation too:

- ``query_string`` is split into words (runs of letters and digits); a name matches when each
  word begins a word of the name (``cat`` finds "Catalogue colors", ``col cat`` too). A
  ``query_string`` without any word matches nothing.
- With words to match and no ``orderBy``, results come by relevance (the backend's full-text
  rank: FTS5's bm25, PostgreSQL's ts_rank), ties by ``-modified_date`` then id.
  ``orderBy: "relevance"`` asks for that explicitly; otherwise ``name``, ``modified_date``,
  ``created_date`` with ``-`` for descending, comma-separated, as the lists take them.
- ``archived`` left out means live elements only (archived ones are the archive's).
- ``limit`` applies to each list: libraries get at most 10, elements at most 100 (above: clamped,
  as the lists clamp). ``total_items`` counts both lists.
- ``start``: ``"0"`` or a number skips that many of each list; ``_page.next`` of an answer is a
  cursor for the next page of both (keyset for the date and name orders, so a late page costs
  what the first does).
- ``owner`` means what it means for ``GET /libraries?owner=`` (``storage.sharing``):
  ``private`` (the default here) the caller's libraries shared with nobody, ``outgoing`` the
  caller's shared with someone, ``incoming`` those shared with the caller, ``all`` those three;
  ``public`` the published libraries the caller bookmarked (not in ``all``, as Adobe's).
- Every element's library must be one the ``owner`` filter shows: nothing else can match.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol

from cclibs.libraries.access import Caller
from cclibs.libraries.errors import BadRequest
from cclibs.libraries.models import (
    Element,
    Library,
    Ordering,
    Position,
)
from cclibs.libraries.paging import parse_ordering

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_ELEMENTS",
    "MAX_LIBRARIES",
    "RELEVANCE",
    "Owner",
    "SearchQuery",
    "SearchResult",
    "SearchStore",
    "SearchTransactions",
    "Slice",
    "search",
    "with_start",
    "words_of",
]

MAX_LIBRARIES = 10
MAX_ELEMENTS = 100
DEFAULT_LIMIT = 10
RELEVANCE = "relevance"
_CURSOR_PREFIX = "s1."
_WORD = re.compile(r"[^\W_]+")
_MAX_WORDS = 16


class Owner(StrEnum):
    PRIVATE = "private"
    INCOMING = "incoming"
    OUTGOING = "outgoing"
    PUBLIC = "public"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class Slice:
    """Where one list's page starts: after ``after`` (keyset), else skipping ``offset``;
    ``done`` when an earlier page already ended that list."""

    after: Position | None = None
    offset: int = 0
    done: bool = False


@dataclass(frozen=True, slots=True)
class SearchQuery:
    owner: Owner = Owner.PRIVATE
    libraries: bool = True
    elements: bool = True
    words: tuple[str, ...] | None = None
    """None: no text to match; empty: a query_string without words (matches nothing)."""
    name: str | None = None
    created: tuple[int | None, int | None] | None = None
    modified: tuple[int | None, int | None] | None = None
    library_id: str | None = None
    group: str | None = None
    types: tuple[str, ...] = ()
    archived: bool = False
    nothing: bool = False
    """A filter nothing in cclibs can match (stock content)."""
    relevance: bool = False
    ordering: Ordering = field(default_factory=lambda: parse_ordering(None))
    """The order (or, under relevance, the order of equally relevant results)."""
    limit: int = DEFAULT_LIMIT
    library_slice: Slice = Slice()
    element_slice: Slice = Slice()
    selectors: frozenset[str] = frozenset({"default"})

    @property
    def order_text(self) -> str:
        return RELEVANCE if self.relevance else self.ordering.text()


class SearchStore(Protocol):
    async def search_libraries(
        self, user_id: str, query: SearchQuery, limit: int
    ) -> tuple[list[Library], int]:
        """Readable libraries that match, in the query's order, from its ``library_slice``,
        at most ``limit``; and how many match in all."""
        ...

    async def search_elements(
        self, user_id: str, query: SearchQuery, limit: int
    ) -> tuple[list[tuple[Element, Library]], int]:
        """Elements of readable libraries that match, each with its library, as above."""
        ...


class SearchTransactions(Protocol):
    def read(self) -> AbstractAsyncContextManager[SearchStore]: ...


@dataclass(frozen=True, slots=True)
class SearchResult:
    total: int
    libraries: list[Library]
    elements: list[tuple[Element, Library]]
    next_start: str | None
    order_text: str


def words_of(text: str) -> tuple[str, ...]:
    """The words of a ``query_string``: runs of letters and digits, lower-cased, each once."""
    return tuple(dict.fromkeys(w.lower() for w in _WORD.findall(text)))[:_MAX_WORDS]


# Paging -------------------------------------------------------------------------------------


def with_start(query: SearchQuery, start: str | None) -> SearchQuery:
    """``query`` paged from ``start``: a number of each list to skip, or a cursor."""
    if start is None or not start.strip():
        return query
    start = start.strip()
    if start.isascii() and start.isdigit() and len(start) <= 9:
        at = Slice(offset=int(start))
        return replace(query, library_slice=at, element_slice=at)
    if not start.startswith(_CURSOR_PREFIX):
        raise BadRequest("start: a number, or the cursor an answer's _page.next gave.")
    data = _decode(start[len(_CURSOR_PREFIX) :])
    if data.get("o") != query.order_text:
        raise BadRequest(
            f"start: this cursor belongs to orderBy={data.get('o')!r}; send the same orderBy "
            f"and query as the first page ({query.order_text!r} now)."
        )
    return replace(
        query,
        library_slice=_slice(data.get("l"), query),
        element_slice=_slice(data.get("e"), query),
    )


def _decode(body: str) -> dict[str, Any]:
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise BadRequest("start: this is not a cursor from _page.next.")
    return data


def _slice(raw: object, query: SearchQuery) -> Slice:
    bad = BadRequest("start: this is not a cursor from _page.next.")
    if raw is None:
        return Slice(done=True)
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        return Slice(offset=raw)
    if not isinstance(raw, list) or len(raw) != len(query.ordering.keys) + 1:
        raise bad
    *values, id_ = raw
    if not isinstance(id_, str):
        raise bad
    for key, value in zip(query.ordering.keys, values, strict=True):
        expected = str if key.field == "name" else int
        if not isinstance(value, expected) or isinstance(value, bool):
            raise bad
    return Slice(after=Position(tuple(values), id_))


def _sort_values(ordering: Ordering, item: Library | Element) -> list[str | int]:
    values: dict[str, str | int] = {
        "name": item.name.casefold(),
        "modified_date": item.modified_ms,
        "created_date": item.created_ms,
    }
    return [values[key.field] for key in ordering.keys]


def _next_of(query: SearchQuery, at: Slice, items: Sequence[Library | Element], more: bool) -> Any:
    """One list's part of the next cursor: None when the list has no more; an offset under
    relevance (the rank is computed for every match anyway); else the last item's keyset."""
    if not more or not items:
        return None
    if query.relevance:
        return at.offset + len(items)
    return [*_sort_values(query.ordering, items[-1]), items[-1].id]


def _cursor(query: SearchQuery, libraries: Any, elements: Any) -> str | None:
    if libraries is None and elements is None:
        return None
    payload = {"o": query.order_text, "l": libraries, "e": elements}
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return _CURSOR_PREFIX + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


# The search ---------------------------------------------------------------------------------


async def search(
    transactions: SearchTransactions, caller: Caller, query: SearchQuery
) -> SearchResult:
    """Only what ``caller`` may read, filtered and ordered as ``query`` says. A list an earlier
    page finished is still counted (``total_items`` stays the same from page to page)."""
    libraries: list[Library] = []
    elements: list[tuple[Element, Library]] = []
    total = 0
    next_l: Any = None
    next_e: Any = None
    if query.nothing or query.words == ():
        return SearchResult(0, [], [], None, query.order_text)
    async with transactions.read() as store:
        if query.libraries:
            limit = 0 if query.library_slice.done else min(query.limit, MAX_LIBRARIES)
            found, count = await store.search_libraries(caller.user_id, query, limit + 1)
            libraries, total = found[:limit], total + count
            next_l = _next_of(query, query.library_slice, libraries, len(found) > limit)
        if query.elements:
            limit = 0 if query.element_slice.done else query.limit
            pairs, count = await store.search_elements(caller.user_id, query, limit + 1)
            elements, total = pairs[:limit], total + count
            kept = [element for element, _ in elements]
            next_e = _next_of(query, query.element_slice, kept, len(pairs) > limit)
    return SearchResult(
        total, libraries, elements, _cursor(query, next_l, next_e), query.order_text
    )
