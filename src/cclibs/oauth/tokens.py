"""Access tokens: JWTs per RFC 9068, carrying IMS's claims too for clients that decode them.

RFC 9068 §2.2 claims: iss, sub, aud, client_id, scope, iat, exp, jti (typ ``at+jwt``).
IMS clients (Adobe's libraries) read ``type``, ``client_id``, ``user_id``, ``as``, and
``created_at`` / ``expires_in`` in milliseconds as strings (expiry = created_at + expires_in).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from cclibs.clock import Clock
from cclibs.randomness import token_urlsafe

__all__ = ["AccessToken", "JwtSigner", "TokenIssuer", "api_audience"]

AUTHORIZATION_SERVER_NAME = "cclibs"


class JwtSigner(Protocol):
    async def sign(self, claims: dict[str, Any], *, alg: str, typ: str) -> str:
        """A compact JWS of ``claims`` with the current key for ``alg``."""
        ...


@dataclass(frozen=True, slots=True)
class AccessToken:
    token: str
    jti: str
    expires_in: int
    scope: tuple[str, ...]


def api_audience(issuer: str) -> str:
    """The resource the access tokens are for: this server's Libraries API."""
    return f"{issuer}/api"


class TokenIssuer:
    def __init__(
        self, issuer: str, signer: JwtSigner, clock: Clock, *, access_token_alg: str
    ) -> None:
        self._issuer = issuer
        self._signer = signer
        self._clock = clock
        self._alg = access_token_alg

    async def access_token(
        self,
        *,
        client_id: str,
        subject: str,
        scope: tuple[str, ...],
        ttl: int,
        grant_id: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> AccessToken:
        now = self._clock.now()
        issued = int(now.timestamp())
        jti = token_urlsafe(16)
        claims: dict[str, Any] = {
            "iss": self._issuer,
            "sub": subject,
            "aud": api_audience(self._issuer),
            "client_id": client_id,
            "scope": " ".join(scope),
            "iat": issued,
            "exp": issued + ttl,
            "jti": jti,
            # IMS compatibility
            "type": "access_token",
            "user_id": subject,
            "as": AUTHORIZATION_SERVER_NAME,
            "created_at": str(int(now.timestamp() * 1000)),
            "expires_in": str(ttl * 1000),
        }
        if grant_id is not None:
            claims["gid"] = grant_id
        if extra:
            claims.update(extra)
        token = await self._signer.sign(claims, alg=self._alg, typ="at+jwt")
        return AccessToken(token=token, jti=jti, expires_in=ttl, scope=scope)
