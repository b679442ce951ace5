"""The ``POST /api/v1/search`` payload (compat reference §1.10, ``USSSearchPayload``) checked,
one named check per field, and turned into a ``SearchQuery``. Every mistake is a
``BadRequest``; the decisions where the spec is silent are in ``cclibs.libraries.search``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cclibs.libraries.errors import BadRequest
from cclibs.libraries.models import Ordering, library_id_from
from cclibs.libraries.paging import parse_ordering
from cclibs.libraries.search import (
    DEFAULT_LIMIT,
    MAX_ELEMENTS,
    RELEVANCE,
    Owner,
    SearchQuery,
    with_start,
    words_of,
)

__all__ = ["parse_search"]

_ASSET_TYPES = frozenset({"library", "element"})
_SELECTORS = frozenset({"default", "rendition_grid", "collaboration", "details", "full"})
_ELEMENT_ONLY = ("library_id", "group", "type", "archived", "stock_content_id")
_KNOWN = frozenset(
    {
        *("asset_type", "library_id", "group", "name", "query_string", "created_date"),
        *("modified_date", "type", "archived", "orderBy", "start", "limit", "owner"),
        *("selector", "has_stock_content", "stock_content_id", "workspace"),
    }
)
_UNSUPPORTED = ("spark_brand_urn", "spark_creator_id", "spark_content_summary", "source_ref")

# Checks -------------------------------------------------------------------------------------


def _text(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{key} must be a string.")
    return value


def _check_keys(payload: Mapping[str, Any]) -> None:
    for key in _UNSUPPORTED:
        if key in payload:
            raise BadRequest(f"{key}: cclibs keeps no Spark tracking data or sourceRef index.")
    unknown = sorted(set(payload) - _KNOWN - set(_UNSUPPORTED))
    if unknown:
        raise BadRequest(f"{unknown[0][:60]!r} is not a search parameter (compat reference §1.10).")


def _asset_types(payload: Mapping[str, Any]) -> tuple[bool, bool]:
    given = payload.get("asset_type")
    element_only = [key for key in _ELEMENT_ONLY if payload.get(key) is not None]
    if given is None:
        return (not element_only, True)
    if isinstance(given, str):
        given = [given]
    if not isinstance(given, list) or not given or not all(isinstance(t, str) for t in given):
        raise BadRequest('asset_type must be a list of "library" and/or "element".')
    unknown = sorted(set(given) - _ASSET_TYPES)
    if unknown:
        raise BadRequest(f'asset_type: {unknown[0]!r} is not "library" or "element".')
    if "element" not in given and element_only:
        raise BadRequest(
            f'{element_only[0]} searches elements; it is invalid with asset_type ["library"].'
        )
    return ("library" in given, "element" in given)


def _owner(payload: Mapping[str, Any]) -> Owner:
    text = (_text(payload, "owner") or Owner.PRIVATE.value).strip().lower()
    try:
        return Owner(text)
    except ValueError:
        known = ", ".join(o.value for o in Owner)
        raise BadRequest(f"owner: {text!r} is not one of {known}.") from None


def _epoch(key: str, value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 15:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**53:
        raise BadRequest(f"{key}: each date is epoch milliseconds (a whole number), or null.")
    return value


def _dates(payload: Mapping[str, Any], key: str) -> tuple[int | None, int | None] | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        raise BadRequest(f"{key} must be [start, end] in epoch milliseconds.")
    start, end = _epoch(key, value[0]), _epoch(key, value[1])
    if start is not None and end is not None and start > end:
        raise BadRequest(f"{key}: the start is after the end.")
    return (start, end)


def _types(payload: Mapping[str, Any]) -> tuple[str, ...]:
    value = payload.get("type")
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(t, str) and t for t in value):
        raise BadRequest("type must be a list of element types.")
    return tuple(dict.fromkeys(value))


def _group(payload: Mapping[str, Any]) -> str | None:
    group = (_text(payload, "group") or "").strip()
    if not group:
        return None
    return group if group == "$none$" or "#" in group else f"$default#{group}"


def _flag(payload: Mapping[str, Any], key: str) -> bool | None:
    value = payload.get(key)
    if value is not None and not isinstance(value, bool):
        raise BadRequest(f"{key} must be true or false.")
    return value


def _limit(payload: Mapping[str, Any]) -> int:
    value = payload.get("limit")
    if value is None:
        return DEFAULT_LIMIT
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 9:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadRequest("limit must be a whole number, at least 1.")
    return min(value, MAX_ELEMENTS)


def _order(payload: Mapping[str, Any], words: tuple[str, ...] | None) -> tuple[bool, Ordering]:
    text = (_text(payload, "orderBy") or "").strip()
    if text == RELEVANCE or (not text and words):
        if not words:
            raise BadRequest("orderBy relevance needs a query_string with words to match.")
        return True, parse_ordering(None)
    return False, parse_ordering(text or None)


def _selectors(payload: Mapping[str, Any]) -> frozenset[str]:
    text = _text(payload, "selector") or "default"
    chosen = frozenset(s.strip() for s in text.split(",") if s.strip())
    unknown = sorted(chosen - _SELECTORS)
    if unknown:
        raise BadRequest(
            f"selector: {unknown[0]} is not known; use {', '.join(sorted(_SELECTORS))}."
        )
    return chosen or frozenset({"default"})


def _library_id(payload: Mapping[str, Any]) -> str | None:
    given = _text(payload, "library_id")
    if given is None:
        return None
    found = library_id_from(given)
    if found is None:
        raise BadRequest("library_id: not a library id or URN.")
    return found


def parse_search(body: object) -> SearchQuery:
    """The payload checked, one named check per field; every mistake is a ``BadRequest``."""
    payload: Mapping[str, Any] = {} if body is None else body  # type: ignore[assignment]
    if not isinstance(payload, Mapping):
        raise BadRequest("The search payload is a JSON object (USSSearchPayload).")
    _check_keys(payload)
    libraries, elements = _asset_types(payload)
    query_string = _text(payload, "query_string")
    words = words_of(query_string) if query_string and query_string.strip() else None
    relevance, ordering = _order(payload, words)
    stock = _flag(payload, "has_stock_content")
    query = SearchQuery(
        owner=_owner(payload),
        libraries=libraries,
        elements=elements,
        words=words,
        name=_text(payload, "name"),
        created=_dates(payload, "created_date"),
        modified=_dates(payload, "modified_date"),
        library_id=_library_id(payload),
        group=_group(payload),
        types=_types(payload),
        archived=bool(_flag(payload, "archived")),
        nothing=bool(stock) or _text(payload, "stock_content_id") is not None,
        relevance=relevance,
        ordering=ordering,
        limit=_limit(payload),
        selectors=_selectors(payload),
    )
    return with_start(query, _text(payload, "start"))
