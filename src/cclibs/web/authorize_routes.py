"""The authorization endpoint and the consent page: HTTP adapters over AuthorizeEndpoint.

Never CORS. Errors about the client or redirect URI are pages; the rest go back to the client.
Redirects after the consent POST use 303 (RFC 9700 §4.12).
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cclibs.accounts import User, WebSession
from cclibs.oauth.endpoints.authorize import AuthorizationRequest, RedirectError
from cclibs.oauth.errors import (
    AccessDenied,
    ConsentRequired,
    InvalidRedirectTarget,
    LoginRequired,
    OAuthError,
)
from cclibs.oauth.messages import merge_params
from cclibs.oauth.scopes import SCOPES
from cclibs.web.authorization_response import send_back
from cclibs.web.csp import allow_form_target
from cclibs.web.errors import MalformedRequest, error_page
from cclibs.web.forms import read_form
from cclibs.web.interaction import InteractionError
from cclibs.web.routing import Routes
from cclibs.web.session import current, current_user
from cclibs.web.state import app_state

__all__ = ["AUTHORIZE_PATHS", "allow_next_target", "router", "sid_of"]

router = Routes()
AUTHORIZE_PATHS = ("/ims/authorize/v2", "/ims/authorize/v1", "/ims/authorize")


def sid_of(session: WebSession) -> str:
    """The OIDC session id: stable for one browser sign-in, unrelated to the cookie value."""
    return hashlib.sha256(b"cclibs-sid\x00" + session.id.encode()).hexdigest()[:32]


async def allow_next_target(request: Request, next_path: str) -> None:
    """On a sign-in page that continues to an authorization request, let its form end at
    that request's redirect URI, once the authorization endpoint has validated it."""
    parts = urlsplit(next_path)
    if parts.path not in AUTHORIZE_PATHS:
        return
    try:
        params = merge_params(parse_qsl(parts.query, keep_blank_values=True, max_num_fields=64))
        auth_request = await app_state(request).oauth.authorize.validate(params)
    except (OAuthError, RedirectError, ValueError):
        return
    allow_form_target(request, auth_request.redirect_uri)


_SHOWN_URI = 512
"""A redirect URI longer than this is shown cut (the endpoint takes up to 2,048 characters)."""


async def _page_error(
    request: Request, error: OAuthError, params: dict[str, str] | None = None
) -> Response:
    details = await _redirect_problem(request, params) if params is not None else None
    return await error_page(
        request, 400, f"This sign-in link is not valid: {error.description}", details=details
    )


async def _redirect_problem(request: Request, params: dict[str, str]) -> dict[str, object] | None:
    """What the error page can say about a known credential's redirect URI: the URI that was
    sent, to anyone; what is registered and a link to the credential, to its owner only (a
    stranger learns nothing about another developer's setup). The page shows it as text,
    never as a link: the browser is never sent to a URI the credential did not register."""
    try:
        client = await app_state(request).oauth.authorize.check_client(params)
    except OAuthError:
        return None
    sent = params.get("redirect_uri") or ""
    user = await current_user(request)
    is_owner = user is not None and client.owner_id == user.id
    problem: dict[str, object] = {
        "client_name": client.name,
        "sent_uri": sent[:_SHOWN_URI] + ("…" if len(sent) > _SHOWN_URI else ""),
        "is_owner": is_owner,
    }
    if is_owner:
        problem["registered_uris"] = client.redirect_uris
        problem["default_uri"] = client.default_redirect_uri
        problem["uri_pattern"] = client.redirect_uri_pattern
        problem["console_url"] = (
            f"/console/projects/{client.project_id}/credentials/{client.client_id}"
        )
    elif user is None and client.owner_id is not None:
        here = f"{request.url.path}?{request.url.query}"
        problem["owner_sign_in"] = f"/signin?{urlencode({'next': here})}"
    return {"redirect_problem": problem}


async def authorize(request: Request) -> Response:
    state = app_state(request)
    endpoint = state.oauth.authorize
    try:
        params = merge_params(
            parse_qsl(request.url.query, keep_blank_values=True, max_num_fields=64)
        )
        auth_request = await endpoint.validate(params)
    except InvalidRedirectTarget as error:
        return await _page_error(request, error, params)
    except ValueError:
        return await _page_error(request, InvalidRedirectTarget("Too many parameters."))
    except RedirectError:
        raise  # rendered by the error handlers: back to the client's redirect URI
    except OAuthError as error:  # malformed parameters before the client was known
        return await _page_error(request, error)
    signed_in = await current(request)
    if signed_in is None or endpoint.needs_fresh_sign_in(auth_request, signed_in[0].created_at):
        if "none" in auth_request.prompt:
            login = LoginRequired()
            raise RedirectError(login, endpoint.deny(auth_request, login))
        return _to_sign_in(request, params, force=signed_in is not None)
    session, user = signed_in
    return await _decide(request, auth_request, session, user, request.url.query)


def _to_sign_in(request: Request, params: dict[str, str], *, force: bool) -> Response:
    # After sign-in, come back without prompt=login (the new session is the fresh sign-in it
    # asked for), keeping any other prompt value such as consent.
    again = dict(params)
    if force:
        rest = " ".join(p for p in params.get("prompt", "").split() if p != "login")
        if rest:
            again["prompt"] = rest
        else:
            again.pop("prompt", None)
    target = f"{request.url.path}?{urlencode(again)}"
    query = {"next": target}
    if force:
        query["reauth"] = "1"
    return RedirectResponse(f"/signin?{urlencode(query)}", status_code=302)


async def _decide(
    request: Request,
    auth_request: AuthorizationRequest,
    session: WebSession,
    user: User,
    query: str,
) -> Response:
    state = app_state(request)
    endpoint = state.oauth.authorize
    endpoint.check_user_may_authorize(
        auth_request, user.id, user.email, email_verified=user.email_verified
    )
    if await endpoint.needs_consent(auth_request, user.id):
        if "none" in auth_request.prompt:
            needed = ConsentRequired()
            raise RedirectError(needed, endpoint.deny(auth_request, needed))
        allow_form_target(request, auth_request.redirect_uri)
        return state.pages.render(
            request,
            "consent.html",
            {
                "client": auth_request.client,
                "scopes": [SCOPES[name] for name in auth_request.scope if name in SCOPES],
                "interaction": state.interactions.sign(query, session.id),
            },
        )
    response = await endpoint.approve(
        auth_request,
        user_id=user.id,
        auth_time=session.created_at,
        sid=sid_of(session),
        amr=session.amr,
        remember=False,
    )
    return send_back(request, response)


for _path in AUTHORIZE_PATHS:
    router.add(_path, authorize, methods=["GET"])


@router.post("/ims/authorize/consent")
async def consent(request: Request) -> Response:
    form = await read_form(request, ("interaction", "decision"))
    state = app_state(request)
    signed_in = await current(request)
    if signed_in is None:
        raise MalformedRequest("You were signed out. Start again from the application.")
    session, user = signed_in
    try:
        query = state.interactions.open(form["interaction"], session.id)
    except InteractionError as exc:
        raise MalformedRequest(str(exc)) from None
    endpoint = state.oauth.authorize
    try:
        auth_request = await endpoint.validate(
            merge_params(parse_qsl(query, keep_blank_values=True))
        )
        endpoint.check_user_may_authorize(
            auth_request, user.id, user.email, email_verified=user.email_verified
        )
    except RedirectError:
        raise  # rendered by the error handlers: back to the client's redirect URI
    except OAuthError as error:
        return await _page_error(request, error)
    if form["decision"] != "allow":
        denied = AccessDenied("The user did not allow access.")
        raise RedirectError(denied, endpoint.deny(auth_request, denied))
    response = await endpoint.approve(
        auth_request,
        user_id=user.id,
        auth_time=session.created_at,
        sid=sid_of(session),
        amr=session.amr,
        remember=True,
    )
    return send_back(request, response)
