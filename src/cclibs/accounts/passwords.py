"""Password hashing with argon2id, run in a worker thread so the event loop never waits on it."""

from __future__ import annotations

import anyio.to_thread
from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "PasswordHasher", "check_new_password"]

MIN_PASSWORD_LENGTH = 8
# argon2 hashes any length; the cap keeps a megabyte "password" from costing a core.
MAX_PASSWORD_LENGTH = 1024


class PasswordHasher:
    """argon2id with argon2-cffi's current RFC 9106 low-memory profile."""

    def __init__(self, *, time_cost: int | None = None, memory_cost: int | None = None) -> None:
        defaults = _Argon2()
        self._argon2 = _Argon2(
            time_cost=defaults.time_cost if time_cost is None else time_cost,
            memory_cost=defaults.memory_cost if memory_cost is None else memory_cost,
        )
        # Verified when the email is unknown, so both failures cost the same time. Made on
        # first use (in the worker thread), not at start: it costs a hash.
        self._decoy: str | None = None

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._argon2.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when the password matches; a missing hash costs one decoy verification."""
        return await anyio.to_thread.run_sync(self._verify, password_hash, password)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            if password_hash is None and self._decoy is None:
                self._decoy = self._argon2.hash("cclibs-decoy-password")
            return self._argon2.verify(password_hash or self._decoy or "", password) and (
                password_hash is not None
            )
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._argon2.check_needs_rehash(password_hash)


def check_new_password(password: str, *, email: str = "") -> str | None:
    """Why a new password is refused, or None when it is acceptable (NIST SP 800-63B rules)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    if email and password.strip().lower() == email.strip().lower():
        return "Your password must differ from your email address."
    if len(set(password)) < 3:
        return "This password is too easy to guess; use more varied characters."
    return None
