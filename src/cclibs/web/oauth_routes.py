"""Thin adapters between HTTP and the OAuth core: token, keys and discovery.

Each route turns the Starlette request into an ``OAuthRequest``, calls the core and renders
the result. Token responses are never cached (RFC 6749 §5.1). These endpoints are called from
browsers by single-page apps, so they answer CORS, on errors too; they use no cookies.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cclibs.oauth.bearer import bearer_token
from cclibs.oauth.endpoints.discovery import metadata
from cclibs.oauth.endpoints.userinfo import legacy_profile, userinfo
from cclibs.oauth.errors import InvalidRequest
from cclibs.oauth.messages import OAuthRequest, merge_params
from cclibs.web.bodies import read_body
from cclibs.web.json_response import FastJSONResponse
from cclibs.web.routing import CorsPolicy, Interface, Routes
from cclibs.web.state import app_state

__all__ = ["NO_STORE", "OAUTH_CORS", "oauth_request", "router"]

OAUTH_CORS = CorsPolicy(
    methods=("GET", "POST", "OPTIONS"),
    allow_headers=("authorization", "content-type", "x-api-key", "x-request-id"),
    expose_headers=("www-authenticate", "x-request-id"),
)
# Browser apps call these endpoints without cookies: CORS on every route of the group (the
# authorization, device and logout pages are other groups, never CORS).
router = Routes(Interface.OAUTH, cors=OAUTH_CORS, prefixes=("/ims/", "/.well-known/"))

_MAX_BODY = 64 * 1024
_MAX_PARAMS = 64
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
TOKEN_PATHS = ("/ims/token/v3", "/ims/token/v1", "/ims/token")
DISCOVERY_PATHS = (
    "/ims/.well-known/openid-configuration",
    "/.well-known/openid-configuration",
    "/.well-known/oauth-authorization-server",
)
USERINFO_PATHS = ("/ims/userinfo/v2", "/ims/userinfo")


async def _body_pairs(request: Request) -> list[tuple[str, str]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request, _MAX_BODY)
    if content_type == "application/x-www-form-urlencoded":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidRequest("The body is not valid UTF-8 form data.") from None
        return _pairs(text)
    if content_type == "application/json" or not body.strip():
        # IMS samples send an (ignored) JSON body with the parameters in the query string.
        return []
    raise InvalidRequest("Send the parameters as application/x-www-form-urlencoded.")


def _pairs(text: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, max_num_fields=_MAX_PARAMS)
    except ValueError:
        raise InvalidRequest(f"Too many parameters (at most {_MAX_PARAMS}).") from None


async def oauth_request(request: Request) -> OAuthRequest:
    query = _pairs(request.scope["query_string"].decode("latin-1"))
    params = merge_params(query, await _body_pairs(request))
    return OAuthRequest(
        params=params,
        authorization=request.headers.get("authorization"),
        origin=request.headers.get("origin"),
    )


async def token(request: Request) -> Response:
    state = app_state(request)
    result = await state.oauth.token.handle(await oauth_request(request))
    return FastJSONResponse(result, headers=NO_STORE)


for _path in TOKEN_PATHS:
    router.add(_path, token, methods=["POST"])


@router.get("/ims/keys")
async def jwks(request: Request) -> Response:
    keys = app_state(request).oauth.keys
    keyring = await keys.keyring()
    if not keyring.published:
        # A server that has just started may not have made its first keys yet.
        await keys.ensure_keys()
        keyring = await keys.keyring()
    # Shorter than the time a new key is published before it signs (see oauth.keys).
    return JSONResponse(keyring.jwks(), headers={"Cache-Control": "public, max-age=300"})


async def discovery(request: Request) -> Response:
    state = app_state(request)
    document = metadata(
        state.settings.issuer,
        access_token_alg=state.settings.access_token_alg,
        allow_plain_pkce=state.settings.allow_plain_pkce,
    )
    return JSONResponse(document, headers={"Cache-Control": "public, max-age=300"})


for _path in DISCOVERY_PATHS:
    router.add(_path, discovery, methods=["GET"])


async def _access(request: Request):  # type: ignore[no-untyped-def]
    """Bearer tokens come in the Authorization header only, never the query (RFC 9700 §4.3.2)."""
    if "access_token" in request.query_params:
        raise InvalidRequest("Send the access token in the Authorization header, not the URL.")
    return await app_state(request).oauth.bearer.validate(
        bearer_token(request.headers.get("authorization"))
    )


async def userinfo_endpoint(request: Request) -> Response:
    state = app_state(request)
    claims = await userinfo(state.oauth.users, await _access(request))
    return FastJSONResponse(claims, headers=NO_STORE)


for _path in USERINFO_PATHS:
    router.add(_path, userinfo_endpoint, methods=["GET", "POST"])


@router.get("/ims/profile/v1")
async def profile(request: Request) -> Response:
    state = app_state(request)
    return JSONResponse(
        await legacy_profile(state.oauth.users, await _access(request)), headers=NO_STORE
    )


@router.post("/ims/revoke")
async def revoke(request: Request) -> Response:
    await app_state(request).oauth.revoke.handle(await oauth_request(request))
    return Response(status_code=200, headers=NO_STORE)


@router.post("/ims/introspect")
async def introspect(request: Request) -> Response:
    result = await app_state(request).oauth.introspect.handle(await oauth_request(request))
    return FastJSONResponse(result, headers=NO_STORE)
