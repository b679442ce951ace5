"""The authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2), as an ordered pipeline.

The first two checks decide whether the request may be answered by a redirect at all: an
unknown client or an unregistered redirect URI is shown as a page, never redirected
(RFC 6749 §4.1.2.1, RFC 9700 §4.11). Every later error goes back to the client with
``error``, ``state`` and ``iss`` (RFC 9207).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from cclibs.clock import Clock
from cclibs.oauth import pkce
from cclibs.oauth.clients import Client
from cclibs.oauth.errors import (
    AccessDenied,
    InvalidRedirectTarget,
    InvalidRequest,
    InvalidScope,
    OAuthError,
    UnsupportedResponseType,
)
from cclibs.oauth.grant_ports import AuthorizationCode, GrantTransactions
from cclibs.oauth.issuance import TokenFactory
from cclibs.oauth.redirects import resolve_redirect_uri
from cclibs.oauth.registration import ClientRegistry
from cclibs.oauth.scopes import parse_scopes

__all__ = [
    "CODE_TTL",
    "AuthorizationRequest",
    "AuthorizeEndpoint",
    "RedirectError",
    "Response",
]

CODE_TTL = timedelta(seconds=60)
MAX_STATE = 4096
_RESPONSE_MODES = ("query", "fragment", "form_post")
_PROMPTS = frozenset({"none", "login", "consent", "select_account"})


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    client: Client
    redirect_uri: str
    redirect_uri_given: bool
    response_mode: str
    state: str | None
    scope: tuple[str, ...]
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    prompt: frozenset[str]
    max_age: int | None = None
    """OIDC Core §3.1.2.1: the longest time since sign-in the user may not be asked again."""


@dataclass(frozen=True, slots=True)
class Response:
    """Where and how to send the browser back: a URL, or a form to post (form_post)."""

    redirect_uri: str
    mode: str
    params: dict[str, str]

    @property
    def url(self) -> str:
        query = urlencode(self.params)
        if self.mode == "fragment":
            return f"{self.redirect_uri}#{query}"
        separator = "&" if "?" in self.redirect_uri else "?"
        return f"{self.redirect_uri}{separator}{query}"


class RedirectError(Exception):
    """An error that travels back to the client's redirect URI."""

    def __init__(self, error: OAuthError, response: Response) -> None:
        super().__init__(error.description)
        self.error = error
        self.response = response


class AuthorizeEndpoint:
    def __init__(
        self,
        issuer: str,
        clients: ClientRegistry,
        grants: GrantTransactions,
        factory: TokenFactory,
        clock: Clock,
        *,
        allow_plain_pkce: bool,
    ) -> None:
        self._issuer = issuer
        self._clients = clients
        self._grants = grants
        self._factory = factory
        self._clock = clock
        self._allow_plain = allow_plain_pkce

    # The pipeline ---------------------------------------------------------------------------

    async def validate(self, params: dict[str, str]) -> AuthorizationRequest:
        client = await self.check_client(params)
        redirect_uri = self.check_redirect_uri(params, client)
        mode = self.check_response_mode(params, client, redirect_uri)
        state = params.get("state") or None
        if state is not None and len(state) > MAX_STATE:
            # Cut, so that the error redirect stays a sane size; the client sees the problem.
            raise self._error(
                InvalidRequest(f"state is longer than {MAX_STATE} characters."),
                redirect_uri,
                mode,
                None,
            )
        try:
            self.check_response_type(params)
            scope = self.check_scope(params, client)
            method = pkce.check_challenge(
                params.get("code_challenge") or None,
                params.get("code_challenge_method") or None,
                allow_plain=self._allow_plain,
            )
            if client.requires_pkce and method is None:
                raise InvalidRequest(
                    f"A {client.type.label} credential must use PKCE (code_challenge, S256)."
                )
            prompt = self.check_prompt(params)
            max_age = self.check_max_age(params)
        except OAuthError as error:
            raise self._error(error, redirect_uri, mode, state) from None
        return AuthorizationRequest(
            client=client,
            redirect_uri=redirect_uri,
            redirect_uri_given=bool(params.get("redirect_uri")),
            response_mode=mode,
            state=state,
            scope=scope,
            nonce=params.get("nonce") or None,
            code_challenge=params.get("code_challenge") or None,
            code_challenge_method=method,
            prompt=prompt,
            max_age=max_age,
        )

    async def check_client(self, params: dict[str, str]) -> Client:
        client_id = params.get("client_id")
        if not client_id:
            raise InvalidRedirectTarget("client_id is missing.")
        client = await self._clients.get(client_id[:64])
        if client is None:
            raise InvalidRedirectTarget("There is no application with this client_id.")
        if client.owner_disabled:
            raise InvalidRedirectTarget("This application is disabled by an administrator.")
        return client

    def check_redirect_uri(self, params: dict[str, str], client: Client) -> str:
        if "authorization_code" not in client.grant_types:
            raise InvalidRedirectTarget(f"A {client.type.label} credential cannot sign users in.")
        return resolve_redirect_uri(params.get("redirect_uri"), client.redirect_policy)

    def check_response_mode(self, params: dict[str, str], client: Client, uri: str) -> str:
        mode = params.get("response_mode") or "query"
        if mode not in _RESPONSE_MODES:
            raise self._error(
                InvalidRequest("response_mode must be query, fragment or form_post."),
                uri,
                "query",
                params.get("state") or None,
            )
        return mode

    def check_response_type(self, params: dict[str, str]) -> None:
        response_type = params.get("response_type") or "code"  # IMS: code by default
        if response_type != "code":
            raise UnsupportedResponseType(
                f"response_type {response_type[:40]!r} is not supported; use code "
                "(implicit and hybrid flows are off, RFC 9700 §2.1.2)."
            )

    def check_scope(self, params: dict[str, str], client: Client) -> tuple[str, ...]:
        try:
            scope = parse_scopes(params.get("scope"))
        except ValueError as exc:
            raise InvalidScope(str(exc)) from None
        refused = [s for s in scope if s not in client.allowed_scopes]
        if refused:
            raise InvalidScope(f"This application may not request: {', '.join(refused)}.")
        return scope

    def check_max_age(self, params: dict[str, str]) -> int | None:
        raw = params.get("max_age")
        if not raw:
            return None
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
            raise InvalidRequest("max_age must be a whole number of seconds.")
        return int(raw)

    def check_prompt(self, params: dict[str, str]) -> frozenset[str]:
        prompt = frozenset((params.get("prompt") or "").split())
        unknown = prompt - _PROMPTS
        if unknown:
            raise InvalidRequest(f"Unknown prompt value: {', '.join(sorted(unknown))}.")
        if "none" in prompt and len(prompt) > 1:
            raise InvalidRequest("prompt=none cannot be combined with other values.")
        return prompt

    # After sign-in --------------------------------------------------------------------------

    def needs_fresh_sign_in(self, request: AuthorizationRequest, signed_in_at: datetime) -> bool:
        """prompt=login, or a sign-in older than max_age (OIDC Core §3.1.2.1)."""
        if "login" in request.prompt:
            return True
        age = (self._clock.now() - signed_in_at).total_seconds()
        return request.max_age is not None and age > request.max_age

    def check_user_may_authorize(
        self, request: AuthorizationRequest, user_id: str, email: str, *, email_verified: bool
    ) -> None:
        client = request.client
        if client.may_be_authorized_by(user_id, email, email_verified=email_verified):
            return
        raise self._error(
            AccessDenied(client.refusal_for(email)),
            request.redirect_uri,
            request.response_mode,
            request.state,
        )

    async def needs_consent(self, request: AuthorizationRequest, user_id: str) -> bool:
        if "consent" in request.prompt:
            return True
        if request.client.first_party:
            # RFC 8252 §8.6: anyone can present the CLI's well-known public client id, so a
            # remembered consent would hand tokens to any program that asks; ask every time.
            return True
        async with self._grants.read() as store:
            granted = await store.consented_scopes(user_id, request.client.client_id)
        # Never asked means ask, even for no scope: the code alone reveals the user's sub.
        return granted is None or not set(request.scope) <= granted

    async def approve(
        self,
        request: AuthorizationRequest,
        *,
        user_id: str,
        auth_time: datetime,
        sid: str,
        remember: bool,
        amr: tuple[str, ...] = ("pwd",),
    ) -> Response:
        """Issue a single-use code (stored as a keyed hash) and say where to send it."""
        code = secrets.token_urlsafe(32)
        now = self._clock.now()
        async with self._grants.write() as store:
            if remember:
                await store.save_consent(
                    user_id, request.client.client_id, frozenset(request.scope), now
                )
            await store.add_code(
                AuthorizationCode(
                    code_hash=self._factory.token_hash(code),
                    client_id=request.client.client_id,
                    user_id=user_id,
                    redirect_uri=request.redirect_uri,
                    redirect_uri_given=request.redirect_uri_given,
                    scope=request.scope,
                    nonce=request.nonce,
                    code_challenge=request.code_challenge,
                    code_challenge_method=request.code_challenge_method,
                    auth_time=auth_time,
                    sid=sid,
                    created_at=now,
                    expires_at=now + CODE_TTL,
                    issuer=self._issuer,
                    amr=amr,
                )
            )
        return self._response(
            request.redirect_uri, request.response_mode, request.state, {"code": code}
        )

    def deny(self, request: AuthorizationRequest, error: OAuthError) -> Response:
        return self._error(
            error, request.redirect_uri, request.response_mode, request.state
        ).response

    # Responses ------------------------------------------------------------------------------

    def _response(self, uri: str, mode: str, state: str | None, params: dict[str, str]) -> Response:
        full = dict(params)
        if state is not None:
            full["state"] = state
        full["iss"] = self._issuer  # RFC 9207, on successes and errors alike
        return Response(redirect_uri=uri, mode=mode, params=full)

    def _error(self, error: OAuthError, uri: str, mode: str, state: str | None) -> RedirectError:
        return RedirectError(error, self._response(uri, mode, state, error.body()))
