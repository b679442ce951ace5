"""The delivery worker: claims due outbox rows, posts them signed, and settles each with the
attempt's outcome.

A row is leased while it is sent, for longer than a whole attempt may take (the attempt is cut
off at the timeout), so a worker that dies (SIGKILL, a lost machine) leaves its rows due again
once their lease runs out, and any process's worker picks them up; rows are never lost. The
price is that a receiver may get an event twice (it was delivered, then the worker died before
recording it): receivers dedupe on ``webhook-id``, the event id.

Retries: any answer other than 2xx, and no answer, is a failure; the next attempt waits
``retry_seconds * 2**(n-1)`` after the n-th (capped at an hour) until ``max_attempts``, then the
delivery is ``failed``. Redirects are not followed (a 3xx is a failure): the registered URL is
the only one checked.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx

from cclibs.clock import Clock
from cclibs.logs import get_logger
from cclibs.retry import RetryPolicy
from cclibs.sealing import Sealer, Unsealable
from cclibs.webhooks.destinations import DestinationRefused, Destinations
from cclibs.webhooks.models import Claimed, Outcome
from cclibs.webhooks.ports import Outbox
from cclibs.webhooks.service import secret_context
from cclibs.webhooks.signing import signed_headers

__all__ = ["DeliveryWorker", "RetryPolicy"]

_log = get_logger("cclibs.webhooks")
_MAX_ERROR = 300


def _ms(clock: Clock) -> int:
    return int(clock.now().timestamp() * 1000)


class DeliveryWorker:
    def __init__(
        self,
        outbox: Outbox,
        destinations: Destinations,
        sealer: Sealer,
        clock: Clock,
        http: httpx.AsyncClient,
        policy: RetryPolicy,
        *,
        poll_seconds: float = 0.5,
        batch: int = 20,
    ) -> None:
        self._outbox = outbox
        self._destinations = destinations
        self._sealer = sealer
        self._clock = clock
        self._http = http
        self.policy = policy
        self._poll = poll_seconds
        self._batch = batch
        self.owner = uuid.uuid4().hex
        """This worker's name in the leases it takes."""

    async def run(self) -> None:
        """Deliver until cancelled; a round that fails is logged and tried again."""
        while True:
            try:
                sent = await self.run_once()
            except Exception:  # logged; the next round tries again
                _log.exception("could not deliver webhooks")
                sent = 0
            if sent < self._batch:
                await asyncio.sleep(self._poll)

    async def run_once(self) -> int:
        """One round: claim what is due and send it concurrently; how many were sent."""
        claimed = await self._outbox.claim(
            self.owner, _ms(self._clock), self.policy.lease_ms, self._batch
        )
        if claimed:
            await asyncio.gather(*(self._deliver(one) for one in claimed))
        return len(claimed)

    async def _deliver(self, claimed: Claimed) -> None:
        started = _ms(self._clock)
        began = time.perf_counter()
        status, error = await self._attempt(claimed)
        outcome = Outcome(started, round((time.perf_counter() - began) * 1000), status, error)
        attempts = claimed.attempts + 1
        if outcome.delivered:
            state, due = "delivered", started
        elif attempts >= self.policy.max_attempts:
            state, due = "failed", started
        else:
            state = "pending"
            due = _ms(self._clock) + int(self.policy.delay_after(attempts) * 1000)
        await self._outbox.settle(claimed, self.owner, outcome, state=state, next_attempt_ms=due)

    async def _attempt(self, claimed: Claimed) -> tuple[int | None, str | None]:
        try:
            async with asyncio.timeout(self.policy.timeout_seconds):
                return await self._post(claimed)
        except TimeoutError:
            return None, f"no answer within {self.policy.timeout_seconds:g} s"
        except DestinationRefused as exc:
            return None, str(exc)[:_MAX_ERROR]
        except Unsealable:
            return None, "the subscription's secret does not open (was the server key changed?)"
        except httpx.HTTPError as exc:
            return None, f"{exc.__class__.__name__}: {str(exc)[:_MAX_ERROR]}".rstrip(": ")

    async def _post(self, claimed: Claimed) -> tuple[int | None, str | None]:
        await self._destinations.check(claimed.url)
        secret = self._sealer.open(
            claimed.sealed_secret, secret_context(claimed.subscription_id)
        ).decode()
        body = claimed.body.encode()
        timestamp = int(self._clock.now().timestamp())
        headers = signed_headers(secret, claimed.event_id, timestamp, body)
        async with self._http.stream(
            "POST", claimed.url, content=body, headers=headers, follow_redirects=False
        ) as response:
            status = response.status_code
        if 200 <= status < 300:
            return status, None
        return status, f"the receiver answered {status}"
