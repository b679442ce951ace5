"""The contracts of mail: who sends a message, and the outbox it waits in
(``cclibs.storage.mail`` implements the outbox in SQL)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal, Protocol

from cclibs.mail.message import QueuedMail

__all__ = [
    "Claimed",
    "MailNotSent",
    "MailOutbox",
    "MailSender",
    "MailState",
    "MailWriter",
    "OutboxEntry",
]

MailState = Literal["pending", "sent", "failed"]


class MailNotSent(Exception):
    """An attempt failed; the text says why (never the message's body or a credential)."""


class MailSender(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand the message over for delivery, or raise ``MailNotSent``."""
        ...


@dataclass(frozen=True, slots=True)
class Claimed:
    mail: QueuedMail
    attempts: int
    """Attempts made before this one."""


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A row of the outbox as an administrator sees it: no body."""

    id: str
    message_id: str
    to: str
    subject: str
    state: MailState
    attempts: int
    created_ms: int
    next_attempt_ms: int
    finished_ms: int | None
    last_error: str | None


class MailWriter(Protocol):
    """The outbox inside a caller's write transaction: what is added commits with the rest."""

    async def add(self, mail: QueuedMail) -> None: ...


class MailOutbox(Protocol):
    def write(self) -> AbstractAsyncContextManager[MailWriter]:
        """A write transaction of its own, for a message that goes with nothing else."""
        ...

    async def claim(self, owner: str, now_ms: int, lease_ms: int, limit: int) -> list[Claimed]:
        """Up to ``limit`` pending messages due at ``now_ms`` that no live lease holds, oldest
        first, now leased to ``owner`` until ``now_ms + lease_ms``. Two workers never hold the
        same row: the lease is taken by a conditional update."""
        ...

    async def settle(
        self,
        claimed: Claimed,
        owner: str,
        *,
        state: MailState,
        next_attempt_ms: int,
        finished_ms: int | None,
        error: str | None,
    ) -> bool:
        """Count the attempt and move the message to ``state`` (``pending`` again, due at
        ``next_attempt_ms``; ``sent``; or ``failed``), releasing the lease; ``False`` when
        ``owner`` no longer held it."""
        ...

    async def recent(self, limit: int) -> list[OutboxEntry]:
        """The most recently queued messages, newest first."""
        ...
