"""When to try again: the capped exponential backoff and the lease of the outbox workers
(webhook deliveries, mail).

A row is leased while it is sent, for longer than a whole attempt may take (the attempt is cut
off at the timeout), so a worker that dies leaves its rows due again once the lease runs out.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RetryPolicy"]

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
