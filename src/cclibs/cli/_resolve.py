"""The library commands' client, and what a LIBRARY or ELEMENT argument names.

A LIBRARY is an id, a URN (``urn:aaid:sc:US:<id>``) or an exact library name; an ELEMENT an
id or an exact element name. An id or URN is asked for directly; when the server knows no
such library (or element), the name is looked up among the caller's own, and a name that
several share is refused with their ids, so that nothing is done to the wrong one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from cclibs.cli._common import fail
from cclibs.cli._sdk import failures_as_lines
from cclibs.sdk.api import Client
from cclibs.sdk.api.types import Element, Library
from cclibs.sdk.errors import BadRequest, NotFound

__all__ = ["open_client", "resolve_element", "resolve_elements", "resolve_library"]

_ID_LIKE = re.compile(r"[A-Za-z0-9:_-]+")
"""What an id or URN may look like; anything else (a space, a slash, "..") is only a name."""
_INTERRUPTED = 130
"""128 + SIGINT, as a shell reports a command stopped by Ctrl-C."""


@contextmanager
def open_client(profile: str | None) -> Iterator[Client]:
    """The profile's API client; every failure inside becomes one line on stderr, Ctrl-C
    one line and status 130."""
    try:
        with failures_as_lines():
            client = Client.from_profile(profile)
            try:
                yield client
            finally:
                client.close()
    except KeyboardInterrupt:
        fail("interrupted", code=_INTERRUPTED)


_PLURAL = {"library": "libraries", "element": "elements"}


def _one(kind: str, given: str, matches: list[Any], where: str = "") -> Any:
    if not matches:
        fail(f"no {kind} has the id or name {given!r}{where}")
    if len(matches) > 1:
        ids = ", ".join(str(m.get("id")) for m in matches[:5])
        more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
        named = f"{len(matches)} {_PLURAL[kind]} are named {given!r}{where}"
        fail(f"{named}; give an id: {ids}{more}")
    return matches[0]


def _named(items: Iterable[Mapping[str, Any]], name: str) -> list[Any]:
    return [item for item in items if item.get("name") == name]


def _may_be_id(given: str) -> bool:
    return _ID_LIKE.fullmatch(given) is not None


def resolve_library(client: Client, given: str) -> Library:
    if _may_be_id(given):
        try:
            return client.library(given)
        except (NotFound, BadRequest):
            pass
    library: Library = _one("library", given, _named(client.libraries(), given))
    return library


def resolve_element(
    client: Client, library_id: str, given: str, *, archived: bool = False
) -> Element:
    """A live element (an archived one with ``archived``) of the library."""
    if not archived:
        if _may_be_id(given):
            try:
                return client.element(library_id, given, selector="full")
            except (NotFound, BadRequest):
                pass
        candidates: Iterable[Element] = client.elements(library_id, selector="full")
    else:
        candidates = client.archived_elements(library_id)
    by_id = [e for e in candidates if e.get("id") == given or e.get("name") == given]
    exact = [e for e in by_id if e.get("id") == given]
    where = " in the archive" if archived else " in the library"
    element: Element = _one("element", given, exact or by_id, where)
    return element


def resolve_elements(
    client: Client, library_id: str, given: list[str], *, archived: bool = False
) -> list[Element]:
    """Several ELEMENT arguments, each resolved (one listing for all of them)."""
    listing = list(
        client.archived_elements(library_id) if archived else client.elements(library_id)
    )
    where = " in the archive" if archived else " in the library"
    found: list[Element] = []
    for name in given:
        exact = [e for e in listing if e.get("id") == name]
        found.append(_one("element", name, exact or _named(listing, name), where))
    return found
