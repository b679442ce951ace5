"""Token introspection (RFC 7662) at /ims/introspect."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.oauth.clients import ClientType
from tests.http.oauth.conftest import Credential, assert_oauth_error, make_credential
from tests.support.oauth_flow import authorize_code

pytestmark = pytest.mark.anyio


async def _introspect(
    client: httpx.AsyncClient, credential: Credential, token: str, **extra: str
) -> httpx.Response:
    return await client.post(
        "/ims/introspect",
        data={"token": token, **extra},
        auth=(credential.client_id, credential.secret or ""),
    )


async def _user_tokens(client: httpx.AsyncClient, web: Credential) -> dict[str, str]:
    params = await authorize_code(client, web.client_id)
    response = await client.post(
        "/ims/token/v3",
        data={"grant_type": "authorization_code", "code": params["code"]},
        auth=(web.client_id, web.secret or ""),
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_server_to_server_token_is_active(
    client: httpx.AsyncClient, server_credential: Credential
) -> None:
    token = (
        await client.post(
            "/ims/token/v3",
            data={"grant_type": "client_credentials", "scope": "openid"},
            auth=(server_credential.client_id, server_credential.secret or ""),
        )
    ).json()["access_token"]
    response = await _introspect(client, server_credential, token)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["active"] is True
    assert body["client_id"] == body["sub"] == server_credential.client_id
    assert body["scope"] == "openid"
    assert body["token_type"] == "access_token"
    assert body["iss"] == "http://testserver"
    assert body["exp"] - body["iat"] == 86400


async def test_user_access_and_refresh_tokens(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    tokens = await _user_tokens(client, web_credential)
    access = (await _introspect(client, web_credential, tokens["access_token"])).json()
    assert access["active"] is True and access["sub"].endswith("@AdobeID")
    refresh = (
        await _introspect(
            client, web_credential, tokens["refresh_token"], token_type_hint="refresh_token"
        )
    ).json()
    assert refresh["active"] is True
    assert refresh["token_type"] == "refresh_token"
    assert "offline_access" in refresh["scope"].split()
    # Revoked: both become inactive.
    revoked = await client.post(
        "/ims/revoke",
        data={"token": tokens["refresh_token"]},
        auth=(web_credential.client_id, web_credential.secret or ""),
    )
    assert revoked.status_code == 200
    for token in (tokens["access_token"], tokens["refresh_token"]):
        assert (await _introspect(client, web_credential, token)).json() == {"active": False}


async def test_another_clients_token_is_inactive(
    client: httpx.AsyncClient, app: Starlette, owner_id: str, web_credential: Credential
) -> None:
    tokens = await _user_tokens(client, web_credential)
    other = await make_credential(app, owner_id, ClientType.WEB)
    for token in (tokens["access_token"], tokens["refresh_token"]):
        assert (await _introspect(client, other, token)).json() == {"active": False}


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "x" * 5000, "eyJhbGciOiJub25lIn0.e30."])
async def test_unknown_tokens_are_inactive(
    client: httpx.AsyncClient, web_credential: Credential, token: str
) -> None:
    response = await _introspect(client, web_credential, token)
    assert response.status_code == 200
    assert response.json() == {"active": False}


async def test_public_clients_may_not_introspect(
    client: httpx.AsyncClient, app: Starlette, owner_id: str
) -> None:
    spa = await make_credential(app, owner_id, ClientType.SPA)
    response = await client.post("/ims/introspect", data={"token": "x", "client_id": spa.client_id})
    assert_oauth_error(response, 401, "invalid_client", "confidential")


async def test_missing_token_and_bad_credentials(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    missing = await client.post(
        "/ims/introspect", data={}, auth=(web_credential.client_id, web_credential.secret or "")
    )
    assert_oauth_error(missing, 400, "invalid_request", "token is required")
    wrong = await client.post(
        "/ims/introspect", data={"token": "x"}, auth=(web_credential.client_id, "p8e-wrong")
    )
    assert_oauth_error(wrong, 401, "invalid_client")
