"""Commands in flight at once (the page polls a device code while the user presses Generate
Tokens) each save only what they changed: none undoes another's."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from starlette.applications import Starlette

from cclibs.clock import FrozenClock
from cclibs.oauth.clients import ClientType
from cclibs.playground.sessions import new_session_id
from tests.http.oauth.conftest import make_credential
from tests.playground.conftest import CALLBACK, PlaygroundPage
from tests.support.oauth_flow import consent

pytestmark = pytest.mark.anyio


async def test_a_device_poll_in_flight_keeps_the_authorization_started_meanwhile(
    app: Starlette,
    owner_id: str,
    developer: PlaygroundPage,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    native = await make_credential(app, owner_id, ClientType.NATIVE, redirect_uris=[CALLBACK])
    config = {"client_id": native.client_id, "scopes": "openid"}
    device = (await developer.ok("device-start", config))["view"]["device"]
    clock.advance(timedelta(seconds=device["interval"] + 1))

    # The poll has loaded the state and asked the server; its save waits for the gate.
    sessions = app.state.cclibs.playground.sessions
    save = sessions.save
    reached, gate = asyncio.Event(), asyncio.Event()

    async def held(*args: Any, **kwargs: Any) -> dict[str, Any]:
        reached.set()
        await gate.wait()
        return await save(*args, **kwargs)

    monkeypatch.setattr(sessions, "save", held)
    poll = asyncio.create_task(developer.ok("device-poll"))
    await reached.wait()
    monkeypatch.setattr(sessions, "save", save)

    started = await developer.ok("authorize", config)  # Generate Tokens, meanwhile
    gate.set()
    polled = await poll
    assert polled["poll"] == "authorization_pending"

    back = await consent(developer.http, await developer.http.get(started["authorization_url"]))
    done = await developer.http.get(back.headers["location"])
    assert done.headers["location"] == "/playground#tokens"
    view = (await developer.ok("state"))["view"]
    assert view["tokens"]["access_token"]
    assert view["device"]["status"] == "pending"  # the poll's own change is kept too


async def test_an_older_copy_does_not_overwrite_a_newer_token(app: Starlette) -> None:
    sessions = app.state.cclibs.playground.sessions
    browser = new_session_id()
    await sessions.save(
        browser,
        {"tokens": {"refresh_token": "old"}, "error": "shown", "log": []},
        loaded={},
    )
    refresh, poll = await sessions.load(browser), await sessions.load(browser)
    refresh_loaded, poll_loaded = await sessions.load(browser), await sessions.load(browser)

    refresh["tokens"] = {"refresh_token": "rotated"}
    del refresh["error"]
    poll["log"] = [{"title": "Poll for the token"}]
    await sessions.save(browser, refresh, loaded=refresh_loaded)
    stored = await sessions.save(browser, poll, loaded=poll_loaded)

    assert stored == await sessions.load(browser)
    assert stored == {
        "tokens": {"refresh_token": "rotated"},
        "log": [{"title": "Poll for the token"}],
    }
