"""``POST /api/v1/search`` (compat reference §1.10): the payload in, ``USSSearchResponse`` out,
libraries and elements in the same shapes as the lists give them."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from cclibs.libraries.search import search
from cclibs.libraries.search_payload import parse_search
from cclibs.libraries.wire import ELEMENT_SELECTORS, LIBRARY_SELECTORS
from cclibs.storage.search import SqlSearchTransactions
from cclibs.web.api.auth import api_caller
from cclibs.web.api.http import json_body, json_response, operation
from cclibs.web.api.libraries import _library_json, element_json, links_for
from cclibs.web.state import app_state

__all__ = ["search_route"]


def _split(selectors: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The selectors for libraries and for elements (``full``: details for a library)."""
    for_libraries = selectors & LIBRARY_SELECTORS | ({"details"} if "full" in selectors else set())
    for_elements = selectors & ELEMENT_SELECTORS
    return for_libraries or frozenset({"default"}), for_elements or frozenset({"default"})


@operation(
    "POST",
    "/search",
    "search",
    "Search the caller's libraries and elements",
    tag="Search",
    body="USSSearchPayload",
    responses={200: "USSSearchResponse"},
)
async def search_route(request: Request) -> Response:
    state = app_state(request)
    caller = await api_caller(request)
    query = parse_search(await json_body(request, optional=True))
    result = await search(SqlSearchTransactions(state.db), caller, query)
    links = links_for(state)
    library_selectors, element_selectors = _split(query.selectors)
    libraries = [
        await _library_json(state, caller, library, links, library_selectors)
        for library in result.libraries
    ]
    elements = [
        element_json(element, library, links, element_selectors)
        for element, library in result.elements
    ]
    page: dict[str, Any] = {"orderBy": result.order_text, "count": len(libraries) + len(elements)}
    if result.next_start is not None:
        page["next"] = result.next_start
    return json_response(
        {
            "total_items": result.total,
            "libraries": libraries,
            "elements": elements,
            "_page": page,
        }
    )
