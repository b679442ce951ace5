"""What accounts do by mail: sign-up with a verification link, new links, password reset.

Sign-up and "forgot password" answer the same whatever the address: whether it has an
account shows only in the mailbox it belongs to. Both paths take the same steps (the throttle,
an argon2 hash for sign-up, one write transaction with one message), so that neither the
answer nor its time tells one from the other. A message is queued in the transaction of the
change it tells of (``cclibs.mail.service``) and sent after the response.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from cclibs.accounts.errors import EmailTaken, InvalidField, LinkInvalid, SignupClosed
from cclibs.accounts.letters import Letters
from cclibs.accounts.links import LINK_LIFETIMES, AccountLink, LinkKeys, LinkPurpose
from cclibs.accounts.models import User
from cclibs.accounts.passwords import PasswordHasher, check_new_password
from cclibs.accounts.ports import AccessRevoker, AccountStore, AccountTransactions
from cclibs.accounts.service import check_new_account, new_account
from cclibs.accounts.throttle import ThrottlePolicy
from cclibs.clock import Clock
from cclibs.emails import MAX_EMAIL, email_key, looks_like_email
from cclibs.mail.service import Mailer

__all__ = ["ByMail"]

_KEEP_SPENT_LINKS = timedelta(days=1)
"""How long an expired link stays, so that a late click can still say "already verified"."""


class ByMail:
    def __init__(
        self,
        transactions: AccountTransactions,
        hasher: PasswordHasher,
        clock: Clock,
        throttle: ThrottlePolicy,
        mailer: Mailer,
        letters: Letters,
        keys: LinkKeys,
        access: AccessRevoker,
    ) -> None:
        self._tx = transactions
        self._hasher = hasher
        self._clock = clock
        self._throttle = throttle
        self._mailer = mailer
        self._letters = letters
        self._keys = keys
        self._access = access

    async def _new_link(self, store: AccountStore, user: User, purpose: LinkPurpose) -> str:
        token, link_id = self._keys.new(purpose)
        now = self._clock.now()
        await store.add_link(
            AccountLink(
                id=link_id,
                user_id=user.id,
                purpose=purpose,
                email=user.email,
                created_at=now,
                expires_at=now + LINK_LIFETIMES[purpose],
            )
        )
        await store.prune_links(now - _KEEP_SPENT_LINKS)
        return token

    # Sign-up and verification ----------------------------------------------------------------

    async def sign_up(
        self, *, email: str, name: str, password: str, address: str, signup_open: bool
    ) -> str:
        """Create an unverified account and mail its verification link, or, when the address
        has an account already, mail its owner that someone tried. Returns the address (as a
        key) either way, and opens no session: signing in is the next step."""
        if not signup_open:
            raise SignupClosed()
        email, name = check_new_account(email=email, name=name, password=password)
        async with self._tx.write() as store:
            await self._throttle.reserve_mail(store, email, address, self._clock.now())
        password_hash = await self._hasher.hash(password)
        async with self._tx.write() as store:
            if await store.user_by_email(email) is None:
                try:
                    user = await store.add_user(
                        new_account(email, name, password_hash, self._clock.now())
                    )
                except EmailTaken:
                    pass  # a sign-up of the same address committed in between
                else:
                    token = await self._new_link(store, user, "verify")
                    letter = self._letters.verify(email, name, token)
                    await self._mailer.queue(letter, transaction=store.mail())
                    return email
            letter = self._letters.already_registered(email)
            await self._mailer.queue(letter, transaction=store.mail())
        return email

    async def resend_verification(self, user: User, address: str) -> bool:
        """Mail the user a new verification link; False when the address is verified."""
        if user.email_verified:
            return False
        async with self._tx.write() as store:
            await self._throttle.reserve_mail(store, user.email, address, self._clock.now())
            token = await self._new_link(store, user, "verify")
            letter = self._letters.verify(user.email, user.name, token)
            await self._mailer.queue(letter, transaction=store.mail())
        return True

    async def verify(self, token: str) -> User:
        """Spend a verification link: its account's address is verified. A link of an address
        already verified says so whatever its state; otherwise an expired or used one, or one
        sent to an address the account no longer has, raises LinkInvalid."""
        link_id = self._keys.id_of("verify", token)
        now = self._clock.now()
        async with self._tx.write() as store:
            link = await store.link(link_id, for_update=True) if link_id else None
            if link is None or link.purpose != "verify":
                raise LinkInvalid()
            user = await store.user_by_id(link.user_id)
            if user is None or user.email != link.email:
                raise LinkInvalid()
            if user.email_verified:
                return user
            if not link.usable(now) or not await store.spend_link(link.id, now):
                raise LinkInvalid()
            await store.set_email_verified(user.id)
        return replace(user, email_verified=True)

    # Password reset --------------------------------------------------------------------------

    async def request_reset(self, *, email: str, address: str) -> str:
        """Mail a reset link when an enabled account has the address; the same answer (the
        address, as a key) when none has."""
        key = email_key(email)[:MAX_EMAIL]
        if not looks_like_email(key):
            raise InvalidField("Enter the email address of your account.", field="email")
        async with self._tx.write() as store:
            await self._throttle.reserve_mail(store, key, address, self._clock.now())
            user = await store.user_by_email(key)
            if user is not None and not user.is_disabled:
                token = await self._new_link(store, user, "reset")
                letter = self._letters.reset(user.email, user.name, token)
                await self._mailer.queue(letter, transaction=store.mail())
        return key

    async def _reset_target(self, store: AccountStore, token: str) -> tuple[AccountLink, User]:
        link_id = self._keys.id_of("reset", token)
        link = await store.link(link_id, for_update=True) if link_id else None
        if link is None or link.purpose != "reset" or not link.usable(self._clock.now()):
            raise LinkInvalid()
        user = await store.user_by_id(link.user_id)
        if user is None or user.is_disabled or user.email != link.email:
            raise LinkInvalid()
        return link, user

    async def check_reset(self, token: str) -> User:
        """The account a reset link is for, while the link works; raises LinkInvalid."""
        async with self._tx.read() as store:
            return (await self._reset_target(store, token))[1]

    async def reset_password(self, *, token: str, new_password: str) -> User:
        """Spend the reset link and set the password; every session of the user ends and every
        application's access is revoked (a reset is what one does when someone else may have
        the password). The reset proves the mailbox, so the address counts as verified."""
        user = await self.check_reset(token)
        problem = check_new_password(new_password, email=user.email)
        if problem:
            raise InvalidField(problem, field="new_password")
        new_hash = await self._hasher.hash(new_password)
        now = self._clock.now()
        async with self._tx.write() as store:
            link, user = await self._reset_target(store, token)
            if not await store.spend_link(link.id, now):
                raise LinkInvalid()
            await store.spend_links_of(user.id, "reset", now)
            await store.set_password_hash(user.id, new_hash, now)
            await store.set_email_verified(user.id)
            await store.delete_sessions_of(user.id)
            letter = self._letters.password_changed(user.email, user.name)
            await self._mailer.queue(letter, transaction=store.mail())
        # After the commit: the new password is in place before the old tokens go.
        await self._access.revoke_user(user.id)
        return replace(user, email_verified=True)
