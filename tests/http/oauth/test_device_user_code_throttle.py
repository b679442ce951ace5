"""Wrong device user codes are limited per web session and per address (RFC 8628 §5.1)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.clock import FrozenClock
from cclibs.config import Settings
from cclibs.oauth.clients import ClientType
from tests.http.oauth.conftest import Credential, make_credential
from tests.support.pages import csrf_token, sign_in

pytestmark = pytest.mark.anyio

WRONG_CODES = [f"BCDF-GHJ{letter}" for letter in "KLMNPQRSTVWXZ"]


@pytest.fixture
async def native(app: Starlette, owner_id: str) -> Credential:
    return await make_credential(
        app, owner_id, ClientType.NATIVE, redirect_uris=["http://127.0.0.1/callback"]
    )


async def _user_code(client: httpx.AsyncClient, native: Credential) -> str:
    started = await client.post(
        "/ims/device/code", data={"client_id": native.client_id, "scope": "openid"}
    )
    assert started.status_code == 200, started.text
    return str(started.json()["user_code"])


async def _enter(browser: httpx.AsyncClient, code: str) -> httpx.Response:
    token = await csrf_token(browser, "/ims/device")
    return await browser.post("/ims/device", data={"csrf_token": token, "user_code": code})


async def test_wrong_codes_are_limited_per_session(
    browser: httpx.AsyncClient, native: Credential, clock: FrozenClock
) -> None:
    for code in WRONG_CODES[:5]:
        assert (await _enter(browser, code)).status_code == 400
    held = await _enter(browser, WRONG_CODES[5])
    assert held.status_code == 429
    assert held.headers["content-type"].startswith("text/html")
    assert "Too many wrong codes. Try again in about 15 minutes." in held.text
    retry_after = int(held.headers["retry-after"])
    assert 0 < retry_after <= 15 * 60
    # A right code waits too, on the confirmation step as on the code page.
    right = await _user_code(browser, native)
    assert (await _enter(browser, right)).status_code == 429
    token = await csrf_token(browser, "/ims/device")
    decided = await browser.post(
        "/ims/device/decision",
        data={"csrf_token": token, "user_code": right, "decision": "allow"},
    )
    assert decided.status_code == 429
    # In a fresh window a right code works (a new one: codes live 10 minutes).
    clock.advance(timedelta(seconds=retry_after))
    right = await _user_code(browser, native)
    confirm = await _enter(browser, right)
    assert confirm.status_code == 200
    assert "wants to use your account on a device" in confirm.text


async def test_right_codes_do_not_count(browser: httpx.AsyncClient, native: Credential) -> None:
    right = await _user_code(browser, native)
    for n in range(8):
        assert (await _enter(browser, right)).status_code == 200
        if n % 2:
            assert (await _enter(browser, WRONG_CODES[n])).status_code == 400


async def test_new_sessions_at_one_address_share_its_limit(
    app: Starlette, settings: Settings, browser: httpx.AsyncClient
) -> None:
    for session in range(4):
        if session:
            browser.cookies.clear()
            await sign_in(browser, "dev@example.com", "developer password")
        for code in WRONG_CODES[:5]:
            assert (await _enter(browser, code)).status_code == 400
    # A fifth session from the same address: the address has had its 20.
    browser.cookies.clear()
    await sign_in(browser, "dev@example.com", "developer password")
    assert (await _enter(browser, WRONG_CODES[0])).status_code == 429
    # Another address is not held back.
    transport = httpx.ASGITransport(app=app, client=("198.51.100.30", 40000))
    async with httpx.AsyncClient(transport=transport, base_url=settings.issuer) as other:
        await sign_in(other, "dev@example.com", "developer password")
        assert (await _enter(other, WRONG_CODES[0])).status_code == 400
