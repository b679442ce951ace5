"""Sign-in, sign-out, the sign-up form and the account page. Handlers only: the rules live
in Accounts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cclibs.accounts import AccountError, InvalidField, SecondStepDue, Throttled, User
from cclibs.web.authorize_routes import allow_next_target
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


@router.get("/")
async def home(request: Request) -> Response:
    await current(request)
    return app_state(request).pages.render(request, "home.html")


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
        },
    )


@router.post("/signin")
async def signin(request: Request) -> Response:
    form = await read_form(request, ("email", "password"), ("next",))
    next_path = safe_next(form["next"])
    state = app_state(request)
    context = {"next": next_path, "email": form["email"], "signup_open": state.signup_open}
    try:
        signed_in = await state.accounts.sign_in(
            email=form["email"],
            password=form["password"],
            address=client_address(request),
            user_agent=request.headers.get("user-agent", ""),
        )
    except AccountError as error:
        await allow_next_target(request, next_path)
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
