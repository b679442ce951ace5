"""Password reset: one answer whether or not the account exists, a single-use 30-minute
link, and a reset that ends every session and every application's access."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.clock import FrozenClock
from tests.support.api_auth import PASSWORD as OLD_PASSWORD
from tests.support.api_auth import WEB_APP_SCOPES, ApiCallers, new_user, user_token
from tests.support.mailbox import queued
from tests.support.pages import csrf_token, sign_in, submit

pytestmark = pytest.mark.anyio

NEW_PASSWORD = "a brand new passphrase"


async def _forgot(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await submit(client, "/password/forgot", "/password/forgot", {"email": email})


async def _reset_link(app: Starlette, to: str) -> str:
    messages = [m for m in await queued(app, to) if m.subject == "Reset your cclibs password"]
    return messages[-1].link("/password/reset")


async def _reset(
    client: httpx.AsyncClient, link: str, password: str, repeat: str | None = None
) -> httpx.Response:
    token = await csrf_token(client, link)
    return await client.post(
        "/password/reset",
        data={
            "csrf_token": token,
            "token": link.split("token=", 1)[1],
            "new_password": password,
            "confirm_password": password if repeat is None else repeat,
        },
    )


async def test_known_and_unknown_addresses_get_the_same_answer(
    client: httpx.AsyncClient, app: Starlette, clock: FrozenClock
) -> None:
    await new_user(app.state.cclibs, email="ada@example.com")
    known = await _forgot(client, "Ada@Example.com")
    unknown = await _forgot(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"] == "/password/forgot/sent"
    assert known.text == unknown.text
    shown = await client.get("/password/forgot/sent")
    assert "If an account uses" in shown.text
    assert [m.to for m in await queued(app)] == ["ada@example.com"]

    async def timed(email: str) -> float:
        start = time.perf_counter()
        assert (await _forgot(client, email)).status_code == 303
        return time.perf_counter() - start

    known_times, unknown_times = [], []
    for i in range(4):
        clock.advance(timedelta(hours=1))  # out of the throttle's reach
        known_times.append(await timed("ada@example.com"))
        unknown_times.append(await timed(f"nobody-{i}@example.com"))
    ratio = statistics.median(known_times) / statistics.median(unknown_times)
    assert 0.33 < ratio < 3.0, (known_times, unknown_times)


async def test_a_reset_ends_every_session_and_every_applications_access(
    client: httpx.AsyncClient, app: Starlette, clock: FrozenClock
) -> None:
    callers = ApiCallers(app.state.cclibs, clock)
    user = await new_user(app.state.cclibs, email="ada@example.com", verified=False)
    web_app = await callers.web_app()
    tokens = await user_token(app.state.cclibs, web_app, user, scope=WEB_APP_SCOPES)
    assert tokens.refresh_token
    laptop = httpx.ASGITransport(app=app, client=("203.0.113.8", 40000))
    other = httpx.AsyncClient(transport=laptop, base_url=str(client.base_url))
    assert (await sign_in(other, "ada@example.com", OLD_PASSWORD)).status_code == 303

    await _forgot(client, "ada@example.com")
    link = await _reset_link(app, "ada@example.com")
    page = await client.get(link)
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "For <strong>ada@example.com</strong>" in page.text

    mismatch = await _reset(client, link, NEW_PASSWORD, "something else")
    assert mismatch.status_code == 400
    assert "The new passwords do not match." in mismatch.text
    weak = await _reset(client, link, "short")
    assert weak.status_code == 400
    assert "at least 8 characters" in weak.text

    done = await _reset(client, link, NEW_PASSWORD)
    assert done.status_code == 303
    assert done.headers["location"] == "/signin?reset=1"
    assert "Your password is changed" in (await client.get("/signin?reset=1")).text

    # The other browser is signed out; the application's refresh token no longer works.
    assert (await other.get("/account")).status_code == 303
    await other.aclose()
    refreshed = await client.post(
        "/ims/token/v3",
        data={"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
        auth=(web_app.client_id, web_app.secret or ""),
    )
    assert refreshed.json()["error"] == "invalid_grant"
    # The old password is gone, the new one signs in, and the mailbox is proven.
    assert (await sign_in(client, "ada@example.com", OLD_PASSWORD)).status_code == 401
    assert (await sign_in(client, "ada@example.com", NEW_PASSWORD)).status_code == 303
    found = await app.state.cclibs.accounts.find_by_email("ada@example.com")
    assert found.email_verified
    subjects = [m.subject for m in await queued(app, "ada@example.com")]
    assert subjects[-1] == "Your cclibs password was changed"
    # The link worked once.
    client.cookies.clear()
    again = await client.get(link)
    assert again.status_code == 400
    assert "This link has expired or was already used." in again.text


async def test_a_link_expires_after_30_minutes_and_a_newer_reset_spends_older_links(
    client: httpx.AsyncClient, app: Starlette, clock: FrozenClock
) -> None:
    await new_user(app.state.cclibs, email="ada@example.com")
    await _forgot(client, "ada@example.com")
    old = await _reset_link(app, "ada@example.com")
    clock.advance(timedelta(minutes=30, seconds=1))
    assert (await client.get(old)).status_code == 400

    await _forgot(client, "ada@example.com")
    first = await _reset_link(app, "ada@example.com")
    await _forgot(client, "ada@example.com")
    second = await _reset_link(app, "ada@example.com")
    assert (await _reset(client, second, NEW_PASSWORD)).status_code == 303
    refused = await client.get(first)
    assert refused.status_code == 400
    assert 'href="/password/forgot"' in refused.text


async def test_resets_are_throttled_per_address_and_per_client(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    await new_user(app.state.cclibs, email="ada@example.com")
    for _ in range(5):
        assert (await _forgot(client, "ada@example.com")).status_code == 303
    refused = await _forgot(client, "ADA@example.com")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert len(await queued(app, "ada@example.com")) == 5
    # An unknown address is throttled the same way: the limit tells nothing.
    for _ in range(5):
        assert (await _forgot(client, "ghost@example.com")).status_code == 303
    assert (await _forgot(client, "ghost@example.com")).status_code == 429

    # One client asking for many addresses: 30 an hour (10 counted above).
    for i in range(20):
        assert (await _forgot(client, f"spray-{i}@example.com")).status_code == 303
    assert (await _forgot(client, "spray-last@example.com")).status_code == 429
    transport = httpx.ASGITransport(app=app, client=("198.51.100.4", 40000))
    async with httpx.AsyncClient(transport=transport, base_url=str(client.base_url)) as elsewhere:
        assert (await _forgot(elsewhere, "spray-last@example.com")).status_code == 303


async def test_no_mail_for_a_disabled_account_and_bad_input_is_a_form_error(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    user = await new_user(app.state.cclibs, email="ada@example.com")
    await app.state.cclibs.accounts.set_disabled(user.id, True)
    assert (await _forgot(client, "ada@example.com")).status_code == 303
    assert await queued(app) == []
    bad = await _forgot(client, "not an address")
    assert bad.status_code == 400
    assert 'id="email-error"' in bad.text
    posted = await client.post(
        "/password/reset",
        data={
            "csrf_token": await csrf_token(client, "/password/forgot"),
            "token": "forged",
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert posted.status_code == 400
    assert "This link has expired or was already used." in posted.text
