"""A profile's tokens: logged in once, cached, refreshed when needed, revoked at logout.

Refresh rules:
- An access token is refreshed ``REFRESH_MARGIN_SECONDS`` before it expires, and once more
  when the API answers 401 (``ApiAuth``).
- One refresh at a time per profile: a thread lock inside the process (asyncio tasks come in
  through worker threads, see ``aaccess_token``), a file lock between processes. Whoever
  gets the locks second re-reads the cache and uses the tokens the first one saved.
- The rotated refresh token is saved (atomically) before the new access token is returned,
  so no crash between the two can lose the only refresh token that still works.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anyio.to_thread

from cclibs.sdk.auth import ApiAuth
from cclibs.sdk.browser_flow import browser_login
from cclibs.sdk.cache import TokenCache
from cclibs.sdk.device_flow import DevicePrompt, device_login
from cclibs.sdk.errors import IssuerUnreachable, LoginRequired, OAuthServerError, SdkError
from cclibs.sdk.oauth_client import OAuthClient
from cclibs.sdk.profiles import Profile, config_dir
from cclibs.sdk.tokens import Tokens, expiry_of

__all__ = ["REFRESH_MARGIN_SECONDS", "TokenSource"]

REFRESH_MARGIN_SECONDS = 60.0
_ASSUMED_LIFETIME = 86399.0
"""IMS's access-token lifetime, for a brought token whose expiry cannot be read."""


class TokenSource:
    def __init__(
        self,
        profile: Profile,
        *,
        directory: Path | None = None,
        client: OAuthClient | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.profile = profile
        self.cache = TokenCache(directory or config_dir(), profile.name)
        self._client = client
        self._now = now
        self._lock = threading.Lock()
        self._current: Tokens | None = None

    @property
    def client(self) -> OAuthClient:
        if self._client is None:
            self._client = OAuthClient(self.profile)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    # Getting tokens in the first place -----------------------------------------------------

    def _keep(self, tokens: Tokens) -> Tokens:
        with self._lock, self.cache.locked():
            self.cache.save(tokens)
            self._current = tokens
        return tokens

    def login_browser(
        self,
        *,
        scopes: Sequence[str] | None = None,
        open_browser: Callable[[str], object] | None = None,
        show_url: Callable[[str], None] = lambda url: None,
    ) -> Tokens:
        options: dict[str, Any] = {"scopes": scopes, "show_url": show_url, "now": self._now}
        if open_browser is not None:
            options["open_browser"] = open_browser
        return self._keep(browser_login(self.client, **options))

    def login_device(
        self,
        *,
        scopes: Sequence[str] | None = None,
        show_prompt: Callable[[DevicePrompt], None] = lambda prompt: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Tokens:
        tokens = device_login(
            self.client, scopes=scopes, show_prompt=show_prompt, sleep=sleep, now=self._now
        )
        return self._keep(tokens)

    def login_client_credentials(self, *, scopes: Sequence[str] | None = None) -> Tokens:
        """Server-to-Server: no user, no refresh token; renewed with the secret on expiry."""
        if not self.profile.client_secret:
            raise SdkError(f"profile {self.profile.name} has no client secret")
        chosen = self._app_scopes(scopes)
        body = self.client.client_credentials(chosen)
        return self._keep(Tokens.from_response(body, self._now(), grant_type="client_credentials"))

    def use_token(self, access_token: str) -> Tokens:
        """Bring your own token (from the playground, say): cached as is, never refreshed."""
        token = access_token.strip()
        if not token:
            raise SdkError("the token is empty")
        expires = expiry_of(token) or self._now() + _ASSUMED_LIFETIME
        return self._keep(Tokens(access_token=token, expires_at=expires, grant_type="external"))

    def _app_scopes(self, scopes: Sequence[str] | None) -> tuple[str, ...]:
        # Identity scopes mean nothing without a user; IMS refuses offline_access here.
        user_only = {"openid", "offline_access", "profile", "email", "address", "AdobeID"}
        return tuple(s for s in (scopes or self.profile.scopes) if s not in user_only)

    # Using and refreshing them --------------------------------------------------------------

    def tokens(self) -> Tokens:
        tokens = self._current or self.cache.load()
        if tokens is None:
            raise LoginRequired(
                f"not logged in with profile {self.profile.name}: run cclibs login"
                + ("" if self.profile.name == "local" else f" --profile {self.profile.name}")
            )
        return tokens

    def access_token(self) -> str:
        """A valid access token, refreshed first if it expires within the margin."""
        tokens = self.tokens()
        if not tokens.expires_within(REFRESH_MARGIN_SECONDS, self._now()):
            return tokens.access_token
        return self._refresh(stale=tokens.access_token).access_token

    def refresh(self) -> Tokens:
        """Refresh now, whatever the expiry (``cclibs token --refresh``)."""
        return self._refresh(stale=None)

    def after_rejection(self, rejected: str) -> str:
        """The API refused ``rejected`` with 401: a token newer than it (refreshing if needed)."""
        return self._refresh(stale=rejected).access_token

    async def aaccess_token(self) -> str:
        tokens = self._current
        if tokens is not None and not tokens.expires_within(REFRESH_MARGIN_SECONDS, self._now()):
            return tokens.access_token
        # The refresh is synchronous and locked; a worker thread keeps the event loop free
        # and lets tasks and threads share the one refresh.
        return await anyio.to_thread.run_sync(self.access_token)

    async def aafter_rejection(self, rejected: str) -> str:
        return await anyio.to_thread.run_sync(functools.partial(self.after_rejection, rejected))

    def _refresh(self, stale: str | None) -> Tokens:
        with self._lock, self.cache.locked():
            tokens = self.cache.load()
            if tokens is None:
                self._current = None
                return self.tokens()  # raises LoginRequired
            newer = stale is not None and tokens.access_token != stale
            if newer and not tokens.expires_within(REFRESH_MARGIN_SECONDS, self._now()):
                self._current = tokens  # refreshed meanwhile, here or by another process
                return tokens
            renewed = self._renew(tokens)
            self.cache.save(renewed)
            self._current = renewed
            return renewed

    def _renew(self, tokens: Tokens) -> Tokens:
        if tokens.refresh_token is None:
            if tokens.grant_type == "client_credentials":
                body = self.client.client_credentials(self._app_scopes(None))
                return Tokens.from_response(body, self._now(), grant_type="client_credentials")
            raise LoginRequired(
                f"the access token of profile {self.profile.name} has expired and there is no "
                "refresh token: run cclibs login again"
            )
        try:
            body = self.client.refresh(tokens.refresh_token)
        except OAuthServerError as exc:
            if exc.error == "invalid_grant":
                raise LoginRequired(
                    f"the refresh token of profile {self.profile.name} has expired or was "
                    "revoked: run cclibs login again"
                ) from None
            raise
        return Tokens.from_response(body, self._now(), previous=tokens)

    def auth(self) -> ApiAuth:
        return ApiAuth(self)

    # The user --------------------------------------------------------------------------------

    def userinfo(self) -> dict[str, Any]:
        token = self.access_token()
        response = self.client.userinfo(token)
        if response.status_code == 401:
            response = self.client.userinfo(self.after_rejection(token))
        if response.status_code != 200:
            raise SdkError(f"UserInfo answered {response.status_code}: {response.text[:200]}")
        body = response.json()
        if not isinstance(body, dict):
            raise SdkError("UserInfo did not answer a JSON object")
        return body

    def logout(self) -> None:
        """Revoke at the server (the refresh token, whose family takes its access tokens
        with it; then the access token), then forget the tokens."""
        tokens = self._current or self.cache.load()
        if tokens is None:
            return
        try:
            if tokens.refresh_token is not None:
                self.client.revoke(tokens.refresh_token, "refresh_token")
            if tokens.grant_type != "external":
                self.client.revoke(tokens.access_token, "access_token")
        except OAuthServerError as exc:
            # RFC 7009 §2.2.1: a server that cannot revoke access tokens says so; the refresh
            # token (revoked above) is what matters.
            if exc.error != "unsupported_token_type":
                raise
        except IssuerUnreachable:
            raise
        with self._lock, self.cache.locked():
            self.cache.clear()
            self._current = None
