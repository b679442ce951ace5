"""The playground's page, its callback, and the JSON commands its buttons send.

Commands are POSTs with a JSON body and the page's CSRF token in ``X-CSRF-Token`` (a form
cannot send JSON across sites without a preflight, and the token binds the browser). Secrets
and tokens travel only in these bodies, never in a URL, so they reach no log.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from cclibs.oauth.clients import ClientType
from cclibs.oauth.errors import InvalidRedirectTarget
from cclibs.oauth.redirects import RegistrationError, resolve_redirect_uri
from cclibs.oauth.registration import NotFound
from cclibs.oauth.scopes import SCOPES
from cclibs.playground.assembly import PlaygroundServices
from cclibs.playground.flows import ADOBE_DEFAULT_SCOPES, PlaygroundError
from cclibs.playground.operations import OPERATIONS
from cclibs.playground.provider import ProviderError
from cclibs.playground.proxy import ApiCall, ProxyRefused, parse_headers
from cclibs.playground.sessions import new_session_id
from cclibs.web.bodies import read_body
from cclibs.web.errors import MalformedRequest
from cclibs.web.routing import Interface, Routes
from cclibs.web.session import current_user
from cclibs.web.state import app_state

__all__ = ["api", "router"]

router = Routes()
# The page's JSON commands: errors as {"reason", "message"}, read by playground.js.
api = Routes(Interface.API, prefixes=("/playground/api/",))
_MAX_COMMAND = 2_000_000
_NO_STORE = {"Cache-Control": "no-store"}


def _services(request: Request) -> PlaygroundServices:
    services = app_state(request).playground
    assert isinstance(services, PlaygroundServices)
    return services


def _cookie_name(request: Request) -> str:
    return app_state(request).cookies.name("cclibs_playground")


def _session_id(request: Request) -> str | None:
    return request.cookies.get(_cookie_name(request))


@router.get("/playground")
async def page(request: Request) -> Response:
    state = app_state(request)
    services = _services(request)
    user = await current_user(request)
    credentials = []
    if user is not None:
        for client in await state.oauth.clients.list_for(user.id):
            credentials.append(
                {
                    "client_id": client.client_id,
                    "name": client.name,
                    "type": client.type.value,
                    "label": client.type.label,
                    "confidential": client.type.confidential,
                }
            )
    query = request.query_params
    preset = {
        "issuer": query.get("issuer", state.settings.issuer)[:512],
        "client_id": query.get("client_id", "")[:256],
        "scopes": query.get("scope", ADOBE_DEFAULT_SCOPES)[:2048],
        "pkce": query.get("pkce", "1") != "0",
        "auth_method": query.get("auth_method", "client_secret_post")[:32],
        "api_base": query.get("api_base", state.settings.issuer)[:512],
    }
    response = state.pages.render(
        request,
        "playground/index.html",
        {
            "callback_uri": services.flows.callback_uri,
            "default_scopes": ADOBE_DEFAULT_SCOPES,
            "scopes": list(SCOPES.values()),
            "issuers": services.providers.allowed,
            "api_origins": services.proxy.origins,
            "operations": [op.public() for op in OPERATIONS],
            "credentials": credentials,
            "preset": preset,
        },
        headers=_NO_STORE,
    )
    if not _session_id(request):
        state.cookies.set(response, _cookie_name(request), new_session_id(), max_age=None)
    return response


@router.get("/playground/callback")
async def callback(request: Request) -> Response:
    """Where the authorization server sends the browser back (the redirect URI to register)."""
    services = _services(request)
    session_id = _session_id(request)
    playground_state = await services.sessions.load(session_id)
    loaded = copy.deepcopy(playground_state)
    params = {k: v[:4096] for k, v in request.query_params.items()}
    try:
        await services.flows.finish_authorization(playground_state, params)
        target = "/playground#tokens"
    except PlaygroundError as exc:
        # Shown once, by the page this redirects to (``_run`` takes it away): a stray or
        # replayed response must not hang over the tokens the browser still has.
        playground_state["error"] = str(exc)
        tab = "tokens" if playground_state.get("tokens") else "authorization"
        target = f"/playground#{tab}"
    if session_id:
        await services.sessions.save(session_id, playground_state, loaded=loaded)
    return RedirectResponse(target, status_code=303, headers=_NO_STORE)


async def _command(
    request: Request,
) -> tuple[dict[str, Any], str, dict[str, Any], dict[str, Any]]:
    """The command's JSON body, after the CSRF check, with the browser's state and an untouched
    copy of it (for ``sessions.save``, which saves only what the command changed)."""
    app_state(request).csrf.verify(request, request.headers.get("x-csrf-token"))
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise MalformedRequest("Send the command as application/json.")
    body = await read_body(request, _MAX_COMMAND)
    try:
        data = json.loads(body or b"{}")
        # A lone surrogate ("\ud800") is valid JSON but no text: nothing can encode it.
        json.dumps(data, ensure_ascii=False).encode()
    except RecursionError:
        raise MalformedRequest("The command is nested too deeply.") from None
    except UnicodeEncodeError:
        raise MalformedRequest("The command holds text that is not valid Unicode.") from None
    except ValueError:
        raise MalformedRequest("The command is not valid JSON.") from None
    if not isinstance(data, dict):
        raise MalformedRequest("The command must be a JSON object.")
    session_id = _session_id(request)
    if not session_id:
        raise MalformedRequest("Reload the playground: this browser has no playground session.")
    playground_state = await _services(request).sessions.load(session_id)
    return data, session_id, playground_state, copy.deepcopy(playground_state)


async def _view(
    request: Request,
    playground_state: dict[str, Any],
    preview: str | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """What the page shows: never the secret (only whether one is kept) nor the device code."""
    services = _services(request)
    config = dict(playground_state.get("config") or {})
    secret = config.pop("client_secret", "")
    config["has_secret"] = bool(secret)
    device = dict(playground_state.get("device") or {})
    device.pop("device_code", None)
    provider = None
    issuer = preview or config.get("issuer") or services.providers.own_issuer
    try:
        provider = (await services.providers.discover(str(issuer))).urls()
    except ProviderError:  # shown as missing; the command that needs it reports the reason
        provider = None
    return {
        "config": config,
        "provider": provider,
        "tokens": await services.flows.token_view(playground_state),
        "device": device or None,
        "log": playground_state.get("log", []),
        "error": error,
        "now": int(services.clock.now().timestamp()),
    }


def _reply(payload: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(payload, status_code=status, headers=_NO_STORE)


def _refusal(message: str, **more: Any) -> JSONResponse:
    return _reply({"reason": "bad_request", "message": message, **more}, 400)


async def _cannot_sign_in(request: Request, config: dict[str, Any]) -> JSONResponse | None:
    """Why Generate Tokens would fail only after sign-in and consent, told before the user is
    sent away: a credential of this server that has no user sign-in, or is confidential and
    has no secret here. Other issuers' credentials are unknown here; their servers answer."""
    state = app_state(request)
    if config.get("issuer") != state.settings.issuer:
        return None
    client = await state.oauth.clients.get(str(config.get("client_id")))
    if client is None:
        return None
    if client.type is ClientType.SERVER:
        return _refusal(
            f"{client.name} is a {client.type.label} credential: it has no user to sign in. "
            "Get its token with client_credentials on the Other flows tab."
        )
    if client.type.confidential and not config.get("client_secret"):
        return _refusal(
            f"{client.name} is a {client.type.label} credential: the token endpoint will ask "
            "for its client secret, so enter it before Generate Tokens. It was shown once, "
            "when the credential was made; the console can make a new one.",
            field="client_secret",
        )
    return None


async def _run(request: Request, action: str) -> Response:
    data, session_id, playground_state, loaded = await _command(request)
    services = _services(request)
    flows = services.flows
    extra: dict[str, Any] = {}
    # A callback's failure is shown by the first command after it, then never again.
    flash = playground_state.pop("error", None)
    try:
        if action == "state":
            pass
        elif action == "authorize":
            await flows.configure(playground_state, data)
            refused = await _cannot_sign_in(request, playground_state["config"])
            if refused:
                await services.sessions.save(session_id, playground_state, loaded=loaded)
                return refused
            extra["authorization_url"] = await flows.authorization_url(playground_state)
        elif action == "refresh":
            await flows.refresh(playground_state)
        elif action == "revoke":
            await flows.revoke(playground_state, str(data.get("which", "")))
        elif action == "introspect":
            extra["introspection"] = await flows.introspect(
                playground_state, str(data.get("which", ""))
            )
        elif action == "client-credentials":
            await flows.configure(playground_state, data)
            await flows.client_credentials(playground_state)
        elif action == "device-start":
            await flows.configure(playground_state, data)
            await flows.device_start(playground_state)
        elif action == "device-poll":
            extra["poll"] = await flows.device_poll(playground_state)
        elif action == "reset":
            await services.sessions.clear(session_id)
            return _reply({"reset": True})
        else:  # pragma: no cover - the routes below name every action
            raise PlaygroundError("Unknown command.")
    except PlaygroundError as exc:
        # The view comes along: a failure can change what the page shows (a refused refresh
        # token ends the tokens).
        playground_state = await services.sessions.save(session_id, playground_state, loaded=loaded)
        return _refusal(str(exc), view=await _view(request, playground_state))
    playground_state = await services.sessions.save(session_id, playground_state, loaded=loaded)
    preview = str(data["issuer"]) if action == "state" and data.get("issuer") else None
    return _reply({**extra, "view": await _view(request, playground_state, preview, flash)})


def _action_route(action: str) -> None:
    async def endpoint(request: Request) -> Response:
        return await _run(request, action)

    endpoint.__name__ = f"playground_{action.replace('-', '_')}"
    api.add(f"/playground/api/{action}", endpoint, ["POST"])


for _action in (
    "state",
    "authorize",
    "refresh",
    "revoke",
    "introspect",
    "client-credentials",
    "device-start",
    "device-poll",
    "reset",
):
    _action_route(_action)


@api.post("/playground/api/call")
async def call(request: Request) -> Response:
    """Send one request from "Try the API", with the current token and API key filled in."""
    data, _, playground_state, _ = await _command(request)
    services = _services(request)
    tokens = playground_state.get("tokens") or {}
    config = playground_state.get("config") or {}
    try:
        headers = parse_headers(
            str(data.get("headers", "")),
            {
                "access_token": str(tokens.get("access_token") or ""),
                "client_id": str(config.get("client_id") or ""),
            },
        )
        api_call = ApiCall(
            method=str(data.get("method", "GET")).upper(),
            url=str(data.get("url", "")).strip(),
            headers=headers,
            body=str(data.get("body", "")),
        )
        result = await services.proxy.send(api_call)
    except ProxyRefused as exc:
        return _refusal(str(exc))
    return _reply({"response": result})


@api.post("/playground/api/use-credential")
async def use_credential(request: Request) -> Response:
    """Use one of the signed-in developer's credentials: register the playground's callback."""
    data, session_id, playground_state, loaded = await _command(request)
    user = await current_user(request)
    if user is None:
        return _reply(
            {"reason": "sign_in_required", "message": "Sign in to use your credentials."}, 401
        )
    state = app_state(request)
    services = _services(request)
    callback_uri = services.flows.callback_uri
    try:
        client = await state.oauth.clients.owned(user.id, str(data.get("client_id", ""))[:64])
    except NotFound:
        return _reply({"reason": "not_found", "message": "You have no such credential."}, 404)
    message = f"Using {client.name} ({client.type.label})."
    if client.type is not ClientType.SERVER:
        try:
            resolve_redirect_uri(callback_uri, client.redirect_policy)
            message += f" Its redirect URIs already accept {callback_uri}."
        except InvalidRedirectTarget:
            try:
                await state.oauth.clients.update_redirects(
                    user.id,
                    client.client_id,
                    uris=[*client.redirect_uris, callback_uri],
                    default_uri=client.default_redirect_uri,
                    pattern=client.redirect_uri_pattern,
                )
            except RegistrationError as exc:
                return _refusal(f"{callback_uri} cannot be added to {client.name}: {exc.message}")
            message += f" {callback_uri} is added to its redirect URIs."
    if client.type.confidential:
        message += " Paste its client secret: it was shown once, in the console."
    config = playground_state.setdefault("config", {})
    if config.get("client_id") != client.client_id:
        config.update(client_id=client.client_id, client_secret="", issuer=state.settings.issuer)
    await services.sessions.save(session_id, playground_state, loaded=loaded)
    return _reply(
        {
            "message": message,
            "client_id": client.client_id,
            "type": client.type.value,
            "confidential": client.type.confidential,
            "pkce": True,
        }
    )
