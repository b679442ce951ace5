"""Connected applications on the account page, and "Remove access" (asked first). Handlers
only: the rules live in ``cclibs.oauth.connections``."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cclibs.accounts import User
from cclibs.oauth.scopes import SCOPES
from cclibs.web.errors import PageNotFound
from cclibs.web.forms import read_form
from cclibs.web.routing import Routes
from cclibs.web.session import require_user
from cclibs.web.state import app_state

__all__ = ["connected_apps_context", "router"]

router = Routes()

_SCOPE_TITLES = {name: scope.title for name, scope in SCOPES.items()}
_MAX_CLIENT_ID = 64


async def connected_apps_context(request: Request, user: User) -> dict[str, object]:
    """What account.html needs to list the user's applications, and the notice after a removal.

    The notice names the application from the registry, never from the query string, and only
    when it exists and the user is not connected to it, so a crafted link cannot make the page
    say anything untrue.
    """
    state = app_state(request)
    apps = await state.oauth.connections.list_for(user.id)
    context: dict[str, object] = {"apps": apps, "scope_titles": _SCOPE_TITLES}
    removed = request.query_params.get("removed", "")
    if removed and len(removed) <= _MAX_CLIENT_ID and all(a.client_id != removed for a in apps):
        client = await state.oauth.clients.get(removed)
        if client is not None:
            context["removed"] = client.name
    return context


@router.get("/account/applications/{client_id}/remove")
async def confirm_removal(request: Request) -> Response:
    """Ask first: removing access signs the application out, and it must ask again."""
    _, user = await require_user(request)
    client_id = request.path_params["client_id"]
    state = app_state(request)
    found = [a for a in await state.oauth.connections.list_for(user.id) if a.client_id == client_id]
    if not found:
        raise PageNotFound("You have not connected this application to your account.")
    return state.pages.render(
        request, "remove_application.html", {"app": found[0], "scope_titles": _SCOPE_TITLES}
    )


@router.post("/account/applications/{client_id}/remove")
async def remove_application(request: Request) -> Response:
    _, user = await require_user(request)
    await read_form(request, ())
    client_id = request.path_params["client_id"]
    removed = await app_state(request).oauth.connections.remove(user.id, client_id)
    if removed is None:
        raise PageNotFound("You have not connected this application to your account.")
    query = urlencode({"removed": removed.client_id})
    return RedirectResponse(f"/account?{query}#connected-applications", status_code=303)
