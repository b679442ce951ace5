"""Sign-in throttling: a sliding window of failures per account and per client address.

The account key is a hash of the normalised email, whether or not an account exists, so the
throttle itself tells an attacker nothing about which emails are registered.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from cclibs.accounts.ports import AccountStore, FailureScope

__all__ = ["ThrottlePolicy", "account_key"]


def account_key(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_per_account: int
    max_per_address: int
    window: timedelta

    def limit(self, scope: FailureScope) -> int:
        return self.max_per_account if scope == "account" else self.max_per_address

    async def retry_after(
        self, store: AccountStore, keys: dict[FailureScope, str], now: datetime
    ) -> int:
        """Seconds until every key is below its limit again; 0 when none is throttled."""
        wait = 0.0
        for scope, key in keys.items():
            failures = await store.failures_since(scope, key, now - self.window)
            limit = self.limit(scope)
            if len(failures) >= limit:
                # The lock lifts when the failure that pushed the count to the limit ages out.
                lifts_at = failures[len(failures) - limit] + self.window
                wait = max(wait, (lifts_at - now).total_seconds())
        return math.ceil(wait) if wait > 0 else 0
