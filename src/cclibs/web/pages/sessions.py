"""Signed-in browsers on the account page, and "Sign out" for each. Handlers only: the rules
live in ``cclibs.accounts.sessions``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from cclibs.accounts import User
from cclibs.web.errors import PageNotFound
from cclibs.web.forms import read_form
from cclibs.web.routing import Routes
from cclibs.web.session import require_user
from cclibs.web.state import app_state

__all__ = ["SESSIONS_NOTICE", "router", "sessions_context"]

router = Routes()

SESSIONS_NOTICE = "sessions"
"""The flash key of the notice shown above the list after a sign-out from it."""

_BACK = "/account#sessions"


async def sessions_context(request: Request, user: User) -> dict[str, object]:
    """What account.html needs to list the user's signed-in browsers."""
    session, _ = await require_user(request)
    listed = await app_state(request).accounts.sessions.list_for(user.id, current=session.id)
    return {"browsers": listed}


def _back_with(request: Request, notice: str) -> Response:
    # The notice travels sealed (cclibs.web.flash): a link cannot make the page say it.
    flash = app_state(request).flash
    return flash.redirect(request, "/account", {SESSIONS_NOTICE: notice}, target=_BACK)


@router.post("/account/sessions/sign-out")
async def sign_out_session(request: Request) -> Response:
    session, user = await require_user(request)
    form = await read_form(request, ("session",))
    ended = await app_state(request).accounts.sessions.end(
        user.id, form["session"], current=session.id
    )
    if ended is None:
        raise PageNotFound("That browser is not signed in to your account.")
    where = f" ({ended.address})" if ended.address else ""
    return _back_with(request, f"{ended.device}{where} is signed out.")


@router.post("/account/sessions/sign-out-others")
async def sign_out_other_sessions(request: Request) -> Response:
    session, user = await require_user(request)
    await read_form(request, ())
    count = await app_state(request).accounts.sessions.end_others(user.id, current=session.id)
    if count == 0:
        notice = "No other browser was signed in."
    else:
        notice = f"{count} other browser{' is' if count == 1 else 's are'} signed out."
    return _back_with(request, notice)
