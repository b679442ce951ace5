"""Tokens refresh themselves: before expiry, after a 401, once for many concurrent callers."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from cclibs.sdk import LoginRequired, OAuthClient, Profile, TokenSource
from cclibs.sdk.source import REFRESH_MARGIN_SECONDS
from tests.sdk.helpers import Clock, noting_posts, signed_in
from tests.support.live_cclibs import Browser, Live

TOKEN_PATH = "/ims/token/v3"


def test_refresh_shortly_before_expiry_saves_the_rotated_refresh_token(
    live: Live, native_profile: Profile, config_dir: Path, person: Browser
) -> None:
    clock = Clock()
    source = signed_in(native_profile, person, now=clock)
    first = source.tokens()
    clock.now = first.expires_at - REFRESH_MARGIN_SECONDS - 1
    assert source.access_token() == first.access_token  # not yet

    clock.now = first.expires_at - REFRESH_MARGIN_SECONDS + 1
    fresh = source.access_token()

    assert fresh != first.access_token
    saved = source.cache.load()
    assert saved is not None
    assert saved.access_token == fresh
    assert saved.refresh_token not in (None, first.refresh_token)  # rotated, and saved
    assert saved.id_token == first.id_token  # kept from the login
    assert source.userinfo()["email"] == "grace@example.com"


def test_a_401_refreshes_once_and_retries_once(
    live: Live, native_profile: Profile, config_dir: Path, person: Browser
) -> None:
    source = signed_in(native_profile, person)
    before = source.tokens()
    # A token the server will refuse, that the SDK still believes valid for an hour.
    source.cache.save(replace(before, access_token="refused-" + before.access_token[-20:]))
    source = TokenSource(native_profile)
    seen: list[int] = []
    with httpx.Client(
        auth=source.auth(),
        event_hooks={"response": [lambda response: seen.append(response.status_code)]},
    ) as http:
        answer = http.get(f"{live.url}/ims/userinfo/v2")
    assert answer.status_code == 200, answer.text
    assert seen == [401, 200]
    assert answer.request.headers["x-api-key"] == live.native_id
    assert source.tokens().access_token != before.access_token


def test_a_revoked_refresh_token_asks_for_a_new_login(
    live: Live, native_profile: Profile, config_dir: Path, person: Browser
) -> None:
    clock = Clock()
    source = signed_in(native_profile, person, now=clock)
    refresh_token = source.tokens().refresh_token
    assert refresh_token
    source.client.revoke(refresh_token, "refresh_token")
    clock.now += 2 * 86400
    with pytest.raises(LoginRequired, match="expired or was revoked: run cclibs login again"):
        source.access_token()


def test_threads_and_asyncio_tasks_share_one_refresh(
    live: Live, native_profile: Profile, config_dir: Path, person: Browser
) -> None:
    clock = Clock()
    posts: list[str] = []
    client = OAuthClient(native_profile, http=noting_posts(posts))
    source = signed_in(native_profile, person, now=clock, client=client)
    old = source.tokens().access_token
    clock.now += 2 * 86400  # the access token has expired
    posts.clear()
    auth = source.auth()
    url = f"{live.url}/ims/userinfo/v2"

    def in_a_thread() -> str:
        with httpx.Client(auth=auth, timeout=10) as http:
            response = http.get(url)
        assert response.status_code == 200, response.text
        return response.request.headers["authorization"]

    async def tasks() -> list[str]:
        async with httpx.AsyncClient(auth=auth, timeout=10) as http:
            responses = await asyncio.gather(*(http.get(url) for _ in range(6)))
        assert [r.status_code for r in responses] == [200] * 6
        return [r.request.headers["authorization"] for r in responses]

    with ThreadPoolExecutor(max_workers=7) as pool:
        in_loop = pool.submit(asyncio.run, tasks())
        threaded = [pool.submit(in_a_thread) for _ in range(6)]
        used = {future.result() for future in threaded} | set(in_loop.result())

    assert posts == [TOKEN_PATH]  # one refresh for twelve requests
    assert used == {f"Bearer {source.tokens().access_token}"}
    assert source.tokens().access_token != old
