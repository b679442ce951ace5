"""What the playground does with its server-side state: each method is one button.

The state is a plain dict (JSON, sealed at rest by ``sessions``):

- ``config``: issuer, client_id, client_secret, scopes, pkce, auth_method;
- ``pending``: the authorization request in flight (state, nonce, code_verifier, redirect_uri,
  and the ``config`` it was made with: its code goes to that client's issuer, with its secret);
- ``tokens``: the last token response, with ``expires_at``, ``obtained_at``, the ``grant`` that
  gave it, and ``ended``: each token the server no longer takes, with the reason;
- ``used_state``: the ``state`` of the last response taken (a replay of it is recognised);
- ``device``: a device authorization being polled;
- ``log``: the last exchanges, secrets masked;
- ``error``: a failure of the callback, shown once (the next command takes it away).
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
from typing import Any
from urllib.parse import urlencode

from cclibs.clock import Clock
from cclibs.oauth.scopes import parse_scopes
from cclibs.playground.answers import PlaygroundError, error_text, seconds, web_address
from cclibs.playground.provider import Exchange, ProviderDirectory, ProviderError
from cclibs.sdk import Endpoints, Pkce
from cclibs.sdk.conversation import DEVICE_GRANT
from cclibs.sdk.errors import ConfigurationError

__all__ = ["ADOBE_DEFAULT_SCOPES", "Playground", "PlaygroundError"]

ADOBE_DEFAULT_SCOPES = "openid,creative_sdk,profile,address,AdobeID,email,cc_files,cc_libraries"
_LOG_LENGTH = 12
_PENDING_SECONDS = 600
_AUTH_METHODS = ("client_secret_post", "client_secret_basic")
_WITH = {"revoked": "Revoked with", "refused": "Ended with the refusal of"}
_TAKEN_AS_ENDED = {
    "revoked": "Taken as revoked with the refresh token: a server should revoke both "
    "(RFC 7009 §2.1).",
    "refused": "Taken as ended: a refused refresh token usually ends its sign-in "
    "(RFC 9700 §4.14.2).",
}
_REPLAYED = (
    "The authorization response came back a second time (the browser's Back button replays "
    "it): it is ignored, as a state value is used once."
)


class Playground:
    def __init__(self, providers: ProviderDirectory, callback_uri: str, clock: Clock) -> None:
        self._providers = providers
        self.callback_uri = callback_uri
        self._clock = clock

    def _now(self) -> int:
        return int(self._clock.now().timestamp())

    # Settings ---------------------------------------------------------------------------

    async def configure(self, state: dict[str, Any], form: dict[str, Any]) -> Endpoints:
        """Store the Authorization tab's settings; an empty secret keeps the one stored."""
        issuer = str(form.get("issuer") or self._providers.own_issuer)
        try:
            provider = await self._providers.discover(issuer)
        except ProviderError as exc:
            raise PlaygroundError(str(exc)) from None
        client_id = str(form.get("client_id") or "").strip()
        if not client_id or len(client_id) > 256:
            raise PlaygroundError("Enter the API key (client ID) of a credential.")
        scopes = str(form.get("scopes") or "").strip()
        try:
            parse_scopes(scopes)
        except ValueError as exc:
            raise PlaygroundError(f"The scopes cannot be read: {exc}.") from None
        old = state.get("config") or {}
        secret = str(form.get("client_secret") or "")
        if not secret and old.get("client_id") == client_id and old.get("issuer") == issuer:
            secret = str(old.get("client_secret") or "")
        method = str(form.get("auth_method") or _AUTH_METHODS[0])
        if method not in _AUTH_METHODS:
            raise PlaygroundError("Choose client_secret_post or client_secret_basic.")
        if old.get("client_id") != client_id or old.get("issuer") != issuer:
            state.pop("tokens", None)
            state.pop("device", None)
        state["config"] = {
            "issuer": issuer,
            "client_id": client_id,
            "client_secret": secret[:512],
            "scopes": scopes[:2048],
            "pkce": bool(form.get("pkce", True)),
            "auth_method": method,
        }
        state.pop("error", None)
        return provider

    async def _provider(self, state: dict[str, Any]) -> tuple[Endpoints, dict[str, Any]]:
        config = state.get("config")
        if not config:
            raise PlaygroundError("Fill in the Authorization tab first.")
        try:
            return await self._providers.discover(str(config["issuer"])), config
        except ProviderError as exc:
            raise PlaygroundError(str(exc)) from None

    # Authorization code -----------------------------------------------------------------

    async def authorization_url(self, state: dict[str, Any]) -> str:
        provider, config = await self._provider(state)
        endpoint = _need(provider, "authorization_endpoint")
        pkce = Pkce.new() if config["pkce"] else None
        pending = {
            "state": secrets.token_urlsafe(24),
            "nonce": secrets.token_urlsafe(24),
            "code_verifier": pkce.verifier if pkce else None,
            "redirect_uri": self.callback_uri,
            "issuer": provider.issuer,
            "client_id": config["client_id"],
            "config": dict(config),
            "at": self._now(),
        }
        params = {
            "client_id": config["client_id"],
            "response_type": "code",
            "redirect_uri": self.callback_uri,
            "scope": config["scopes"],
            "state": pending["state"],
        }
        if "openid" in parse_scopes(config["scopes"]):
            params["nonce"] = str(pending["nonce"])
        if pkce:
            params["code_challenge"] = pkce.challenge
            params["code_challenge_method"] = pkce.method
        state["pending"] = pending
        state.pop("error", None)
        separator = "&" if "?" in endpoint else "?"
        return endpoint + separator + urlencode(params)

    async def finish_authorization(self, state: dict[str, Any], params: dict[str, str]) -> None:
        """The callback: check ``state`` (and ``iss``), then exchange the code."""
        pending = state.get("pending")
        returned = params.get("state", "")
        if not pending or not hmac.compare_digest(str(pending["state"]), returned):
            # Left in place: a forged response (any site can send the browser here) must not
            # cancel the request in flight.
            used = str(state.get("used_state") or "")
            if used and hmac.compare_digest(used, returned):
                kept = " The tokens shown are unchanged." if state.get("tokens") else ""
                raise PlaygroundError(_REPLAYED + kept)
            raise PlaygroundError(
                "An authorization response arrived that this browser did not ask for (state "
                "mismatch): it is ignored. Press Generate Tokens to start one."
            )
        del state["pending"]  # a state value is used once
        state["used_state"] = returned
        if self._now() - int(pending["at"]) > _PENDING_SECONDS or "config" not in pending:
            raise PlaygroundError("The authorization took too long. Press Generate Tokens again.")
        # The code belongs to the client and issuer of the request, whatever the settings are
        # now (another button may have changed them since): sending it elsewhere is a mix-up.
        client = dict(pending["config"])
        try:
            provider = await self._providers.discover(str(pending["issuer"]))
        except ProviderError as exc:
            raise PlaygroundError(str(exc)) from None
        if "iss" not in params and provider.authorization_response_iss_parameter_supported:
            raise PlaygroundError(
                f"The response carries no iss, though {provider.issuer} says it always sends "
                "one (RFC 9207 §2.4). Press Generate Tokens again."
            )
        if "iss" in params and params["iss"] != pending["issuer"]:
            raise PlaygroundError(
                f"The response came from {params['iss']}, not {pending['issuer']} (RFC 9207)."
            )
        if "error" in params:
            description = params.get("error_description") or ""
            raise PlaygroundError(
                f"The authorization server answered {params['error']}. {description}".strip()
            )
        code = params.get("code")
        if not code:
            raise PlaygroundError("The response carries no code.")
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": pending["redirect_uri"],
        }
        if pending.get("code_verifier"):
            form["code_verifier"] = str(pending["code_verifier"])
        exchange = await self._token_request(state, client, "Exchange the code", form)
        await self._store_tokens(
            state, provider, client, exchange, nonce=str(pending["nonce"]), grant="code"
        )
        # The settings follow the tokens, so that Refresh, Revoke and Introspect send them
        # to the client and issuer they belong to.
        current = state.get("config") or {}
        if (current.get("issuer"), current.get("client_id")) != (
            client.get("issuer"),
            client.get("client_id"),
        ):
            state.pop("device", None)
            state["config"] = client

    # Other grants -----------------------------------------------------------------------

    async def refresh(self, state: dict[str, Any]) -> None:
        tokens = state.get("tokens") or {}
        if not tokens.get("refresh_token"):
            raise PlaygroundError(
                "There is no refresh token. Ask for offline_access, with a credential that may "
                "have refresh tokens (Web App or Native App)."
            )
        if "refresh_token" in (tokens.get("ended") or {}):
            raise PlaygroundError(
                "The refresh token is no longer valid. Press Generate Tokens for new tokens."
            )
        provider, config = await self._provider(state)
        form = {"grant_type": "refresh_token", "refresh_token": str(tokens["refresh_token"])}
        exchange = await self._token_request(state, config, "Refresh the token", form)
        body = exchange.response if isinstance(exchange.response, dict) else {}
        if exchange.status == 400 and body.get("error") == "invalid_grant":
            # Revoked, expired, or used before (rotation): the server ends the sign-in with it
            # (RFC 9700 §4.14.2), so the access token is checked, or taken as ended.
            _end(tokens, "refresh_token", "Refused by the server (invalid_grant).")
            await self._check_other(state, provider, config, "refresh_token", "refused")
            state["tokens"] = tokens
        await self._store_tokens(
            state, provider, config, exchange, keep_refresh=True, grant="refresh_token"
        )

    async def client_credentials(self, state: dict[str, Any]) -> None:
        provider, config = await self._provider(state)
        if not config.get("client_secret"):
            raise PlaygroundError("The client credentials grant needs the client secret.")
        form = {"grant_type": "client_credentials"}
        if config["scopes"]:
            form["scope"] = config["scopes"]
        exchange = await self._token_request(state, config, "Client credentials", form)
        await self._store_tokens(state, provider, config, exchange, grant="client_credentials")

    async def device_start(self, state: dict[str, Any]) -> dict[str, Any]:
        provider, config = await self._provider(state)
        _need(provider, "device_authorization_endpoint")
        form = {"scope": config["scopes"]}
        exchange = await self._post(
            state, config, "Device authorization", "device_authorization_endpoint", form
        )
        body = exchange.response if isinstance(exchange.response, dict) else {}
        if exchange.status != 200 or "device_code" not in body:
            raise PlaygroundError(error_text(exchange))
        interval = seconds(exchange.title, body, "interval", 5)
        state["device"] = {
            "device_code": body["device_code"],
            "user_code": body.get("user_code"),
            "verification_uri": str(body.get("verification_uri") or "")[:2048] or None,
            "verification_uri_complete": web_address(body.get("verification_uri_complete")),
            "interval": interval,
            "expires_at": self._now() + seconds(exchange.title, body, "expires_in", 600),
            "next_poll_at": self._now() + interval,
            "status": "pending",
        }
        state.pop("tokens", None)
        return dict(state["device"])

    async def device_poll(self, state: dict[str, Any]) -> str:
        """One poll, if the interval has passed: pending, slow_down, approved, or an error."""
        device = state.get("device")
        if not device or device.get("status") != "pending":
            raise PlaygroundError("Start a device authorization first.")
        if self._now() >= int(device["expires_at"]):
            device["status"] = "expired"
            raise PlaygroundError("The device code expired. Start again.")
        if self._now() < int(device["next_poll_at"]):
            return "pending"
        provider, config = await self._provider(state)
        form = {
            "grant_type": DEVICE_GRANT,
            "device_code": str(device["device_code"]),
        }
        exchange = await self._token_request(state, config, "Poll for the token", form)
        body = exchange.response if isinstance(exchange.response, dict) else {}
        error = body.get("error")
        if error in ("authorization_pending", "slow_down"):
            if error == "slow_down":
                device["interval"] = int(device["interval"]) + 5  # RFC 8628 §3.5
            device["next_poll_at"] = self._now() + int(device["interval"])
            return str(error)
        device["status"] = "done" if exchange.status == 200 else "failed"
        await self._store_tokens(state, provider, config, exchange, grant="device_code")
        return "approved"

    # Revocation and introspection -------------------------------------------------------

    async def revoke(self, state: dict[str, Any], which: str) -> None:
        provider, config = await self._provider(state)
        token = _token(state, which)
        _need(provider, "revocation_endpoint")
        form = {"token": token, "token_type_hint": which}
        title = f"Revoke the {which.replace('_', ' ')}"
        exchange = await self._post(state, config, title, "revocation_endpoint", form)
        if exchange.status != 200:
            raise PlaygroundError(error_text(exchange))
        tokens = state.get("tokens") or {}
        _end(tokens, which, "Revoked on this page.")
        await self._check_other(state, provider, config, which, "revoked")
        state["tokens"] = tokens
        shown = tokens.pop("introspection", None)
        if shown:  # what it said is out of date: ask again
            with contextlib.suppress(PlaygroundError):  # the error was shown when it was new
                await self.introspect(state, str(shown["which"]))

    async def _check_other(
        self,
        state: dict[str, Any],
        provider: Endpoints,
        config: dict[str, Any],
        which: str,
        how: str,
    ) -> None:
        """After ``which`` ended (``how``: revoked or refused): does the server still take the
        other token? Introspection tells, where the client may use it. Otherwise a revoked
        refresh token takes its access tokens along (RFC 7009 §2.1: the server SHOULD), and a
        refused one usually ends its sign-in (RFC 9700 §4.14.2); a revoked access token may
        take its refresh token (MAY), which only a Refresh can tell.
        """
        tokens = state.get("tokens") or {}
        other = "access_token" if which == "refresh_token" else "refresh_token"
        if not tokens.get(other) or other in (tokens.get("ended") or {}):
            return
        if provider.introspection_endpoint and config.get("client_secret"):
            form = {"token": str(tokens[other]), "token_type_hint": other}
            title = f"Check the {other.replace('_', ' ')}"
            exchange = await self._post(state, config, title, "introspection_endpoint", form)
            body = exchange.response
            if exchange.status == 200 and isinstance(body, dict):
                if body.get("active") is not True:
                    said = "the server says it is inactive (introspection)."
                    _end(tokens, other, f"{_WITH[how]} the {which.replace('_', ' ')}: {said}")
                return
        if other == "access_token":
            _end(tokens, other, _TAKEN_AS_ENDED[how])

    async def introspect(self, state: dict[str, Any], which: str) -> dict[str, Any]:
        """The server's word on a token; kept with the tokens (a later change replaces it)."""
        provider, config = await self._provider(state)
        token = _token(state, which)
        _need(provider, "introspection_endpoint")
        if not config.get("client_secret"):
            raise PlaygroundError(
                "Only a confidential client (with a secret) may introspect tokens (RFC 7662 §4)."
            )
        form = {"token": token, "token_type_hint": which}
        exchange = await self._post(state, config, "Introspect", "introspection_endpoint", form)
        if exchange.status != 200 or not isinstance(exchange.response, dict):
            raise PlaygroundError(error_text(exchange))
        answer = dict(exchange.response)
        tokens = state.get("tokens") or {}
        if answer.get("active") is not True:
            _end(tokens, which, "The server says it is inactive (introspection).")
        tokens["introspection"] = {"which": which, "answer": answer, "at": self._now()}
        state["tokens"] = tokens
        return answer

    # The view ---------------------------------------------------------------------------

    async def token_view(self, state: dict[str, Any]) -> dict[str, Any] | None:
        """The tokens with each JWT decoded and its signature checked against the JWKS."""
        tokens = state.get("tokens")
        config = state.get("config")
        if not tokens or not config:
            return None
        try:
            issuer = (await self._providers.discover(str(config["issuer"]))).issuer
        except ProviderError:
            return {**tokens, "decoded": {}}
        decoded: dict[str, Any] = {}
        for name in ("access_token", "id_token", "refresh_token"):
            value = tokens.get(name)
            if not value:
                continue
            if name == "id_token":
                nonce = tokens.get("nonce")
                decoded[name] = await self._providers.verify(
                    issuer,
                    str(value),
                    client_id=str(config["client_id"]),
                    nonce=str(nonce) if nonce else None,
                )
            else:
                decoded[name] = await self._providers.verify(issuer, str(value))
        return {**tokens, "decoded": decoded}

    # Plumbing ---------------------------------------------------------------------------

    async def _post(
        self,
        state: dict[str, Any],
        config: dict[str, Any],
        title: str,
        endpoint: str,
        form: dict[str, str],
    ) -> Exchange:
        """POST with the client's authentication (the SDK's), and log the exchange."""
        try:
            exchange = await self._providers.post_form(title, config, endpoint, form)
        except ProviderError as exc:
            raise PlaygroundError(str(exc)) from None
        log = state.setdefault("log", [])
        log.insert(0, {**exchange.public(), "at": self._now()})
        del log[_LOG_LENGTH:]
        return exchange

    async def _token_request(
        self, state: dict[str, Any], config: dict[str, Any], title: str, form: dict[str, str]
    ) -> Exchange:
        return await self._post(state, config, title, "token_endpoint", form)

    async def _store_tokens(
        self,
        state: dict[str, Any],
        provider: Endpoints,
        config: dict[str, Any],
        exchange: Exchange,
        *,
        nonce: str | None = None,
        keep_refresh: bool = False,
        grant: str | None = None,
    ) -> None:
        body = exchange.response if isinstance(exchange.response, dict) else {}
        if exchange.status != 200 or "access_token" not in body:
            raise PlaygroundError(error_text(exchange))
        old = state.get("tokens") or {}
        expires_in = body.get("expires_in")
        now = self._now()
        tokens: dict[str, Any] = {
            "access_token": body["access_token"],
            "token_type": body.get("token_type", "bearer"),
            "scope": body.get("scope") or config.get("scopes"),
            "obtained_at": now,
            "expires_at": now + int(expires_in) if isinstance(expires_in, int | float) else None,
            "refresh_token": body.get("refresh_token"),
            "id_token": body.get("id_token"),
            "nonce": nonce or old.get("nonce"),
            "issuer": provider.issuer,
            "client_id": config["client_id"],
            "grant": grant if grant != "refresh_token" else old.get("grant"),
            "ended": {},
        }
        if keep_refresh and not tokens["refresh_token"]:
            tokens["refresh_token"] = old.get("refresh_token")
        if keep_refresh and not tokens["id_token"]:
            tokens["id_token"] = old.get("id_token")
        state["tokens"] = tokens
        state.pop("error", None)


def _end(tokens: dict[str, Any], which: str, reason: str) -> None:
    """Mark a token as one the server no longer takes (the first reason stays)."""
    ended = tokens.setdefault("ended", {})
    ended.setdefault(which, reason)


def _need(provider: Endpoints, endpoint: str) -> str:
    try:
        return provider.need(endpoint)
    except ConfigurationError as exc:
        raise PlaygroundError(f"{exc}.") from None


def _token(state: dict[str, Any], which: str) -> str:
    if which not in ("access_token", "refresh_token"):
        raise PlaygroundError("Choose the access token or the refresh token.")
    value = (state.get("tokens") or {}).get(which)
    if not value:
        raise PlaygroundError(f"There is no {which.replace('_', ' ')}.")
    return str(value)
