"""components.parameters, securitySchemes and the error responses: the query strings, path
parts and headers the operations read (compat reference §1.1, §1.3, §1.11)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cclibs.libraries.chunked import MAX_PARTS
from cclibs.libraries.elements import ELEMENT_PAGE
from cclibs.libraries.renditions import MAX_RENDITION_SIZE
from cclibs.libraries.service import LIBRARY_PAGE
from cclibs.libraries.wire import ELEMENT_SELECTORS, LIBRARY_SELECTORS
from cclibs.web.api.openapi._schema import MIME, Schema, ref

__all__ = [
    "ERROR_RESPONSES",
    "HEADER_PARAMETERS",
    "PATH_PARAMETERS",
    "QUERY_PARAMETERS",
    "SECURITY_SCHEMES",
]


def _comma_list(values: frozenset[str], description: str) -> Schema:
    return {
        "name": "selector",
        "in": "query",
        "description": description,
        "style": "form",
        "explode": False,
        "schema": {"type": "array", "items": {"enum": sorted(values)}, "default": ["default"]},
    }


def _query(name: str, description: str, schema: Schema, **more: Any) -> Schema:
    return {"name": name, "in": "query", "description": description, "schema": schema, **more}


_ORDER_KEY = "[+-]?(name|modified_date|created_date)"

QUERY_PARAMETERS: Mapping[str, Schema] = {
    "owner": _query(
        "owner",
        "Whose libraries, by their ownership: private (the caller's, shared with nobody), "
        "outgoing (the caller's, shared), incoming (shared with the caller), public "
        "(followed), or all (private, outgoing and incoming).",
        {"enum": ["all", "private", "outgoing", "incoming", "public"], "default": "all"},
    ),
    "orderBy": _query(
        "orderBy",
        "Sort keys, comma-separated; a leading - sorts descending.",
        {
            "type": "string",
            "pattern": f"^{_ORDER_KEY}(,{_ORDER_KEY})*$",
            "default": "-modified_date",
        },
    ),
    "start": _query(
        "start",
        "Where the page starts: _page.next of the page before (a cursor), or an offset.",
        {"type": "string", "pattern": r"^([0-9]{1,9}|c1\.[A-Za-z0-9_-]*)$", "default": "0"},
    ),
    "limit": _query(
        "limit",
        f"Items per page: {LIBRARY_PAGE[0]} by default; at most {LIBRARY_PAGE[1]} libraries or "
        f"{ELEMENT_PAGE[1]} elements (more is taken as the most).",
        {"type": "integer", "minimum": 1, "maximum": 999_999_999},
    ),
    "librarySelector": _comma_list(
        LIBRARY_SELECTORS, "What to add to each library, comma-separated."
    ),
    "elementSelector": _comma_list(
        ELEMENT_SELECTORS,
        "What to add to each element, comma-separated (full: details and representations).",
    ),
    "type": _query(
        "type",
        "Only elements of these types, comma-separated.",
        {"type": "array", "items": MIME},
        style="form",
        explode=False,
    ),
    "group": _query(
        "group",
        "Only elements in this group: group_id, classifier#group_id, or $none$ for those in "
        "no group.",
        {"type": "string"},
    ),
    "libraryVersion": _query(
        "libraryVersion",
        "The version seen in a list, for a cached answer; this server always answers the "
        "current library.",
        {"type": "string"},
    ),
    "linkId": _query(
        "linkId",
        "The public library's landing page the request comes from (accepted; not used).",
        {"type": "string"},
    ),
    "component_id": _query(
        "component_id",
        "The file's asset id, as in its storage_href.",
        {"type": "string", "minLength": 1},
        required=True,
    ),
}
"""components.parameters for query strings (the selector has one per kind of object)."""


def _path(name: str, description: str, schema: Schema) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


PATH_PARAMETERS: Mapping[str, Schema] = {
    "libraryId": _path(
        "libraryId",
        "The library's library_urn (urn:aaid:sc:US:<id>, any case) or its id.",
        {"type": "string"},
    ),
    "elementId": _path("elementId", "The element's id.", {"type": "string"}),
    "bookmarkId": _path(
        "bookmarkId", "The bookmarked library's id (a bookmark's id).", {"type": "string"}
    ),
    "rendition": _path(
        "rendition",
        f":rendition, with ;size=N (1 to {MAX_RENDITION_SIZE}) for a PNG whose longest side is N.",
        {"type": "string", "pattern": r"^:rendition(;[A-Za-z0-9_.%]+(=[^;/]*)?)*$"},
    ),
    "uploadId": _path("uploadId", "The chunked upload's upload_id.", {"type": "string"}),
    "partNumber": _path(
        "partNumber",
        "The part's number: 1, 2, 3, ... in the order of the file.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PARTS},
    ),
}

HEADER_PARAMETERS: Mapping[str, Schema] = {
    "if-match": {
        "name": "If-Match",
        "in": "header",
        "description": "Only if the resource is still at this ETag (412 otherwise).",
        "schema": {"type": "string"},
    },
    "if-none-match": {
        "name": "If-None-Match",
        "in": "header",
        "description": "304 without a body when the resource is still at this ETag.",
        "schema": {"type": "string"},
    },
}

SECURITY_SCHEMES: Mapping[str, Schema] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A cclibs access token with the cc_libraries scope, for a user "
        "(authorization code or device flow; not client credentials).",
    },
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "The client id the access token was issued to; on the public "
        "libraries' operations, without a token, the client id of any registered credential.",
    },
}

_ERRORS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    412: "PreconditionFailed",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
}


def _error(description: str, **headers: str) -> Schema:
    answer: Schema = {
        "description": description,
        "content": {"application/json": {"schema": ref("ErrorResponse")}},
    }
    if headers:
        answer["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return answer


ERROR_RESPONSES: Mapping[int, tuple[str, Schema]] = {
    400: (_ERRORS[400], _error("A parameter or body that cannot be used.")),
    401: (
        _ERRORS[401],
        _error(
            "No access token, or one that is not valid (expired, revoked).",
            **{"WWW-Authenticate": "The Bearer challenge (RFC 6750 §3)."},
        ),
    ),
    403: (
        _ERRORS[403],
        _error("A wrong x-api-key, a token without cc_libraries, or no user behind it."),
    ),
    404: (_ERRORS[404], _error("Nothing there for this caller.")),
    405: (
        _ERRORS[405],
        _error("The path does not take this method.", Allow="The methods it takes."),
    ),
    409: (_ERRORS[409], _error("The request contradicts the current state.")),
    412: (_ERRORS[412], _error("If-Match names an older version.")),
    413: (_ERRORS[413], _error("The body or file is too large.")),
    415: (_ERRORS[415], _error("The body's Content-Type is not the one this operation takes.")),
}
"""Status → (components.responses name, response)."""
