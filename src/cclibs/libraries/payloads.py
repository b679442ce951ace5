"""Reading what a request gives: library ids, names, element id lists, and If-Match.

Each failure is a ``LibraryError`` that names the offending field, in the API's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cclibs.libraries.errors import BadRequest, InvalidElement, NotFound, PreconditionFailed
from cclibs.libraries.models import library_id_from
from cclibs.libraries.validation.elements import MAX_NAME_LENGTH

__all__ = [
    "MAX_BATCH_IDS",
    "check_if_match",
    "element_ids",
    "element_ids_in",
    "need_name",
    "need_object",
    "parse_library_id",
]

MAX_BATCH_IDS = 1000
"""Element ids in one copy, move, archive, restore or purge request."""


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


def need_name(value: object, field: str = "name") -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidElement(field, "must be a non-blank string")
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidElement(field, f"must be at most {MAX_NAME_LENGTH} characters")
    return value


def need_object(body: object, what: str) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise BadRequest(f"The body must be a JSON object ({what}).")
    return body


def element_ids(value: object, field: str) -> list[str]:
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


def element_ids_in(body: object, field: str = "elements") -> list[str] | None:
    """The ids of an ``ArchiveDeleteElementListPayload``; None when the body names none."""
    if body is None:
        return None
    if not isinstance(body, Mapping):
        raise BadRequest('The body must be a JSON object such as {"elements": ["<id>"]}.')
    if body.get(field) is None:
        return None
    return element_ids(body[field], field)
