"""The OpenAPI 3.1 document: one entry per registered operation (``Operation``), with the
parameters, bodies and answers ``parameters``, ``payloads`` and ``answers`` describe; and the
same document arranged for the docs page."""

from __future__ import annotations

import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from cclibs import __version__
from cclibs.web.api.http import Operation
from cclibs.web.api.openapi._schema import BASE, ref
from cclibs.web.api.openapi.answers import ANSWERS
from cclibs.web.api.openapi.parameters import (
    ERROR_RESPONSES,
    HEADER_PARAMETERS,
    PATH_PARAMETERS,
    QUERY_PARAMETERS,
    SECURITY_SCHEMES,
)
from cclibs.web.api.openapi.payloads import PAYLOADS, media_type_of
from cclibs.web.api.openapi.search import SEARCH_TAG
from cclibs.web.api.openapi.sharing import SHARING_PARAMETERS, SHARING_TAG
from cclibs.web.api.openapi.webhooks import WEBHOOK_PARAMETERS, WEBHOOKS_TAG

__all__ = ["BASE", "build_document", "reference"]

_TAGS = {
    "API": "The entry point, and this description.",
    "Libraries": "Libraries: list, create or copy, read, rename, delete, and batches.",
    "Elements": "Elements: create, copy or move, read, rename, replace representations, archive.",
    "Archive": "Archived elements: list, restore, purge.",
    "Files": "Uploads (in one request or in parts), downloads and renditions.",
    "Search": SEARCH_TAG,
    "Sharing": SHARING_TAG,
    "Webhooks": WEBHOOKS_TAG,
    "Bookmarks": "Your bookmarks of public libraries and of libraries shared with you.",
    "Public libraries": "Published libraries, their elements and files: an API key is "
    "enough (a token may be sent too).",
}
_LIBRARY_ANSWERS = frozenset({"DbLibraryInfo", "LibrariesInfo"})
"""Operations answering these take the libraries' ``selector``; others, the elements'."""
_OPTIONAL_BODY = frozenset({"deleteLibraryElements", "finalizeUpload", "search"})
"""Operations whose body may be left out (purging without one empties the archive)."""
_MORE_ERRORS: Mapping[str, tuple[int, ...]] = {
    # Copies register the files of the elements again; a file gone missing is a 409.
    "createLibraries": (409,),
    "postLibraryElements": (409,),
    "deleteLibraryElements": (409,),
    "deleteLibraryElement": (409,),
    "finalizeUpload": (409,),
    "getElementRendition": (413,),
    # Sharing: inviting someone already in, the owner leaving, accepting one's own library.
    "inviteLibraryCollaborator": (409,),
    "removeLibraryCollaborator": (409,),
    "acceptInvitation": (409,),
    "getPublicElementRendition": (413,),
}
"""Errors beyond those every operation of its kind may answer (``_errors``)."""
_KEY_ONLY = frozenset(
    {
        *("getPublicLibrary", "getPublicLibraryElements", "getPublicLibraryElement"),
        *("getPublicStoredFile", "getPublicElementFile", "getPublicElementRendition"),
    }
)
"""Operations that take an API key alone, a token being optional (compat reference §1.1)."""
_HEADERS = {
    "ETag": {
        "description": "The entity tag of the library, element or file read or changed.",
        "schema": {"type": "string"},
    },
    "Location": {"description": "Where the new resource is.", "schema": {"type": "string"}},
}
_DESCRIPTION = f"""\
A wire-compatible Creative Cloud Libraries API. Every path starts with {BASE} and also \
answers with a trailing slash. Send `Authorization: Bearer <token>` (a cclibs access token \
with the cc_libraries scope, issued for a user) and `x-api-key: <the client id>`. Errors \
answer `{{"reason", "message"}}`; a method a path does not take answers 405. GET also \
answers HEAD (the headers without the body). Send `x-request-id` to name a request; the \
answer carries it (or one the server made)."""


def _errors(op: Operation) -> list[int]:
    found = set(_MORE_ERRORS.get(op.operation_id, ()))
    if not op.public:
        found |= {400, 401, 403}
    if "{" in op.path:
        found.add(404)
    if op.body is not None:
        found |= {400, 413} if op.body == "binary" else {400, 413, 415}
    if "if-match" in op.headers:
        found.add(412)
    return sorted(found - set(op.responses))


def _parameters(op: Operation) -> list[dict[str, Any]]:
    names = re.findall(r"\{(\w+)\}", op.path)
    answers = {name for name in op.responses.values() if name}
    for query in op.query:
        if query == "selector":
            kind = "library" if answers & _LIBRARY_ANSWERS else "element"
            names.append(f"{kind}Selector")
        else:
            names.append(query)
    headers = [*op.headers, *(["if-none-match"] if 304 in op.responses else [])]
    names.extend(dict.fromkeys(headers))
    return [{"$ref": f"#/components/parameters/{name}"} for name in names]


def _response(op: Operation, status: int, schema: str | None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": HTTPStatus(status).phrase}
    if 200 <= status < 300 or status == 304:
        answer["headers"] = {"ETag": {"$ref": "#/components/headers/ETag"}}
    if status == 201:
        answer["headers"]["Location"] = {"$ref": "#/components/headers/Location"}
    if schema is not None:
        answer["content"] = {op.produces: {"schema": ref(schema)}}
    return answer


def _operation(op: Operation) -> dict[str, Any]:
    described: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
    }
    parameters = _parameters(op)
    if parameters:
        described["parameters"] = parameters
    if op.body is not None:
        media, schema = media_type_of(op.body)
        described["requestBody"] = {
            "required": op.operation_id not in _OPTIONAL_BODY,
            "content": {media: {"schema": ref(schema)}},
        }
    responses = {str(s): _response(op, s, name) for s, name in sorted(op.responses.items())}
    for status in _errors(op):
        responses[str(status)] = {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"}
    described["responses"] = dict(sorted(responses.items()))
    if op.public:
        described["security"] = []
    elif op.operation_id in _KEY_ONLY:
        described["security"] = [{"apiKey": []}, {"bearer": [], "apiKey": []}]
    return described


def build_document(operations: list[Operation]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(BASE + op.path, {})[op.method.lower()] = _operation(op)
    present = list(dict.fromkeys(op.tag for op in operations))
    tags = [t for t in _TAGS if t in present] + [t for t in present if t not in _TAGS]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "cclibs Creative Cloud Libraries API",
            "version": __version__,
            "description": _DESCRIPTION,
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": "/", "description": "This server"}],
        "tags": [{"name": t, "description": _TAGS.get(t, t)} for t in tags],
        "security": [{name: [] for name in SECURITY_SCHEMES}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {**ANSWERS, **PAYLOADS},
            "parameters": {
                **PATH_PARAMETERS,
                **WEBHOOK_PARAMETERS,
                **SHARING_PARAMETERS,
                **QUERY_PARAMETERS,
                **HEADER_PARAMETERS,
            },
            "responses": {name: answer for name, answer in ERROR_RESPONSES.values()},
            "headers": _HEADERS,
            "securitySchemes": dict(SECURITY_SCHEMES),
        },
    }


def _resolved(document: Mapping[str, Any], value: Any) -> Any:
    """``value``, or what its ``$ref`` (into the components) names."""
    if isinstance(value, Mapping) and "$ref" in value:
        _, section, name = value["$ref"].rsplit("/", 2)
        if section != "schemas":
            return document["components"][section][name]
    return value


def code_spans(text: str) -> list[tuple[str, bool]]:
    """CommonMark's code spans, the only markup the descriptions use: (text, is code)."""
    return [(part, index % 2 == 1) for index, part in enumerate(text.split("`")) if part]


def reference(document: Mapping[str, Any]) -> dict[str, Any]:
    """The docs page's view: the introduction, and each tag with its operations, their
    parameters and answers looked up (schemas stay references, which the page links)."""
    groups: dict[str, list[dict[str, Any]]] = {t["name"]: [] for t in document["tags"]}
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            responses = [
                {"status": status, **_resolved(document, answer)}
                for status, answer in op["responses"].items()
            ]
            groups[op["tags"][0]].append(
                {
                    **op,
                    "method": method.upper(),
                    "path": path,
                    "parameters": [_resolved(document, p) for p in op.get("parameters", [])],
                    "responses": responses,
                }
            )
    tags = [
        {"name": tag["name"], "description": tag["description"], "operations": groups[tag["name"]]}
        for tag in document["tags"]
    ]
    return {"intro": code_spans(document["info"]["description"]), "tags": tags}
