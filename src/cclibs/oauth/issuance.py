"""Issuing the tokens of a grant: access token, rotated refresh token, ID token.

Refresh tokens are opaque values stored as keyed hashes (RFC 9700 §4.14; a database leak
does not leak usable tokens). The first of a family is random; each rotation's successor is
derived from its predecessor with a server key (``successor_of``), so a refresh repeated
within the reuse grace window is answered with the same successor instead of a second one,
and a family never splits into branches. ID tokens follow OIDC Core §2 and §3.1.3.6 (``at_hash``),
signed RS256 as OIDC requires every provider to support.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cclibs.clock import Clock
from cclibs.oauth.authn_context import acr_for
from cclibs.oauth.clients import Client, ClientType, SecretHasher
from cclibs.oauth.grant_ports import Grant, RefreshToken, RefreshTokenSink
from cclibs.oauth.tokens import JwtSigner, TokenIssuer
from cclibs.randomness import token_urlsafe

__all__ = [
    "ID_TOKEN_ALG",
    "ID_TOKEN_TTL",
    "IssuancePolicy",
    "PendingTokens",
    "TokenFactory",
    "at_hash",
]

ID_TOKEN_ALG = "RS256"  # noqa: S105 - an algorithm name
ID_TOKEN_TTL = 3600


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: the left half of SHA-256 of the token, base64url."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class PendingTokens:
    """Recorded in the database, not yet signed (see ``TokenFactory.record``)."""

    client: Client
    grant: Grant
    scope: tuple[str, ...]
    refresh_token: str | None
    nonce: str | None
    id_token: bool
    include_sub: bool


@dataclass(frozen=True, slots=True)
class IssuancePolicy:
    spa_refresh_tokens: bool
    """Whether Single-Page Apps get refresh tokens (Adobe's do not)."""
    refresh_reuse_grace: timedelta
    """How long a just-rotated refresh token may still be exchanged (concurrent refreshes)."""


class TokenFactory:
    def __init__(
        self,
        issuer_url: str,
        access: TokenIssuer,
        signer: JwtSigner,
        token_hasher: SecretHasher,
        clock: Clock,
        policy: IssuancePolicy,
        successors: SecretHasher,
    ) -> None:
        self._issuer_url = issuer_url
        self._access = access
        self._signer = signer
        self._token_hasher = token_hasher
        self._successors = successors
        self._clock = clock
        self.policy = policy

    @property
    def issuer(self) -> str:
        """The issuer this factory issues for; codes and token families are bound to it."""
        return self._issuer_url

    def token_hash(self, token: str) -> str:
        """The keyed hash under which a code or refresh token is stored."""
        return self._token_hasher.hash(token)

    def successor_of(self, refresh_token: str) -> str:
        """The refresh token that rotating ``refresh_token`` yields: a keyed function of it,
        unguessable without both the token and the server key, and the same every time."""
        digest = bytes.fromhex(self._successors.hash(refresh_token))
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def gets_refresh_token(self, client: Client, scope: tuple[str, ...]) -> bool:
        if "offline_access" not in scope or not client.offline_access:
            return False
        return client.type is not ClientType.SPA or self.policy.spa_refresh_tokens

    async def record(
        self,
        store: RefreshTokenSink,
        client: Client,
        grant: Grant,
        scope: tuple[str, ...],
        *,
        refresh_scope: tuple[str, ...] | None = None,
        refresh_value: str | None = None,
        nonce: str | None = None,
        id_token: bool = False,
        include_sub: bool = True,
    ) -> PendingTokens:
        """The database half of issuing, inside the grant's transaction: store the refresh
        token (as a hash) for ``refresh_scope`` (default ``scope``) when the client gets one;
        ``refresh_value`` is its value when given (a rotation's successor), else random.

        Signing happens in ``finish``, after the transaction: it may read the signing keys
        (a second connection) and costs CPU, neither of which belongs under a row lock.
        """
        refresh_scope = refresh_scope or scope
        if self.gets_refresh_token(client, refresh_scope):
            refresh_value = refresh_value or token_urlsafe(32)
            now = self._clock.now()
            await store.add_refresh_token(
                RefreshToken(
                    token_hash=self.token_hash(refresh_value),
                    grant_id=grant.id,
                    client_id=client.client_id,
                    scope=refresh_scope,
                    created_at=now,
                    expires_at=now + timedelta(seconds=client.refresh_token_ttl),
                )
            )
        else:
            refresh_value = None
        return PendingTokens(
            client=client,
            grant=grant,
            scope=scope,
            refresh_token=refresh_value,
            nonce=nonce,
            id_token="openid" in scope and id_token,
            include_sub=include_sub,
        )

    async def finish(self, pending: PendingTokens) -> dict[str, Any]:
        """Sign the access token (and ID token) of a recorded issuance: the token response."""
        client, grant = pending.client, pending.grant
        access = await self._access.access_token(
            client_id=client.client_id,
            subject=grant.user_id,
            scope=pending.scope,
            ttl=client.access_token_ttl,
            grant_id=grant.id,
        )
        response: dict[str, Any] = {
            "access_token": access.token,
            "token_type": "bearer",
            "expires_in": access.expires_in,
            "scope": " ".join(pending.scope),
        }
        if pending.include_sub:
            response["sub"] = grant.user_id  # IMS's v3 token response carries sub
        if pending.refresh_token is not None:
            response["refresh_token"] = pending.refresh_token
        if pending.id_token:
            response["id_token"] = await self._id_token(client, grant, access.token, pending.nonce)
        return response

    async def _id_token(
        self, client: Client, grant: Grant, access_token: str, nonce: str | None
    ) -> str:
        issued = int(self._clock.now().timestamp())
        claims: dict[str, Any] = {
            "iss": self._issuer_url,
            "sub": grant.user_id,
            "aud": client.client_id,
            "azp": client.client_id,
            "iat": issued,
            "exp": issued + ID_TOKEN_TTL,
            "auth_time": int(grant.auth_time.timestamp()),
            "at_hash": at_hash(access_token),
            "sid": grant.sid,
            "amr": list(grant.amr),
            "acr": acr_for(grant.amr),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        return await self._signer.sign(claims, alg=ID_TOKEN_ALG, typ="JWT")
