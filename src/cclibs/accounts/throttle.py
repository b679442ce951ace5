"""Throttles against guessing: passwords at sign-in, and device user codes.

Every attempt is *reserved* before its answer is checked. One write transaction holds the
attempt's keys (``AccountStore.hold_failures``), counts their recent failures, refuses with
``Throttled`` when a rule says wait, and otherwise records one failure row per key: the
reservation. Only then does the slow check (argon2) run, outside the transaction; a right
answer gives the rows back. So N parallel attempts check at most as many answers as the rules
allow; counting first and recording after the check let all N through.

Sign-in rules, with the defaults of the ``CCLIBS_LOGIN_*`` settings (L = 5 per account,
A = 30 per address, window W = 15 minutes):

``pair`` (account, client address)
    L failures free, then each attempt waits after the last failure: 15 s, doubling with every
    further failure, up to an hour. Remembered a day, forgotten when the pair signs in. This is
    what one attacker, or the owner mistyping, meets. Delays rather than a lock, and per pair:
    an attacker at another address adds nothing to the owner's pair, so five wrong passwords
    from elsewhere no longer lock the owner out.
``address`` (over every account)
    A failures per W, then a wait until the window lets one go: bounds password spraying.
``account`` (over every address)
    10·L failures a day free, then the account takes one attempt per W/L (3 minutes) from all
    addresses together. A distributed attack from any number of addresses thus gets about as
    many guesses a day as the old lock-out of L per W allowed (~530 against 480), yet the
    account is slowed, never locked. Chosen over growing delays here because a growing
    account-wide delay would end up locking the owner out after all. Addresses that signed in
    to the account in the last 30 days (``known`` rows) are exempt from this rule: an owner at
    a usual place does not even meet the slow lane; at a new place they wait at most W/L for
    a free turn, or longer if an attacker is taking every turn.

Device user codes (RFC 8628 §5.1 asks to limit guessing): 5 wrong codes per web session and 20
per client address in W, then a wait until the window lets one go.

Second-step codes (TOTP or recovery codes, asked after a right password): 5 wrong codes per
account and 20 per client address in W, then a wait until the window lets one go. A six-digit
code has a million values and three are accepted at a time, so an attacker holding the
password gets about 1 in 700 a day.

Messages (a sign-up's, a new verification link, a password reset): 5 an hour to one address
and 30 an hour asked for by one client address, so that nobody can flood a mailbox through
cclibs. Every request counts, answered or not.

Keys never hold an email: accounts are a hash of the normalised email, whether or not an
account exists, so the throttle tells an attacker nothing about which emails are registered.
IPv6 clients count per /64, the usual allocation of one subscriber.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from cclibs.accounts.errors import Throttled
from cclibs.accounts.ports import AccountStore, FailureScope

__all__ = ["Reservation", "Rule", "ThrottlePolicy", "account_key", "address_key"]

_FIRST_DELAY = timedelta(seconds=15)
_MAX_DELAY = timedelta(hours=1)
_LONG_MEMORY = timedelta(hours=24)
_ACCOUNT_CEILING_FACTOR = 10
_KNOWN_FOR = timedelta(days=30)
_CODES_PER_SESSION = 5
_CODES_PER_ADDRESS = 20
_SECOND_STEPS_PER_ACCOUNT = 5
_SECOND_STEPS_PER_ADDRESS = 20
_MAILS_PER_EMAIL = 5
_MAILS_PER_CLIENT = 30
_MAIL_MEMORY = timedelta(hours=1)


def account_key(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()


def address_key(host: str) -> str:
    """The client address as the throttle counts it: IPv6 by /64, IPv4-mapped as IPv4."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _pair_key(account: str, address: str) -> str:
    return hashlib.sha256(f"{account}\0{address}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Rule:
    """How many failures of one key are free within ``memory``, and what comes after.

    ``lock``: wait until the oldest counted failure leaves the memory. ``grow``: wait ``step``
    after the last failure, doubled for each failure past the free ones (up to an hour).
    ``pace``: wait ``step`` after the last failure. An unenforced rule records the failure
    but holds no attempt back.
    """

    scope: FailureScope
    key: str
    free: int
    memory: timedelta
    kind: Literal["lock", "grow", "pace"] = "lock"
    step: timedelta = timedelta(0)
    enforced: bool = True

    def wait(self, failures: Sequence[datetime], now: datetime) -> float:
        """Seconds this rule holds the next attempt back, given the failures in memory."""
        over = len(failures) - self.free
        if over < 0 or not self.enforced:
            return 0.0
        if self.kind == "lock":
            until = failures[over] + self.memory
        elif self.kind == "grow":
            until = failures[-1] + min(self.step * 2 ** min(over, 16), _MAX_DELAY)
        else:
            until = failures[-1] + self.step
        return max(0.0, (until - now).total_seconds())


@dataclass(frozen=True, slots=True)
class Reservation:
    """The failure rows recorded ahead of a check; ``pair`` is the sign-in pair key, if any."""

    ids: tuple[int, ...]
    pair: str | None = None


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_per_account: int
    """Free failures per (account, address) before delays; 10 times that a day per account."""
    max_per_address: int
    window: timedelta

    async def reserve_sign_in(
        self, store: AccountStore, email: str, address: str, now: datetime
    ) -> Reservation:
        """Reserve one password check of ``email`` from ``address``; raises Throttled."""
        account, client = account_key(email), address_key(address)
        pair = _pair_key(account, client)
        known = await store.failures_since("known", pair, now - _KNOWN_FOR)
        rules = [
            Rule("pair", pair, self.max_per_account, self._long, "grow", _FIRST_DELAY),
            Rule("address", client, self.max_per_address, self.window),
            Rule(
                "account",
                account,
                self.max_per_account * _ACCOUNT_CEILING_FACTOR,
                self._long,
                "pace",
                self.window / self.max_per_account,
                enforced=not known,
            ),
        ]
        return Reservation(await _reserve(store, rules, now), pair)

    async def reserve_user_code(
        self, store: AccountStore, session_id: str, address: str, now: datetime
    ) -> Reservation:
        """Reserve one device user-code look-up by a web session; raises Throttled."""
        rules = [
            Rule("code_session", session_id, _CODES_PER_SESSION, self.window),
            Rule("code_address", address_key(address), _CODES_PER_ADDRESS, self.window),
        ]
        return Reservation(await _reserve(store, rules, now, what="wrong codes"))

    async def reserve_second_step(
        self, store: AccountStore, user_id: str, address: str, now: datetime
    ) -> Reservation:
        """Reserve one check of a second-step code for the account; raises Throttled."""
        rules = [
            Rule("otp_account", account_key(user_id), _SECOND_STEPS_PER_ACCOUNT, self.window),
            Rule("otp_address", address_key(address), _SECOND_STEPS_PER_ADDRESS, self.window),
        ]
        return Reservation(await _reserve(store, rules, now, what="wrong codes"))

    async def reserve_mail(
        self, store: AccountStore, email: str, address: str, now: datetime
    ) -> None:
        """Count one message to ``email`` asked for from ``address`` (a sign-up, a new
        verification link, a password reset); raises Throttled past 5 an hour per address
        mailed or 30 an hour per client. The same whether or not an account has the email."""
        rules = [
            Rule("mail_account", account_key(email), _MAILS_PER_EMAIL, _MAIL_MEMORY),
            Rule("mail_address", address_key(address), _MAILS_PER_CLIENT, _MAIL_MEMORY),
        ]
        await _reserve(store, rules, now, what="messages asked for")

    async def forgive(self, store: AccountStore, reservation: Reservation, now: datetime) -> None:
        """The answer was right: give the rows back; a signed-in pair starts afresh and is
        known (exempt from the account-wide slow lane) for 30 days."""
        await store.delete_failures(reservation.ids)
        if reservation.pair is not None:
            await store.clear_failures("pair", reservation.pair)
            await store.clear_failures("known", reservation.pair)
            await store.record_failure("known", reservation.pair, now)

    async def prune(self, store: AccountStore, now: datetime) -> None:
        """Forget rows that no rule looks at any more."""
        await store.prune_failures(
            {
                "pair": now - self._long,
                "account": now - self._long,
                "address": now - self.window,
                "known": now - _KNOWN_FOR,
                "code_session": now - self.window,
                "code_address": now - self.window,
                "otp_account": now - self.window,
                "otp_address": now - self.window,
                "mail_account": now - _MAIL_MEMORY,
                "mail_address": now - _MAIL_MEMORY,
            }
        )

    @property
    def _long(self) -> timedelta:
        return max(self.window, _LONG_MEMORY)


async def _reserve(
    store: AccountStore,
    rules: Sequence[Rule],
    now: datetime,
    *,
    what: str = "failed sign-in attempts",
) -> tuple[int, ...]:
    """Hold the rules' keys, refuse with Throttled (``what`` says what was counted) when one says
    wait, else record one row per rule: the reservation's ids."""
    # Keys are held in one global order, so two reservations sharing keys cannot deadlock.
    for rule in sorted(rules, key=lambda r: (r.scope, r.key)):
        await store.hold_failures(rule.scope, rule.key)
    wait = 0.0
    for rule in rules:
        failures = await store.failures_since(rule.scope, rule.key, now - rule.memory)
        wait = max(wait, rule.wait(failures, now))
    if wait > 0:
        raise Throttled(math.ceil(wait), what=what)
    return tuple([await store.record_failure(rule.scope, rule.key, now) for rule in rules])
