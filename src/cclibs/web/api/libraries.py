"""``/api/v1``: libraries, elements and the archive, in Adobe's shapes (compat reference §1)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cclibs import __version__
from cclibs.libraries.access import Caller, Role, role_of
from cclibs.libraries.errors import InvalidElement
from cclibs.libraries.models import Element, Library
from cclibs.libraries.paging import Page
from cclibs.libraries.payloads import element_ids_in
from cclibs.libraries.representations import thumbnail_source
from cclibs.libraries.wire import (
    ELEMENT_SELECTORS,
    LIBRARY_SELECTORS,
    Links,
    element_view,
    library_view,
    page_view,
    parse_selectors,
    rendition_grid_view,
)
from cclibs.web.api.auth import api_caller
from cclibs.web.api.bookmarks import bookmark_field
from cclibs.web.api.http import json_body, json_response, operation, without_body
from cclibs.web.api.public_view import public_library_json
from cclibs.web.state import AppState, app_state

__all__ = ["element_json", "links_for", "page_json"]

_LIST = ("orderBy", "start", "limit", "selector")
_LIBRARIES = "Libraries"
_ELEMENTS = "Elements"
_ARCHIVE = "Archive"


def links_for(state: AppState) -> Links:
    return Links(state.settings.issuer)


async def _caller(request: Request) -> tuple[AppState, Caller]:
    return app_state(request), await api_caller(request)


def _q(request: Request, name: str) -> str | None:
    return request.query_params.get(name)


def element_json(
    element: Element, library: Library, links: Links, selectors: frozenset[str]
) -> dict[str, Any]:
    return element_view(
        element, library, links, selectors, has_thumbnail=thumbnail_source(element) is not None
    )


def page_json(
    request: Request, name: str, page: Page[Any], items: list[dict[str, Any]]
) -> dict[str, Any]:
    # The path and query as the client sent them (what ``request.url`` gives, without parsing
    # a whole URL for them).
    path = request.scope["path"]
    raw_query = request.scope["query_string"].decode("latin-1")
    next_href = None
    if page.next_start is not None:
        query = dict(request.query_params)
        query["start"] = page.next_start
        next_href = f"{path}?{urlencode(query)}"
    page_href = f"{path}?{raw_query}" if raw_query else path
    return page_view(
        name,
        items,
        page.total,
        ordering=page.ordering,
        start=_q(request, "start") or "0",
        next_start=page.next_start,
        next_href=next_href,
        page_href=page_href,
    )


# The API's root --------------------------------------------------------------------------


@operation(
    "GET",
    "",
    "getApiRoot",
    "The API's name, version and links",
    tag="API",
    responses={200: "ApiRoot"},
    public=True,
)
async def root(request: Request) -> Response:
    base = app_state(request).settings.issuer.rstrip("/")
    return JSONResponse(
        {
            "name": "cclibs Creative Cloud Libraries API",
            "api_version": "v1",
            "server_version": __version__,
            "_links": {
                "libraries": {"href": "/api/v1/libraries", "type": "application/json"},
                "openapi": {"href": "/api/v1/openapi.json", "type": "application/json"},
                "docs": {"href": "/api/v1/docs", "type": "text/html"},
                "authorization_server": {
                    "href": f"{base}/ims/.well-known/openid-configuration",
                    "type": "application/json",
                },
            },
        }
    )


# Libraries -------------------------------------------------------------------------------


@operation(
    "GET",
    "/libraries",
    "getLibraries",
    "List the caller's libraries",
    tag=_LIBRARIES,
    query=("owner", *_LIST),
    responses={200: "LibrariesInfo"},
)
async def list_libraries(request: Request) -> Response:
    state, caller = await _caller(request)
    selectors = parse_selectors(_q(request, "selector"), LIBRARY_SELECTORS)
    page = await state.libraries.list_libraries(
        caller,
        owner=_q(request, "owner"),
        order_by=_q(request, "orderBy"),
        start=_q(request, "start"),
        limit=_q(request, "limit"),
    )
    links = links_for(state)
    items = [await _library_json(state, caller, lib, links, selectors) for lib in page.items]
    return json_response(page_json(request, "libraries", page, items))


async def _library_json(
    state: AppState, caller: Caller, library: Library, links: Links, selectors: frozenset[str]
) -> dict[str, Any]:
    if role_of(caller.user_id, library) is Role.STRANGER:  # followed publicly: owner=public
        return await public_library_json(state, caller, library, selectors)
    extra = await state.libraries.library_extras(caller, library, selectors)
    if library.membership is not None:  # shared with the caller: their COLLAB bookmark
        extra.update(await bookmark_field(state, caller, library.id))
    if "rendition_grid" in selectors:
        extra["rendition_grid"] = await _rendition_grid(state, caller, library, links)
    return library_view(library, links, extra=extra)


async def _rendition_grid(
    state: AppState, caller: Caller, library: Library, links: Links
) -> dict[str, Any]:
    """``main``: the first element with a thumbnail; ``tiles``: the three most recently
    changed ones (compat reference §1.3)."""
    first = await state.libraries.with_thumbnails(caller, library, "created_date", 1)
    recent = await state.libraries.with_thumbnails(caller, library, "-modified_date", 3)
    return rendition_grid_view(library, first, recent, links)


@operation(
    "POST",
    "/libraries",
    "createLibraries",
    "Create a library, or copy one (source)",
    tag=_LIBRARIES,
    body="CreateLibraryPayload",
    responses={201: "DbLibraryInfo"},
)
async def create_library(request: Request) -> Response:
    state, caller = await _caller(request)
    library = await state.libraries.create_library(caller, await json_body(request))
    links = links_for(state)
    return json_response(
        library_view(library, links),
        201,
        etag=library.etag,
        location=links.library(library),
    )


@operation(
    "GET",
    "/libraries/{libraryId}",
    "getLibrary",
    "Get a library (by id or URN)",
    tag=_LIBRARIES,
    query=("selector", "libraryVersion"),
    responses={200: "DbLibraryInfo", 304: None},
    headers=("if-none-match",),
)
async def get_library(request: Request) -> Response:
    state, caller = await _caller(request)
    library = await state.libraries.library(caller, request.path_params["libraryId"])
    early = without_body(request, library.etag)
    if early is not None:
        return early
    selectors = parse_selectors(_q(request, "selector"), LIBRARY_SELECTORS)
    body = await _library_json(state, caller, library, links_for(state), selectors)
    return json_response(body, etag=library.etag)


@operation(
    "DELETE",
    "/libraries/{libraryId}",
    "deleteLibrary",
    "Delete a library with its elements and files",
    tag=_LIBRARIES,
    responses={204: None},
    headers=("if-match",),
)
async def delete_library(request: Request) -> Response:
    state, caller = await _caller(request)
    keys = await state.libraries.delete_library(
        caller, request.path_params["libraryId"], request.headers.get("if-match")
    )
    return Response(status_code=204, background=BackgroundTask(state.library_files.release, keys))


@operation(
    "PUT",
    "/libraries/{libraryId}/metadata",
    "updateLibrary",
    "Rename a library",
    tag=_LIBRARIES,
    body="UpdateLibraryPayload",
    responses={204: None},
    headers=("if-match",),
)
async def rename_library(request: Request) -> Response:
    state, caller = await _caller(request)
    library = await state.libraries.rename_library(
        caller,
        request.path_params["libraryId"],
        await json_body(request),
        request.headers.get("if-match"),
    )
    return Response(status_code=204, headers={"ETag": library.etag})


# Elements --------------------------------------------------------------------------------


@operation(
    "GET",
    "/libraries/{libraryId}/elements",
    "getLibraryElements",
    "List a library's elements",
    tag=_ELEMENTS,
    query=("type", "group", *_LIST),
    responses={200: "LibraryElementsInfo"},
)
async def list_elements(request: Request) -> Response:
    return await _list_elements(request, archived=False)


async def _list_elements(request: Request, *, archived: bool) -> Response:
    state, caller = await _caller(request)
    selectors = parse_selectors(_q(request, "selector"), ELEMENT_SELECTORS)
    library, page = await state.elements.list_elements(
        caller,
        request.path_params["libraryId"],
        types=_q(request, "type"),
        group=_q(request, "group"),
        order_by=_q(request, "orderBy"),
        start=_q(request, "start"),
        limit=_q(request, "limit"),
        archived=archived,
    )
    links = links_for(state)
    items = [element_json(e, library, links, selectors) for e in page.items]
    return json_response(page_json(request, "elements", page, items))


def _elements_answer(
    library: Library, elements: list[Element], links: Links, status: int
) -> Response:
    full = frozenset({"full"})
    body = {
        "total_count": len(elements),
        "elements": [element_json(e, library, links, full) for e in elements],
    }
    etag = elements[0].etag if len(elements) == 1 else None
    location = (
        links.element(library, elements[0].id) if len(elements) == 1 and status == 201 else None
    )
    return json_response(body, status, etag=etag, location=location)


@operation(
    "POST",
    "/libraries/{libraryId}/elements",
    "postLibraryElements",
    "Create an element, or copy (source) or move (self) elements here",
    tag=_ELEMENTS,
    body="PostLibraryElementsPayload",
    responses={201: "LibraryElementsInfo"},
)
async def create_elements(request: Request) -> Response:
    state, caller = await _caller(request)
    library, elements = await state.elements.create_elements(
        caller, request.path_params["libraryId"], await json_body(request)
    )
    return _elements_answer(library, elements, links_for(state), 201)


@operation(
    "DELETE",
    "/libraries/{libraryId}/elements",
    "archiveLibraryElements",
    "Archive several elements",
    tag=_ELEMENTS,
    body="ArchiveDeleteElementListPayload",
    responses={204: None},
)
async def archive_elements(request: Request) -> Response:
    state, caller = await _caller(request)
    ids = element_ids_in(await json_body(request))
    if ids is None:
        raise InvalidElement("elements", "must list the ids of the elements to archive")
    library = await state.archive.archive(caller, request.path_params["libraryId"], ids)
    return Response(status_code=204, headers={"ETag": library.etag})


@operation(
    "PUT",
    "/libraries/{libraryId}/elements/metadata",
    "updateLibraryElements",
    "Rename elements or change their descriptions",
    tag=_ELEMENTS,
    body="ElementListPayload",
    responses={204: None},
)
async def update_elements(request: Request) -> Response:
    state, caller = await _caller(request)
    library = await state.elements.update_metadata(
        caller, request.path_params["libraryId"], await json_body(request)
    )
    return Response(status_code=204, headers={"ETag": library.etag})


@operation(
    "GET",
    "/libraries/{libraryId}/elements/{elementId}",
    "getLibraryElement",
    "Get an element",
    tag=_ELEMENTS,
    query=("selector",),
    responses={200: "DbLibraryElementData", 304: None},
    headers=("if-none-match",),
)
async def get_element(request: Request) -> Response:
    state, caller = await _caller(request)
    library, element = await state.elements.element(
        caller, request.path_params["libraryId"], request.path_params["elementId"]
    )
    early = without_body(request, element.etag)
    if early is not None:
        return early
    selectors = parse_selectors(_q(request, "selector"), ELEMENT_SELECTORS)
    body = element_json(element, library, links_for(state), selectors)
    return json_response(body, etag=element.etag)


@operation(
    "DELETE",
    "/libraries/{libraryId}/elements/{elementId}",
    "archiveLibraryElement",
    "Archive an element",
    tag=_ELEMENTS,
    responses={204: None},
    headers=("if-match",),
)
async def archive_element(request: Request) -> Response:
    state, caller = await _caller(request)
    library = await state.archive.archive(
        caller,
        request.path_params["libraryId"],
        [request.path_params["elementId"]],
        if_match=request.headers.get("if-match"),
    )
    return Response(status_code=204, headers={"ETag": library.etag})


@operation(
    "PUT",
    "/libraries/{libraryId}/elements/{elementId}/representations",
    "putLibraryElementRepresentations",
    "Replace an element's representations (the body is the complete new set)",
    tag=_ELEMENTS,
    body="PostLibraryElementsPayload",
    responses={200: "LibraryElementsInfo"},
    headers=("if-match",),
)
async def put_representations(request: Request) -> Response:
    state, caller = await _caller(request)
    library, element = await state.elements.put_representations(
        caller,
        request.path_params["libraryId"],
        request.path_params["elementId"],
        await json_body(request),
        request.headers.get("if-match"),
    )
    return _elements_answer(library, [element], links_for(state), 200)


# Archive ---------------------------------------------------------------------------------


@operation(
    "GET",
    "/libraries/{libraryId}/archive",
    "getArchivedElements",
    "List a library's archived elements",
    tag=_ARCHIVE,
    query=("type", "group", *_LIST),
    responses={200: "LibraryElementsInfo"},
)
async def list_archive(request: Request) -> Response:
    return await _list_elements(request, archived=True)


@operation(
    "POST",
    "/libraries/{libraryId}/archive",
    "unArchiveLibraryElements",
    "Restore archived elements",
    tag=_ARCHIVE,
    body="ArchiveDeleteElementListPayload",
    responses={200: "AsyncResponsePayload"},
)
async def restore(request: Request) -> Response:
    state, caller = await _caller(request)
    library, restored = await state.archive.restore(
        caller, request.path_params["libraryId"], await json_body(request)
    )
    count = len(restored)
    return json_response(
        {"status": "OK", "message": f"{count} element{'s' if count != 1 else ''} restored."},
        etag=library.etag,
    )


@operation(
    "DELETE",
    "/libraries/{libraryId}/archive",
    "deleteLibraryElements",
    "Purge archived elements: those listed, or all",
    tag=_ARCHIVE,
    body="ArchiveDeleteElementListPayload",
    responses={204: None},
)
async def purge_archive(request: Request) -> Response:
    state, caller = await _caller(request)
    ids = element_ids_in(await json_body(request, optional=True))
    await state.archive.purge(caller, request.path_params["libraryId"], ids)
    return Response(status_code=204, background=BackgroundTask(state.library_files.collect_garbage))


@operation(
    "DELETE",
    "/libraries/{libraryId}/archive/{elementId}",
    "deleteLibraryElement",
    "Purge one archived element",
    tag=_ARCHIVE,
    responses={204: None},
)
async def purge_element(request: Request) -> Response:
    state, caller = await _caller(request)
    await state.archive.purge(
        caller, request.path_params["libraryId"], [request.path_params["elementId"]]
    )
    return Response(status_code=204, background=BackgroundTask(state.library_files.collect_garbage))
