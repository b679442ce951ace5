"""What the view says about the tokens and the callback, over HTTP: ended tokens with their
reason, a callback's failure shown once, a replayed response named as such, and a
confidential credential with no secret refused before the authorization URL is made."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.oauth.clients import ClientType
from tests.http.oauth.conftest import Credential, make_credential
from tests.playground.conftest import CALLBACK, PlaygroundPage
from tests.support.oauth_flow import consent

pytestmark = pytest.mark.anyio

SCOPES = "openid,AdobeID,offline_access"


async def test_a_callback_failure_is_shown_once(
    developer: PlaygroundPage, web_app: Credential
) -> None:
    settings = {"client_id": web_app.client_id, "client_secret": web_app.secret, "scopes": "openid"}
    await developer.ok("authorize", settings)
    await developer.http.get("/playground/callback?code=abc&state=forged")
    first = (await developer.ok("state"))["view"]
    assert first["error"].startswith("An authorization response arrived that this browser")
    assert (await developer.ok("state"))["view"]["error"] is None


async def test_a_replayed_response_is_named_and_leaves_the_tokens(
    developer: PlaygroundPage, web_app: Credential
) -> None:
    started = await developer.ok(
        "authorize",
        {"client_id": web_app.client_id, "client_secret": web_app.secret, "scopes": SCOPES},
    )
    state = parse_qs(urlsplit(started["authorization_url"]).query)["state"][0]
    page = await developer.http.get(started["authorization_url"])
    callback = (await consent(developer.http, page)).headers["location"]
    assert (await developer.http.get(callback)).headers["location"] == "/playground#tokens"
    access = (await developer.ok("state"))["view"]["tokens"]["access_token"]

    # The Back button: the same response (or a new code with the same state) again.
    again = await developer.http.get(f"/playground/callback?code=other&state={state}")
    assert again.headers["location"] == "/playground#tokens"
    shown = (await developer.ok("state"))["view"]
    assert "came back a second time" in shown["error"]
    assert shown["error"].endswith("The tokens shown are unchanged.")
    assert shown["tokens"]["access_token"] == access
    assert (await developer.ok("state"))["view"]["error"] is None


async def test_a_confidential_credential_with_no_secret_gets_no_authorization_url(
    app: Starlette, developer: PlaygroundPage, owner_id: str
) -> None:
    web = await make_credential(app, owner_id, ClientType.WEB, redirect_uris=[CALLBACK])
    response = await developer.command("authorize", {"client_id": web.client_id})
    assert response.status_code == 400
    body = response.json()
    assert body["reason"] == "bad_request"
    assert body["field"] == "client_secret"
    assert body["message"].startswith("Web App test is a Web App credential")
    assert "authorization_url" not in body
    # A public credential needs none; a confidential one goes with its secret.
    spa = await make_credential(app, owner_id, ClientType.SPA, redirect_uris=[CALLBACK])
    assert (await developer.ok("authorize", {"client_id": spa.client_id}))["authorization_url"]
    with_secret = {"client_id": web.client_id, "client_secret": web.secret}
    assert (await developer.ok("authorize", with_secret))["authorization_url"]
    # A Server-to-Server credential has no user: its way is client_credentials.
    server = await make_credential(app, owner_id, ClientType.SERVER)
    settings = {"client_id": server.client_id, "client_secret": server.secret}
    assert "Other flows" in await developer.refused("authorize", settings)


async def test_a_refused_refresh_ends_the_tokens(
    developer: PlaygroundPage, web_app: Credential, client: httpx.AsyncClient
) -> None:
    view = await developer.code_flow(web_app.client_id, web_app.secret, SCOPES)
    revoked = await client.post(
        "/ims/revoke",
        data={
            "token": view["tokens"]["refresh_token"],
            "client_id": web_app.client_id,
            "client_secret": web_app.secret,
        },
    )
    assert revoked.status_code == 200
    response = await developer.command("refresh")
    assert response.status_code == 400
    body = response.json()
    assert "invalid_grant" in body["message"]
    ended = body["view"]["tokens"]["ended"]
    assert ended["refresh_token"] == "Refused by the server (invalid_grant)."
    assert ended["access_token"].startswith("Ended with the refusal of the refresh token")
    assert (await developer.ok("state"))["view"]["tokens"]["ended"] == ended


async def test_new_tokens_start_with_nothing_ended(
    developer: PlaygroundPage, web_app: Credential
) -> None:
    view = await developer.code_flow(web_app.client_id, web_app.secret, SCOPES)
    assert view["tokens"]["ended"] == {}
    assert view["tokens"]["grant"] == "code"
    refreshed = (await developer.ok("refresh"))["view"]["tokens"]
    assert refreshed["ended"] == {} and refreshed["grant"] == "code"
