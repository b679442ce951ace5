"""Signing deliveries, in the style of Standard Webhooks.

Each delivery carries ``webhook-id`` (the event id, the same on every retry: receivers dedupe
on it), ``webhook-timestamp`` (Unix seconds, when this attempt was signed) and
``webhook-signature: v1,<base64 HMAC-SHA256>`` over ``timestamp + "." + body`` keyed with the
subscription's secret (its UTF-8 bytes, ``whsec_`` prefix included). A receiver recomputes the
HMAC, compares in constant time, and refuses a timestamp far from its clock (a replay).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

__all__ = [
    "SECRET_PREFIX",
    "TOLERANCE_SECONDS",
    "BadSignature",
    "new_secret",
    "signature",
    "signed_headers",
    "verify",
]

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
TOLERANCE_SECONDS = 300
"""How far a receiver should let a timestamp stray from its clock (Standard Webhooks' 5 min)."""


class BadSignature(ValueError):
    """The delivery is not signed with the secret, or is too old or too new."""


def new_secret() -> str:
    """256 random bits."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def signed_headers(secret: str, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, timestamp, body),
    }


def verify(
    secret: str,
    headers: dict[str, str],
    body: bytes,
    now: int,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """What a receiver does (lower-case header names); raises ``BadSignature``."""
    try:
        timestamp = int(headers["webhook-timestamp"])
        given = headers["webhook-signature"].split()
    except (KeyError, ValueError):
        raise BadSignature("missing or malformed webhook-timestamp or webhook-signature") from None
    if abs(now - timestamp) > tolerance:
        raise BadSignature("the timestamp is too far from now")
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected.encode(), part.encode()) for part in given):
        raise BadSignature("no signature matches")
