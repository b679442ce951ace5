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

import httpx

from cclibs.clock import Clock
from cclibs.logs import get_logger
from cclibs.retry import OutboxWorker, RetryPolicy, epoch_ms
from cclibs.sealing import Sealer, Unsealable
from cclibs.webhooks.destinations import DestinationRefused, Destinations
from cclibs.webhooks.models import Claimed, Outcome
from cclibs.webhooks.ports import Outbox
from cclibs.webhooks.service import secret_context
from cclibs.webhooks.signing import signed_headers

__all__ = ["DeliveryWorker", "RetryPolicy"]

_log = get_logger("cclibs.webhooks")
_MAX_ERROR = 300


class DeliveryWorker(OutboxWorker[Claimed]):
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
        super().__init__(
            outbox,
            clock,
            policy,
            poll_seconds=poll_seconds,
            batch=batch,
            log=_log,
            failure="could not deliver webhooks",
        )
        self._outbox = outbox
        self._destinations = destinations
        self._sealer = sealer
        self._http = http

    async def _handle(self, claimed: Claimed) -> None:
        started = epoch_ms(self._clock)
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
            due = epoch_ms(self._clock) + int(self.policy.delay_after(attempts) * 1000)
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
