"""``orderBy``, ``start`` and ``limit``: parsed, checked, and turned into keyset positions.

``start`` is what ``_page.next`` handed out: an opaque cursor that names the sort values and id
of the last item of the page before, so the next page starts right after it however many items
were added or removed in between (compat reference §1.3 advises clients to follow
``_page.next``). A plain number is also accepted, as an offset, for clients that compute
``start`` themselves (the spec's ``start=0``).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from cclibs.libraries.errors import BadRequest
from cclibs.libraries.models import Ordering, Position, SortKey

__all__ = ["Page", "PageRequest", "encode_cursor", "page_of", "page_request", "parse_ordering"]

T = TypeVar("T")

_FIELDS = ("name", "modified_date", "created_date")
_CURSOR_PREFIX = "c1."


def parse_ordering(text: str | None, default: str = "-modified_date") -> Ordering:
    keys: list[SortKey] = []
    for raw in (text or default).split(","):
        part = raw.strip()
        descending = part.startswith("-")
        name = part.lstrip("+-")
        if name not in _FIELDS:
            raise BadRequest(
                f"orderBy: {part!r} is not a sort key; use name, modified_date or created_date, "
                "with a leading - for descending order, comma-separated."
            )
        if any(key.field == name for key in keys):
            raise BadRequest(f"orderBy: {name} is given twice.")
        keys.append(SortKey(name, descending))  # type: ignore[arg-type]
    return Ordering(tuple(keys))


@dataclass(frozen=True, slots=True)
class PageRequest:
    ordering: Ordering
    after: Position | None
    offset: int
    limit: int


def _number(name: str, text: str, *, minimum: int, maximum: int | None = None) -> int:
    # str.isdigit accepts '²'; only ASCII digits are numbers here.
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise BadRequest(f"{name}: {text!r} is not a whole number.")
    value = int(text)
    if value < minimum:
        raise BadRequest(f"{name} must be at least {minimum}.")
    return value if maximum is None else min(value, maximum)


def page_request(
    order_by: str | None,
    start: str | None,
    limit: str | None,
    *,
    default_limit: int,
    max_limit: int,
) -> PageRequest:
    """A limit above the maximum is clamped, not refused (a sample sends ``limit=20`` to a
    list whose maximum is 10)."""
    ordering = parse_ordering(order_by)
    count = (
        default_limit
        if limit in (None, "")
        else _number("limit", limit, minimum=1, maximum=max_limit)
    )
    if start in (None, ""):
        return PageRequest(ordering, None, 0, count)
    assert start is not None
    if start.startswith(_CURSOR_PREFIX):
        return PageRequest(ordering, _decode_cursor(start, ordering), 0, count)
    return PageRequest(ordering, None, _number("start", start, minimum=0), count)


def encode_cursor(ordering: Ordering, position: Position) -> str:
    payload = json.dumps(
        {"o": ordering.text(), "v": list(position.values), "i": position.id},
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    return _CURSOR_PREFIX + base64.urlsafe_b64encode(payload).rstrip(b"=").decode("ascii")


def _decode_cursor(text: str, ordering: Ordering) -> Position:
    body = text[len(_CURSOR_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):
        raise BadRequest("start: this is not a cursor from _page.next.") from None
    if not isinstance(data, dict) or not isinstance(data.get("i"), str):
        raise BadRequest("start: this is not a cursor from _page.next.")
    if data.get("o") != ordering.text():
        raise BadRequest(
            f"start: this cursor belongs to orderBy={data.get('o')!r}; "
            f"send the same orderBy as the first page ({ordering.text()!r} now)."
        )
    values = data.get("v")
    if not isinstance(values, list) or len(values) != len(ordering.keys):
        raise BadRequest("start: this is not a cursor from _page.next.")
    for key, value in zip(ordering.keys, values, strict=True):
        expected = str if key.field == "name" else int
        if not isinstance(value, expected) or isinstance(value, bool):
            raise BadRequest("start: this is not a cursor from _page.next.")
    return Position(tuple(values), data["i"])


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    """All that match, not only this page's."""
    ordering: str
    next_start: str | None
    """The cursor of the next page; None on the last."""


SortValues = Callable[[T], tuple[str, int, int, str]]
"""An item's name, modified and created dates (ms), and id."""


def page_of(items: list[T], total: int, page: PageRequest, sort_values: SortValues[T]) -> Page[T]:
    """The page from ``items``, fetched with one more than ``page.limit``: if the extra one
    came, there is a next page, which starts after the last item kept."""
    more = len(items) > page.limit
    items = items[: page.limit]
    next_start = None
    if more and items:
        name, modified, created, id_ = sort_values(items[-1])
        values: dict[str, str | int] = {
            "name": name.casefold(),
            "modified_date": modified,
            "created_date": created,
        }
        position = Position(tuple(values[k.field] for k in page.ordering.keys), id_)
        next_start = encode_cursor(page.ordering, position)
    return Page(items, total, page.ordering.text(), next_start)
