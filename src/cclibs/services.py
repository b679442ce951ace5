"""The composition root: builds the services of one process from one Settings.

Both the web app and the admin CLI take their services from here, so they run the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cclibs.accounts import Accounts
from cclibs.accounts.passwords import PasswordHasher
from cclibs.accounts.throttle import ThrottlePolicy
from cclibs.clock import Clock, SystemClock
from cclibs.config import Settings
from cclibs.storage import Database
from cclibs.storage.accounts import SqlAccountTransactions

__all__ = ["Services", "build_services"]


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    db: Database
    clock: Clock
    accounts: Accounts


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    password_hasher: PasswordHasher | None = None,
) -> Services:
    clock = clock or SystemClock()
    db = Database(settings.effective_database_url)
    accounts = Accounts(
        SqlAccountTransactions(db),
        password_hasher or PasswordHasher(),
        clock,
        ThrottlePolicy(
            max_per_account=settings.login_max_failures_per_account,
            max_per_address=settings.login_max_failures_per_address,
            window=timedelta(seconds=settings.login_failure_window_seconds),
        ),
        timedelta(seconds=settings.session_max_age_seconds),
    )
    return Services(settings=settings, db=db, clock=clock, accounts=accounts)
