"""The device authorization grant (RFC 8628): codes, the verification pages, polling."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.clock import FrozenClock
from cclibs.oauth.clients import ClientType
from tests.http.oauth.conftest import Credential, assert_oauth_error, make_credential
from tests.support.pages import csrf_token, sign_in

pytestmark = pytest.mark.anyio

GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture
async def native(app: Starlette, owner_id: str) -> Credential:
    return await make_credential(
        app, owner_id, ClientType.NATIVE, redirect_uris=["http://127.0.0.1/callback"]
    )


async def _start(
    client: httpx.AsyncClient, credential: Credential, scope: str = "openid,profile,offline_access"
) -> dict[str, object]:
    response = await client.post(
        "/ims/device/code", data={"client_id": credential.client_id, "scope": scope}
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return dict(response.json())


async def _poll(
    client: httpx.AsyncClient, credential: Credential, device_code: str
) -> httpx.Response:
    return await client.post(
        "/ims/token/v3",
        data={
            "grant_type": GRANT,
            "device_code": device_code,
            "client_id": credential.client_id,
        },
    )


async def _approve(
    browser: httpx.AsyncClient, user_code: str, decision: str = "allow"
) -> httpx.Response:
    page = await browser.get(f"/ims/device?user_code={user_code}")
    if page.status_code == 303:
        await sign_in(browser, "dev@example.com", "developer password")
        page = await browser.get(f"/ims/device?user_code={user_code}")
    assert page.status_code == 200
    assert f'value="{user_code}"' in page.text
    token = await csrf_token(browser, "/ims/device")
    confirm = await browser.post("/ims/device", data={"csrf_token": token, "user_code": user_code})
    assert confirm.status_code == 200, confirm.text
    assert "wants to use your account on a device" in confirm.text
    return await browser.post(
        "/ims/device/decision",
        data={
            "csrf_token": token,
            "user_code": user_code,
            "decision": decision,
        },
    )


async def test_device_authorization_response(client: httpx.AsyncClient, native: Credential) -> None:
    started = await _start(client, native)
    assert re.fullmatch(
        r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}", str(started["user_code"])
    )
    assert started["verification_uri"] == "http://testserver/ims/device"
    assert started["verification_uri_complete"] == (
        f"http://testserver/ims/device?user_code={started['user_code']}"
    )
    assert started["expires_in"] == 600
    assert started["interval"] == 5
    assert len(str(started["device_code"])) >= 43


async def test_full_flow_with_pending_slow_down_and_tokens(
    client: httpx.AsyncClient, native: Credential, clock: FrozenClock
) -> None:
    started = await _start(client, native)
    device_code = str(started["device_code"])
    assert_oauth_error(await _poll(client, native, device_code), 400, "authorization_pending")
    assert_oauth_error(await _poll(client, native, device_code), 400, "slow_down")
    clock.advance(timedelta(seconds=11))  # the interval is now 10 s
    assert_oauth_error(await _poll(client, native, device_code), 400, "authorization_pending")
    done = await _approve(client, str(started["user_code"]))
    assert done.status_code == 200
    assert "Device connected" in done.text
    clock.advance(timedelta(seconds=11))
    tokens = await _poll(client, native, device_code)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert {"access_token", "refresh_token", "id_token"} <= set(body)
    userinfo = await client.get(
        "/ims/userinfo/v2", headers={"authorization": f"Bearer {body['access_token']}"}
    )
    assert userinfo.json()["name"] == "Dev Eloper"
    # The device code is single use.
    clock.advance(timedelta(seconds=11))
    assert_oauth_error(
        await _poll(client, native, device_code), 400, "invalid_grant", "already used"
    )


async def test_denied(client: httpx.AsyncClient, native: Credential) -> None:
    started = await _start(client, native)
    done = await _approve(client, str(started["user_code"]), decision="deny")
    assert "Not connected" in done.text
    assert_oauth_error(
        await _poll(client, native, str(started["device_code"])), 403, "access_denied"
    )


async def test_expired(client: httpx.AsyncClient, native: Credential, clock: FrozenClock) -> None:
    started = await _start(client, native)
    clock.advance(timedelta(minutes=11))
    assert_oauth_error(
        await _poll(client, native, str(started["device_code"])), 400, "expired_token"
    )
    await sign_in(client, "dev@example.com", "developer password")
    token = await csrf_token(client, "/ims/device")
    page = await client.post(
        "/ims/device", data={"csrf_token": token, "user_code": str(started["user_code"])}
    )
    assert page.status_code == 400
    assert "not valid or has expired" in page.text


async def test_user_code_is_typed_loosely(client: httpx.AsyncClient, native: Credential) -> None:
    started = await _start(client, native)
    await sign_in(client, "dev@example.com", "developer password")
    token = await csrf_token(client, "/ims/device")
    loose = str(started["user_code"]).replace("-", " ").lower()
    page = await client.post("/ims/device", data={"csrf_token": token, "user_code": loose})
    assert page.status_code == 200
    assert str(started["user_code"]) in page.text


async def test_verification_page_needs_sign_in_and_csrf(
    client: httpx.AsyncClient, native: Credential
) -> None:
    page = await client.get("/ims/device?user_code=BCDF-GHJK")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/signin?next=")
    await sign_in(client, "dev@example.com", "developer password")
    forged = await client.post("/ims/device", data={"user_code": "BCDF-GHJK"})
    assert forged.status_code == 403


async def test_only_native_credentials_may_start(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    response = await client.post(
        "/ims/device/code",
        data={"scope": "openid"},
        auth=(web_credential.client_id, web_credential.secret or ""),
    )
    assert_oauth_error(response, 400, "unauthorized_client", "Native App")


async def test_scope_must_be_allowed(
    client: httpx.AsyncClient, app: Starlette, owner_id: str
) -> None:
    narrow = await make_credential(
        app,
        owner_id,
        ClientType.NATIVE,
        scopes=["openid"],
        redirect_uris=["http://127.0.0.1/callback"],
    )
    response = await client.post(
        "/ims/device/code", data={"client_id": narrow.client_id, "scope": "openid,email"}
    )
    assert_oauth_error(response, 400, "invalid_scope", "email")


async def test_another_client_cannot_poll(
    client: httpx.AsyncClient, app: Starlette, owner_id: str, native: Credential
) -> None:
    started = await _start(client, native)
    other = await make_credential(
        app, owner_id, ClientType.NATIVE, redirect_uris=["http://127.0.0.1/callback"]
    )
    assert_oauth_error(
        await _poll(client, other, str(started["device_code"])), 400, "invalid_grant"
    )


async def test_a_development_credential_refuses_strangers(
    client: httpx.AsyncClient, app: Starlette, native: Credential
) -> None:
    await app.state.cclibs.accounts.create_user(
        email="stranger@example.com", name="Stranger", password="stranger password"
    )
    started = await _start(client, native)
    await sign_in(client, "stranger@example.com", "stranger password")
    token = await csrf_token(client, "/ims/device")
    done = await client.post(
        "/ims/device/decision",
        data={
            "csrf_token": token,
            "user_code": str(started["user_code"]),
            "decision": "allow",
        },
    )
    assert done.status_code == 403
    assert "in development" in done.text
    assert_oauth_error(
        await _poll(client, native, str(started["device_code"])), 400, "authorization_pending"
    )
