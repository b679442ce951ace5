"""``GET /api/v1/openapi.json``: the API described in OpenAPI 3.1; ``GET /api/v1/docs``: the
same document as a page.

The document is built from the operations the route modules register
(``cclibs.web.api.http.OPERATIONS``) once, on the first request (every route module has
registered by then), and kept; the modules that describe it are imported then too, not at
start. The page is rendered on the server from that document: the pages' CSP allows no inline
script and no other origin, so no Swagger UI.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from cclibs.web.api.http import OPERATIONS, Operation, not_modified, operation
from cclibs.web.api.openapi._schema import BASE
from cclibs.web.routing import Interface, Routes
from cclibs.web.session import current
from cclibs.web.state import app_state

__all__ = ["DOCS", "openapi_document", "router"]

router = Routes(Interface.PAGE)
"""The docs page: a page, so its errors are HTML (the API's group answers JSON)."""


@dataclass(frozen=True, slots=True)
class _Built:
    document: dict[str, Any]
    body: bytes
    etag: str
    reference: dict[str, Any]
    """The page's view (``document.reference``)."""


@cache
def _built() -> _Built:
    from cclibs.web.api.openapi.document import build_document, reference

    document = build_document(OPERATIONS)
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    return _Built(document, body, etag, reference(document))


def openapi_document() -> Mapping[str, Any]:
    """The document (built on the first call); not to be changed."""
    return _built().document


@operation(
    "GET",
    "/openapi.json",
    "getOpenApiDocument",
    "This description of the API (OpenAPI 3.1)",
    tag="API",
    responses={200: "OpenApiDocument", 304: None},
    public=True,
)
async def openapi_json(request: Request) -> Response:
    built = _built()
    unchanged = not_modified(request, built.etag)
    if unchanged is not None:
        return unchanged
    headers = {"ETag": built.etag, "Cache-Control": "no-cache"}
    return Response(built.body, media_type="application/json", headers=headers)


DOCS = Operation(
    "GET",
    "/docs",
    "getApiDocs",
    "This description as a page",
    "API",
    responses={200: "HtmlPage"},
    public=True,
    produces="text/html",
)


async def docs_page(request: Request) -> Response:
    await current(request)  # the page shows who is signed in, as every page does
    built = _built()
    context = {"document": built.document, "reference": built.reference, "base": BASE}
    return app_state(request).pages.render(request, "api_docs.html", context)


router.add(BASE + DOCS.path, docs_page, [DOCS.method])
OPERATIONS.append(DOCS)
