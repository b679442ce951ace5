"""The mail worker: claims due outbox rows, sends them, and settles each with the outcome.

Rows are leased while they are sent (``cclibs.storage.leases``, ``cclibs.retry``): a worker
that dies leaves its rows due again once the lease runs out, and any process's worker sends
them; a message is never lost. Delivery is at least once: a worker killed after the server
accepted a message and before the row was marked ``sent`` leaves it to be sent again, with
the same ``Message-ID`` (which receiving systems use to recognise it). A worker that was
merely slow past its lease finds the row taken and records nothing.

Retries: any failure (no connection, a refusal, a 4xx or 5xx answer, a timeout) waits
``retry_seconds * 2**(n-1)`` after the n-th attempt (capped at an hour) until
``max_attempts``; then the message is ``failed``. The last error is kept on the row.
"""

from __future__ import annotations

import asyncio

from cclibs.clock import Clock
from cclibs.logs import get_logger
from cclibs.mail.ports import Claimed, MailNotSent, MailOutbox, MailSender, MailState
from cclibs.retry import OutboxWorker, RetryPolicy, epoch_ms

__all__ = ["MailWorker"]

_log = get_logger("cclibs.mail")


class MailWorker(OutboxWorker[Claimed]):
    def __init__(
        self,
        outbox: MailOutbox,
        sender: MailSender,
        clock: Clock,
        policy: RetryPolicy,
        *,
        poll_seconds: float = 1.0,
        batch: int = 10,
    ) -> None:
        super().__init__(
            outbox,
            clock,
            policy,
            poll_seconds=poll_seconds,
            batch=batch,
            log=_log,
            failure="could not send mail",
        )
        self._outbox = outbox
        self.sender = sender

    async def _handle(self, claimed: Claimed) -> None:
        error = await self._attempt(claimed)
        attempts = claimed.attempts + 1
        now = epoch_ms(self._clock)
        state: MailState
        due: int
        finished: int | None
        if error is None:
            state, due, finished = "sent", now, now
        elif attempts >= self.policy.max_attempts:
            state, due, finished = "failed", now, now
        else:
            delay = int(self.policy.delay_after(attempts) * 1000)
            state, due, finished = "pending", now + delay, None
        settled = await self._outbox.settle(
            claimed, self.owner, state=state, next_attempt_ms=due, finished_ms=finished, error=error
        )
        if not settled:
            _log.warning("mail lease lost before the outcome was recorded", mail=claimed.mail.id)
        elif error is None:
            _log.info("mail sent", mail=claimed.mail.id, attempts=attempts)
        else:
            _log.warning(
                "mail not sent", mail=claimed.mail.id, attempts=attempts, state=state, error=error
            )

    async def _attempt(self, claimed: Claimed) -> str | None:
        """``None`` when the message was handed over, else why not."""
        try:
            async with asyncio.timeout(self.policy.timeout_seconds):
                await self.sender.send(claimed.mail.email())
        except TimeoutError:
            return f"no answer within {self.policy.timeout_seconds:g} s"
        except MailNotSent as exc:
            return str(exc)
        except Exception as exc:  # a failed attempt all the same: counted, retried, logged
            _log.exception("mail sender failed unexpectedly", mail=claimed.mail.id)
            return f"unexpected {exc.__class__.__name__}"
        return None
