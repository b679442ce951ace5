"""Logout: IMS's /ims/logout/v1 and OIDC RP-initiated logout at /ims/logout."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.http.oauth.conftest import Credential
from tests.support.oauth_flow import authorize_code, csp_directives
from tests.support.pages import csrf_token

pytestmark = pytest.mark.anyio

CALLBACK = "https://app.example.com/callback"


async def _signed_in_tokens(client: httpx.AsyncClient, web: Credential) -> dict[str, str]:
    params = await authorize_code(client, web.client_id, extra={"nonce": "n"})
    response = await client.post(
        "/ims/token/v3",
        data={"grant_type": "authorization_code", "code": params["code"]},
        auth=(web.client_id, web.secret or ""),
    )
    return dict(response.json())


async def _signed_in(client: httpx.AsyncClient) -> bool:
    return (await client.get("/account")).status_code == 200


async def test_ims_logout_redirects_to_a_registered_uri_and_signs_out(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    await _signed_in_tokens(client, web_credential)
    assert await _signed_in(client)
    response = await client.get(
        "/ims/logout/v1",
        params={
            "client_id": web_credential.client_id,
            "redirect_uri": CALLBACK,
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == CALLBACK
    assert not await _signed_in(client)


async def test_ims_logout_never_redirects_elsewhere(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    await _signed_in_tokens(client, web_credential)
    response = await client.get(
        "/ims/logout/v1",
        params={
            "client_id": web_credential.client_id,
            "redirect_uri": "https://evil.example/",
        },
    )
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    unknown = await client.get("/ims/logout/v1", params={"redirect_uri": CALLBACK})
    assert unknown.status_code == 400 and "location" not in unknown.headers


async def test_ims_logout_with_an_access_token_revokes_its_tokens(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    tokens = await _signed_in_tokens(client, web_credential)
    response = await client.get(
        "/ims/logout/v1",
        params={
            "client_id": web_credential.client_id,
            "access_token": tokens["access_token"],
        },
    )
    assert response.status_code == 200
    assert "You are signed out" in response.text
    userinfo = await client.get(
        "/ims/userinfo/v2", headers={"authorization": f"Bearer {tokens['access_token']}"}
    )
    assert userinfo.status_code == 401
    refreshed = await client.post(
        "/ims/token/v3",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(web_credential.client_id, web_credential.secret or ""),
    )
    assert refreshed.json()["error"] == "invalid_grant"


async def test_rp_initiated_logout_with_a_hint_returns_with_state(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    tokens = await _signed_in_tokens(client, web_credential)
    response = await client.get(
        "/ims/logout",
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": CALLBACK,
            "state": "bye-1",
        },
    )
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    assert parse_qs(location.query) == {"state": ["bye-1"]}
    assert not await _signed_in(client)


async def test_rp_initiated_logout_without_a_hint_asks_first(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    await _signed_in_tokens(client, web_credential)
    page = await client.get("/ims/logout", params={"client_id": web_credential.client_id})
    assert page.status_code == 200
    assert "Sign out?" in page.text
    assert csp_directives(page)["form-action"] == ["'self'"]
    assert await _signed_in(client)
    returning = await client.get(
        "/ims/logout",
        params={"client_id": web_credential.client_id, "post_logout_redirect_uri": CALLBACK},
    )
    # Its form ends in a redirect to the application, which CSP form-action must name.
    assert csp_directives(returning)["form-action"] == ["'self'", "https://app.example.com"]
    forged = await client.post("/ims/logout", data={"confirm": "yes"})
    assert forged.status_code == 403
    assert await _signed_in(client)
    token = await csrf_token(client, "/account")
    confirmed = await client.post(
        "/ims/logout",
        data={
            "csrf_token": token,
            "confirm": "yes",
            "client_id": web_credential.client_id,
            "post_logout_redirect_uri": CALLBACK,
        },
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == CALLBACK
    assert not await _signed_in(client)


@pytest.mark.parametrize("hint", ["not-a-jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."])
async def test_forged_hints_are_refused(client: httpx.AsyncClient, hint: str) -> None:
    response = await client.get("/ims/logout", params={"id_token_hint": hint})
    assert response.status_code == 400
    assert "not an ID token from this server" in response.text


async def test_hint_and_client_id_must_agree(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    tokens = await _signed_in_tokens(client, web_credential)
    response = await client.get(
        "/ims/logout",
        params={
            "id_token_hint": tokens["id_token"],
            "client_id": "0" * 32,
        },
    )
    assert response.status_code == 400
    assert await _signed_in(client)


async def test_metadata_names_the_end_session_endpoint(client: httpx.AsyncClient) -> None:
    document = (await client.get("/.well-known/openid-configuration")).json()
    assert document["end_session_endpoint"] == "http://testserver/ims/logout"
    assert document["device_authorization_endpoint"] == "http://testserver/ims/device/code"
