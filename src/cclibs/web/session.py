"""The browser's sign-in state: who is signed in, and where to send them next."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse

from cclibs.accounts import SignedIn, User, WebSession
from cclibs.web.state import app_state

__all__ = [
    "PENDING_COOKIE",
    "RedirectToSignIn",
    "current",
    "current_user",
    "require_user",
    "safe_next",
    "sign_in_redirect",
    "start_session",
    "to_second_step",
]

PENDING_COOKIE = "cclibs_second_step"
"""Holds a sign-in whose password was right until its second step (sealed; ten minutes)."""
_PENDING_MAX_AGE = 600


class RedirectToSignIn(Exception):
    """Raised by pages that need a signed-in user; rendered as a redirect to /signin."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def safe_next(value: str | None, default: str = "/account") -> str:
    """A same-site path to continue to; anything else (other hosts, schemes, //x) is the default."""
    if not value or len(value) > 48 * 1024 or not value.startswith("/"):
        return default
    if value.startswith(("//", "/\\")) or any(ord(ch) < 32 or ch == "\\" for ch in value):
        return default
    return value


async def current(request: Request) -> tuple[WebSession, User] | None:
    if not hasattr(request.state, "signed_in"):
        state = app_state(request)
        token = request.cookies.get(state.cookies.session_name)
        address = request.client.host if request.client else ""
        found = await state.accounts.current(token, address=address)
        request.state.signed_in = found
        request.state.user = found[1] if found else None
    result: tuple[WebSession, User] | None = request.state.signed_in
    return result


async def current_user(request: Request) -> User | None:
    found = await current(request)
    return found[1] if found else None


async def require_user(request: Request) -> tuple[WebSession, User]:
    found = await current(request)
    if found is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise RedirectToSignIn(path)
    return found


def sign_in_redirect(next_path: str) -> RedirectResponse:
    return RedirectResponse(f"/signin?{urlencode({'next': next_path})}", status_code=303)


def start_session(request: Request, signed_in: SignedIn, next_path: str) -> RedirectResponse:
    """Redirect onward with a fresh session cookie (a new id at every sign-in: no fixation)."""
    state = app_state(request)
    response = RedirectResponse(next_path, status_code=303)
    state.cookies.set(
        response,
        state.cookies.session_name,
        signed_in.token,
        max_age=state.settings.session_max_age_seconds,
    )
    return response


def to_second_step(request: Request, pending: str, next_path: str) -> RedirectResponse:
    """After a right password for an account with two-step sign-in: ask for the code."""
    state = app_state(request)
    response = RedirectResponse(
        f"/signin/second-step?{urlencode({'next': next_path})}", status_code=303
    )
    state.cookies.set(
        response, state.cookies.name(PENDING_COOKIE), pending, max_age=_PENDING_MAX_AGE
    )
    return response
