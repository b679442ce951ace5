"""Administration: the user list, disabling and enabling accounts, and resetting two-step
sign-in. Handlers only: the rules
live in Accounts.

Only administrators see these pages; anyone else signed in gets the ordinary 404 page, so the
pages do not announce themselves (a 403 would).
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cclibs.accounts import AccountError, UnknownUser, User
from cclibs.web.errors import PageNotFound
from cclibs.web.forms import read_form
from cclibs.web.routing import Routes
from cclibs.web.session import require_user
from cclibs.web.state import app_state

__all__ = ["router"]

router = Routes()

_MAX_QUERY = 320


async def require_admin(request: Request) -> User:
    _, user = await require_user(request)
    if not user.is_admin:
        raise PageNotFound()
    return user


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 7 else 1


def _listing_url(query: str, page: int, **extra: str) -> str:
    params = {name: value for name, value in (("q", query), ("page", str(page))) if value}
    if page == 1:
        params.pop("page")
    params.update(extra)
    return "/admin/users" + (f"?{urlencode(params)}" if params else "")


async def _users_page(
    request: Request,
    admin: User,
    query: str,
    page: int,
    context: dict[str, object],
    *,
    status: int = 200,
) -> Response:
    state = app_state(request)
    listing = await state.accounts.search_users(query, page)
    links = {
        "previous_url": _listing_url(listing.query, listing.page - 1) if listing.page > 1 else None,
        "next_url": _listing_url(listing.query, listing.page + 1)
        if listing.page < listing.pages
        else None,
    }
    return state.pages.render(
        request,
        "admin_users.html",
        {"listing": listing, "admin": admin, **links, **context},
        status=status,
    )


@router.get("/admin/users")
async def users_page(request: Request) -> Response:
    admin = await require_admin(request)
    query = request.query_params.get("q", "")[:_MAX_QUERY]
    changed = None
    changed_id = request.query_params.get("changed")
    if changed_id:
        changed = await app_state(request).accounts.get(changed_id[:_MAX_QUERY])
    return await _users_page(
        request,
        admin,
        query,
        _page_number(request.query_params.get("page")),
        {"changed": changed, "reset": request.query_params.get("reset") == "1"},
    )


async def _set_disabled(request: Request, disabled: bool) -> Response:
    admin = await require_admin(request)
    form = await read_form(request, (), ("q", "page"))
    query, page = form["q"][:_MAX_QUERY], _page_number(form["page"])
    user_id = request.path_params["user_id"]
    try:
        user = await app_state(request).accounts.set_disabled(user_id, disabled, by=admin)
    except UnknownUser:
        raise PageNotFound("There is no such account.") from None
    except AccountError as error:
        return await _users_page(
            request, admin, query, page, {"error": error.message}, status=error.status
        )
    return RedirectResponse(_listing_url(query, page, changed=user.id), status_code=303)


@router.post("/admin/users/{user_id}/disable")
async def disable_user(request: Request) -> Response:
    return await _set_disabled(request, True)


@router.post("/admin/users/{user_id}/enable")
async def enable_user(request: Request) -> Response:
    return await _set_disabled(request, False)


@router.post("/admin/users/{user_id}/reset-two-step")
async def reset_two_step(request: Request) -> Response:
    """Turn a user's two-step sign-in off (a lost phone and lost recovery codes): they sign
    in with the password alone until they set it up again."""
    admin = await require_admin(request)
    form = await read_form(request, (), ("q", "page"))
    query, page = form["q"][:_MAX_QUERY], _page_number(form["page"])
    user_id = request.path_params["user_id"]
    try:
        await app_state(request).two_step.reset(user_id, by=admin)
    except UnknownUser:
        raise PageNotFound("There is no such account.") from None
    except AccountError as error:
        return await _users_page(
            request, admin, query, page, {"error": error.message}, status=error.status
        )
    return RedirectResponse(_listing_url(query, page, changed=user_id, reset="1"), status_code=303)
