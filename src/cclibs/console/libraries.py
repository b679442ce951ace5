"""The console's libraries page: the signed-in user's libraries with who shares them, and the
invitations waiting for them, with accept and decline.

Handlers only: the rules are ``cclibs.libraries.sharing``'s, asked as the signed-in user (the
console acts for its user as an API client acts for its token's). Every form carries the CSRF
token (``read_form`` checks it) and ends in a redirect (post/redirect/get).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from cclibs.console._pages import owner, redirect_with_flash, render
from cclibs.libraries.access import Caller
from cclibs.libraries.errors import LibraryError
from cclibs.libraries.models import Library
from cclibs.libraries.sharing import Sharing
from cclibs.libraries.wire import ownership
from cclibs.web.errors import PageNotFound
from cclibs.web.forms import read_form
from cclibs.web.routing import Routes
from cclibs.web.state import app_state

__all__ = ["PATH", "router"]

router = Routes()
PATH = "/console/libraries"
_CONSOLE_CLIENT = "cclibs-console"
"""The client the console's calls name (``Caller.client_id``): what element stamps record."""
_MAX_LIBRARIES = 100
"""Shown on the page; the API lists the rest."""


@dataclass(frozen=True, slots=True)
class _Shown:
    library: Library
    ownership: str
    sharing: Sharing


def _when(ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000, UTC) if ms is not None else None


async def _libraries(request: Request, caller: Caller) -> list[_Shown]:
    service = app_state(request).libraries
    shown: list[_Shown] = []
    start: str | None = None
    while len(shown) < _MAX_LIBRARIES:
        page = await service.list_libraries(
            caller, owner="all", order_by="name", start=start, limit=None
        )
        for library in page.items:
            sharing = await service.sharing.sharing(caller, library.id)
            shown.append(_Shown(library, ownership(library), sharing))
        if page.next_start is None:
            break
        start = page.next_start
    return shown[:_MAX_LIBRARIES]


@router.get(PATH)
async def libraries_page(request: Request) -> Response:
    user = await owner(request)
    caller = Caller(user.id, _CONSOLE_CLIENT)
    sharing = app_state(request).libraries.sharing
    invitations = await sharing.my_invitations(caller) if user.email_verified else []
    return render(
        request,
        "console/libraries.html",
        {
            "libraries": await _libraries(request, caller),
            "invitations": invitations,
            "when": _when,
            "me": user.id,
        },
    )


async def _answer(request: Request, accept: bool) -> Response:
    user = await owner(request)
    await read_form(request, ())
    caller = Caller(user.id, _CONSOLE_CLIENT)
    sharing = app_state(request).libraries.sharing
    invitation_id = request.path_params["invitation_id"]
    try:
        if accept:
            library = await sharing.accept(caller, invitation_id)
            notice = f"You now share the library {library.name}."
        else:
            await sharing.decline(caller, invitation_id)
            notice = "The invitation is declined."
    except LibraryError:
        raise PageNotFound() from None
    return redirect_with_flash(request, PATH, notice=notice)


@router.post(PATH + "/invitations/{invitation_id}/accept")
async def accept(request: Request) -> Response:
    return await _answer(request, True)


@router.post(PATH + "/invitations/{invitation_id}/decline")
async def decline(request: Request) -> Response:
    return await _answer(request, False)
