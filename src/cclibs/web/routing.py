"""Route groups: each module fills a ``Routes`` that declares the interface of its routes.

The interface decides how an error is rendered (``cclibs.web.errors``): HTML pages, OAuth JSON
(RFC 6749 §5.2) or the Libraries API's ``{"reason", "message"}``. A group may also declare a
CORS policy, answered for preflights here and added to responses by ``EdgeMiddleware``. Both
reach the rest of the app through the ASGI scope, set when a route of the group matches the
path (even when only the path matches, so a 405 is rendered in the group's format too).
Requests that match no route take the interface of the group that claims their path prefix.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from starlette.datastructures import URLPath
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound, Route
from starlette.types import Receive, Scope, Send

__all__ = [
    "CORS_KEY",
    "INTERFACE_KEY",
    "CorsPolicy",
    "Endpoint",
    "FirstSegmentIndex",
    "Interface",
    "Routes",
    "interface_of",
    "not_found_by_prefix",
]

Endpoint = Callable[[Request], Awaitable[Response]]

INTERFACE_KEY = "cclibs.interface"
CORS_KEY = "cclibs.cors"


class Interface(StrEnum):
    PAGE = "page"
    """Browser pages: errors are HTML pages."""
    OAUTH = "oauth"
    """OAuth 2.0 / OIDC endpoints: ``{"error", "error_description"}``, never cached."""
    API = "api"
    """The Libraries API and other machine endpoints: ``{"reason", "message"}``."""


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    """CORS for endpoints that browser apps call with a bearer token, never with cookies:
    any origin (``*``), no credentials."""

    methods: tuple[str, ...]
    allow_headers: tuple[str, ...]
    expose_headers: tuple[str, ...]
    max_age: int = 600

    def preflight_headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"access-control-allow-origin", b"*"),
            (b"access-control-allow-methods", ", ".join(self.methods).encode()),
            (b"access-control-allow-headers", ", ".join(self.allow_headers).encode()),
            (b"access-control-max-age", str(self.max_age).encode()),
        ]


def interface_of(scope: Scope) -> Interface:
    value = scope.get(INTERFACE_KEY)
    return value if isinstance(value, Interface) else Interface.PAGE


def _is_preflight(scope: Scope) -> bool:
    return scope["method"] == "OPTIONS" and any(
        name == b"access-control-request-method" for name, _ in scope["headers"]
    )


class _GroupRoute(Route):
    def __init__(
        self,
        path: str,
        endpoint: Endpoint,
        *,
        methods: list[str],
        interface: Interface,
        cors: CorsPolicy | None,
    ) -> None:
        super().__init__(path, endpoint, methods=methods)
        self.interface = interface
        self.cors = cors

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is Match.NONE:
            return match, child
        child = {**child, INTERFACE_KEY: self.interface}
        if self.cors is not None:
            child[CORS_KEY] = self.cors
            if _is_preflight(scope):
                return Match.FULL, child
        return match, child

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.cors is not None and _is_preflight(scope):
            headers = self.cors.preflight_headers()
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await super().handle(scope, receive, send)


class Routes:
    """The routes of one module: one interface and CORS policy unless a route says otherwise.

    ``prefixes`` are the paths the group answers for when no route matches (a 404 under
    ``/api/`` is an API error). ``trailing_slash`` also routes ``path + "/"`` (Adobe's samples
    send both ``/api/v1/libraries`` and ``/api/v1/libraries/``)."""

    def __init__(
        self,
        interface: Interface = Interface.PAGE,
        *,
        cors: CorsPolicy | None = None,
        prefixes: tuple[str, ...] = (),
        trailing_slash: bool = False,
    ) -> None:
        self.routes: list[BaseRoute] = []
        self.interface = interface
        self.cors = cors
        self.prefixes = prefixes
        self.trailing_slash = trailing_slash

    def add(
        self,
        path: str,
        endpoint: Endpoint,
        methods: list[str],
        *,
        interface: Interface | None = None,
        cors: CorsPolicy | None = None,
    ) -> None:
        paths = [path]
        if self.trailing_slash and not path.endswith("/"):
            paths.append(path + "/")
        for each in paths:
            self.routes.append(
                _GroupRoute(
                    each,
                    endpoint,
                    methods=methods,
                    interface=interface or self.interface,
                    cors=cors or self.cors,
                )
            )

    def get(self, path: str) -> Callable[[Endpoint], Endpoint]:
        return self.route(path, ["GET"])

    def post(self, path: str) -> Callable[[Endpoint], Endpoint]:
        return self.route(path, ["POST"])

    def put(self, path: str) -> Callable[[Endpoint], Endpoint]:
        return self.route(path, ["PUT"])

    def patch(self, path: str) -> Callable[[Endpoint], Endpoint]:
        return self.route(path, ["PATCH"])

    def delete(self, path: str) -> Callable[[Endpoint], Endpoint]:
        return self.route(path, ["DELETE"])

    def route(self, path: str, methods: list[str]) -> Callable[[Endpoint], Endpoint]:
        def register(endpoint: Endpoint) -> Endpoint:
            self.add(path, endpoint, methods)
            return endpoint

        return register


def not_found_by_prefix(
    groups: Iterable[Routes],
) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The router's answer when no route matches: a 404 in the format of the group whose
    prefix is the longest match for the path (a page when none claims it)."""
    claims = sorted(
        ((prefix, group) for group in groups for prefix in group.prefixes),
        key=lambda item: len(item[0]),
        reverse=True,
    )

    async def not_found(scope: Scope, _receive: Receive, _send: Send) -> None:
        for prefix, group in claims:
            if scope["path"].startswith(prefix):
                scope[INTERFACE_KEY] = group.interface
                if group.cors is not None:
                    scope[CORS_KEY] = group.cors
                break
        raise HTTPException(status_code=404)

    return not_found


_MATCHED = "cclibs.route"


class FirstSegmentIndex(BaseRoute):
    """The app's routes behind one route that tries, in their order, only those whose path can
    begin like the request's: its first segment (``api`` of ``/api/v1/libraries``) picks the
    routes with that literal first segment, and those whose first segment is a parameter. An
    API request no longer runs a hundred page patterns before its own (measured: 88 µs of a
    library list's routing, of about 2 ms).

    A request for a path that some route has literally (``/api/v1/libraries``, ``/ims/token/v3``)
    tries only the routes whose pattern matches that path, found once at start: the others
    could only answer no (about 5 % of a library list's CPU in process, measured)."""

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        self.routes = list(routes)
        segments = [_first_segment(getattr(route, "path", None)) for route in self.routes]
        self._any = [route for route, seg in zip(self.routes, segments, strict=True) if seg is None]
        self._by_segment = {
            segment: [
                route
                for route, seg in zip(self.routes, segments, strict=True)
                if seg is None or seg == segment
            ]
            for segment in {seg for seg in segments if seg is not None}
        }
        self._by_path = {
            path: [route for route in self.routes if _may_match(route, path)]
            for path in {getattr(route, "path", None) for route in self.routes}
            if isinstance(path, str) and path.startswith("/") and "{" not in path
        }

    def _candidates(self, scope: Scope) -> list[BaseRoute]:
        if scope.get("root_path"):
            return self.routes  # served under a prefix: every route decides for itself
        literal = self._by_path.get(scope["path"])
        if literal is not None:
            return literal
        segment = _first_segment(scope["path"], literal_only=False)
        if segment is None:
            return self.routes
        return self._by_segment.get(segment, self._any)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        partial: tuple[BaseRoute, Scope] | None = None
        for route in self._candidates(scope):
            match, child = route.matches(scope)
            if match is Match.FULL:
                return match, {**child, _MATCHED: route}
            if match is Match.PARTIAL and partial is None:
                partial = (route, child)
        if partial is not None:
            route, child = partial
            return Match.PARTIAL, {**child, _MATCHED: route}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: BaseRoute = scope[_MATCHED]
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                continue
        raise NoMatchFound(name, path_params)


def _may_match(route: BaseRoute, path: str) -> bool:
    """False only when ``route`` is a ``Route`` whose pattern cannot match ``path`` (other kinds
    of route decide at request time)."""
    if type(route) in (Route, _GroupRoute):
        return cast(Route, route).path_regex.match(path) is not None
    return True


def _first_segment(path: object, *, literal_only: bool = True) -> str | None:
    """``api`` of ``/api/v1/...``; None when the path is no text starting with ``/``, or (for
    a route's path) when its first segment holds a parameter."""
    if not isinstance(path, str) or not path.startswith("/"):
        return None
    segment = path[1:].split("/", 1)[0]
    if literal_only and "{" in segment:
        return None
    return segment
