"""Single-use links sent by mail: confirm an email address, reset a password.

A link carries a random token (256 bits). The store keeps only an HMAC of it, keyed by the
server secret and the link's purpose, so a copy of the database opens nothing and a
verification token can never be replayed as a reset token. A link is spent by a conditional
update in the transaction that acts on it: two clicks of one link change one thing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

__all__ = ["LINK_LIFETIMES", "AccountLink", "LinkKeys", "LinkPurpose"]

LinkPurpose = Literal["verify", "reset"]

LINK_LIFETIMES: dict[LinkPurpose, timedelta] = {
    "verify": timedelta(hours=24),
    "reset": timedelta(minutes=30),
}

_MAX_TOKEN = 128


@dataclass(frozen=True, slots=True)
class AccountLink:
    id: str
    """The keyed hash of the token (``LinkKeys.id_of``)."""
    user_id: str
    purpose: LinkPurpose
    email: str
    """The address it was sent to."""
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


class LinkKeys:
    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, b"cclibs-account-link", hashlib.sha256).digest()

    def new(self, purpose: LinkPurpose) -> tuple[str, str]:
        """A fresh token for the mail, and the id it is stored under."""
        token = secrets.token_urlsafe(32)
        return token, self._hash(purpose, token)

    def id_of(self, purpose: LinkPurpose, token: str) -> str | None:
        """The stored id of a token from a link; None for what cannot be one (too long)."""
        if not token or len(token) > _MAX_TOKEN:
            return None
        return self._hash(purpose, token)

    def _hash(self, purpose: LinkPurpose, token: str) -> str:
        message = purpose.encode() + b"\x00" + token.encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
