"""When to try again: the capped exponential backoff and the lease of the outbox workers
(webhook deliveries, mail).

A row is leased while it is sent, for longer than a whole attempt may take (the attempt is cut
off at the timeout), so a worker that dies leaves its rows due again once the lease runs out.
"""

from __future__ import annotations

import abc
import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from cclibs.clock import Clock

__all__ = ["DueRows", "OutboxWorker", "RetryPolicy", "epoch_ms"]

ClaimedT = TypeVar("ClaimedT")
ClaimedT_co = TypeVar("ClaimedT_co", covariant=True)

_MAX_DELAY_S = 3600.0
_LEASE_MARGIN_S = 10.0
"""Beyond the timeout: time to record the outcome before another worker may take the row."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    timeout_seconds: float = 10.0
    retry_seconds: float = 10.0
    max_attempts: int = 12

    def delay_after(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt: ``retry_seconds *
        2**(attempts-1)``, at most an hour."""
        return min(_MAX_DELAY_S, self.retry_seconds * 2.0 ** (attempts - 1))

    @property
    def lease_ms(self) -> int:
        return int((self.timeout_seconds + _LEASE_MARGIN_S) * 1000)


def epoch_ms(clock: Clock) -> int:
    return int(clock.now().timestamp() * 1000)


class DueRows(Protocol[ClaimedT_co]):
    async def claim(
        self, owner: str, now_ms: int, lease_ms: int, limit: int
    ) -> Sequence[ClaimedT_co]:
        """Lease up to ``limit`` due rows to ``owner`` until ``now_ms + lease_ms``."""
        ...


class OutboxWorker(abc.ABC, Generic[ClaimedT]):
    """The loop of an outbox's worker: claim what is due (a lease in ``owner``'s name), send
    it concurrently, and poll again after ``poll_seconds`` unless the batch was full."""

    def __init__(
        self,
        due: DueRows[ClaimedT],
        clock: Clock,
        policy: RetryPolicy,
        *,
        poll_seconds: float,
        batch: int,
        log: Any,
        failure: str,
    ) -> None:
        self._due = due
        self._clock = clock
        self.policy = policy
        self._poll = poll_seconds
        self._batch = batch
        self._log = log
        self._failure = failure
        self.owner = uuid.uuid4().hex
        """This worker's name in the leases it takes."""

    @abc.abstractmethod
    async def _handle(self, claimed: ClaimedT) -> None:
        """One attempt at a claimed row, its outcome recorded."""

    async def run(self) -> None:
        """Work until cancelled; a round that fails is logged and tried again."""
        while True:
            try:
                done = await self.run_once()
            except Exception:  # logged; the next round tries again
                self._log.exception(self._failure)
                done = 0
            if done < self._batch:
                await asyncio.sleep(self._poll)

    async def run_once(self) -> int:
        """One round: claim what is due and try it concurrently; how many were tried."""
        now = epoch_ms(self._clock)
        claimed = await self._due.claim(self.owner, now, self.policy.lease_ms, self._batch)
        if claimed:
            await asyncio.gather(*(self._handle(one) for one in claimed))
        return len(claimed)
