"""The one place where errors become responses, in the format of the route's interface.

A route group declares its interface (``cclibs.web.routing``); this module renders any error
raised under it in that interface's format:

- pages: ``error.html`` with the status;
- OAuth endpoints: ``{"error", "error_description"}`` (RFC 6749 §5.2), never cached;
- the Libraries API and other machine endpoints: ``{"reason", "message"}`` (Adobe's shape).

The errors themselves say only what went wrong (status, code, message):

PageError
 ├── MalformedRequest  400  a form, query or body that cannot be read
 │    └── BodyTooLarge 413  (400 invalid_request on OAuth endpoints, as RFC 6749 has no 413)
 ├── CsrfFailed        403  a form without a valid CSRF token, or from another origin
 └── PageNotFound      404
OAuthError (cclibs.oauth.errors) and LibraryError (cclibs.libraries.errors) carry their own.
An authorization error that goes back to the client (``RedirectError``) is delivered to its
redirect URI by ``cclibs.web.authorization_response``.

An error page has the header of every page: the signed-in user's name and menu, so the user
is looked up first (``error_page``); a failing lookup leaves the page signed out rather than
failing it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cclibs.libraries.errors import LibraryError
from cclibs.logs import get_logger
from cclibs.oauth.endpoints.authorize import RedirectError
from cclibs.oauth.errors import (
    InsufficientScope,
    InvalidClient,
    InvalidToken,
    MissingToken,
    OAuthError,
)
from cclibs.web.authorization_response import send_back
from cclibs.web.routing import Interface, interface_of
from cclibs.web.session import current
from cclibs.web.state import app_state

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = [
    "BodyTooLarge",
    "CsrfFailed",
    "MalformedRequest",
    "PageError",
    "PageNotFound",
    "error_page",
    "install_error_handlers",
    "render_error",
    "render_oauth_error",
]

_log = get_logger("cclibs.errors")

_TITLES = {
    400: "Bad request",
    401: "Sign-in required",
    403: "Forbidden",
    404: "Page not found",
    405: "Method not allowed",
    413: "Request too large",
    415: "Unsupported content type",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Service unavailable",
}


class PageError(Exception):
    status = 400
    message = "The request could not be completed."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        if message is not None:
            self.message = message


class MalformedRequest(PageError):
    status = 400
    message = "The form could not be read. Reload the page and try again."


class CsrfFailed(PageError):
    status = 403
    message = "This form has expired or did not come from this site. Reload the page and try again."


class PageNotFound(PageError):
    status = 404
    message = "There is nothing at this address."


class BodyTooLarge(MalformedRequest):
    status = 413
    message = "The request body is too large."


_OAUTH_CODES = {401: "invalid_client", 500: "server_error", 503: "temporarily_unavailable"}
_API_REASONS = {
    400: "bad_request",
    401: "invalid_token",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "server_error",
    503: "service_unavailable",
}
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _bearer_challenge(error: OAuthError) -> dict[str, str]:
    if isinstance(error, InvalidClient) and error.basic_challenge:
        return {"WWW-Authenticate": 'Basic realm="cclibs"'}
    if isinstance(error, MissingToken):
        return {"WWW-Authenticate": 'Bearer realm="cclibs"'}
    if isinstance(error, InvalidToken | InsufficientScope):
        # RFC 6750 §3: the challenge names the error; the description is quoted text.
        description = error.description.replace("\\", "").replace('"', "'")
        return {
            "WWW-Authenticate": (
                f'Bearer realm="cclibs", error="{error.error}", error_description="{description}"'
            )
        }
    return {}


def render_oauth_error(error: OAuthError) -> Response:
    """RFC 6749 §5.2 JSON; 401 for client authentication failures with a Basic challenge."""
    headers = {**_NO_STORE, **_bearer_challenge(error)}
    return JSONResponse(error.body(), status_code=error.status, headers=headers)


def render_error(
    request: Request,
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    *,
    code: str | None = None,
    details: dict[str, Any] | None = None,
) -> Response:
    """The error in the format of the interface of the route that was asked for. A page shows
    the user already looked up for this request (``error_page`` looks first); ``details`` are
    extra values for error.html (such as the redirect URI problem), escaped there like all."""
    interface = interface_of(request.scope)
    if interface is Interface.OAUTH:
        status = 400 if status == 413 else status  # RFC 6749 knows no 413
        return JSONResponse(
            {
                "error": code or _OAUTH_CODES.get(status, "invalid_request"),
                "error_description": message,
            },
            status_code=status,
            headers={**_NO_STORE, **(headers or {})},
        )
    if interface is Interface.API:
        return JSONResponse(
            {"reason": code or _API_REASONS.get(status, "error"), "message": message},
            status_code=status,
            headers=headers,
        )
    pages = app_state(request).pages
    return pages.render(
        request,
        "error.html",
        {
            "status": status,
            "title": _TITLES.get(status, "Error"),
            "message": message,
            **(details or {}),
        },
        status=status,
        headers=headers,
    )


async def _look_up_user(request: Request) -> None:
    """Who is signed in, for the page's header; an error page must render all the same."""
    if interface_of(request.scope) is not Interface.PAGE:
        return
    try:
        await current(request)
    except Exception:  # the database may be what failed: the page goes out signed out
        _log.warning("could not look up the user for an error page", path=request.url.path)


async def error_page(
    request: Request,
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    *,
    code: str | None = None,
    details: dict[str, Any] | None = None,
) -> Response:
    """``render_error`` after looking up the signed-in user, so the header shows their menu."""
    await _look_up_user(request)
    return render_error(request, status, message, headers, code=code, details=details)


def install_error_handlers(app: Starlette) -> None:
    async def page_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageError)
        return await error_page(request, exc.status, exc.message)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        message = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "")
        if exc.status_code == 404:
            message = PageNotFound.message
        elif exc.status_code == 405:
            message = "This address does not accept that method."
        return await error_page(request, exc.status_code, message, dict(exc.headers or {}))

    async def oauth_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, OAuthError)
        if interface_of(request.scope) is Interface.OAUTH:
            return render_oauth_error(exc)
        return await error_page(
            request, exc.status, exc.description, _bearer_challenge(exc), code=exc.error
        )

    async def redirect_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RedirectError)
        return send_back(request, exc.response)

    async def library_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LibraryError)
        return await error_page(request, exc.status, exc.message, code=exc.reason)

    app.add_exception_handler(OAuthError, oauth_error)
    app.add_exception_handler(LibraryError, library_error)
    app.add_exception_handler(RedirectError, redirect_error)
    app.add_exception_handler(PageError, page_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
