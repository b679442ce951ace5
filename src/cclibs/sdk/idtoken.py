"""Verifying a JWT's signature, and an ID token's claims (OpenID Connect Core §3.1.3.7).

The signature against the issuer's JWKS (fetched again once when the token names a ``kid``
our copy lacks, because keys rotate), then ``iss``, ``aud`` (and ``azp`` when there are
several audiences), ``exp`` and ``iat``, and ``nonce`` when one was sent. No I/O here: the
clients fetch the JWKS (``conversation``); ``id_token_problems`` lists every failed check,
for a page that shows them all, and ``verify_id_token`` raises on the first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from cclibs.sdk.errors import IdTokenError

__all__ = [
    "ALGORITHMS",
    "LEEWAY_SECONDS",
    "checked_id_token",
    "expiry_problems",
    "id_token_problems",
    "peek",
    "unknown_kid",
    "verify_id_token",
    "verify_signature",
]

ALGORITHMS = ("RS256", "ES256", "PS256", "EdDSA")
"""RS256 is what OIDC requires and IMS uses; the others for servers that prefer them. All
asymmetric: never ``none``, never an HMAC keyed with something the client would share."""
LEEWAY_SECONDS = 120
"""Clock skew tolerated between this machine and the issuer."""


def peek(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The header and claims of a compact JWS, unverified; None when it is not one."""
    try:
        compact = jws.extract_compact(token.encode("ascii"))
        claims = json.loads(compact.payload)
    except (JoseError, ValueError, RecursionError, UnicodeError):
        return None
    header = dict(compact.protected)
    return (header, claims) if isinstance(claims, dict) else None


def unknown_kid(token: str, jwks: dict[str, Any]) -> bool:
    """Whether the token names a key the set lacks: worth fetching the set again, once."""
    decoded = peek(token)
    kid = decoded[0].get("kid") if decoded else None
    keys = jwks.get("keys")
    known = (
        {key.get("kid") for key in keys if isinstance(key, dict)}
        if isinstance(keys, list)
        else set()
    )
    return isinstance(kid, str) and kid not in known


def verify_signature(
    token: str, jwks: dict[str, Any], *, what: str = "the token"
) -> dict[str, Any]:
    """The claims of a JWT whose signature verifies with one of the set's keys."""
    try:
        keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        return dict(jwt.decode(token, keys, algorithms=list(ALGORITHMS)).claims)
    except (JoseError, ValueError, TypeError, RecursionError) as exc:
        raise IdTokenError(
            f"{what}'s signature does not verify ({type(exc).__name__}: {exc})"
        ) from None


def expiry_problems(claims: dict[str, Any], now: float) -> list[str]:
    """``exp`` passed (or missing) and ``iat`` in the future, with the leeway above."""
    problems = []
    expires = claims.get("exp")
    if isinstance(expires, bool) or not isinstance(expires, int | float):
        problems.append("the token has no valid exp")
    elif expires + LEEWAY_SECONDS <= now:
        problems.append("the token has expired")
    issued = claims.get("iat")
    if isinstance(issued, int | float) and issued - LEEWAY_SECONDS > now:
        problems.append("the token was issued in the future (check the clock)")
    return problems


def id_token_problems(
    claims: dict[str, Any], *, issuer: str, client_id: str, nonce: str | None, now: float
) -> list[str]:
    """Every check of OIDC Core §3.1.3.7 (after the signature) that the claims fail."""
    problems = []
    if str(claims.get("iss", "")).rstrip("/") != issuer.rstrip("/"):
        problems.append(f"it was issued by {claims.get('iss')!r}, not {issuer!r}")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if client_id not in audiences:
        problems.append(f"it was issued to another client (aud {audience!r})")
    elif len(audiences) > 1 and claims.get("azp") != client_id:
        problems.append("its azp is not this client")
    problems.extend(expiry_problems(claims, now))
    if nonce is not None and claims.get("nonce") != nonce:
        problems.append("its nonce does not match this login")
    return problems


def verify_id_token(
    id_token: str,
    *,
    jwks: Callable[[bool], dict[str, Any]],
    issuer: str,
    client_id: str,
    nonce: str | None,
    now: float,
) -> dict[str, Any]:
    """The verified claims. ``jwks(fresh)`` returns the issuer's key set."""
    keys = jwks(False)
    if unknown_kid(id_token, keys):
        keys = jwks(True)  # a key newer than our copy
    return checked_id_token(
        id_token, keys, issuer=issuer, client_id=client_id, nonce=nonce, now=now
    )


def checked_id_token(
    id_token: str,
    jwks: dict[str, Any],
    *,
    issuer: str,
    client_id: str,
    nonce: str | None,
    now: float,
) -> dict[str, Any]:
    """The claims of an ID token that verifies with ``jwks`` and passes every check."""
    claims = verify_signature(id_token, jwks, what="the ID token")
    problems = id_token_problems(claims, issuer=issuer, client_id=client_id, nonce=nonce, now=now)
    if problems:
        raise IdTokenError(f"the ID token failed a check: {problems[0]}")
    return claims
