"""The client half of OAuth 2.0 over a synchronous httpx client.

The operations are ``conversation``'s, shared with ``AsyncOAuthClient``; ``drivers`` sends
what they ask. Every call maps failures to the SDK's errors: a transport failure is
``IssuerUnreachable``, an OAuth error response (RFC 6749 §5.2) is ``OAuthServerError`` or one
of its named cases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import httpx

from cclibs.sdk.conversation import (
    DEVICE_GRANT,
    Conversation,
    IssuerMetadata,
    OAuthExchange,
    Step,
    oauth_error,
)
from cclibs.sdk.drivers import run_sync
from cclibs.sdk.endpoints import Endpoints
from cclibs.sdk.profiles import Profile

__all__ = ["DEVICE_GRANT", "OAuthClient", "discover", "oauth_error"]

T = TypeVar("T")


def discover(profile: Profile, http: httpx.Client) -> Endpoints:
    """The profile's endpoints: as it names them, or discovered and checked."""
    return run_sync(http, IssuerMetadata(profile.issuer, profile.endpoints).endpoints())


class OAuthClient:
    """One profile's conversation with its identity server (synchronous httpx)."""

    def __init__(
        self,
        profile: Profile,
        http: httpx.Client | None = None,
        *,
        metadata: IssuerMetadata | None = None,
    ) -> None:
        self.profile = profile
        self.client_id = profile.require_client_id()
        self._http = http or httpx.Client(timeout=httpx.Timeout(15.0), follow_redirects=False)
        self.metadata = metadata or IssuerMetadata(profile.issuer, profile.endpoints)
        self._talk = Conversation(profile, self.metadata)

    def close(self) -> None:
        self._http.close()

    def run(self, step: Step[T]) -> T:
        return run_sync(self._http, step)

    @property
    def endpoints(self) -> Endpoints:
        return self.run(self.metadata.endpoints())

    def send(self, endpoint: str, form: Mapping[str, str]) -> OAuthExchange:
        """POST to a named endpoint as this client; the answer as it came, never raised."""
        return self.run(self._talk.exchange(endpoint, form))

    def token_request(self, data: dict[str, str]) -> dict[str, Any]:
        return self.run(self._talk.token_request(data))

    def exchange_code(self, code: str, redirect_uri: str, verifier: str) -> dict[str, Any]:
        return self.run(self._talk.exchange_code(code, redirect_uri, verifier))

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        return self.run(self._talk.refresh(refresh_token))

    def client_credentials(self, scopes: Sequence[str]) -> dict[str, Any]:
        return self.run(self._talk.client_credentials(scopes))

    def start_device(self, scopes: Sequence[str]) -> dict[str, Any]:
        return self.run(self._talk.start_device(scopes))

    def poll_device(self, device_code: str) -> dict[str, Any]:
        return self.run(self._talk.poll_device(device_code))

    def revoke(self, token: str, hint: str) -> None:
        self.run(self._talk.revoke(token, hint))

    def introspect(self, token: str, hint: str) -> dict[str, Any]:
        return self.run(self._talk.introspect(token, hint))

    def userinfo(self, access_token: str) -> httpx.Response:
        return self.run(self._talk.userinfo(access_token))

    def jwks(self, *, fresh: bool = False) -> dict[str, Any]:
        return self.run(self.metadata.jwks(fresh=fresh))

    def verify_id_token(self, id_token: str, *, nonce: str | None, now: float) -> dict[str, Any]:
        return self.run(self._talk.verify_id_token(id_token, nonce=nonce, now=now))
