"""Recovery codes: ten single-use codes that stand in for the authenticator when it is lost."""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["RECOVERY_CODES", "RecoveryCodeHasher", "new_recovery_codes", "normalise_code"]

RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or copied by hand
_LENGTH = 16
_GROUP = 4


def new_recovery_codes() -> list[str]:
    """Ten codes of 16 characters from a 31-letter alphabet (about 79 bits each), shown as
    ``xxxx-xxxx-xxxx-xxxx``."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
        codes.append("-".join(raw[i : i + _GROUP] for i in range(0, _LENGTH, _GROUP)))
    return codes


def normalise_code(typed: str) -> str:
    """What the user typed, without spaces, dashes or case."""
    return "".join(ch for ch in typed.lower() if ch not in " -\t")


class RecoveryCodeHasher:
    """Stores recovery codes as HMAC-SHA-256 under a key derived from the server secret.

    Not argon2, as passwords are: a password is chosen by a person and may be guessed, so
    its hash must be slow; a recovery code is 79 random bits, beyond any guessing, so a slow
    hash would only cost each sign-in time. The key still matters: a copy of the database
    without the server secret gives no way to test a candidate code at all.
    """

    def __init__(self, secret: bytes) -> None:
        self._key = hashlib.sha256(b"cclibs-recovery-code\x00" + secret).digest()

    def hash(self, code: str) -> str:
        normalised = normalise_code(code).encode()
        return hmac.new(self._key, normalised, hashlib.sha256).hexdigest()
