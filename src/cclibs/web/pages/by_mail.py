"""Pages of what goes by mail: the sign-up's "check your inbox", the verification link and its
resend, "forgot password" and the reset link. Handlers only: the rules live in
``cclibs.accounts.by_mail``."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cclibs.accounts import AccountError, InvalidField, Throttled
from cclibs.web.forms import read_form
from cclibs.web.pages.accounts import client_address, form_error
from cclibs.web.routing import Routes
from cclibs.web.session import current, require_user, safe_next
from cclibs.web.state import app_state

__all__ = ["router"]

router = Routes()

_NO_REFERRER = {"Referrer-Policy": "no-referrer"}
"""Pages reached by a link that holds a token: the token must not leave in a Referer."""


def _sent(request: Request, path: str, email: str, next_path: str | None = None) -> Response:
    """Redirect to a "check your inbox" page, which shows the address once (flash)."""
    target = f"{path}?{urlencode({'next': next_path})}" if next_path else path
    return app_state(request).flash.redirect(request, path, {"email": email}, target=target)


def _with_flash(request: Request, template: str, context: dict[str, object]) -> Response:
    state = app_state(request)
    shown = state.flash.take(request) or {}
    email = shown.get("email")
    response = state.pages.render(
        request, template, {**context, "email": email if isinstance(email, str) else None}
    )
    state.flash.clear(request, response)
    return response


def _link_invalid(request: Request, error: AccountError, purpose: str) -> Response:
    return app_state(request).pages.render(
        request,
        "link_invalid.html",
        {"error": error.message, "purpose": purpose},
        status=error.status,
        headers=_NO_REFERRER,
    )


# Sign-up ------------------------------------------------------------------------------------


@router.post("/signup")
async def signup(request: Request) -> Response:
    form = await read_form(request, ("email", "name", "password"), ("next",))
    next_path = safe_next(form["next"])
    state = app_state(request)
    try:
        email = await state.by_mail.sign_up(
            email=form["email"],
            name=form["name"],
            password=form["password"],
            address=client_address(request),
            signup_open=state.signup_open,
        )
    except AccountError as error:
        context = {
            "next": next_path,
            "email": form["email"],
            "name": form["name"],
            "signup_open": state.signup_open,
        }
        return form_error(request, "signup.html", error, context)
    return _sent(request, "/signup/sent", email, next_path)


@router.get("/signup/sent")
async def signup_sent(request: Request) -> Response:
    await current(request)
    next_path = safe_next(request.query_params.get("next"))
    return _with_flash(request, "signup_sent.html", {"next": next_path})


# Verification -------------------------------------------------------------------------------


@router.get("/account/verify")
async def verify(request: Request) -> Response:
    state = app_state(request)
    try:
        verified = await state.by_mail.verify(request.query_params.get("token", ""))
    except AccountError as error:
        await current(request)
        return _link_invalid(request, error, "verify")
    signed_in = await current(request)
    return state.pages.render(
        request,
        "email_verified.html",
        {
            "verified": verified,
            "signed_in_as_them": bool(signed_in and signed_in[1].id == verified.id),
        },
        headers=_NO_REFERRER,
    )


@router.post("/account/verify/resend")
async def resend(request: Request) -> Response:
    _, user = await require_user(request)
    form = await read_form(request, (), ("next",))
    next_path = safe_next(form["next"])
    state = app_state(request)
    try:
        await state.by_mail.resend_verification(user, client_address(request))
    except Throttled as error:
        return state.pages.render(
            request,
            "verify_sent.html",
            {"error": error.message, "next": next_path},
            status=error.status,
            headers={"Retry-After": str(error.retry_after)},
        )
    return _sent(request, "/account/verify/sent", user.email, next_path)


@router.get("/account/verify/sent")
async def resend_done(request: Request) -> Response:
    await require_user(request)
    next_path = safe_next(request.query_params.get("next"))
    return _with_flash(request, "verify_sent.html", {"next": next_path})


# Password reset -----------------------------------------------------------------------------


@router.get("/password/forgot")
async def forgot_page(request: Request) -> Response:
    await current(request)
    return app_state(request).pages.render(
        request, "password_forgot.html", {"email": request.query_params.get("email", "")[:320]}
    )


@router.post("/password/forgot")
async def forgot(request: Request) -> Response:
    form = await read_form(request, ("email",))
    state = app_state(request)
    try:
        email = await state.by_mail.request_reset(
            email=form["email"], address=client_address(request)
        )
    except AccountError as error:
        await current(request)
        return form_error(request, "password_forgot.html", error, {"email": form["email"]})
    return _sent(request, "/password/forgot/sent", email)


@router.get("/password/forgot/sent")
async def forgot_sent(request: Request) -> Response:
    await current(request)
    return _with_flash(request, "password_forgot_sent.html", {})


@router.get("/password/reset")
async def reset_page(request: Request) -> Response:
    state = app_state(request)
    token = request.query_params.get("token", "")
    await current(request)
    try:
        user = await state.by_mail.check_reset(token)
    except AccountError as error:
        return _link_invalid(request, error, "reset")
    return state.pages.render(
        request,
        "password_reset.html",
        {"token": token, "for_email": user.email},
        headers=_NO_REFERRER,
    )


@router.post("/password/reset")
async def reset(request: Request) -> Response:
    form = await read_form(request, ("token", "new_password", "confirm_password"))
    state = app_state(request)
    await current(request)
    try:
        user = await state.by_mail.check_reset(form["token"])
        if form["new_password"] != form["confirm_password"]:
            raise InvalidField("The new passwords do not match.", field="confirm_password")
        await state.by_mail.reset_password(token=form["token"], new_password=form["new_password"])
    except InvalidField as error:
        context: dict[str, object] = {"token": form["token"], "for_email": user.email}
        return form_error(request, "password_reset.html", error, context)
    except AccountError as error:
        return _link_invalid(request, error, "reset")
    response = RedirectResponse("/signin?reset=1", status_code=303)
    # Every session of the user ended, this browser's included.
    state.cookies.clear(response, state.cookies.session_name)
    return response
