"""Pure ASGI middleware: request ids, the access log line and the security headers."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cclibs.logs import log_access
from cclibs.web.csp import content_security_policy, form_targets
from cclibs.web.routing import CORS_KEY, CorsPolicy

__all__ = ["CorsMiddleware", "RequestContextMiddleware", "SecurityHeadersMiddleware"]

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


class RequestContextMiddleware:
    """Echo or make ``x-request-id``, bind it to the logs, and write one access line per request.

    The access line carries the path without its query string: IMS clients put secrets there.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["x-request-id"] = request_id
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                client = scope.get("client")
                log_access(
                    request_id,
                    scope["method"],
                    scope["path"],
                    status,
                    round((time.perf_counter() - started) * 1000, 2),
                    client[0] if client else None,
                )


_CSP = b"content-security-policy"
_CSP_OF_NO_TARGETS = content_security_policy().encode()


class SecurityHeadersMiddleware:
    """Strict headers on every response; pages are never cached, since they are per user.

    A header the app set itself is left as it is; the others are added in one pass over the
    response's headers (this runs for every response)."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        strict: list[tuple[bytes, bytes]] = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            # Pages load only their own scripts and styles (the CSP); nobody may frame them.
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]
        hsts_header = [(b"strict-transport-security", b"max-age=31536000")] if hsts else []
        self._for_static = (*strict, *hsts_header)
        self._for_others = (*strict, (b"cache-control", b"no-store"), *hsts_header)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = self._for_static if scope["path"].startswith("/static/") else self._for_others

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name for name, _ in headers}
                if _CSP not in present:
                    targets = form_targets(scope.get("state", {}))
                    policy = content_security_policy(targets).encode() if targets else None
                    headers.append((_CSP, policy or _CSP_OF_NO_TARGETS))
                headers.extend(pair for pair in added if pair[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CorsMiddleware:
    """Adds CORS headers to the responses of route groups that declare a CORS policy
    (``cclibs.web.routing``), errors included, so that a browser app can read the error
    instead of an opaque network failure. Any origin, never credentials: these endpoints take
    bearer tokens, not cookies. Preflights are answered by the routes themselves."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                policy = scope.get(CORS_KEY)
                if isinstance(policy, CorsPolicy):
                    headers = MutableHeaders(scope=message)
                    headers["access-control-allow-origin"] = "*"
                    headers["access-control-expose-headers"] = ", ".join(policy.expose_headers)
            await send(message)

        await self.app(scope, receive, send_with_cors)
