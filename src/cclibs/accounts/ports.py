"""The storage contract of the accounts service. ``cclibs.storage`` implements it in SQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Literal, Protocol

from cclibs.accounts.links import AccountLink, LinkPurpose
from cclibs.accounts.models import NewUser, SecondFactor, User, WebSession
from cclibs.mail.ports import MailWriter

__all__ = ["AccessRevoker", "AccountStore", "AccountTransactions", "FailureScope"]

FailureScope = Literal[
    "mail_account",
    "mail_address",
    "account",
    "address",
    "pair",
    "known",
    "code_session",
    "code_address",
    "otp_account",
    "otp_address",
]
"""What a row of ``login_failures`` is counted against (see ``cclibs.accounts.throttle``):
sign-in failures per account, per client address and per (account, address) pair; ``known``
marks a pair that signed in successfully; wrong device user codes per web session and per
address; wrong second-step codes per account and per address; messages sent to an address
(sign-up, verification, reset) per address and per requesting client. At most 16 characters
(the column)."""


class AccountStore(Protocol):
    """Account data inside one transaction."""

    async def user_by_email(self, email: str) -> User | None:
        """The user with this (already normalised, lower-case) email."""
        ...

    async def user_by_id(self, user_id: str) -> User | None: ...

    async def add_user(self, user: NewUser) -> User:
        """Insert a user; raises ``EmailTaken`` when the email is in use."""
        ...

    async def list_users(self) -> list[User]:
        """Every user, oldest first."""
        ...

    async def users_matching(self, email_part: str, *, offset: int, limit: int) -> list[User]:
        """Users whose email contains ``email_part`` (lower-case; '' matches all), by email."""
        ...

    async def count_users_matching(self, email_part: str) -> int:
        """How many users ``users_matching`` would list without paging."""
        ...

    async def set_disabled(self, user_id: str, disabled: bool) -> None:
        """Set or clear ``is_disabled``."""
        ...

    async def set_password_hash(self, user_id: str, password_hash: str, at: datetime) -> None:
        """Replace the stored hash; ``at`` becomes ``password_changed_at``."""
        ...

    async def set_country(self, user_id: str, country: str | None) -> None:
        """Set or clear the user's country (ISO 3166-1 alpha-2)."""
        ...

    async def rehash_password(self, user_id: str, password_hash: str) -> None:
        """Replace the stored hash with a stronger one of the same password."""
        ...

    async def add_session(self, session: WebSession) -> None: ...

    async def session_with_user(self, session_id: str) -> tuple[WebSession, User] | None:
        """The session with this id (hash of the token) and its user, expired or not."""
        ...

    async def delete_session(self, session_id: str) -> None: ...

    async def sessions_of(self, user_id: str, *, live_at: datetime) -> list[WebSession]:
        """The user's sessions that expire after ``live_at``, most recently seen (then
        begun) first."""
        ...

    async def session_seen(self, session_id: str, *, at: datetime, address: str) -> None:
        """Record that the session was used at ``at`` from ``address``."""
        ...

    async def delete_session_of(self, user_id: str, session_id: str) -> bool:
        """Delete this session if it is the user's; whether it was."""
        ...

    async def delete_sessions_of(self, user_id: str, *, keep: str | None = None) -> int:
        """Delete every session of the user except ``keep``; returns how many went."""
        ...

    async def second_factor(self, user_id: str, *, for_update: bool = False) -> SecondFactor | None:
        """The user's authenticator; ``for_update`` locks it until the transaction ends, so
        two sign-ins cannot both accept one code."""
        ...

    async def save_second_factor(self, factor: SecondFactor, code_hashes: Sequence[str]) -> None:
        """Turn two-step sign-in on (replacing any authenticator) with these recovery codes."""
        ...

    async def set_last_step(self, user_id: str, step: int) -> None:
        """Remember the time step of the code just accepted."""
        ...

    async def delete_second_factor(self, user_id: str) -> bool:
        """Turn two-step sign-in off and forget the recovery codes; whether it was on."""
        ...

    async def replace_recovery_codes(self, user_id: str, code_hashes: Sequence[str]) -> None:
        """Forget every recovery code of the user and store these (keyed hashes)."""
        ...

    async def use_recovery_code(self, user_id: str, code_hash: str, at: datetime) -> bool:
        """Mark the unused code with this hash used; False when none matches."""
        ...

    async def recovery_codes_left(self, user_id: str) -> int:
        """How many recovery codes of the user are unused."""
        ...

    async def set_email_verified(self, user_id: str) -> None:
        """Mark the user's current address verified."""
        ...

    async def add_link(self, link: AccountLink) -> None: ...

    async def link(self, link_id: str, *, for_update: bool = False) -> AccountLink | None:
        """The link stored under this id; ``for_update`` holds it until the transaction ends."""
        ...

    async def spend_link(self, link_id: str, at: datetime) -> bool:
        """Mark the link used unless it already is; whether this call did."""
        ...

    async def spend_links_of(self, user_id: str, purpose: LinkPurpose, at: datetime) -> None:
        """Mark every unused link of the user for ``purpose`` used."""
        ...

    async def prune_links(self, expired_before: datetime) -> None:
        """Forget links that expired before this time."""
        ...

    def mail(self) -> MailWriter:
        """The mail outbox inside this transaction: a message commits with the change."""
        ...

    async def hold_failures(self, scope: FailureScope, key: str) -> None:
        """Make this transaction the only one counting or recording failures of the key until
        it ends, so that "count, then record" cannot interleave with another request's."""
        ...

    async def record_failure(self, scope: FailureScope, key: str, at: datetime) -> int:
        """Insert a failure row; returns its id (for ``delete_failures``)."""
        ...

    async def failures_since(
        self, scope: FailureScope, key: str, since: datetime
    ) -> list[datetime]:
        """Failure times for the key at or after ``since``, oldest first."""
        ...

    async def delete_failures(self, ids: Sequence[int]) -> None:
        """Delete these rows (a reservation given back)."""
        ...

    async def clear_failures(self, scope: FailureScope, key: str) -> None: ...

    async def prune_failures(self, before: Mapping[FailureScope, datetime]) -> None:
        """Forget each scope's rows older than its cutoff (they no longer count in any window).

        Housekeeping: may do nothing when another transaction is pruning at the same time.
        """
        ...


class AccountTransactions(Protocol):
    """Opens transactions on the account store."""

    def read(self) -> AbstractAsyncContextManager[AccountStore]: ...

    def write(self) -> AbstractAsyncContextManager[AccountStore]: ...


class AccessRevoker(Protocol):
    """What a disabled account needs from the OAuth core (``cclibs.oauth.connections``)."""

    async def revoke_user(self, user_id: str) -> int:
        """Revoke every application's access of the user; returns how many grants."""
        ...
