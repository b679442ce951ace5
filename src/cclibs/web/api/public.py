"""``/api/v1/public/libraries/...``: published libraries, readable with an API key alone
(compat reference §1.1, §1.2 rows 23 to 26).

Adobe declares ``authorization`` optional here and ``x-api-key`` required. Without a token,
the key must be the client id of a registered credential whose owner is not disabled (403
otherwise, Adobe's "API key not accepted"); with one, the token is checked as on every other
operation, and the library shows the caller's ``bookmark``. The links of a public library and
its elements lead to the public file and rendition routes here, which read the same way.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from cclibs.libraries.access import Caller
from cclibs.libraries.errors import BadRequest
from cclibs.libraries.files import Rendition
from cclibs.libraries.renditions import parse_rendition_segment
from cclibs.libraries.representations import asset_etag
from cclibs.libraries.wire import ELEMENT_SELECTORS, LIBRARY_SELECTORS, parse_selectors
from cclibs.web.api.auth import WrongApiKey, api_caller, refuse_nul
from cclibs.web.api.http import json_response, operation, without_body
from cclibs.web.api.libraries import element_json, page_json
from cclibs.web.api.public_view import (
    PUBLIC_LIBRARIES,
    PublicLinks,
    public_libraries,
    public_library_json,
)
from cclibs.web.api.storage import rendition_response
from cclibs.web.state import app_state

__all__ = ["public_reader"]

_PUBLIC = "Public libraries"
_LIBRARY = PUBLIC_LIBRARIES + "/{libraryId}"
_LIST = ("orderBy", "start", "limit", "selector", "linkId")


async def public_reader(request: Request) -> Caller | None:
    """The caller, when the request carries a token; None for one with an API key alone."""
    refuse_nul(request)
    if request.headers.get("authorization") is not None:
        return await api_caller(request)
    key = request.headers.get("x-api-key")
    if not key or not key.strip():
        raise WrongApiKey("Send x-api-key: the client id of your credential.")
    if "\x00" in key:
        raise WrongApiKey("The x-api-key is not the client id of a registered credential.")
    client = await app_state(request).oauth.clients.get(key.strip())
    if client is None or client.owner_disabled:
        raise WrongApiKey("The x-api-key is not the client id of a registered credential.")
    return None


def _links(request: Request) -> PublicLinks:
    return PublicLinks(app_state(request).settings.issuer)


def _q(request: Request, name: str) -> str | None:
    return request.query_params.get(name)


@operation(
    "GET",
    _LIBRARY,
    "getPublicLibrary",
    "Get a published library (HEAD: its headers)",
    tag=_PUBLIC,
    query=("selector", "linkId"),
    responses={200: "DbLibraryInfo", 304: None},
)
async def get_library(request: Request) -> Response:
    caller = await public_reader(request)
    library = await public_libraries(app_state(request)).library(request.path_params["libraryId"])
    early = without_body(request, library.etag)
    if early is not None:
        return early
    selectors = parse_selectors(_q(request, "selector"), LIBRARY_SELECTORS)
    body = await public_library_json(app_state(request), caller, library, selectors)
    return json_response(body, etag=library.etag)


@operation(
    "GET",
    _LIBRARY + "/elements",
    "getPublicLibraryElements",
    "List a published library's elements",
    tag=_PUBLIC,
    query=("type", "group", *_LIST),
    responses={200: "LibraryElementsInfo"},
)
async def list_elements(request: Request) -> Response:
    await public_reader(request)
    selectors = parse_selectors(_q(request, "selector"), ELEMENT_SELECTORS)
    library, page = await public_libraries(app_state(request)).list_elements(
        request.path_params["libraryId"],
        types=_q(request, "type"),
        group=_q(request, "group"),
        order_by=_q(request, "orderBy"),
        start=_q(request, "start"),
        limit=_q(request, "limit"),
    )
    links = _links(request)
    items = [element_json(e, library, links, selectors) for e in page.items]
    return json_response(page_json(request, "elements", page, items))


@operation(
    "GET",
    _LIBRARY + "/elements/{elementId}",
    "getPublicLibraryElement",
    "Get an element of a published library",
    tag=_PUBLIC,
    query=("selector", "linkId"),
    responses={200: "DbLibraryElementData", 304: None},
)
async def get_element(request: Request) -> Response:
    await public_reader(request)
    library, element = await public_libraries(app_state(request)).element(
        request.path_params["libraryId"], request.path_params["elementId"]
    )
    early = without_body(request, element.etag)
    if early is not None:
        return early
    selectors = parse_selectors(_q(request, "selector"), ELEMENT_SELECTORS)
    body = element_json(element, library, _links(request), selectors)
    return json_response(body, etag=element.etag)


# Files and renditions of published libraries (the links above lead here) --------------------


@operation(
    "GET",
    _LIBRARY + "/files",
    "getPublicStoredFile",
    "Download a file of a published library's element (its storage_href)",
    tag=_PUBLIC,
    query=("component_id",),
    responses={200: "File", 304: None},
    produces="*/*",
)
async def download(request: Request) -> Response:
    await public_reader(request)
    component = request.query_params.get("component_id")
    if not component:
        raise BadRequest("component_id names the file (as in the storage_href of the element).")
    asset, chunks = await public_libraries(app_state(request)).file(
        request.path_params["libraryId"], component
    )
    file = Rendition(asset.type, asset.content_length, asset_etag(asset), chunks=chunks)
    return await rendition_response(request, file)


@operation(
    "GET",
    _LIBRARY + "/renditions/{elementId}",
    "getPublicElementFile",
    "A published element's full-size file (its thumbnail link without the last segment)",
    tag=_PUBLIC,
    responses={200: "File", 304: None},
    produces="*/*",
)
async def full_rendition(request: Request) -> Response:
    return await _element_rendition(request, None)


@operation(
    "GET",
    _LIBRARY + "/renditions/{elementId}/{rendition}",
    "getPublicElementRendition",
    "A published element's thumbnail: :rendition;size=N gives a PNG whose longest side is N",
    tag=_PUBLIC,
    responses={200: "PNG", 304: None},
    produces="image/png",
)
async def sized_rendition(request: Request) -> Response:
    return await _element_rendition(request, request.path_params["rendition"])


async def _element_rendition(request: Request, segment: str | None) -> Response:
    await public_reader(request)
    size = parse_rendition_segment(segment) if segment is not None else None
    rendition = await public_libraries(app_state(request)).rendition(
        request.path_params["libraryId"], request.path_params["elementId"], size
    )
    return await rendition_response(request, rendition)
