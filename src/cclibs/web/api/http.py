"""Small pieces every API route uses: the JSON body, JSON answers with ETags, conditional
GETs, and the operation registry the OpenAPI document is built from."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cclibs.libraries.errors import BadRequest, UnsupportedMedia
from cclibs.web.bodies import read_body
from cclibs.web.json_response import FastJSONResponse
from cclibs.web.routing import CorsPolicy, Endpoint, Interface, Routes

__all__ = [
    "API_CORS",
    "MAX_JSON_BODY",
    "OPERATIONS",
    "Operation",
    "api",
    "json_body",
    "json_response",
    "not_modified",
    "operation",
    "without_body",
]

MAX_JSON_BODY = 8 * 1024 * 1024
"""An element with its inline representations is small; uploads go elsewhere."""

API_CORS = CorsPolicy(
    methods=("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
    allow_headers=(
        *("authorization", "content-type", "x-api-key", "x-request-id"),
        *("if-match", "if-none-match", "x-organization-id"),
    ),
    expose_headers=("etag", "location", "x-request-id", "www-authenticate", "content-length"),
)

api = Routes(Interface.API, cors=API_CORS, prefixes=("/api/",), trailing_slash=True)


@dataclass(frozen=True, slots=True)
class Operation:
    """One API operation as the OpenAPI document describes it."""

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    query: tuple[str, ...] = ()
    """Names of the query parameters it reads (described in ``cclibs.web.api.openapi``)."""
    body: str | None = None
    """Schema name of its JSON body; ``multipart`` for the upload."""
    responses: Mapping[int, str | None] = field(default_factory=dict)
    """Status → schema name (None: no body)."""
    headers: tuple[str, ...] = ()
    """Request headers it reads besides the standard ones (if-match, if-none-match)."""
    public: bool = False
    """Needs no token."""
    produces: str = "application/json"


OPERATIONS: list[Operation] = []


def operation(
    method: str,
    path: str,
    operation_id: str,
    summary: str,
    *,
    tag: str,
    query: tuple[str, ...] = (),
    body: str | None = None,
    responses: Mapping[int, str | None],
    headers: tuple[str, ...] = (),
    public: bool = False,
    produces: str = "application/json",
) -> Callable[[Endpoint], Endpoint]:
    """Register an endpoint at ``/api/v1`` + ``path`` and describe it for the OpenAPI
    document, from one place, so the two cannot drift apart."""

    def register(endpoint: Endpoint) -> Endpoint:
        methods = [method] if method != "GET" else ["GET"]
        api.add(f"/api/v1{path}", endpoint, methods)
        OPERATIONS.append(
            Operation(
                method,
                path,
                operation_id,
                summary,
                tag,
                query,
                body,
                dict(responses),
                headers,
                public,
                produces,
            )
        )
        return endpoint

    return register


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    # Python's json reads 1e400 as infinity, which no JSON answer could carry back.
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


async def json_body(request: Request, *, optional: bool = False) -> Any:
    """The request's JSON value. A body sent as a form or multipart is a 415; one that is
    not JSON is a 400. ``optional``: an empty body is None."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise UnsupportedMedia("Send this request's body as JSON (Content-Type: application/json).")
    raw = await read_body(request, MAX_JSON_BODY)
    if not raw.strip():
        if optional:
            return None
        raise BadRequest("The request needs a JSON body.")
    try:
        value = json.loads(raw, parse_constant=_no_constant, parse_float=_finite_float)
    except UnicodeDecodeError:
        raise BadRequest("The body is not UTF-8 text.") from None
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"The body is not valid JSON: {str(exc)[:200]}") from None
    # No database stores U+0000 in text (PostgreSQL refuses it) and no name needs it. A
    # raw NUL cannot pass json.loads; an escaped one shows as \u0000 in the raw text.
    if b"\\u0000" in raw:  # JSON escapes are lower-case u; their hex digits here are 0s
        raise BadRequest("The body holds a NUL character (U+0000), which no value may hold.")
    # An escaped lone surrogate ("\ud800") is valid JSON but no text: it cannot be stored or
    # written back. (Raw UTF-8 cannot hold one: the decoder refuses it.)
    if (b"\\ud" in raw or b"\\uD" in raw) and not _encodable(value):
        raise BadRequest("The body holds text that is not valid Unicode (a lone surrogate).")
    return value


def _encodable(value: object) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


class ApiJSONResponse(FastJSONResponse):
    """The API's JSON answers, written by ``cclibs.json_values`` (orjson where it can)."""


def json_response(
    body: Any,
    status: int = 200,
    *,
    etag: str | None = None,
    location: str | None = None,
) -> JSONResponse:
    headers = {"Cache-Control": "no-cache"}
    if etag:
        headers["ETag"] = etag
    if location:
        headers["Location"] = location
    return ApiJSONResponse(body, status_code=status, headers=headers)


def not_modified(request: Request, etag: str) -> Response | None:
    """304 when ``If-None-Match`` names the current ETag (or is ``*``)."""
    given = request.headers.get("if-none-match")
    if given is None:
        return None
    tags = {tag.strip().removeprefix("W/") for tag in given.split(",")}
    if "*" in tags or etag.removeprefix("W/") in tags:
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    return None


def without_body(
    request: Request,
    etag: str,
    headers: Mapping[str, str] | None = None,
    media_type: str | None = None,
) -> Response | None:
    """The answer when no body is due: 304 for a matching ``If-None-Match``, the headers
    alone for HEAD; None when the caller sends the body."""
    unchanged = not_modified(request, etag)
    if unchanged is not None:
        return unchanged
    if request.method == "HEAD":
        given = headers or {"ETag": etag, "Cache-Control": "no-cache"}
        return Response(status_code=200, headers=dict(given), media_type=media_type)
    return None
