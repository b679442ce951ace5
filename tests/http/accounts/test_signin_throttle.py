"""The sign-in throttle under attack: reserve-before-verify, per-pair delays, no lock-out of the
owner, and bounds on spraying and on distributed guessing (rules: accounts/throttle.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.accounts.passwords import PasswordHasher
from cclibs.clock import FrozenClock
from cclibs.config import Settings
from tests.support.pages import csrf_token, sign_in, sign_up

pytestmark = pytest.mark.anyio

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"
WRONG = "wrong password!"


@pytest.fixture
async def user(client: httpx.AsyncClient) -> str:
    await sign_up(client, email=EMAIL, password=PASSWORD)
    client.cookies.clear()
    return EMAIL


@pytest.fixture
def verifications(password_hasher: PasswordHasher, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 verification the server runs, by password."""
    seen: list[str] = []
    real = password_hasher.verify

    async def counting(password_hash: str | None, password: str) -> bool:
        seen.append(password)
        return await real(password_hash, password)

    monkeypatch.setattr(password_hasher, "verify", counting)
    return seen


@asynccontextmanager
async def browser_at(
    app: Starlette, settings: Settings, host: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser whose connection comes from ``host``."""
    transport = httpx.ASGITransport(app=app, client=(host, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=settings.issuer) as http:
        yield http


async def _parallel_sign_ins(
    browser: httpx.AsyncClient, emails: list[str], password: str
) -> list[httpx.Response]:
    """Post every sign-in at once, with one CSRF token, as a script would."""
    token = await csrf_token(browser, "/signin")
    post: Callable[[str], Awaitable[httpx.Response]] = lambda email: browser.post(  # noqa: E731
        "/signin", data={"csrf_token": token, "email": email, "password": password}
    )
    return list(await asyncio.gather(*(post(email) for email in emails)))


def _statuses(responses: list[httpx.Response]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for response in responses:
        counts[response.status_code] = counts.get(response.status_code, 0) + 1
    return counts


async def test_forty_parallel_wrong_passwords_verify_at_most_the_limit(
    client: httpx.AsyncClient, user: str, verifications: list[str]
) -> None:
    answers = await _parallel_sign_ins(client, [user] * 40, WRONG)
    # Each attempt is reserved before argon2 runs: 5 are checked, 35 refused unchecked.
    assert verifications.count(WRONG) == 5
    assert _statuses(answers) == {401: 5, 429: 35}
    for answer in answers:
        if answer.status_code == 429:
            assert int(answer.headers["retry-after"]) > 0
            assert "Too many failed sign-in attempts" in answer.text


async def test_the_owner_signs_in_while_an_attacker_elsewhere_fails(
    app: Starlette, settings: Settings, client: httpx.AsyncClient, user: str
) -> None:
    async with browser_at(app, settings, "198.51.100.9") as attacker:
        for n in range(12):
            answer = await sign_in(attacker, user, WRONG)
            assert answer.status_code == (401 if n < 5 else 429)
    assert (await sign_in(client, user, PASSWORD)).status_code == 303


async def test_one_attacker_meets_growing_delays(
    client: httpx.AsyncClient, user: str, clock: FrozenClock
) -> None:
    for _ in range(5):
        assert (await sign_in(client, user, WRONG)).status_code == 401
    waits = []
    for _ in range(4):
        held = await sign_in(client, user, WRONG)
        assert held.status_code == 429
        waits.append(int(held.headers["retry-after"]))
        clock.advance(timedelta(seconds=waits[-1]))
        assert (await sign_in(client, user, WRONG)).status_code == 401
    assert waits == [15, 30, 60, 120]
    # The owner at that address waits too, then signs in, and starts afresh.
    held = await sign_in(client, user, PASSWORD)
    assert held.status_code == 429
    assert "Try again in about 4 minutes." in held.text
    clock.advance(timedelta(seconds=int(held.headers["retry-after"])))
    assert (await sign_in(client, user, PASSWORD)).status_code == 303


async def test_spraying_many_accounts_from_one_address_is_bounded(
    app: Starlette,
    settings: Settings,
    client: httpx.AsyncClient,
    user: str,
    verifications: list[str],
) -> None:
    emails = [f"probe{n}@example.com" for n in range(50)]
    answers = await _parallel_sign_ins(client, emails, WRONG)
    assert verifications.count(WRONG) == 30  # CCLIBS_LOGIN_MAX_FAILURES_PER_ADDRESS
    assert _statuses(answers) == {401: 30, 429: 20}
    assert (await sign_in(client, user, PASSWORD)).status_code == 429
    async with browser_at(app, settings, "198.51.100.9") as elsewhere:
        assert (await sign_in(elsewhere, user, PASSWORD)).status_code == 303


async def test_a_distributed_attack_on_one_account_is_slowed_not_locked(
    app: Starlette,
    settings: Settings,
    client: httpx.AsyncClient,
    user: str,
    clock: FrozenClock,
    verifications: list[str],
) -> None:
    # The owner has signed in from home before: that address is known for the account.
    assert (await sign_in(client, user, PASSWORD)).status_code == 303
    client.cookies.clear()

    async def guess(n: int) -> httpx.Response:
        async with browser_at(app, settings, f"10.0.{n // 200}.{n % 200 + 1}") as bot:
            return await sign_in(bot, user, WRONG)

    answers = await asyncio.gather(*(guess(n) for n in range(60)))
    # 10 x 5 a day for the account from all addresses, then one attempt per 15 min / 5.
    assert verifications.count(WRONG) == 50
    assert _statuses(answers) == {401: 50, 429: 10}
    assert max(int(a.headers["retry-after"]) for a in answers if a.status_code == 429) <= 180
    # The owner at home is not held back; at a new place they wait for the next turn.
    assert (await sign_in(client, user, PASSWORD)).status_code == 303
    async with browser_at(app, settings, "192.0.2.44") as travelling:
        held = await sign_in(travelling, user, PASSWORD)
        assert held.status_code == 429
        clock.advance(timedelta(seconds=int(held.headers["retry-after"])))
        assert (await sign_in(travelling, user, PASSWORD)).status_code == 303
    # The attack stays at one guess per turn.
    assert (await guess(100)).status_code == 401
    assert (await guess(101)).status_code == 429


async def test_ipv6_clients_count_per_slash_64(
    app: Starlette, settings: Settings, user: str
) -> None:
    for n in range(5):
        async with browser_at(app, settings, f"2001:db8:1:2::{n + 1:x}") as bot:
            assert (await sign_in(bot, user, WRONG)).status_code == 401
    async with browser_at(app, settings, "2001:db8:1:2:ffff::9") as same_prefix:
        assert (await sign_in(same_prefix, user, WRONG)).status_code == 429
    async with browser_at(app, settings, "2001:db8:1:3::1") as other_prefix:
        assert (await sign_in(other_prefix, user, PASSWORD)).status_code == 303
