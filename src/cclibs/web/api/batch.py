"""``PATCH /api/v1/libraries/{libraryId}``: several operations on one library, in order.

The body is ``{"requests": [{"method", "path", "body"}, ...]}``; paths are relative to the
library (``/elements``, ``/elements/{id}/representations``, ``/metadata``, ...) or the full
``/api/v1/libraries/{libraryId}/...`` path of the same library. The operations run one after
the other, each as it would alone, and the batch stops at the first that fails: the answer
lists the responses of those that ran, the failed one last.

Adobe documents substitution variables only on an internal wiki; cclibs has its own: a string
``${N:/json/pointer}`` is replaced by the value at that JSON pointer (RFC 6901) in the body of
response ``N`` (0-based), so a request can use the id of an element created before it. A
string that is exactly one variable takes the value's own type.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from cclibs.libraries.access import Caller
from cclibs.libraries.errors import BadRequest, InvalidElement, LibraryError
from cclibs.libraries.models import Library
from cclibs.libraries.payloads import check_if_match, element_ids_in
from cclibs.web.api.auth import api_caller
from cclibs.web.api.http import json_body, json_response, operation
from cclibs.web.api.libraries import element_json, links_for
from cclibs.web.state import AppState, app_state

__all__ = ["MAX_BATCH_REQUESTS"]

MAX_BATCH_REQUESTS = 100
_VARIABLE = re.compile(r"\$\{(\d{1,3}):((?:/[^}]*)?)\}")
_FULL = frozenset({"full"})

Result = tuple[int, Any]
Handler = Callable[[AppState, Caller, str, list[str], Any], Awaitable[Result]]


def _pointer(document: Any, pointer: str, where: str) -> Any:
    value = document
    for raw in pointer.split("/")[1:] if pointer else []:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, Mapping) and token in value:
            value = value[token]
        elif (
            isinstance(value, list)
            and token.isascii()
            and token.isdigit()
            and int(token) < len(value)
        ):
            value = value[int(token)]
        else:
            raise InvalidElement(where, f"the pointer {pointer!r} finds nothing in that response")
    return value


def _substitute(value: Any, bodies: list[Any], where: str) -> Any:
    if isinstance(value, str):
        whole = _VARIABLE.fullmatch(value)
        if whole:
            return _lookup(whole, bodies, where)
        return _VARIABLE.sub(lambda m: str(_lookup(m, bodies, where)), value)
    if isinstance(value, list):
        return [_substitute(item, bodies, where) for item in value]
    if isinstance(value, Mapping):
        return {key: _substitute(item, bodies, where) for key, item in value.items()}
    return value


def _lookup(match: re.Match[str], bodies: list[Any], where: str) -> Any:
    index = int(match.group(1))
    if index >= len(bodies):
        raise InvalidElement(
            where, f"${{{index}:...}} names a response that does not come before it"
        )
    return _pointer(bodies[index], match.group(2), where)


# The operations a batch may hold -----------------------------------------------------------


async def _create(state: AppState, caller: Caller, lib: str, _: list[str], body: Any) -> Result:
    library, elements = await state.elements.create_elements(caller, lib, body)
    links = links_for(state)
    views = [element_json(e, library, links, _FULL) for e in elements]
    return 201, {"total_count": len(views), "elements": views}


async def _get(state: AppState, caller: Caller, lib: str, args: list[str], _: Any) -> Result:
    library, element = await state.elements.element(caller, lib, args[0])
    return 200, element_json(element, library, links_for(state), _FULL)


async def _put_reps(
    state: AppState, caller: Caller, lib: str, args: list[str], body: Any
) -> Result:
    library, element = await state.elements.put_representations(caller, lib, args[0], body, None)
    view = element_json(element, library, links_for(state), _FULL)
    return 200, {"total_count": 1, "elements": [view]}


async def _metadata(state: AppState, caller: Caller, lib: str, _: list[str], body: Any) -> Result:
    await state.elements.update_metadata(caller, lib, body)
    return 204, None


async def _archive_one(
    state: AppState, caller: Caller, lib: str, args: list[str], _: Any
) -> Result:
    await state.archive.archive(caller, lib, [args[0]])
    return 204, None


async def _archive_many(
    state: AppState, caller: Caller, lib: str, _: list[str], body: Any
) -> Result:
    ids = element_ids_in(body)
    if ids is None:
        raise InvalidElement("elements", "must list the ids of the elements to archive")
    await state.archive.archive(caller, lib, ids)
    return 204, None


async def _rename(state: AppState, caller: Caller, lib: str, _: list[str], body: Any) -> Result:
    await state.libraries.rename_library(caller, lib, body, None)
    return 204, None


async def _restore(state: AppState, caller: Caller, lib: str, _: list[str], body: Any) -> Result:
    _library, restored = await state.archive.restore(caller, lib, body)
    return 200, {"status": "OK", "message": f"{len(restored)} restored."}


async def _purge_one(state: AppState, caller: Caller, lib: str, args: list[str], _: Any) -> Result:
    await state.archive.purge(caller, lib, [args[0]])
    return 204, None


async def _purge(state: AppState, caller: Caller, lib: str, _: list[str], body: Any) -> Result:
    await state.archive.purge(caller, lib, element_ids_in(body))
    return 204, None


_ID = r"([^/]+)"
_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    ("POST", re.compile(r"/elements"), _create),
    ("PUT", re.compile(r"/elements/metadata"), _metadata),
    ("DELETE", re.compile(r"/elements"), _archive_many),
    ("GET", re.compile(rf"/elements/{_ID}"), _get),
    ("DELETE", re.compile(rf"/elements/{_ID}"), _archive_one),
    ("PUT", re.compile(rf"/elements/{_ID}/representations"), _put_reps),
    ("PUT", re.compile(r"/metadata"), _rename),
    ("POST", re.compile(r"/archive"), _restore),
    ("DELETE", re.compile(r"/archive"), _purge),
    ("DELETE", re.compile(rf"/archive/{_ID}"), _purge_one),
]
SUPPORTED = tuple(
    f"{method} {pattern.pattern.replace(_ID, '{id}')}" for method, pattern, _ in _ROUTES
)
"""What a batch may hold, as ``METHOD /path`` (documented in the OpenAPI description)."""
_LIBRARY_PATH = re.compile(r"/api/v1/libraries/([^/]+)(/.*)?")


def _relative(path: str, library: Library, where: str) -> str:
    path = path.split("?", 1)[0].rstrip("/") or "/"
    full = _LIBRARY_PATH.fullmatch(path)
    if full:
        named = full.group(1).lower()
        if named not in (library.id, library.urn.lower()):
            raise InvalidElement(where, "a batch works on one library: the one in the PATCH path")
        return full.group(2) or "/"
    return path if path.startswith("/") else "/" + path


def _route(method: str, path: str, where: str) -> tuple[Handler, list[str]]:
    for each_method, pattern, handler in _ROUTES:
        match = pattern.fullmatch(path)
        if match and each_method == method:
            return handler, list(match.groups())
    raise InvalidElement(
        where, f"{method} {path} cannot be part of a batch; these can: {', '.join(SUPPORTED)}"
    )


@operation(
    "PATCH",
    "/libraries/{libraryId}",
    "patchLibrary",
    "Run several operations on a library, in order (a batch)",
    tag="Libraries",
    body="BatchPayload",
    responses={200: "BatchResponse"},
    headers=("if-match",),
)
async def patch_library(request: Request) -> Response:
    state = app_state(request)
    caller = await api_caller(request)
    given = request.path_params["libraryId"]
    library = await state.libraries.library(caller, given)
    check_if_match(request.headers.get("if-match"), library.etag)
    payload = await json_body(request)
    requests = payload.get("requests") if isinstance(payload, Mapping) else None
    if not isinstance(requests, list) or not requests:
        raise BadRequest('The body is {"requests": [{"method", "path", "body"}, ...]}.')
    if len(requests) > MAX_BATCH_REQUESTS:
        raise InvalidElement("requests", f"may hold at most {MAX_BATCH_REQUESTS} operations")
    responses: list[dict[str, Any]] = []
    bodies: list[Any] = []
    for index, item in enumerate(requests):
        where = f"requests[{index}]"
        try:
            if not isinstance(item, Mapping):
                raise InvalidElement(where, "must be {method, path, body}")
            method = item.get("method")
            path = item.get("path")
            if not isinstance(method, str) or not isinstance(path, str):
                raise InvalidElement(where, "needs a method and a path (strings)")
            try:
                path = _substitute(path, bodies, f"{where}.path")
                body = _substitute(item.get("body"), bodies, f"{where}.body")
            except RecursionError:
                raise InvalidElement(f"{where}.body", "is nested too deeply") from None
            handler, args = _route(
                method.upper(), _relative(str(path), library, f"{where}.path"), f"{where}.path"
            )
            status, answer = await handler(state, caller, library.id, args, body)
        except LibraryError as exc:
            responses.append({"status": exc.status, "body": exc.body()})
            break
        responses.append({"status": status, "body": answer})
        bodies.append(answer)
    library = await state.libraries.library(caller, library.id)
    return json_response({"requests": requests, "responses": responses}, etag=library.etag)
