"""The device flow (RFC 8628): the device authorization endpoint and the verification pages."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cclibs.accounts import Throttled, WebSession
from cclibs.oauth.endpoints.device import DevicePrompt
from cclibs.oauth.errors import OAuthError
from cclibs.oauth.scopes import SCOPES
from cclibs.web.authorize_routes import sid_of
from cclibs.web.forms import read_form
from cclibs.web.json_response import FastJSONResponse
from cclibs.web.oauth_routes import NO_STORE, OAUTH_CORS, oauth_request
from cclibs.web.routing import Interface, Routes
from cclibs.web.session import require_user
from cclibs.web.state import app_state

__all__ = ["router"]

router = Routes()

_BAD_CODE = "That code is not valid or has expired. Check the code on your device."


async def _find(request: Request, session: WebSession, typed: str) -> DevicePrompt | None:
    """The prompt behind a typed user code, under the wrong-code throttle (RFC 8628 §5.1).

    The look-up is counted as wrong before it runs (raises Throttled past the limits) and
    given back when the code was right, so parallel guesses cannot pass the limit.
    """
    state = app_state(request)
    reservation = await state.accounts.reserve_user_code(
        session_id=session.id, address=request.client.host if request.client else "unknown"
    )
    prompt = await state.oauth.device.find(typed)
    if prompt is not None:
        await state.accounts.forgive_user_code(reservation)
    return prompt


def _too_many(request: Request, typed: str, error: Throttled) -> Response:
    return app_state(request).pages.render(
        request,
        "device.html",
        {"user_code": typed[:16], "errors": {"user_code": error.message}, "error": error.message},
        status=error.status,
        headers={"Retry-After": str(error.retry_after)},
    )


async def device_authorization(request: Request) -> Response:
    result = await app_state(request).oauth.device.start(await oauth_request(request))
    return FastJSONResponse(result, headers=NO_STORE)


# RFC 8628 §3.1: called by the device, like the token endpoint; the rest are pages.
router.add(
    "/ims/device/code", device_authorization, ["POST"], interface=Interface.OAUTH, cors=OAUTH_CORS
)


@router.get("/ims/device")
async def device_page(request: Request) -> Response:
    await require_user(request)
    code = request.query_params.get("user_code", "")[:16]
    return app_state(request).pages.render(request, "device.html", {"user_code": code})


@router.post("/ims/device")
async def device_lookup(request: Request) -> Response:
    session, _user = await require_user(request)
    form = await read_form(request, ("user_code",))
    state = app_state(request)
    try:
        prompt = await _find(request, session, form["user_code"])
    except Throttled as error:
        return _too_many(request, form["user_code"], error)
    if prompt is None:
        return state.pages.render(
            request,
            "device.html",
            {
                "user_code": form["user_code"][:16],
                "errors": {"user_code": _BAD_CODE},
                "error": _BAD_CODE,
            },
            status=400,
        )
    return state.pages.render(
        request,
        "device_confirm.html",
        {
            "client": prompt.client,
            "user_code": prompt.device.user_code,
            "scopes": [SCOPES[name] for name in prompt.device.scope if name in SCOPES],
        },
    )


@router.post("/ims/device/decision")
async def device_decision(request: Request) -> Response:
    session, user = await require_user(request)
    form = await read_form(request, ("user_code", "decision"))
    state = app_state(request)
    try:
        prompt = await _find(request, session, form["user_code"])
    except Throttled as error:
        return _too_many(request, form["user_code"], error)
    if prompt is None:
        return RedirectResponse(
            f"/ims/device?{urlencode({'user_code': form['user_code'][:16]})}", status_code=303
        )
    allow = form["decision"] == "allow"
    try:
        await state.oauth.device.decide(
            prompt,
            allow=allow,
            user_id=user.id,
            email=user.email,
            email_verified=user.email_verified,
            auth_time=session.created_at,
            sid=sid_of(session),
            amr=session.amr,
        )
    except OAuthError as error:
        return state.pages.render(
            request,
            "device_done.html",
            {"allowed": False, "message": error.description},
            status=403,
        )
    return state.pages.render(
        request,
        "device_done.html",
        {
            "allowed": allow,
            "client": prompt.client,
            "message": None,
        },
    )
