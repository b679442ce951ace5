"""Logout routes: ``/ims/logout/v1`` (IMS, front channel) and ``/ims/logout`` (OIDC).

``/ims/logout/v1`` signs out at once, as IMS does (its clients link to it); when it carries
an ``access_token`` of the client, that sign-in's tokens are revoked too. ``/ims/logout``
signs out at once only with a valid ``id_token_hint`` for the signed-in user; otherwise it
asks first, through a form with CSRF protection.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cclibs.oauth.endpoints.logout import LogoutRequest
from cclibs.oauth.errors import InvalidToken, OAuthError
from cclibs.web.csp import allow_form_target
from cclibs.web.errors import error_page
from cclibs.web.forms import read_form
from cclibs.web.routing import Routes
from cclibs.web.session import current
from cclibs.web.state import app_state

__all__ = ["router"]

router = Routes()


async def _sign_out(request: Request, logout: LogoutRequest) -> Response:
    state = app_state(request)
    await state.accounts.sign_out(request.cookies.get(state.cookies.session_name))
    if logout.return_to:
        response: Response = RedirectResponse(logout.return_to, status_code=303)
    else:
        response = state.pages.render(request, "signed_out.html")
    state.cookies.clear(response, state.cookies.session_name)
    return response


async def _invalid(request: Request, error: OAuthError) -> Response:
    return await error_page(request, 400, f"This sign-out link is not valid: {error.description}")


@router.get("/ims/logout/v1")
async def ims_logout(request: Request) -> Response:
    state = app_state(request)
    query = request.query_params
    try:
        logout = await state.oauth.logout.check(
            client_id=query.get("client_id"),
            redirect_uri=query.get("redirect_uri"),
        )
    except OAuthError as error:
        return await _invalid(request, error)
    access_token = query.get("access_token")
    if access_token:
        try:
            access = await state.oauth.bearer.validate(access_token)
        except InvalidToken:
            access = None
        if access and access.grant_id and access.client_id == logout.client_id:
            await state.oauth.revoke.revoke_grant(access.grant_id)
    return await _sign_out(request, logout)


async def _rp_params(request: Request) -> dict[str, str]:
    if request.method == "POST":
        form = await read_form(
            request,
            (),
            ("id_token_hint", "post_logout_redirect_uri", "client_id", "state", "confirm"),
        )
        return form
    names = ("id_token_hint", "post_logout_redirect_uri", "client_id", "state")
    return {name: request.query_params.get(name, "")[:8192] for name in names}


async def end_session(request: Request) -> Response:
    state = app_state(request)
    params = await _rp_params(request)
    try:
        logout = await state.oauth.logout.check(
            client_id=params["client_id"] or None,
            redirect_uri=params["post_logout_redirect_uri"] or None,
            id_token_hint=params["id_token_hint"] or None,
            state=params["state"] or None,
        )
    except OAuthError as error:
        return await _invalid(request, error)
    signed_in = await current(request)
    if signed_in is None:
        return await _sign_out(request, logout)
    confirmed = request.method == "POST" and params.get("confirm") == "yes"
    if confirmed or (logout.subject is not None and logout.subject == signed_in[1].id):
        return await _sign_out(request, logout)
    if logout.return_to:
        allow_form_target(request, logout.return_to)
    return state.pages.render(request, "logout_confirm.html", {"params": params})


router.add("/ims/logout", end_session, methods=["GET", "POST"])
