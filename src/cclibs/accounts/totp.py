"""Time-based one-time passwords (RFC 6238) through pyotp: 30-second steps, six digits, SHA-1,
the parameters every authenticator app understands."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

__all__ = ["accepted_step", "new_secret", "provisioning_uri"]

_DRIFT = (0, -1, 1)
"""Steps accepted around now (RFC 6238 §5.2): one back and one ahead, for clock drift and the
time it takes to type a code."""


def new_secret() -> str:
    """A fresh base32 secret of 160 bits (RFC 4226 §4 recommends 160)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def accepted_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to, if it is valid now and newer than ``last_step``.

    A code of ``last_step`` or older is refused even inside the window, so a code seen once
    (over a shoulder, in a phishing proxy) cannot be replayed (RFC 6238 §5.2).
    """
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for offset in _DRIFT:
        step = current + offset
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
