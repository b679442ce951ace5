"""Two-step sign-in pages: the code asked after the password, and setting it up, renewing the
recovery codes and turning it off on the account page. Handlers only: the rules live in
``cclibs.accounts.two_step``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cclibs.accounts import AccountError, SecondStepExpired, Throttled, User, WebSession
from cclibs.accounts.two_step import Enrolment
from cclibs.web.authorize_routes import allow_next_target
from cclibs.web.forms import read_form
from cclibs.web.pages.accounts import account_page_with
from cclibs.web.routing import Routes
from cclibs.web.session import PENDING_COOKIE, require_user, safe_next, start_session
from cclibs.web.state import app_state

__all__ = ["router"]

router = Routes()


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _back_to_sign_in(request: Request, next_path: str) -> Response:
    state = app_state(request)
    response = RedirectResponse(f"/signin?{urlencode({'next': next_path})}", status_code=303)
    state.cookies.clear(response, state.cookies.name(PENDING_COOKIE))
    return response


@router.get("/signin/second-step")
async def second_step_page(request: Request) -> Response:
    state = app_state(request)
    next_path = safe_next(request.query_params.get("next"))
    if not request.cookies.get(state.cookies.name(PENDING_COOKIE)):
        return _back_to_sign_in(request, next_path)
    await allow_next_target(request, next_path)
    return state.pages.render(request, "signin_second_step.html", {"next": next_path})


@router.post("/signin/second-step")
async def second_step(request: Request) -> Response:
    form = await read_form(request, ("code",), ("next",))
    next_path = safe_next(form["next"])
    state = app_state(request)
    pending = request.cookies.get(state.cookies.name(PENDING_COOKIE), "")
    try:
        signed_in = await state.two_step.finish_sign_in(
            pending,
            form["code"],
            address=_client_address(request),
            user_agent=request.headers.get("user-agent", ""),
        )
    except SecondStepExpired:
        return _back_to_sign_in(request, next_path)
    except AccountError as error:
        await allow_next_target(request, next_path)
        headers = {"Retry-After": str(error.retry_after)} if isinstance(error, Throttled) else None
        return state.pages.render(
            request,
            "signin_second_step.html",
            {"next": next_path, "error": error.message, "errors": error.field_errors},
            status=error.status,
            headers=headers,
        )
    response = start_session(request, signed_in, next_path)
    state.cookies.clear(response, state.cookies.name(PENDING_COOKIE))
    return response


# Account page ------------------------------------------------------------------------------


def _qr_svg(uri: str) -> Markup:
    """The QR code as an inline <svg> element: no image request, nothing the CSP must allow."""
    import segno  # only on the set-up page

    qr = segno.make(uri, error="m")
    svg = qr.svg_inline(scale=4, dark="#000", light="#fff", title="QR code for your app")
    return Markup(svg)  # noqa: S704 - segno's own markup; the URI is escaped inside it


async def _setup_page(
    request: Request,
    enrolment: Enrolment,
    *,
    error: AccountError | None = None,
) -> Response:
    context: dict[str, object] = {
        "secret": enrolment.secret,
        "pending": enrolment.pending,
        "qr": _qr_svg(enrolment.uri),
    }
    if error is not None:
        context.update(error=error.message, errors=error.field_errors)
    response = app_state(request).pages.render(
        request, "two_step_setup.html", context, status=error.status if error else 200
    )
    response.headers["Cache-Control"] = "no-store"  # the secret
    return response


def _codes_page(request: Request, codes: list[str], *, renewed: bool) -> Response:
    response = app_state(request).pages.render(
        request, "two_step_codes.html", {"codes": codes, "renewed": renewed}
    )
    response.headers["Cache-Control"] = "no-store"  # shown once: not kept by the browser
    return response


@router.get("/account/two-step")
async def setup_page(request: Request) -> Response:
    session, user = await require_user(request)
    state = app_state(request)
    if await state.two_step.status(user.id) is not None:
        return RedirectResponse("/account#two-step", status_code=303)
    return await _setup_page(request, state.two_step.begin(user, session.id))


@router.post("/account/two-step/enable")
async def enable(request: Request) -> Response:
    session, user = await require_user(request)
    form = await read_form(request, ("pending", "code"))
    two_step = app_state(request).two_step
    try:
        codes = await two_step.enable(user, session.id, form["pending"], form["code"])
    except AccountError as error:
        return await _resume(request, user, session, form["pending"], error)
    return _codes_page(request, codes, renewed=False)


async def _resume(
    request: Request, user: User, session: WebSession, pending: str, error: AccountError
) -> Response:
    two_step = app_state(request).two_step
    try:
        enrolment = two_step.resume(user, session.id, pending)
    except AccountError:
        enrolment = two_step.begin(user, session.id)
    return await _setup_page(request, enrolment, error=error)


@router.post("/account/two-step/recovery-codes")
async def renew_recovery_codes(request: Request) -> Response:
    _, user = await require_user(request)
    form = await read_form(request, ("password",))
    try:
        codes = await app_state(request).two_step.new_recovery_codes(user, form["password"])
    except AccountError as error:
        return await _account_error(request, user, error, "recovery_password")
    return _codes_page(request, codes, renewed=True)


@router.post("/account/two-step/disable")
async def disable(request: Request) -> Response:
    _, user = await require_user(request)
    form = await read_form(request, ("password",))
    try:
        await app_state(request).two_step.disable(user, form["password"])
    except AccountError as error:
        return await _account_error(request, user, error, "disable_password")
    return RedirectResponse("/account?two_step=off#two-step", status_code=303)


async def _account_error(request: Request, user: User, error: AccountError, field: str) -> Response:
    """The account page with the message beside the password field of the form that failed
    (both two-step forms ask for the password; their fields need their own ids)."""
    return await account_page_with(
        request,
        user,
        {"two_step_error": error.message, "errors": {field: error.message}},
        status=error.status,
    )
