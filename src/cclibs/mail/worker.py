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
import uuid

from cclibs.clock import Clock
from cclibs.logs import get_logger
from cclibs.mail.ports import Claimed, MailNotSent, MailOutbox, MailSender, MailState
from cclibs.retry import RetryPolicy

__all__ = ["MailWorker"]

_log = get_logger("cclibs.mail")


def _ms(clock: Clock) -> int:
    return int(clock.now().timestamp() * 1000)


class MailWorker:
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
        self._outbox = outbox
        self.sender = sender
        self._clock = clock
        self.policy = policy
        self._poll = poll_seconds
        self._batch = batch
        self.owner = uuid.uuid4().hex
        """This worker's name in the leases it takes."""

    async def run(self) -> None:
        """Send until cancelled; a round that fails is logged and tried again."""
        while True:
            try:
                sent = await self.run_once()
            except Exception:  # logged; the next round tries again
                _log.exception("could not send mail")
                sent = 0
            if sent < self._batch:
                await asyncio.sleep(self._poll)

    async def run_once(self) -> int:
        """One round: claim what is due and send it concurrently; how many were tried."""
        claimed = await self._outbox.claim(
            self.owner, _ms(self._clock), self.policy.lease_ms, self._batch
        )
        if claimed:
            await asyncio.gather(*(self._send(one) for one in claimed))
        return len(claimed)

    async def _send(self, claimed: Claimed) -> None:
        error = await self._attempt(claimed)
        attempts = claimed.attempts + 1
        now = _ms(self._clock)
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
