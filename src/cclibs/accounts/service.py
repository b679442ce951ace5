"""The accounts service: sign-in, sessions, password changes, and what administrators do
(create, list, disable and enable users). Sign-up and what goes by mail (verification,
password reset) are in ``cclibs.accounts.by_mail``."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from cclibs.accounts.errors import (
    AccountDisabled,
    CannotDisableSelf,
    InvalidCredentials,
    InvalidField,
    UnknownUser,
)
from cclibs.accounts.models import NewUser, SecondStepDue, SignedIn, User, UserPage, WebSession
from cclibs.accounts.passwords import MAX_PASSWORD_LENGTH, PasswordHasher, check_new_password
from cclibs.accounts.ports import AccessRevoker, AccountTransactions
from cclibs.accounts.sessions import BrowserSessions
from cclibs.accounts.throttle import Reservation, ThrottlePolicy
from cclibs.clock import Clock
from cclibs.emails import MAX_EMAIL, email_key, looks_like_email

__all__ = [
    "Accounts",
    "check_new_account",
    "new_account",
    "new_user_id",
    "normalise_email",
    "session_id_of",
]

_MAX_NAME = 200
_MAX_USER_AGENT = 300
_MAX_ADDRESS = 64
USERS_PER_PAGE = 100


def normalise_email(raw: str) -> str:
    """The address's key (``cclibs.emails``); raises InvalidField when it cannot be one."""
    email = email_key(raw)
    if not looks_like_email(email):
        raise InvalidField("Enter an email address such as name@example.com.", field="email")
    return email


def check_new_account(*, email: str, name: str, password: str) -> tuple[str, str]:
    """The email's key and the tidied name of a new account; raises InvalidField naming every
    field that is wrong. Says nothing about whether the email is taken."""
    problems: dict[str, str] = {}
    try:
        name = _check_name(name)
    except InvalidField as exc:
        problems["name"] = exc.message
    try:
        email = normalise_email(email)
    except InvalidField as exc:
        problems["email"] = exc.message
    problem = check_new_password(password, email=email)
    if problem:
        problems["password"] = problem
    if problems:
        raise InvalidField.of(problems)
    return email, name


def new_user_id() -> str:
    """An IMS-shaped user id: 24 upper-case hex digits and ``@AdobeID``."""
    return f"{secrets.token_hex(12).upper()}@AdobeID"


def new_account(
    email: str,
    name: str,
    password_hash: str,
    at: datetime,
    *,
    is_admin: bool = False,
    email_verified: bool = False,
) -> NewUser:
    """A new user with a fresh id, from checked values (``check_new_account``)."""
    return NewUser(
        id=new_user_id(),
        email=email,
        name=name,
        password_hash=password_hash,
        is_admin=is_admin,
        created_at=at,
        email_verified=email_verified,
    )


def session_id_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    def __init__(
        self,
        transactions: AccountTransactions,
        hasher: PasswordHasher,
        clock: Clock,
        throttle: ThrottlePolicy,
        session_max_age: timedelta,
        access: AccessRevoker,
    ) -> None:
        self._tx = transactions
        self._access = access
        self._hasher = hasher
        self._clock = clock
        self._throttle = throttle
        self._session_max_age = session_max_age
        self.sessions = BrowserSessions(transactions, clock)

    # Users --------------------------------------------------------------------------------

    async def create_user(
        self,
        *,
        email: str,
        name: str,
        password: str,
        is_admin: bool = False,
        email_verified: bool = False,
    ) -> User:
        """An account made by an administrator (``cclibs users create``), or by a test."""
        email, name = check_new_account(email=email, name=name, password=password)
        password_hash = await self._hasher.hash(password)
        user = new_account(
            email,
            name,
            password_hash,
            self._clock.now(),
            is_admin=is_admin,
            email_verified=email_verified,
        )
        async with self._tx.write() as store:
            return await store.add_user(user)

    async def get(self, user_id: str) -> User | None:
        async with self._tx.read() as store:
            return await store.user_by_id(user_id)

    async def find_by_email(self, email: str) -> User | None:
        async with self._tx.read() as store:
            return await store.user_by_email(email_key(email))

    async def list_users(self) -> list[User]:
        async with self._tx.read() as store:
            return await store.list_users()

    async def search_users(self, query: str = "", page: int = 1) -> UserPage:
        """A page of users whose email contains ``query`` (any case), by email."""
        part = email_key(query)[:MAX_EMAIL]
        async with self._tx.read() as store:
            total = await store.count_users_matching(part)
            pages = max(1, -(-total // USERS_PER_PAGE))
            page = min(max(page, 1), pages)
            users = await store.users_matching(
                part, offset=(page - 1) * USERS_PER_PAGE, limit=USERS_PER_PAGE
            )
        return UserPage(users=users, query=part, page=page, pages=pages, total=total)

    async def set_disabled(self, user_id: str, disabled: bool, *, by: User | None = None) -> User:
        """Disable or enable an account; ``by`` is the administrator doing it (None: the CLI).

        Disabling signs the user out everywhere and revokes every application's access, so
        their tokens stop working at once. Enabling only lets them sign in again: what was
        revoked stays revoked.
        """
        async with self._tx.write() as store:
            user = await store.user_by_id(user_id)
            if user is None:
                raise UnknownUser()
            if disabled and by is not None and by.id == user.id:
                raise CannotDisableSelf()
            await store.set_disabled(user.id, disabled)
            if disabled:
                await store.delete_sessions_of(user.id)
        if disabled:
            # After the flag is committed: from then on no token of the user passes the bearer
            # check or a refresh, whether or not this revocation has run yet.
            await self._access.revoke_user(user.id)
        return replace(user, is_disabled=disabled)

    # Sign-in ------------------------------------------------------------------------------

    async def sign_in(
        self, *, email: str, password: str, address: str, user_agent: str = ""
    ) -> SignedIn | SecondStepDue:
        """Check the password under the throttle; one error for unknown email and wrong password.

        The attempt is reserved (recorded as a failure) before argon2 runs and given back when
        the password is right: see ``cclibs.accounts.throttle``. An account with two-step
        sign-in gets no session yet (``cclibs.accounts.two_step`` opens it after a code).
        """
        typed = email_key(email)[:MAX_EMAIL]
        if not typed or not password:
            raise InvalidField("Enter your email and password.", field="email")
        if len(password) > MAX_PASSWORD_LENGTH:
            raise InvalidCredentials()
        now = self._clock.now()
        async with self._tx.write() as store:
            reservation = await self._throttle.reserve_sign_in(store, typed, address, now)
            user = await store.user_by_email(typed)
        password_ok = await self._hasher.verify(user.password_hash if user else None, password)
        if user is None or not password_ok:
            # The reservation stays: it is this failure.
            async with self._tx.write() as store:
                await self._throttle.prune(store, now)
            raise InvalidCredentials()
        async with self._tx.write() as store:
            await self._throttle.forgive(store, reservation, now)
            two_step = await store.second_factor(user.id) is not None
        if user.is_disabled:
            raise AccountDisabled()
        if self._hasher.needs_rehash(user.password_hash):
            new_hash = await self._hasher.hash(password)
            async with self._tx.write() as store:
                await store.rehash_password(user.id, new_hash)
        if two_step:
            return SecondStepDue(user)
        return await self.open_session(user, user_agent, address=address)

    async def reserve_user_code(self, *, session_id: str, address: str) -> Reservation:
        """Count a device user-code look-up as wrong ahead of it (raises Throttled past the
        limits); ``forgive_user_code`` gives it back when the code was right."""
        now = self._clock.now()
        async with self._tx.write() as store:
            return await self._throttle.reserve_user_code(store, session_id, address, now)

    async def forgive_user_code(self, reservation: Reservation) -> None:
        async with self._tx.write() as store:
            await self._throttle.forgive(store, reservation, self._clock.now())

    async def open_session(
        self,
        user: User,
        user_agent: str,
        *,
        address: str = "",
        amr: tuple[str, ...] = ("pwd",),
    ) -> SignedIn:
        """A new browser session for a user who has just proved who they are (``amr``)."""
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        session = WebSession(
            id=session_id_of(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + self._session_max_age,
            user_agent=user_agent[:_MAX_USER_AGENT],
            last_seen_at=now,
            address=address[:_MAX_ADDRESS],
            amr=amr,
        )
        async with self._tx.write() as store:
            await store.add_session(session)
        return SignedIn(user=user, session=session, token=token)

    # Sessions -----------------------------------------------------------------------------

    async def current(
        self, token: str | None, *, address: str = ""
    ) -> tuple[WebSession, User] | None:
        """The live session and user behind a cookie token, or None; a live session is noted
        as seen from ``address`` (the client's)."""
        if not token or len(token) > 128:
            return None
        async with self._tx.read() as store:
            found = await store.session_with_user(session_id_of(token))
        if found is None:
            return None
        session, user = found
        if session.expires_at <= self._clock.now() or user.is_disabled:
            return None
        return await self.sessions.seen(session, address), user

    async def sign_out(self, token: str | None) -> None:
        if not token or len(token) > 128:
            return
        async with self._tx.write() as store:
            await store.delete_session(session_id_of(token))

    async def set_country(self, user: User, raw: str) -> str | None:
        """Set the country from a two-letter code ('' clears it); returns what was stored."""
        code = raw.strip().upper()
        if code and (len(code) != 2 or not code.isascii() or not code.isalpha()):
            raise InvalidField("Use a two-letter country code such as US or DE.", field="country")
        async with self._tx.write() as store:
            await store.set_country(user.id, code or None)
        return code or None

    async def change_password(
        self, *, user: User, current: str, new: str, keep_session: str
    ) -> int:
        """Change the password and sign out every other browser; returns how many were."""
        if not await self._hasher.verify(user.password_hash, current):
            raise InvalidField("Your current password is not correct.", field="current_password")
        problem = check_new_password(new, email=user.email)
        if problem:
            raise InvalidField(problem, field="new_password")
        new_hash = await self._hasher.hash(new)
        async with self._tx.write() as store:
            await store.set_password_hash(user.id, new_hash, self._clock.now())
            return await store.delete_sessions_of(user.id, keep=keep_session)


def _check_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise InvalidField("Enter your name.", field="name")
    if len(name) > _MAX_NAME:
        raise InvalidField(f"Use at most {_MAX_NAME} characters.", field="name")
    if any(ord(ch) < 32 for ch in name):
        raise InvalidField("Your name contains characters that cannot be shown.", field="name")
    return name
