"""Verifying an ID token (OpenID Connect Core §3.1.3.7).

The signature against the issuer's JWKS (fetched again once when the ``kid`` is unknown,
because keys rotate), then ``iss``, ``aud`` (and ``azp`` when there are several audiences),
``exp`` and ``iat``, and ``nonce`` when one was sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from cclibs.sdk.errors import IdTokenError

__all__ = ["ALGORITHMS", "LEEWAY_SECONDS", "verify_id_token"]

ALGORITHMS = ("RS256", "ES256")
"""RS256 is what OIDC requires and IMS uses; ES256 for servers that prefer it. Never none."""
LEEWAY_SECONDS = 120
"""Clock skew tolerated between this machine and the issuer."""


def _decode(id_token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    token = jwt.decode(id_token, keys, algorithms=list(ALGORITHMS))
    return dict(token.claims)


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
    try:
        try:
            claims = _decode(id_token, jwks(False))
        except JoseError:
            claims = _decode(id_token, jwks(True))  # perhaps a key newer than our copy
    except (JoseError, ValueError) as exc:
        raise IdTokenError(f"the ID token's signature does not verify ({exc})") from None
    if str(claims.get("iss", "")).rstrip("/") != issuer.rstrip("/"):
        raise IdTokenError(f"the ID token was issued by {claims.get('iss')!r}, not {issuer!r}")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if client_id not in audiences:
        raise IdTokenError("the ID token was issued to another client (aud)")
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise IdTokenError("the ID token's azp is not this client")
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires + LEEWAY_SECONDS <= now:
        raise IdTokenError("the ID token has expired")
    issued = claims.get("iat")
    if isinstance(issued, int | float) and issued - LEEWAY_SECONDS > now:
        raise IdTokenError("the ID token was issued in the future (check the clock)")
    if nonce is not None and claims.get("nonce") != nonce:
        raise IdTokenError("the ID token's nonce does not match this login")
    return claims
