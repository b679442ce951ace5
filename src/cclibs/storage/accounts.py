"""SQL implementation of ``cclibs.accounts.ports``."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cclibs.accounts.errors import EmailTaken
from cclibs.accounts.links import LINK_LIFETIMES, AccountLink, LinkPurpose
from cclibs.accounts.models import NewUser, SecondFactor, User, WebSession
from cclibs.accounts.ports import FailureScope
from cclibs.storage.db import Database
from cclibs.storage.mail import SqlMailWriter
from cclibs.storage.tables import (
    AccountLinkRow,
    LoginFailureRow,
    RecoveryCodeRow,
    SecondFactorRow,
    UserRow,
    WebSessionRow,
)
from cclibs.storage.transactions import SqlTransactions
from cclibs.storage.versions import bump

__all__ = ["SqlAccountStore", "SqlAccountTransactions"]


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        email=row.email,
        name=row.name,
        password_hash=row.password_hash,
        is_admin=row.is_admin,
        is_disabled=row.is_disabled,
        email_verified=row.email_verified,
        created_at=row.created_at,
        password_changed_at=row.password_changed_at,
        country=row.country,
    )


def _session(row: WebSessionRow) -> WebSession:
    return WebSession(
        id=row.id,
        user_id=row.user_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        user_agent=row.user_agent,
        last_seen_at=row.last_seen_at,
        address=row.address,
        amr=tuple(row.amr.split()),
    )


def _factor(row: SecondFactorRow) -> SecondFactor:
    return SecondFactor(
        user_id=row.user_id,
        sealed_secret=row.sealed_secret,
        last_step=row.last_step,
        enabled_at=row.enabled_at,
    )


def _email_contains(part: str) -> ColumnElement[bool]:
    if not part:
        return true()
    # LIKE wildcards typed in the filter are matched literally.
    escaped = part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return UserRow.email.like(f"%{escaped}%", escape="\\")


class SqlAccountStore:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def user_by_email(self, email: str) -> User | None:
        row = await self._s.scalar(select(UserRow).where(UserRow.email == email))
        return _user(row) if row else None

    async def user_by_id(self, user_id: str) -> User | None:
        row = await self._s.get(UserRow, user_id)
        return _user(row) if row else None

    async def add_user(self, user: NewUser) -> User:
        row = UserRow(
            id=user.id,
            email=user.email,
            name=user.name,
            password_hash=user.password_hash,
            is_admin=user.is_admin,
            is_disabled=False,
            email_verified=user.email_verified,
            created_at=user.created_at,
            password_changed_at=user.created_at,
        )
        try:
            async with self._s.begin_nested():
                self._s.add(row)
                await self._s.flush()
        except IntegrityError:
            raise EmailTaken() from None
        return _user(row)

    async def list_users(self) -> list[User]:
        rows = await self._s.scalars(select(UserRow).order_by(UserRow.created_at, UserRow.email))
        return [_user(row) for row in rows]

    async def users_matching(self, email_part: str, *, offset: int, limit: int) -> list[User]:
        rows = await self._s.scalars(
            select(UserRow)
            .where(_email_contains(email_part))
            .order_by(UserRow.email)
            .offset(offset)
            .limit(limit)
        )
        return [_user(row) for row in rows]

    async def count_users_matching(self, email_part: str) -> int:
        count = await self._s.scalar(
            select(func.count()).select_from(UserRow).where(_email_contains(email_part))
        )
        return int(count or 0)

    async def set_disabled(self, user_id: str, disabled: bool) -> None:
        await self._s.execute(
            update(UserRow).where(UserRow.id == user_id).values(is_disabled=disabled)
        )
        await bump(self._s)  # cached clients, grants and claims of the user

    async def set_password_hash(self, user_id: str, password_hash: str, at: datetime) -> None:
        await self._s.execute(
            update(UserRow)
            .where(UserRow.id == user_id)
            .values(password_hash=password_hash, password_changed_at=at)
        )

    async def set_country(self, user_id: str, country: str | None) -> None:
        await self._s.execute(update(UserRow).where(UserRow.id == user_id).values(country=country))
        await bump(self._s)  # cached claims (UserInfo's address)

    async def rehash_password(self, user_id: str, password_hash: str) -> None:
        await self._s.execute(
            update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash)
        )

    async def add_session(self, session: WebSession) -> None:
        self._s.add(
            WebSessionRow(
                id=session.id,
                user_id=session.user_id,
                created_at=session.created_at,
                expires_at=session.expires_at,
                user_agent=session.user_agent,
                last_seen_at=session.last_seen_at,
                address=session.address,
                amr=" ".join(session.amr),
            )
        )
        await self._s.flush()

    async def session_with_user(self, session_id: str) -> tuple[WebSession, User] | None:
        result = await self._s.execute(
            select(WebSessionRow, UserRow)
            .join(UserRow, UserRow.id == WebSessionRow.user_id)
            .where(WebSessionRow.id == session_id)
        )
        found = result.first()
        if found is None:
            return None
        return _session(found[0]), _user(found[1])

    async def delete_session(self, session_id: str) -> None:
        await self._s.execute(delete(WebSessionRow).where(WebSessionRow.id == session_id))

    async def sessions_of(self, user_id: str, *, live_at: datetime) -> list[WebSession]:
        rows = await self._s.scalars(
            select(WebSessionRow)
            .where(WebSessionRow.user_id == user_id, WebSessionRow.expires_at > live_at)
            .order_by(WebSessionRow.last_seen_at.desc(), WebSessionRow.created_at.desc())
        )
        return [_session(row) for row in rows]

    async def session_seen(self, session_id: str, *, at: datetime, address: str) -> None:
        await self._s.execute(
            update(WebSessionRow)
            .where(WebSessionRow.id == session_id)
            .values(last_seen_at=at, address=address)
        )

    async def delete_session_of(self, user_id: str, session_id: str) -> bool:
        result = await self._s.execute(
            delete(WebSessionRow).where(
                WebSessionRow.id == session_id, WebSessionRow.user_id == user_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def delete_sessions_of(self, user_id: str, *, keep: str | None = None) -> int:
        statement = delete(WebSessionRow).where(WebSessionRow.user_id == user_id)
        if keep is not None:
            statement = statement.where(WebSessionRow.id != keep)
        result = await self._s.execute(statement)
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def second_factor(self, user_id: str, *, for_update: bool = False) -> SecondFactor | None:
        statement = select(SecondFactorRow).where(SecondFactorRow.user_id == user_id)
        row = await self._s.scalar(statement.with_for_update() if for_update else statement)
        return _factor(row) if row else None

    async def save_second_factor(self, factor: SecondFactor, code_hashes: Sequence[str]) -> None:
        await self.delete_second_factor(factor.user_id)
        self._s.add(
            SecondFactorRow(
                user_id=factor.user_id,
                sealed_secret=factor.sealed_secret,
                last_step=factor.last_step,
                enabled_at=factor.enabled_at,
            )
        )
        await self._s.flush()
        await self.replace_recovery_codes(factor.user_id, code_hashes)

    async def set_last_step(self, user_id: str, step: int) -> None:
        await self._s.execute(
            update(SecondFactorRow).where(SecondFactorRow.user_id == user_id).values(last_step=step)
        )

    async def delete_second_factor(self, user_id: str) -> bool:
        await self._s.execute(delete(RecoveryCodeRow).where(RecoveryCodeRow.user_id == user_id))
        result = await self._s.execute(
            delete(SecondFactorRow).where(SecondFactorRow.user_id == user_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def replace_recovery_codes(self, user_id: str, code_hashes: Sequence[str]) -> None:
        await self._s.execute(delete(RecoveryCodeRow).where(RecoveryCodeRow.user_id == user_id))
        self._s.add_all(RecoveryCodeRow(user_id=user_id, code_hash=h) for h in code_hashes)
        await self._s.flush()

    async def use_recovery_code(self, user_id: str, code_hash: str, at: datetime) -> bool:
        result = await self._s.execute(
            update(RecoveryCodeRow)
            .where(
                RecoveryCodeRow.user_id == user_id,
                RecoveryCodeRow.code_hash == code_hash,
                RecoveryCodeRow.used_at.is_(None),
            )
            .values(used_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def recovery_codes_left(self, user_id: str) -> int:
        count = await self._s.scalar(
            select(func.count())
            .select_from(RecoveryCodeRow)
            .where(RecoveryCodeRow.user_id == user_id, RecoveryCodeRow.used_at.is_(None))
        )
        return int(count or 0)

    async def set_email_verified(self, user_id: str) -> None:
        await self._s.execute(
            update(UserRow).where(UserRow.id == user_id).values(email_verified=True)
        )
        await bump(self._s)  # cached claims (email_verified)

    async def add_link(self, link: AccountLink) -> None:
        self._s.add(
            AccountLinkRow(
                id=link.id,
                user_id=link.user_id,
                purpose=link.purpose,
                email=link.email,
                created_at=link.created_at,
                expires_at=link.expires_at,
                used_at=link.used_at,
            )
        )
        await self._s.flush()

    async def link(self, link_id: str, *, for_update: bool = False) -> AccountLink | None:
        statement = select(AccountLinkRow).where(AccountLinkRow.id == link_id)
        row = await self._s.scalar(statement.with_for_update() if for_update else statement)
        if row is None or row.purpose not in LINK_LIFETIMES:
            return None
        purpose: LinkPurpose = "verify" if row.purpose == "verify" else "reset"
        return AccountLink(
            id=row.id,
            user_id=row.user_id,
            purpose=purpose,
            email=row.email,
            created_at=row.created_at,
            expires_at=row.expires_at,
            used_at=row.used_at,
        )

    async def spend_link(self, link_id: str, at: datetime) -> bool:
        result = await self._s.execute(
            update(AccountLinkRow)
            .where(AccountLinkRow.id == link_id, AccountLinkRow.used_at.is_(None))
            .values(used_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def spend_links_of(self, user_id: str, purpose: LinkPurpose, at: datetime) -> None:
        await self._s.execute(
            update(AccountLinkRow)
            .where(
                AccountLinkRow.user_id == user_id,
                AccountLinkRow.purpose == purpose,
                AccountLinkRow.used_at.is_(None),
            )
            .values(used_at=at)
        )

    async def prune_links(self, expired_before: datetime) -> None:
        await self._s.execute(
            delete(AccountLinkRow).where(AccountLinkRow.expires_at < expired_before)
        )

    def mail(self) -> SqlMailWriter:
        return SqlMailWriter(self._s)

    async def hold_failures(self, scope: FailureScope, key: str) -> None:
        # SQLite: writes begin with BEGIN IMMEDIATE (see Database), so a write transaction
        # already excludes every other writer. PostgreSQL: a transaction-scoped advisory lock
        # on the key; READ COMMITTED then lets the counts see what the previous holder wrote.
        if self._is_postgres():
            await self._s.execute(select(func.pg_advisory_xact_lock(_lock_id(scope, key))))

    async def record_failure(self, scope: FailureScope, key: str, at: datetime) -> int:
        row = LoginFailureRow(scope=scope, key=key, occurred_at=at)
        self._s.add(row)
        await self._s.flush()
        return row.id

    async def failures_since(
        self, scope: FailureScope, key: str, since: datetime
    ) -> list[datetime]:
        rows = await self._s.scalars(
            select(LoginFailureRow.occurred_at)
            .where(
                LoginFailureRow.scope == scope,
                LoginFailureRow.key == key,
                LoginFailureRow.occurred_at >= since,
            )
            .order_by(LoginFailureRow.occurred_at)
        )
        return list(rows)

    async def delete_failures(self, ids: Sequence[int]) -> None:
        if ids:
            await self._s.execute(delete(LoginFailureRow).where(LoginFailureRow.id.in_(ids)))

    async def clear_failures(self, scope: FailureScope, key: str) -> None:
        await self._s.execute(
            delete(LoginFailureRow).where(
                LoginFailureRow.scope == scope, LoginFailureRow.key == key
            )
        )

    async def prune_failures(self, before: Mapping[FailureScope, datetime]) -> None:
        if not before:
            return
        # One pruner at a time on PostgreSQL: two range deletes over the same old rows could
        # deadlock. The loser skips; the next failure prunes again.
        if self._is_postgres():
            got = await self._s.scalar(select(func.pg_try_advisory_xact_lock(_PRUNE_LOCK)))
            if not got:
                return
        await self._s.execute(
            delete(LoginFailureRow).where(
                or_(
                    *(
                        and_(LoginFailureRow.scope == scope, LoginFailureRow.occurred_at < cut)
                        for scope, cut in before.items()
                    )
                )
            )
        )

    def _is_postgres(self) -> bool:
        return self._s.get_bind().dialect.name == "postgresql"


def _lock_id(scope: str, key: str) -> int:
    """A signed 64-bit advisory lock id for a throttle key."""
    digest = hashlib.sha256(f"cclibs-throttle\0{scope}\0{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_PRUNE_LOCK = _lock_id("prune", "login_failures")


class SqlAccountTransactions(SqlTransactions[SqlAccountStore]):
    def __init__(self, db: Database) -> None:
        super().__init__(db, SqlAccountStore)
