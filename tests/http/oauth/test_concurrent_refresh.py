"""Many refreshes of one refresh token at once (two tabs, retries, a burst after a wake-up).

Within the grace window every racer gets a working pair, and every pair carries the same
refresh token: the family never forks into branches a thief could keep. After the window the
racers get a clean invalid_grant and the family is revoked as a whole. Never a 500, and never
a family of which some tokens work while others were revoked. In process (httpx over ASGI)
and against a real uvicorn server on 127.0.0.1 hit by 20 threads; on SQLite and on
PostgreSQL.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import anyio
import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from cclibs.accounts.passwords import PasswordHasher
from cclibs.clock import FrozenClock
from cclibs.config import load_settings
from cclibs.storage.tables import GrantRow, RefreshTokenRow
from cclibs.web.app import create_app
from tests.conftest import TEST_SECRET
from tests.http.oauth.conftest import Credential
from tests.support.oauth_flow import refresh, user_tokens
from tests.support.servers import free_socket, running

pytestmark = pytest.mark.anyio

RACERS = 20
GRACE = timedelta(seconds=10)
# When the app refreshes after sign-in. A minute later is the moment the server's signing-key
# cache (60 s) has just expired while the client secret's last use (noted once a minute) has
# not: the racers then reach the refresh token's row lock together and the winner must reload
# the keys. An hour later both have expired.
LATER = [
    pytest.param(timedelta(0), id="at-once"),
    pytest.param(timedelta(minutes=1), id="a-minute-later"),
    pytest.param(timedelta(hours=1), id="an-hour-later"),
]


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, str]

    @classmethod
    def of(cls, response: httpx.Response) -> Answer:
        try:
            body = response.json()
        except ValueError:
            body = {"raw": response.text[:300]}
        return cls(response.status_code, body)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def invalid_grant(self) -> bool:
        return self.status == 400 and self.body.get("error") == "invalid_grant"


def assert_clean(answers: list[Answer]) -> None:
    """Every answer is a new pair or a clean invalid_grant: no 500, no other error."""
    for answer in answers:
        assert answer.ok or answer.invalid_grant, answer
        if answer.ok:
            assert answer.body["access_token"] and answer.body["refresh_token"], answer
    accesses = [a.body["access_token"] for a in answers if a.ok]
    assert len(set(accesses)) == len(accesses), "two racers got the same access token"


async def live_refresh_tokens(app: Starlette, client_id: str) -> int:
    """How many of the client's refresh tokens can still be rotated (not rotated, family not
    revoked). With the client's one sign-in, that is the family's live branches."""
    async with app.state.cclibs.db.read() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(RefreshTokenRow)
            .join(GrantRow, GrantRow.id == RefreshTokenRow.grant_id)
            .where(
                RefreshTokenRow.client_id == client_id,
                RefreshTokenRow.rotated_at.is_(None),
                GrantRow.revoked_at.is_(None),
            )
        )
    return int(count or 0)


async def family_state(
    client: httpx.AsyncClient,
    cred: Credential,
    refresh_tokens: list[str],
    access_tokens: list[str],
) -> str:
    """ "live" when every token works, "revoked" when none does; a mix fails the test."""
    refreshes = [
        Answer.of(await refresh(client, cred.client_id, token, secret=cred.secret))
        for token in refresh_tokens
    ]
    infos = [
        (
            await client.get("/ims/userinfo/v2", headers={"authorization": f"Bearer {token}"})
        ).status_code
        for token in access_tokens
    ]
    assert all(a.ok or a.invalid_grant for a in refreshes), refreshes
    assert all(status in (200, 401) for status in infos), infos
    if all(a.ok for a in refreshes) and all(status == 200 for status in infos):
        return "live"
    if all(a.invalid_grant for a in refreshes) and all(status == 401 for status in infos):
        return "revoked"
    raise AssertionError(
        f"a family half revoked: refresh {[a.status for a in refreshes]}, userinfo {infos}"
    )


async def race_in_process(
    client: httpx.AsyncClient, cred: Credential, tokens: list[str]
) -> list[Answer]:
    async def one(token: str) -> Answer:
        return Answer.of(await refresh(client, cred.client_id, token, secret=cred.secret))

    return list(await asyncio.gather(*(one(token) for token in tokens)))


def race_threads(base_url: str, cred: Credential, tokens: list[str]) -> list[Answer]:
    """One thread and one connection per token, released together by a barrier."""
    barrier = threading.Barrier(len(tokens))

    def one(token: str) -> Answer:
        with httpx.Client(base_url=base_url, timeout=60) as http:
            barrier.wait(timeout=30)
            response = http.post(
                "/ims/token/v3",
                data={"grant_type": "refresh_token", "refresh_token": token},
                auth=(cred.client_id, cred.secret or ""),
            )
            return Answer.of(response)

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(one, tokens))


async def check_the_fresh_race(
    http: httpx.AsyncClient,
    app: Starlette,
    cred: Credential,
    clock: FrozenClock,
    race: Callable[[list[str]], Awaitable[list[Answer]]],
    later: timedelta,
) -> None:
    """20 racers with one fresh token: one live branch; the family lives; then reuse revokes
    it all."""
    tokens = await user_tokens(http, cred.client_id, secret=cred.secret)
    clock.advance(later)
    answers = await race([tokens["refresh_token"]] * RACERS)
    assert_clean(answers)
    # The clock stands still, so every racer is within the grace window and wins...
    assert all(a.ok for a in answers), [a.status for a in answers]
    children = [a.body["refresh_token"] for a in answers]
    # ...and every one of them holds the same successor: exactly one live branch.
    assert len(set(children)) == 1, f"the family forked into {len(set(children))} branches"
    assert await live_refresh_tokens(app, cred.client_id) == 1
    accesses = [tokens["access_token"], *(a.body["access_token"] for a in answers)]
    assert await family_state(http, cred, children, accesses) == "live"
    # After the window, the parent is a replay: the whole family goes, grandchildren too.
    clock.advance(GRACE + timedelta(seconds=1))
    replay = Answer.of(
        await refresh(http, cred.client_id, tokens["refresh_token"], secret=cred.secret)
    )
    assert replay.invalid_grant, replay
    assert await family_state(http, cred, children, accesses) == "revoked"


@pytest.mark.parametrize("later", LATER)
async def test_twenty_concurrent_refreshes_in_process(
    client: httpx.AsyncClient,
    app: Starlette,
    web_credential: Credential,
    clock: FrozenClock,
    later: timedelta,
) -> None:
    await check_the_fresh_race(
        client,
        app,
        web_credential,
        clock,
        lambda tokens: race_in_process(client, web_credential, tokens),
        later,
    )


async def test_a_replay_racing_the_children_revokes_the_whole_family(
    client: httpx.AsyncClient, web_credential: Credential, clock: FrozenClock
) -> None:
    """A stolen parent replayed while the real app keeps refreshing: whoever commits first,
    the family ends revoked, including pairs handed out to children during the race."""
    tokens = await user_tokens(client, web_credential.client_id, secret=web_credential.secret)
    children = []
    for _ in range(RACERS // 2):
        response = await refresh(
            client,
            web_credential.client_id,
            tokens["refresh_token"],
            secret=web_credential.secret,
        )
        assert response.status_code == 200, response.text
        children.append(response.json())
    clock.advance(GRACE + timedelta(seconds=1))
    # Replays of the parent at even places, each child once at odd places.
    racers = []
    for child in children:
        racers += [tokens["refresh_token"], child["refresh_token"]]
    answers = await race_in_process(client, web_credential, racers)
    assert_clean(answers)
    replays = answers[0::2]
    assert all(a.invalid_grant for a in replays), replays
    assert all("already used" in a.body["error_description"] for a in replays), replays
    won = [a.body for a in answers[1::2] if a.ok]
    refresh_tokens = [c["refresh_token"] for c in children] + [w["refresh_token"] for w in won]
    accesses = [tokens["access_token"], *(c["access_token"] for c in children)]
    accesses += [w["access_token"] for w in won]
    assert await family_state(client, web_credential, refresh_tokens, accesses) == "revoked"


async def test_twenty_replays_after_the_grace_window_all_fail_cleanly(
    client: httpx.AsyncClient, web_credential: Credential, clock: FrozenClock
) -> None:
    tokens = await user_tokens(client, web_credential.client_id, secret=web_credential.secret)
    first = await refresh(
        client, web_credential.client_id, tokens["refresh_token"], secret=web_credential.secret
    )
    assert first.status_code == 200, first.text
    clock.advance(GRACE + timedelta(seconds=1))
    answers = await race_in_process(client, web_credential, [tokens["refresh_token"]] * RACERS)
    assert_clean(answers)
    assert all(a.invalid_grant for a in answers), answers
    child = first.json()
    state = await family_state(
        client,
        web_credential,
        [child["refresh_token"]],
        [tokens["access_token"], child["access_token"]],
    )
    assert state == "revoked"


# Against a real server ----------------------------------------------------------------------


@pytest.fixture
def live_server(
    database_url: str,
    tmp_path: Path,
    password_hasher: PasswordHasher,
    clock: FrozenClock,
    app: Starlette,
) -> Iterator[str]:
    """A uvicorn server on 127.0.0.1 whose issuer is its own URL, on the test's database and
    clock. (``app``, the in-process twin on the same database, creates users and credentials:
    its engine belongs to the test's event loop, the server's to its own thread.)"""
    sock = free_socket()
    port = sock.getsockname()[1]
    settings = load_settings(
        data_dir=tmp_path / "live",
        database_url=database_url,
        secret_key=TEST_SECRET,
        issuer=f"http://127.0.0.1:{port}",
        env="development",
        signup_enabled=True,
    )
    served = create_app(settings, clock=clock, password_hasher=password_hasher)
    with running(served, sock) as base_url:
        assert base_url == settings.issuer
        yield base_url


@pytest.mark.parametrize("later", LATER[1:])
async def test_twenty_threads_refresh_one_token_on_a_real_server(
    live_server: str,
    app: Starlette,
    web_credential: Credential,
    clock: FrozenClock,
    later: timedelta,
) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=60) as http:
        await check_the_fresh_race(
            http,
            app,
            web_credential,
            clock,
            lambda tokens: anyio.to_thread.run_sync(
                race_threads, live_server, web_credential, tokens
            ),
            later,
        )
