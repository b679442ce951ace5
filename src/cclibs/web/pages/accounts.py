"""Sign-in, sign-out, the sign-up form and the account page. Handlers only: the rules live
in Accounts."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cclibs.accounts import AccountError, InvalidField, SecondStepDue, Throttled, User
from cclibs.oauth.connections import ConnectedApp
from cclibs.oauth.errors import OAuthError
from cclibs.oauth.messages import merge_params
from cclibs.web.authorize_routes import AUTHORIZE_PATHS, allow_next_target
from cclibs.web.forms import read_form
from cclibs.web.pages.applications import connected_apps_context
from cclibs.web.pages.sessions import SESSIONS_NOTICE, sessions_context
from cclibs.web.routing import Routes
from cclibs.web.session import current, require_user, safe_next, start_session, to_second_step
from cclibs.web.state import app_state

__all__ = ["account_page_with", "client_address", "form_error", "router"]

router = Routes()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def form_error(
    request: Request, template: str, error: AccountError, context: dict[str, object]
) -> Response:
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, Throttled) else None
    return app_state(request).pages.render(
        request,
        template,
        {**context, "error": error.message, "errors": error.field_errors},
        status=error.status,
        headers=headers,
    )


_HOME_PROJECTS = 5
_DEFAULT_ISSUER = "http://127.0.0.1:8000"
"""The issuer of the command line's ``local`` profile (``cclibs.sdk.profiles``)."""


@router.get("/")
async def home(request: Request) -> Response:
    """What cclibs is and the three ways in (a token, an application, the command line); for
    a signed-in user, their projects and the applications they connected too."""
    state = app_state(request)
    signed_in = await current(request)
    context: dict[str, object] = {
        "issuer": state.settings.issuer,
        "default_issuer": _DEFAULT_ISSUER,
    }
    if signed_in is not None:
        user = signed_in[1]
        projects = await state.oauth.projects.list_for(user.id)
        context["projects"] = projects[:_HOME_PROJECTS]
        context["more_projects"] = max(0, len(projects) - _HOME_PROJECTS)
        apps = await state.oauth.connections.list_for(user.id)
        context["apps"] = sorted(apps, key=_last_use, reverse=True)[:_HOME_PROJECTS]
    return state.pages.render(request, "home.html", context)


def _last_use(app: ConnectedApp) -> datetime:
    return app.last_used_at or app.consented_at


@router.get("/favicon.ico")
async def favicon(request: Request) -> Response:
    """Browsers ask for /favicon.ico whatever the page links; the icon is an SVG."""
    return RedirectResponse(
        "/static/favicon.svg", status_code=301, headers={"Cache-Control": "max-age=86400"}
    )


async def _asking_application(request: Request, next_path: str) -> str | None:
    """The name of the application a sign-in continues to, when ``next`` is an authorization
    request of a known client with a redirect URI it registered; None otherwise (an unknown
    or unfit client is not named: the page must not vouch for it)."""
    parts = urlsplit(next_path)
    if parts.path not in AUTHORIZE_PATHS:
        return None
    endpoint = app_state(request).oauth.authorize
    try:
        params = merge_params(parse_qsl(parts.query, keep_blank_values=True, max_num_fields=64))
        client = await endpoint.check_client(params)
        endpoint.check_redirect_uri(params, client)
    except (OAuthError, ValueError):
        return None
    return client.name


@router.get("/signin")
async def signin_page(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    # reauth=1: an application asked for a fresh sign-in (prompt=login).
    reauth = request.query_params.get("reauth") == "1"
    if await current(request) and not reauth:
        return RedirectResponse(next_path, status_code=303)
    state = app_state(request)
    await allow_next_target(request, next_path)
    return state.pages.render(
        request,
        "signin.html",
        {
            "next": next_path,
            "signup_open": state.signup_open,
            "signed_out": request.query_params.get("signed_out") == "1",
            "reauth": reauth,
            "reset": request.query_params.get("reset") == "1",
            "email": request.query_params.get("email", "")[:320],
            "application": await _asking_application(request, next_path),
        },
    )


@router.post("/signin")
async def signin(request: Request) -> Response:
    form = await read_form(request, ("email", "password"), ("next",))
    next_path = safe_next(form["next"])
    state = app_state(request)
    context: dict[str, object] = {
        "next": next_path,
        "email": form["email"],
        "signup_open": state.signup_open,
    }
    try:
        signed_in = await state.accounts.sign_in(
            email=form["email"],
            password=form["password"],
            address=client_address(request),
            user_agent=request.headers.get("user-agent", ""),
        )
    except AccountError as error:
        await allow_next_target(request, next_path)
        context["application"] = await _asking_application(request, next_path)
        return form_error(request, "signin.html", error, context)
    if isinstance(signed_in, SecondStepDue):
        return to_second_step(request, state.two_step.start_sign_in(signed_in.user), next_path)
    return start_session(request, signed_in, next_path)


@router.get("/signup")
async def signup_page(request: Request) -> Response:
    state = app_state(request)
    next_path = safe_next(request.query_params.get("next"))
    await allow_next_target(request, next_path)
    return state.pages.render(
        request,
        "signup.html",
        {"next": next_path, "signup_open": state.signup_open},
        status=200 if state.signup_open else 403,
    )


@router.get("/signout")
async def signout_page(request: Request) -> Response:
    if not await current(request):
        return RedirectResponse("/signin", status_code=303)
    return app_state(request).pages.render(request, "signout.html")


@router.post("/signout")
async def signout(request: Request) -> Response:
    await read_form(request, ())
    state = app_state(request)
    await state.accounts.sign_out(request.cookies.get(state.cookies.session_name))
    # The playground's state (a client secret, tokens) goes too: the next person at this
    # browser must not inherit it.
    playground_cookie = state.cookies.name("cclibs_playground")
    await state.playground.sessions.clear(request.cookies.get(playground_cookie))
    response = RedirectResponse("/signin?signed_out=1", status_code=303)
    state.cookies.clear(response, state.cookies.session_name)
    state.cookies.clear(response, playground_cookie)
    return response


async def account_page_with(
    request: Request, user: User, context: dict[str, object], *, status: int = 200
) -> Response:
    """account.html with the user's connected applications, signed-in browsers and two-step
    state, which every render shows."""
    state = app_state(request)
    apps = await connected_apps_context(request, user)
    browsers = await sessions_context(request, user)
    two_step = await state.two_step.status(user.id)
    return state.pages.render(
        request,
        "account.html",
        {**apps, **browsers, "two_step": two_step, **context},
        status=status,
    )


async def _account_error(request: Request, user: User, error: AccountError) -> Response:
    return await account_page_with(
        request, user, {"error": error.message, "errors": error.field_errors}, status=error.status
    )


@router.get("/account")
async def account_page(request: Request) -> Response:
    _, user = await require_user(request)
    flash = app_state(request).flash
    notice = (flash.take(request) or {}).get(SESSIONS_NOTICE)
    response = await account_page_with(
        request,
        user,
        {
            "changed": request.query_params.get("changed") == "1",
            "country_saved": request.query_params.get("country") == "1",
            "two_step_off": request.query_params.get("two_step") == "off",
            "sessions_notice": notice if isinstance(notice, str) else None,
        },
    )
    flash.clear(request, response)
    return response


@router.post("/account/password")
async def change_password(request: Request) -> Response:
    session, user = await require_user(request)
    form = await read_form(request, ("current_password", "new_password", "confirm_password"))
    state = app_state(request)
    if form["new_password"] != form["confirm_password"]:
        return await _account_error(
            request, user, InvalidField("The new passwords do not match.", field="confirm_password")
        )
    try:
        await state.accounts.change_password(
            user=user,
            current=form["current_password"],
            new=form["new_password"],
            keep_session=session.id,
        )
    except AccountError as error:
        return await _account_error(request, user, error)
    return RedirectResponse("/account?changed=1", status_code=303)


@router.post("/account/country")
async def change_country(request: Request) -> Response:
    _, user = await require_user(request)
    form = await read_form(request, ("country",))
    state = app_state(request)
    try:
        await state.accounts.set_country(user, form["country"])
    except AccountError as error:
        return await _account_error(request, user, error)
    return RedirectResponse("/account?country=1", status_code=303)
