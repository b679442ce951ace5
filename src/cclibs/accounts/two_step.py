"""Two-step sign-in: a TOTP authenticator (RFC 6238) and ten single-use recovery codes.

After a right password, an account with an authenticator gets no session yet: it gets a sealed
*pending* token (user, time) that the second step opens, within ten minutes, with a code. A
code is a current TOTP code of a step newer than the last one accepted, or an unused recovery
code; wrong codes are throttled per account and per address (``cclibs.accounts.throttle``).
The sessions it opens carry ``amr`` ``pwd otp`` (RFC 8176), which ID tokens repeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cclibs.accounts.errors import (
    AccountDisabled,
    InvalidCode,
    InvalidField,
    SecondStepExpired,
    UnknownUser,
)
from cclibs.accounts.models import SecondFactor, SignedIn, User
from cclibs.accounts.passwords import MAX_PASSWORD_LENGTH, PasswordHasher
from cclibs.accounts.ports import AccountStore, AccountTransactions
from cclibs.accounts.recovery import RecoveryCodeHasher, new_recovery_codes, normalise_code
from cclibs.accounts.service import Accounts
from cclibs.accounts.throttle import ThrottlePolicy
from cclibs.accounts.totp import accepted_step, new_secret, provisioning_uri
from cclibs.clock import Clock
from cclibs.sealing import Sealer, Unsealable

__all__ = ["SECOND_STEP_AMR", "Enrolment", "TwoStep", "TwoStepStatus"]

SECOND_STEP_AMR = ("pwd", "otp")
_PENDING_FOR = timedelta(minutes=10)
_MAX_CODE = 64


@dataclass(frozen=True, slots=True)
class Enrolment:
    """An authenticator being added: shown to the user, not yet stored."""

    secret: str
    uri: str
    """``otpauth://`` for the QR code."""
    pending: str
    """The secret sealed to the browser session, carried by the confirmation form."""


@dataclass(frozen=True, slots=True)
class TwoStepStatus:
    enabled_at: datetime
    recovery_codes_left: int


class TwoStep:
    def __init__(
        self,
        transactions: AccountTransactions,
        accounts: Accounts,
        hasher: PasswordHasher,
        secret: bytes,
        clock: Clock,
        throttle: ThrottlePolicy,
        issuer_label: str,
    ) -> None:
        self._tx = transactions
        self._accounts = accounts
        self._hasher = hasher
        self._clock = clock
        self._throttle = throttle
        self._label = issuer_label
        self._stored = Sealer(secret, "totp-secret")
        self._enrolling = Sealer(secret, "totp-enrolment")
        self._pending = Sealer(secret, "second-step-pending")
        self._codes = RecoveryCodeHasher(secret)

    async def status(self, user_id: str) -> TwoStepStatus | None:
        """None when the user signs in with the password alone."""
        async with self._tx.read() as store:
            factor = await store.second_factor(user_id)
            if factor is None:
                return None
            return TwoStepStatus(factor.enabled_at, await store.recovery_codes_left(user_id))

    # Enrolment ----------------------------------------------------------------------------

    def begin(self, user: User, session_id: str) -> Enrolment:
        secret = new_secret()
        pending = self._enrolling.seal(secret.encode(), _enrolment_context(user, session_id))
        return Enrolment(secret, provisioning_uri(secret, user.email, self._label), pending)

    def resume(self, user: User, session_id: str, pending: str) -> Enrolment:
        """The enrolment a confirmation form carries (to show it again after a wrong code)."""
        try:
            secret = self._enrolling.open(pending, _enrolment_context(user, session_id)).decode()
        except Unsealable:
            raise InvalidField(
                "This set-up page is out of date. Start again.", field="code"
            ) from None
        return Enrolment(secret, provisioning_uri(secret, user.email, self._label), pending)

    async def enable(self, user: User, session_id: str, pending: str, code: str) -> list[str]:
        """Turn two-step sign-in on once ``code`` proves the app holds the secret; returns
        the recovery codes, which are never shown again."""
        enrolment = self.resume(user, session_id, pending)
        step = accepted_step(enrolment.secret, _digits(code), self._clock.now(), None)
        if step is None:
            raise InvalidField(
                "That code is not right. Enter the code the app shows now.", field="code"
            )
        codes = new_recovery_codes()
        factor = SecondFactor(
            user_id=user.id,
            sealed_secret=self._stored.seal(enrolment.secret.encode(), _stored_context(user.id)),
            last_step=step,
            enabled_at=self._clock.now(),
        )
        async with self._tx.write() as store:
            if await store.second_factor(user.id, for_update=True) is not None:
                # Replacing an authenticator is turning it off first, which asks the password.
                raise InvalidField("Two-step sign-in is already on.", field="code")
            await store.save_second_factor(factor, [self._codes.hash(c) for c in codes])
        return codes

    async def new_recovery_codes(self, user: User, password: str) -> list[str]:
        """Replace every recovery code (the password first, as for any change of how one
        signs in)."""
        await self._check_password(user, password)
        codes = new_recovery_codes()
        async with self._tx.write() as store:
            if await store.second_factor(user.id, for_update=True) is None:
                raise InvalidField("Two-step sign-in is off.", field="password")
            await store.replace_recovery_codes(user.id, [self._codes.hash(c) for c in codes])
        return codes

    async def disable(self, user: User, password: str) -> None:
        await self._check_password(user, password)
        async with self._tx.write() as store:
            await store.delete_second_factor(user.id)

    async def reset(self, user_id: str, *, by: User | None = None) -> bool:
        """An administrator (``by``; None: the CLI) turns the user's two-step sign-in off (a
        lost phone and lost codes); whether it was on. Not their own: that would skip the
        password ``disable`` asks for."""
        if by is not None and by.id == user_id:
            raise InvalidField("Turn your own two-step sign-in off on your account page.")
        async with self._tx.write() as store:
            if await store.user_by_id(user_id) is None:
                raise UnknownUser()
            return await store.delete_second_factor(user_id)

    # Sign-in ------------------------------------------------------------------------------

    def start_sign_in(self, user: User) -> str:
        """The pending token of a sign-in whose password was right."""
        issued = self._clock.now().timestamp()
        return self._pending.seal(f"{user.id}\n{issued:.6f}".encode())

    async def finish_sign_in(
        self, pending: str, code: str, *, address: str, user_agent: str = ""
    ) -> SignedIn:
        """Open a session once ``code`` is right; raises SecondStepExpired, InvalidCode or
        Throttled."""
        user = await self._pending_user(pending)
        now = self._clock.now()
        async with self._tx.write() as store:
            reservation = await self._throttle.reserve_second_step(store, user.id, address, now)
            accepted = await self._accept(store, user.id, code[:_MAX_CODE], now)
            if accepted:
                await self._throttle.forgive(store, reservation, now)
            else:
                await self._throttle.prune(store, now)
        # Outside the transaction: the failure row must be committed before the refusal.
        if not accepted:
            raise InvalidCode()
        return await self._accounts.open_session(
            user, user_agent, address=address, amr=SECOND_STEP_AMR
        )

    async def _pending_user(self, pending: str) -> User:
        try:
            user_id, _, issued = self._pending.open(pending).decode().partition("\n")
            started = datetime.fromtimestamp(float(issued), self._clock.now().tzinfo)
        except (Unsealable, ValueError):
            raise SecondStepExpired() from None
        if self._clock.now() - started > _PENDING_FOR:
            raise SecondStepExpired()
        user = await self._accounts.get(user_id)
        # A password changed since is a new password: the old one proves nothing now.
        if user is None or user.password_changed_at > started:
            raise SecondStepExpired()
        if user.is_disabled:
            raise AccountDisabled()
        return user

    async def _accept(self, store: AccountStore, user_id: str, code: str, now: datetime) -> bool:
        factor = await store.second_factor(user_id, for_update=True)
        if factor is None:
            return False
        digits = _digits(code)
        if len(digits) == 6 and digits.isdigit():
            secret = self._stored.open(factor.sealed_secret, _stored_context(user_id)).decode()
            step = accepted_step(secret, digits, now, factor.last_step)
            if step is None:
                return False
            await store.set_last_step(user_id, step)
            return True
        if not normalise_code(code):
            return False
        return await store.use_recovery_code(user_id, self._codes.hash(code), now)

    async def _check_password(self, user: User, password: str) -> None:
        too_long = len(password) > MAX_PASSWORD_LENGTH
        if too_long or not await self._hasher.verify(user.password_hash, password):
            raise InvalidField("Your password is not correct.", field="password")


def _digits(code: str) -> str:
    return "".join(code.split())


def _enrolment_context(user: User, session_id: str) -> bytes:
    return f"{user.id}\n{session_id}".encode()


def _stored_context(user_id: str) -> bytes:
    return user_id.encode()
