"""Token introspection (RFC 7662).

Only confidential clients may ask (§4: introspection must not become a token-scanning
oracle), and a client learns only about tokens issued to itself: anything else, unknown,
expired or revoked, or of a disabled user, is ``{"active": false}``.
"""

from __future__ import annotations

from typing import Any

from cclibs.clock import Clock
from cclibs.oauth.bearer import BearerValidator
from cclibs.oauth.client_auth import ClientAuthenticator
from cclibs.oauth.errors import InvalidClient, InvalidRequest, InvalidToken
from cclibs.oauth.grant_ports import GrantTransactions
from cclibs.oauth.issuance import TokenFactory
from cclibs.oauth.messages import OAuthRequest
from cclibs.oauth.tokens import api_audience

__all__ = ["IntrospectionEndpoint"]

_INACTIVE: dict[str, Any] = {"active": False}


class IntrospectionEndpoint:
    def __init__(
        self,
        issuer: str,
        authenticator: ClientAuthenticator,
        grants: GrantTransactions,
        factory: TokenFactory,
        bearer: BearerValidator,
        clock: Clock,
    ) -> None:
        self._issuer = issuer
        self._authenticator = authenticator
        self._grants = grants
        self._factory = factory
        self._bearer = bearer
        self._clock = clock

    async def handle(self, request: OAuthRequest) -> dict[str, Any]:
        token = request.get("token")
        if token is None:
            raise InvalidRequest("token is required.")
        auth = await self._authenticator.authenticate(request)
        if auth.client.is_public:
            raise InvalidClient("Only confidential clients may introspect tokens.")
        client_id = auth.client.client_id
        hint = request.get("token_type_hint")
        if hint != "refresh_token":
            found = await self._access(token, client_id)
            if found is not None or hint == "access_token":
                return found or dict(_INACTIVE)
        return await self._refresh(token, client_id) or dict(_INACTIVE)

    async def _access(self, token: str, client_id: str) -> dict[str, Any] | None:
        try:
            access = await self._bearer.validate(token)
        except InvalidToken:
            return None
        if access.client_id != client_id:
            return None
        return {
            "active": True,
            "token_type": "access_token",
            "scope": " ".join(sorted(access.scope)),
            "client_id": access.client_id,
            "sub": access.subject,
            "username": access.subject,
            "aud": api_audience(self._issuer),
            "iss": self._issuer,
            "exp": access.expires_at,
            "iat": access.issued_at,
            "jti": access.jti,
        }

    async def _refresh(self, token: str, client_id: str) -> dict[str, Any] | None:
        now = self._clock.now()
        async with self._grants.read() as store:
            refresh = await store.refresh_token(self._factory.token_hash(token))
            grant = await store.live_grant(refresh.grant_id) if refresh else None
        if refresh is None or grant is None or refresh.client_id != client_id:
            return None
        rotated_out = refresh.rotated_at is not None and (
            now - refresh.rotated_at > self._factory.policy.refresh_reuse_grace
        )
        if refresh.expires_at <= now or rotated_out:
            return None
        return {
            "active": True,
            "token_type": "refresh_token",
            "scope": " ".join(refresh.scope),
            "client_id": refresh.client_id,
            "sub": grant.user_id,
            "iss": self._issuer,
            "exp": int(refresh.expires_at.timestamp()),
            "iat": int(refresh.created_at.timestamp()),
        }
