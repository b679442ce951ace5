"""A token response as the SDK keeps it (RFC 6749 §5.1), with an absolute expiry."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, dataclass, replace
from typing import Any

from cclibs.sdk.errors import SdkError

__all__ = ["Tokens", "expiry_of", "unverified_claims"]

_DEFAULT_LIFETIME = 3600.0
"""RFC 6749 §5.1 makes expires_in optional; without it, assume an hour and refresh early."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_at: float
    """When the access token expires, in seconds since the epoch (from ``expires_in``)."""
    refresh_token: str | None = None
    id_token: str | None = None
    scope: str | None = None
    token_type: str = "bearer"  # noqa: S105 - a token type name
    grant_type: str | None = None
    """How they were obtained: ``client_credentials`` ones are renewed without a user."""

    @classmethod
    def from_response(
        cls,
        body: dict[str, Any],
        now: float,
        previous: Tokens | None = None,
        *,
        grant_type: str | None = None,
    ) -> Tokens:
        """A token endpoint's JSON. ``expires_in`` is in seconds (IMS /ims/token/v3 too;
        only IMS's legacy v1 used milliseconds, and the SDK does not call it).

        A refresh response may omit the refresh token (RFC 6749 §6: the old one stays valid)
        and the ID token; ``previous`` supplies them.
        """
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise SdkError("the token response has no access_token")
        expires_in = body.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float | str) else None
        refresh = body.get("refresh_token") or (previous.refresh_token if previous else None)
        id_token = body.get("id_token") or (previous.id_token if previous else None)
        scope = body.get("scope")
        if isinstance(scope, list):
            scope = " ".join(str(s) for s in scope)
        return cls(
            access_token=access,
            expires_at=now + (lifetime if lifetime is not None else _DEFAULT_LIFETIME),
            refresh_token=str(refresh) if refresh else None,
            id_token=str(id_token) if id_token else None,
            scope=str(scope) if scope else (previous.scope if previous else None),
            token_type=str(body.get("token_type") or "bearer"),
            grant_type=grant_type or (previous.grant_type if previous else None),
        )

    def expires_within(self, seconds: float, now: float) -> bool:
        return self.expires_at - seconds <= now

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Tokens:
        data = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
            raise ValueError("not a token cache")
        return cls(
            access_token=data["access_token"],
            expires_at=float(data.get("expires_at", 0)),
            refresh_token=data.get("refresh_token"),
            id_token=data.get("id_token"),
            scope=data.get("scope"),
            token_type=data.get("token_type") or "bearer",
            grant_type=data.get("grant_type"),
        )

    def expired(self) -> Tokens:
        """The same tokens marked as already expired (after a 401, or for ``--refresh``)."""
        return replace(self, expires_at=0.0)


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The payload of a JWT, not verified: for showing (``cclibs token --decode``) and for
    reading the expiry of a token brought from elsewhere. None when it is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


def expiry_of(token: str) -> float | None:
    """``exp`` (RFC 7519), or IMS's ``created_at`` + ``expires_in`` (milliseconds, §2.6)."""
    claims = unverified_claims(token) or {}
    if isinstance(claims.get("exp"), int | float):
        return float(claims["exp"])
    try:
        return (int(claims["created_at"]) + int(claims["expires_in"])) / 1000
    except (KeyError, TypeError, ValueError):
        return None
