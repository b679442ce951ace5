"""Browser login: authorization code with PKCE S256 and a loopback redirect (RFC 8252).

1. Start a loopback listener on a free port of 127.0.0.1.
2. Open the authorization URL in the system browser (or hand it to ``open_browser``) and
   always show it, for machines where no browser opens.
3. Take the one response that arrives; check ``state`` (RFC 6749 §10.12) and, when the
   server sends it, ``iss`` (RFC 9207); turn ``error`` into an SDK error.
4. Exchange the code with the PKCE verifier; verify the ID token (signature, iss, aud,
   nonce, expiry).

``AuthorizationRequest`` is the same request for a web application that has its own
redirect URI (see ``examples/oauth_web_app.py``).
"""

from __future__ import annotations

import hmac
import secrets
import time
import webbrowser
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from cclibs.sdk.errors import (
    AccessDenied,
    AuthorizationResponseError,
    IdTokenError,
    OAuthServerError,
    SdkError,
)
from cclibs.sdk.idtoken import verify_id_token
from cclibs.sdk.loopback import LoopbackListener
from cclibs.sdk.oauth_client import OAuthClient
from cclibs.sdk.pkce import Pkce
from cclibs.sdk.tokens import Tokens

__all__ = ["LOGIN_TIMEOUT_SECONDS", "AuthorizationRequest", "browser_login", "finish_authorization"]

LOGIN_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class AuthorizationRequest:
    """One authorization request's URL and the secrets that must match its response."""

    url: str
    redirect_uri: str
    state: str
    nonce: str
    pkce: Pkce

    @classmethod
    def new(
        cls,
        client: OAuthClient,
        redirect_uri: str,
        scopes: Sequence[str],
        *,
        pkce: bool = True,
        extra: Mapping[str, str] | None = None,
    ) -> AuthorizationRequest:
        verifier = Pkce.new()
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        params = {
            "client_id": client.client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "scope": ",".join(scopes),
            "state": state,
            "nonce": nonce,
        }
        if pkce:
            params.update(code_challenge=verifier.challenge, code_challenge_method=verifier.method)
        params.update(extra or {})
        endpoint = client.endpoints.need("authorization_endpoint")
        separator = "&" if "?" in endpoint else "?"
        return cls(endpoint + separator + urlencode(params), redirect_uri, state, nonce, verifier)


def finish_authorization(
    client: OAuthClient,
    request: AuthorizationRequest,
    response: Mapping[str, str],
    *,
    now: Callable[[], float] = time.time,
) -> Tokens:
    """Check the authorization response, redeem its code, verify the ID token."""
    if not hmac.compare_digest(response.get("state", ""), request.state):
        raise AuthorizationResponseError(
            "the authorization response's state does not match this login; try again"
        )
    issuer = response.get("iss")
    if issuer is not None and issuer.rstrip("/") != client.endpoints.issuer.rstrip("/"):
        raise AuthorizationResponseError(
            f"the authorization response came from {issuer!r}, not {client.endpoints.issuer!r}"
        )
    error = response.get("error")
    if error is not None:
        description = response.get("error_description")
        if error == "access_denied":
            raise AccessDenied(error, description or "the authorization was denied")
        raise OAuthServerError(error, description)
    code = response.get("code")
    if not code:
        raise AuthorizationResponseError("the authorization response has no code")
    body = client.exchange_code(code, request.redirect_uri, request.pkce.verifier)
    tokens = Tokens.from_response(body, now(), grant_type="authorization_code")
    check_id_token(client, tokens, body, nonce=request.nonce, now=now())
    return tokens


def check_id_token(
    client: OAuthClient, tokens: Tokens, body: Mapping[str, Any], *, nonce: str | None, now: float
) -> dict[str, Any] | None:
    """Verify the ID token of a token response that should carry one (scope ``openid``)."""
    asked_openid = "openid" in client.profile.scopes or "openid" in (tokens.scope or "")
    if tokens.id_token is None:
        if asked_openid and "id_token" not in body:
            raise IdTokenError("the token response has no ID token although openid was asked")
        return None
    return verify_id_token(
        tokens.id_token,
        jwks=lambda fresh: client.jwks(fresh=fresh),
        issuer=client.endpoints.issuer,
        client_id=client.client_id,
        nonce=nonce,
        now=now,
    )


def _system_browser(url: str) -> bool:
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


def browser_login(
    client: OAuthClient,
    *,
    scopes: Sequence[str] | None = None,
    open_browser: Callable[[str], object] = _system_browser,
    show_url: Callable[[str], None] = lambda url: None,
    timeout: float = LOGIN_TIMEOUT_SECONDS,
    now: Callable[[], float] = time.time,
) -> Tokens:
    """Sign in through the browser; the tokens (not yet cached: see ``TokenSource.login``)."""
    chosen = tuple(scopes or client.profile.scopes)
    with LoopbackListener() as listener:
        request = AuthorizationRequest.new(client, listener.redirect_uri, chosen)
        listener.expect_state(request.state)
        show_url(request.url)
        open_browser(request.url)
        response = listener.wait(timeout)
    if response is None:
        raise SdkError(f"no answer from the browser within {int(timeout)} s; try again")
    return finish_authorization(client, request, response, now=now)
