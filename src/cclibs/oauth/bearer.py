"""Validating access tokens presented as bearer tokens (RFC 6750, RFC 9068 §4).

Checks, in order: a JWS from a published key with the access-token algorithm and ``typ``
``at+jwt``; ``iss`` is this server; ``aud`` is this server's API; not expired; and then one
read that says whether the token may still be used:

- a token from a user's grant (it carries ``gid``): the grant (token family) is not revoked
  and its user is not disabled, so removing an application, disabling a user or a replayed
  refresh token ends access tokens at once, not when they expire;
- a token without ``gid`` (client_credentials, whose subject is the client): its client
  still exists and its owner is not disabled, so deleting a Server-to-Server credential, or
  disabling its owner, ends its tokens too; and its ``jti`` is not on the deny-list that
  revoking it one by one (RFC 7009) puts it on.

A token's signature is verified once per process: the claims of the last
``VERIFIED_CACHE_SIZE`` tokens verified are kept with the key that signed them, and reused only
while that key is still published; every other check above runs on every request.

Those reads go through ``LivenessLookup`` and ``ClientLookup``, which the server answers from
memory (``cclibs.storage.credential_cache``): a change is seen at once by the process that
made it and within half a second by every other, so validating a token reads nothing from the
database in the steady state.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from cclibs.clock import Clock
from cclibs.oauth.errors import InvalidToken, MissingToken
from cclibs.oauth.grant_ports import LivenessLookup
from cclibs.oauth.keys import InvalidJwt, KeyManager, KeyRing
from cclibs.oauth.ports import ClientLookup
from cclibs.oauth.tokens import api_audience

__all__ = ["VERIFIED_CACHE_SIZE", "AccessClaims", "BearerValidator", "bearer_token"]

VERIFIED_CACHE_SIZE = 4096
"""Tokens whose verified claims a process keeps (a few MB at most); the least recent go."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    subject: str
    client_id: str
    scope: frozenset[str]
    grant_id: str | None
    jti: str
    expires_at: int
    issued_at: int
    claims: dict[str, Any]


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer`` header (RFC 6750 §2.1)."""
    if not authorization:
        raise MissingToken()
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MissingToken("Send the access token as Authorization: Bearer <token>.")
    return token.strip()


class BearerValidator:
    def __init__(
        self,
        issuer: str,
        keys: KeyManager,
        grants: LivenessLookup,
        clients: ClientLookup,
        clock: Clock,
        *,
        access_token_alg: str,
    ) -> None:
        self._issuer = issuer
        self._audience = api_audience(issuer)
        self._keys = keys
        self._grants = grants
        self._clients = clients
        self._clock = clock
        self._alg = access_token_alg
        self._verified: OrderedDict[str, tuple[str, str, dict[str, Any]]] = OrderedDict()
        """token -> (kid, alg, claims) of the tokens whose signature was verified."""

    def _verified_claims(self, ring: KeyRing, token: str) -> dict[str, Any]:
        known = self._verified.get(token)
        if known is not None:
            kid, alg, claims = known
            if ring.verifies(kid, alg):
                self._verified.move_to_end(token)
                return claims
            del self._verified[token]
        try:
            header, claims = ring.verify(token, algs={self._alg}, typ="at+jwt")
        except InvalidJwt:
            raise InvalidToken("The access token is not valid.") from None
        self._verified[token] = (str(header["kid"]), str(header["alg"]), claims)
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return claims

    async def validate(self, token: str) -> AccessClaims:
        ring = await self._keys.keyring()
        claims = self._verified_claims(ring, token)
        if claims.get("iss") != self._issuer:
            raise InvalidToken("The access token was issued by another server.")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self._audience not in audiences:
            raise InvalidToken("The access token is for another audience.")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int) or not isinstance(iat, int):
            raise InvalidToken("The access token has no valid exp or iat.")
        if exp <= int(self._clock.now().timestamp()):
            raise InvalidToken("The access token has expired.")
        grant_id = claims.get("gid")
        client_id = str(claims.get("client_id"))
        if grant_id is not None:
            await self._check_grant_live(str(grant_id))
        else:
            await self._check_client_live(client_id)
            await self._check_not_denied(str(claims.get("jti")))
        scope = claims.get("scope")
        return AccessClaims(
            subject=str(claims.get("sub")),
            client_id=client_id,
            scope=frozenset(scope.split()) if isinstance(scope, str) else frozenset(),
            grant_id=str(grant_id) if grant_id is not None else None,
            jti=str(claims.get("jti")),
            expires_at=exp,
            issued_at=iat,
            claims=dict(claims),
        )

    async def _check_grant_live(self, grant_id: str) -> None:
        if await self._grants.live_grant(grant_id) is None:
            raise InvalidToken("The access token was revoked.")

    async def _check_not_denied(self, jti: str) -> None:
        if await self._grants.access_token_denied(jti):
            raise InvalidToken("The access token was revoked.")

    async def _check_client_live(self, client_id: str) -> None:
        found = await self._clients.client_credentials(client_id)
        if found is None:
            raise InvalidToken("The access token's credential was deleted.")
        if found.client.owner_disabled:
            raise InvalidToken("The access token's credential belongs to a disabled account.")
