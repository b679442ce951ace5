"""Generate Tokens over HTTP: the code flow the page drives, state and iss checks, the view."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text
from starlette.applications import Starlette

from tests.http.oauth.conftest import Credential
from tests.playground.conftest import CALLBACK, ISSUER, PlaygroundPage, open_playground

pytestmark = pytest.mark.anyio

SCOPES = "openid,AdobeID,profile,email,offline_access"


async def test_the_page_names_the_redirect_uri_and_sets_its_own_cookie(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/playground")
    assert page.status_code == 200
    assert f'<code id="pg-callback">{CALLBACK}</code>' in page.text
    assert "openid,creative_sdk,profile,address,AdobeID,email,cc_files,cc_libraries" in page.text
    [cookie] = [
        c for c in page.headers.get_list("set-cookie") if c.startswith("cclibs_playground=")
    ]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert page.headers["cache-control"] == "no-store"


async def test_a_web_app_gets_tokens_with_pkce_and_a_verified_id_token(
    developer: PlaygroundPage, web_app: Credential
) -> None:
    started = await developer.ok(
        "authorize",
        {"client_id": web_app.client_id, "client_secret": web_app.secret, "scopes": SCOPES},
    )
    query = parse_qs(urlsplit(started["authorization_url"]).query)
    assert query["redirect_uri"] == [CALLBACK]
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"] == [SCOPES]
    assert "client_secret" not in started["authorization_url"]
    assert web_app.secret not in started["view"].__repr__()
    assert started["view"]["config"]["has_secret"] is True

    view = await developer.code_flow(web_app.client_id, None, SCOPES)  # the kept secret
    tokens = view["tokens"]
    assert tokens["refresh_token"] and tokens["id_token"] and tokens["access_token"]
    assert tokens["expires_at"] - tokens["obtained_at"] == 86400
    id_token = tokens["decoded"]["id_token"]
    assert id_token["valid"] is True, id_token
    assert id_token["claims"]["aud"] == web_app.client_id
    assert id_token["signature"].startswith("valid (key ")
    assert tokens["decoded"]["access_token"]["claims"]["client_id"] == web_app.client_id
    assert tokens["decoded"]["refresh_token"] == {"jwt": False}
    # The exchange log masks what it shows.
    exchange = view["log"][0]
    assert exchange["title"] == "Exchange the code"
    assert exchange["request_form"]["client_secret"] != web_app.secret
    assert exchange["response"]["access_token"] != tokens["access_token"]

    refreshed = await developer.ok("refresh")
    new = refreshed["view"]["tokens"]
    assert new["access_token"] != tokens["access_token"]
    assert new["refresh_token"] != tokens["refresh_token"]
    assert new["id_token"] == tokens["id_token"]  # kept from the sign-in

    introspected = await developer.ok("introspect", {"which": "access_token"})
    assert introspected["introspection"]["active"] is True
    revoked = await developer.ok("revoke", {"which": "refresh_token"})
    ended = revoked["view"]["tokens"]["ended"]
    assert ended["refresh_token"] == "Revoked on this page."
    # The server revoked the access token with it (RFC 7009 §2.1), and introspection says so.
    assert ended["access_token"].startswith("Revoked with the refresh token: the server says")
    assert [e["title"] for e in revoked["view"]["log"][:3]] == [
        "Introspect",
        "Check the access token",
        "Revoke the refresh token",
    ]
    assert revoked["view"]["tokens"]["introspection"]["answer"] == {"active": False}
    assert "no longer valid" in await developer.refused("refresh")


async def test_a_callback_whose_state_does_not_match_is_refused(
    developer: PlaygroundPage, web_app: Credential
) -> None:
    started = await developer.ok(
        "authorize",
        {"client_id": web_app.client_id, "client_secret": web_app.secret, "scopes": "openid"},
    )
    assert started["authorization_url"]
    forged = await developer.http.get("/playground/callback?code=abc&state=forged")
    assert forged.headers["location"] == "/playground#authorization"
    view = (await developer.ok("state"))["view"]
    assert "state mismatch" in view["error"]
    assert view["tokens"] is None


async def test_a_code_cannot_be_delivered_to_another_browser(
    app: Starlette, developer: PlaygroundPage, web_app: Credential
) -> None:
    started = await developer.ok(
        "authorize",
        {"client_id": web_app.client_id, "client_secret": web_app.secret, "scopes": "openid"},
    )
    from tests.support.oauth_flow import consent

    page = await developer.http.get(started["authorization_url"])
    back = await consent(developer.http, page)
    callback = back.headers["location"]
    transport = httpx.ASGITransport(app=app, client=("198.51.100.4", 5000))
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as attacker:
        theirs = await open_playground(attacker)
        response = await attacker.get(callback)
        assert response.headers["location"] == "/playground#authorization"
        view = (await theirs.ok("state"))["view"]
        assert view["tokens"] is None
        assert "state mismatch" in view["error"]
    # The browser that asked still completes it.
    mine = await developer.http.get(callback)
    assert mine.headers["location"] == "/playground#tokens"


async def test_a_response_from_another_issuer_is_refused(
    developer: PlaygroundPage, web_app: Credential
) -> None:
    started = await developer.ok(
        "authorize",
        {"client_id": web_app.client_id, "client_secret": web_app.secret, "scopes": "openid"},
    )
    state = parse_qs(urlsplit(started["authorization_url"]).query)["state"][0]
    mixed = await developer.http.get(
        "/playground/callback", params={"code": "x", "state": state, "iss": "https://evil.example"}
    )
    assert mixed.headers["location"] == "/playground#authorization"
    assert "RFC 9207" in (await developer.ok("state"))["view"]["error"]


async def test_a_denied_consent_is_reported(developer: PlaygroundPage, web_app: Credential) -> None:
    started = await developer.ok(
        "authorize",
        {"client_id": web_app.client_id, "client_secret": web_app.secret, "scopes": "openid"},
    )
    from tests.support.oauth_flow import consent

    denied = await consent(
        developer.http, await developer.http.get(started["authorization_url"]), "deny"
    )
    await developer.http.get(denied.headers["location"])
    view = (await developer.ok("state"))["view"]
    assert "access_denied" in view["error"]


async def test_commands_need_the_csrf_header_and_json(developer: PlaygroundPage) -> None:
    missing = await developer.http.post("/playground/api/state", json={})
    assert missing.status_code == 403
    assert missing.json()["reason"] == "forbidden"
    wrong = await developer.http.post(
        "/playground/api/state", json={}, headers={"X-CSRF-Token": "x" * 64}
    )
    assert wrong.status_code == 403
    form = await developer.http.post(
        "/playground/api/state", data={"a": "b"}, headers={"X-CSRF-Token": developer.csrf}
    )
    assert form.status_code == 400
    assert "application/json" in form.json()["message"]
    not_object = await developer.http.post(
        "/playground/api/state",
        content=b"[1]",
        headers={"X-CSRF-Token": developer.csrf, "Content-Type": "application/json"},
    )
    assert not_object.status_code == 400


async def test_the_state_is_sealed_at_rest_and_bound_to_its_browser(
    app: Starlette, developer: PlaygroundPage, web_app: Credential
) -> None:
    view = await developer.code_flow(web_app.client_id, web_app.secret, SCOPES)
    access = view["tokens"]["access_token"]
    db = app.state.cclibs.db
    async with db.read() as session:
        rows = (
            await session.execute(text("SELECT id_hash, sealed FROM playground_sessions"))
        ).all()
    assert len(rows) == 1
    id_hash, sealed = rows[0]
    assert web_app.secret not in sealed and access not in sealed
    cookie = developer.http.cookies["cclibs_playground"]
    assert cookie not in id_hash  # only its hash is stored
    sessions = app.state.cclibs.playground.sessions
    assert (await sessions.load(cookie))["tokens"]["access_token"] == access
    assert await sessions.load(cookie[:-1] + ("A" if cookie[-1] != "A" else "B")) == {}


async def test_the_share_link_restores_settings_but_never_a_secret(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get(
        "/playground",
        params={
            "client_id": "abc123",
            "scope": "openid,email",
            "pkce": "0",
            "client_secret": "p8e-leak",
        },
    )
    assert 'value="abc123"' in page.text
    assert 'value="openid,email"' in page.text
    assert "p8e-leak" not in page.text
    assert 'id="pg-pkce" name="pkce" checked' not in page.text


async def test_a_forged_callback_does_not_cancel_the_request_in_flight(
    developer: PlaygroundPage, web_app: Credential
) -> None:
    started = await developer.ok(
        "authorize",
        {"client_id": web_app.client_id, "client_secret": web_app.secret, "scopes": "openid"},
    )
    from tests.support.oauth_flow import consent

    # Another site sends the browser to the callback with a state of its own.
    forged = await developer.http.get("/playground/callback?code=abc&state=x")
    assert forged.headers["location"] == "/playground#authorization"
    assert "state mismatch" in (await developer.ok("state"))["view"]["error"]

    back = await consent(developer.http, await developer.http.get(started["authorization_url"]))
    mine = await developer.http.get(back.headers["location"])
    assert mine.headers["location"] == "/playground#tokens"
    assert (await developer.ok("state"))["view"]["tokens"]["access_token"]
