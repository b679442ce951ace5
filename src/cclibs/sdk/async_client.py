"""The client half of OAuth 2.0 over an asynchronous httpx client.

The same operations as ``OAuthClient`` (both run ``conversation``'s steps), awaited; and
what a server-side caller needs beside them: an injected ``httpx.AsyncClient`` (with its own
transports and limits), issuer metadata shared between clients and kept for a while, and
``send``, which answers an error response instead of raising it.

    async with httpx.AsyncClient() as http:
        client = AsyncOAuthClient(profile, http)
        tokens = await client.client_credentials(["openid"])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import httpx

from cclibs.sdk.conversation import Conversation, IssuerMetadata, OAuthExchange, Step
from cclibs.sdk.drivers import MAX_BODY, run_async
from cclibs.sdk.endpoints import Endpoints
from cclibs.sdk.profiles import Profile

__all__ = ["AsyncOAuthClient"]

T = TypeVar("T")


class AsyncOAuthClient:
    """One client's conversation with its identity server (asynchronous httpx).

    ``profile.client_id`` may be empty for a client that only discovers and verifies; the
    calls that need it raise ``ConfigurationError``. ``metadata`` shares one server's
    endpoints and keys between clients (see ``IssuerMetadata``); ``max_body`` bounds what is
    read of any answer.
    """

    def __init__(
        self,
        profile: Profile,
        http: httpx.AsyncClient | None = None,
        *,
        metadata: IssuerMetadata | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        self.profile = profile
        self._owned = http is None
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(15.0), follow_redirects=False)
        self.metadata = metadata or IssuerMetadata(profile.issuer, profile.endpoints)
        self._talk = Conversation(profile, self.metadata)
        self._max_body = max_body

    async def aclose(self) -> None:
        """Close the httpx client if this object made it (an injected one is the caller's)."""
        if self._owned:
            await self._http.aclose()

    async def run(self, step: Step[T]) -> T:
        return await run_async(self._http, step, max_body=self._max_body)

    async def endpoints(self) -> Endpoints:
        return await self.run(self.metadata.endpoints())

    async def send(
        self, endpoint: str, form: Mapping[str, str], *, authenticate: bool = True
    ) -> OAuthExchange:
        """POST to a named endpoint (``"token_endpoint"``...) as this client, or anonymously;
        the answer as it came, error responses included, never raised."""
        return await self.run(self._talk.exchange(endpoint, form, authenticate=authenticate))

    async def token_request(self, data: Mapping[str, str]) -> dict[str, Any]:
        return await self.run(self._talk.token_request(data))

    async def exchange_code(self, code: str, redirect_uri: str, verifier: str) -> dict[str, Any]:
        return await self.run(self._talk.exchange_code(code, redirect_uri, verifier))

    async def refresh(self, refresh_token: str) -> dict[str, Any]:
        return await self.run(self._talk.refresh(refresh_token))

    async def client_credentials(self, scopes: Sequence[str]) -> dict[str, Any]:
        return await self.run(self._talk.client_credentials(scopes))

    async def start_device(self, scopes: Sequence[str]) -> dict[str, Any]:
        return await self.run(self._talk.start_device(scopes))

    async def poll_device(self, device_code: str) -> dict[str, Any]:
        return await self.run(self._talk.poll_device(device_code))

    async def revoke(self, token: str, hint: str) -> None:
        await self.run(self._talk.revoke(token, hint))

    async def introspect(self, token: str, hint: str) -> dict[str, Any]:
        return await self.run(self._talk.introspect(token, hint))

    async def userinfo(self, access_token: str) -> httpx.Response:
        return await self.run(self._talk.userinfo(access_token))

    async def jwks(self, *, fresh: bool = False) -> dict[str, Any]:
        return await self.run(self.metadata.jwks(fresh=fresh))

    async def verify_jwt(self, token: str) -> dict[str, Any]:
        """A JWT's claims once its signature verifies with the issuer's keys (no claim
        checked: see ``idtoken.id_token_problems`` and ``expiry_problems``)."""
        return await self.run(self._talk.verify_jwt(token))

    async def verify_id_token(
        self, id_token: str, *, nonce: str | None, now: float
    ) -> dict[str, Any]:
        return await self.run(self._talk.verify_id_token(id_token, nonce=nonce, now=now))
