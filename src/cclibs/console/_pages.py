"""What every console handler shares: the signed-in owner, objects owned by them, rendering."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cclibs.accounts import User
from cclibs.oauth.clients import Client
from cclibs.oauth.projects import ProjectOverview
from cclibs.oauth.registration import NotFound
from cclibs.web.errors import PageNotFound
from cclibs.web.session import require_user
from cclibs.web.state import app_state

__all__ = [
    "console_path",
    "owned_client",
    "owned_project",
    "owner",
    "redirect_with_flash",
    "render",
]


async def owner(request: Request) -> User:
    """The signed-in user; anyone else is sent to sign in first."""
    _, user = await require_user(request)
    return user


async def owned_project(request: Request, user: User) -> ProjectOverview:
    """The project named in the path, if it is the user's; a 404 page otherwise."""
    try:
        return await app_state(request).oauth.projects.owned(
            user.id, request.path_params["project_id"]
        )
    except NotFound:
        raise PageNotFound() from None


async def owned_client(request: Request, user: User) -> tuple[ProjectOverview, Client]:
    """The credential named in the path, inside the project named there, if it is the user's."""
    overview = await owned_project(request, user)
    client_id = request.path_params["client_id"]
    for client in overview.credentials:
        if client.client_id == client_id:
            return overview, client
    raise PageNotFound()


def console_path(project_id: str, client_id: str | None = None, tail: str = "") -> str:
    path = f"/console/projects/{project_id}"
    if client_id is not None:
        path += f"/credentials/{client_id}"
    return path + tail


def render(request: Request, name: str, context: dict[str, Any], *, status: int = 200) -> Response:
    """Render a console page with the one-time value sealed for it, then forget that value."""
    state = app_state(request)
    flash = state.flash.take(request)
    response = state.pages.render(request, name, {**context, "flash": flash or {}}, status=status)
    if flash is not None:
        state.flash.clear(request, response)
    response.headers["Cache-Control"] = "no-store"
    return response


def redirect_with_flash(request: Request, path: str, **data: Any) -> Response:
    """303 to ``path`` (post/redirect/get), carrying ``data`` for that page's next render."""
    if not data:
        return RedirectResponse(path, status_code=303)
    return app_state(request).flash.redirect(request, path, data)
