"""Client credentials, the device flow, and picking one of one's own credentials."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.clock import FrozenClock
from cclibs.oauth.clients import ClientType
from tests.http.oauth.conftest import make_credential
from tests.playground.conftest import CALLBACK, PlaygroundPage, open_playground
from tests.support.pages import csrf_token

pytestmark = pytest.mark.anyio


async def test_client_credentials_for_a_server_to_server_credential(
    app: Starlette, owner_id: str, developer: PlaygroundPage
) -> None:
    robot = await make_credential(app, owner_id, ClientType.SERVER, scopes=["openid", "AdobeID"])
    config = {"client_id": robot.client_id, "client_secret": robot.secret, "scopes": "openid"}
    view = (await developer.ok("client-credentials", config))["view"]
    tokens = view["tokens"]
    assert tokens["scope"] == "openid"
    assert tokens["refresh_token"] is None
    assert tokens["decoded"]["access_token"]["claims"]["sub"] == robot.client_id
    wrong = await developer.refused(
        "client-credentials", {**config, "client_secret": "p8e-not-the-secret"}
    )
    assert "invalid_client" in wrong
    no_secret = await open_playground(developer.http)
    await no_secret.ok("reset")
    fresh = await open_playground(developer.http)
    assert "needs the client secret" in await fresh.refused(
        "client-credentials", {"client_id": robot.client_id, "scopes": "openid"}
    )


async def test_client_secret_basic_sends_the_secret_in_the_header_and_logs_it_masked(
    app: Starlette, owner_id: str, developer: PlaygroundPage
) -> None:
    robot = await make_credential(app, owner_id, ClientType.SERVER, scopes=["openid"])
    config = {
        "client_id": robot.client_id,
        "client_secret": robot.secret,
        "scopes": "openid",
        "auth_method": "client_secret_basic",
    }
    view = (await developer.ok("client-credentials", config))["view"]
    assert view["tokens"]["access_token"]
    [exchange] = view["log"]
    # RFC 6749 §2.3.1. The header shows its scheme alone: any part of the base64 value
    # would be part of the secret.
    assert exchange["request_headers"]["Authorization"] == "Basic •••"
    assert "client_secret" not in exchange["request_form"]
    assert "client_id" not in exchange["request_form"]  # the header names the client
    assert robot.secret not in str(view)


async def test_the_device_flow_polls_until_approved(
    app: Starlette, owner_id: str, developer: PlaygroundPage, clock: FrozenClock
) -> None:
    native = await make_credential(app, owner_id, ClientType.NATIVE)
    started = await developer.ok(
        "device-start", {"client_id": native.client_id, "scopes": "openid,offline_access"}
    )
    device = started["view"]["device"]
    assert "device_code" not in device  # stays on the server
    assert device["verification_uri"].endswith("/ims/device")
    user_code = device["user_code"]
    # Before the interval has passed the playground does not ask the server at all.
    assert (await developer.ok("device-poll"))["poll"] == "pending"
    clock.advance(timedelta(seconds=device["interval"] + 1))
    assert (await developer.ok("device-poll"))["poll"] == "authorization_pending"

    # The user approves on the real verification page.
    http = developer.http
    token = await csrf_token(http, "/ims/device")
    confirm = await http.post("/ims/device", data={"csrf_token": token, "user_code": user_code})
    assert confirm.status_code == 200
    decided = await http.post(
        "/ims/device/decision",
        data={"csrf_token": token, "user_code": user_code, "decision": "allow"},
    )
    assert decided.status_code == 200

    clock.advance(timedelta(seconds=device["interval"] + 1))
    polled = await developer.ok("device-poll")
    assert polled["poll"] == "approved"
    assert polled["view"]["tokens"]["refresh_token"]
    assert polled["view"]["device"]["status"] == "done"
    assert "Start a device authorization first" in await developer.refused("device-poll")


async def test_picking_a_credential_registers_the_callback_once(
    app: Starlette, owner_id: str, developer: PlaygroundPage
) -> None:
    spa = await make_credential(app, owner_id, ClientType.SPA)
    used = await developer.ok("use-credential", {"client_id": spa.client_id})
    assert f"{CALLBACK} is added to its redirect URIs." in used["message"]
    assert used["confidential"] is False
    client = await app.state.cclibs.oauth.clients.get(spa.client_id)
    assert CALLBACK in client.redirect_uris
    assert "https://app.example.com/callback" in client.redirect_uris  # kept
    again = await developer.ok("use-credential", {"client_id": spa.client_id})
    assert "already accept" in again["message"]
    web = await make_credential(app, owner_id, ClientType.WEB)
    assert (
        "Paste its client secret"
        in (await developer.ok("use-credential", {"client_id": web.client_id}))["message"]
    )


async def test_only_ones_own_credentials_can_be_picked(
    app: Starlette, owner_id: str, client: httpx.AsyncClient
) -> None:
    spa = await make_credential(app, owner_id, ClientType.SPA)
    anonymous = await open_playground(client)
    response = await anonymous.command("use-credential", {"client_id": spa.client_id})
    assert response.status_code == 401
    stranger = await app.state.cclibs.accounts.create_user(
        email="eve@example.com", name="Eve", password="eve's password!"
    )
    assert stranger
    from tests.support.pages import sign_in

    assert (await sign_in(client, "eve@example.com", "eve's password!")).status_code == 303
    eve = await open_playground(client)
    response = await eve.command("use-credential", {"client_id": spa.client_id})
    assert response.status_code == 404
    client_after = await app.state.cclibs.oauth.clients.get(spa.client_id)
    assert CALLBACK not in client_after.redirect_uris
