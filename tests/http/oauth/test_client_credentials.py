"""The client_credentials grant at /ims/token/v3, in every way IMS clients send it."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.clock import FrozenClock
from cclibs.oauth.errors import InvalidToken
from tests.http.oauth.conftest import Credential, assert_oauth_error, decode_with_jwks

pytestmark = pytest.mark.anyio


async def test_basic_auth_gets_an_rfc9068_access_token(
    client: httpx.AsyncClient, server_credential: Credential
) -> None:
    response = await client.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials", "scope": "openid,AdobeID,cc_libraries"},
        auth=(server_credential.client_id, server_credential.secret or ""),
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 86400
    assert body["scope"] == "openid AdobeID cc_libraries"
    assert "refresh_token" not in body
    header, claims = await decode_with_jwks(client, body["access_token"])
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "RS256"
    assert header["kid"]
    assert claims["iss"] == "http://testserver"
    assert claims["sub"] == claims["client_id"] == server_credential.client_id
    assert claims["aud"] == "http://testserver/api"
    assert claims["scope"] == "openid AdobeID cc_libraries"
    assert claims["exp"] - claims["iat"] == 86400
    assert abs(claims["iat"] - time.time()) < 60
    assert len(claims["jti"]) >= 16
    # IMS's own claims, read by Adobe's client libraries.
    assert claims["type"] == "access_token"
    assert claims["user_id"] == server_credential.client_id
    assert claims["as"] == "cclibs"
    assert int(claims["created_at"]) // 1000 == claims["iat"]
    assert claims["expires_in"] == "86400000"


async def test_client_secret_post_in_the_body(
    client: httpx.AsyncClient, server_credential: Credential
) -> None:
    response = await client.post(
        "/ims/token/v3",
        data={
            "grant_type": "client_credentials",
            "client_id": server_credential.client_id,
            "client_secret": server_credential.secret,
        },
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", ["/ims/token/v3", "/ims/token/v1", "/ims/token"])
async def test_ims_style_everything_in_the_query_string_with_a_duplicated_grant_type(
    client: httpx.AsyncClient, server_credential: Credential, path: str
) -> None:
    response = await client.post(
        f"{path}?grant_type=client_credentials&client_id={server_credential.client_id}"
        f"&client_secret={server_credential.secret}&scope=openid,AdobeID"
        "&grant_type=client_credentials",
        json={"ignored": True},
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "openid AdobeID"


async def test_grant_type_in_query_and_body(
    client: httpx.AsyncClient, server_credential: Credential
) -> None:
    response = await client.post(
        "/ims/token/v3?grant_type=client_credentials",
        data={
            "grant_type": "client_credentials",
            "client_id": server_credential.client_id,
            "client_secret": server_credential.secret,
        },
    )
    assert response.status_code == 200


async def test_no_scope_gets_every_allowed_scope(
    client: httpx.AsyncClient, server_credential: Credential
) -> None:
    response = await client.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials"},
        auth=(server_credential.client_id, server_credential.secret or ""),
    )
    assert set(response.json()["scope"].split()) == {
        "openid",
        "AdobeID",
        "cc_files",
        "cc_libraries",
    }


async def test_wrong_secret_is_401_with_a_basic_challenge(
    client: httpx.AsyncClient, server_credential: Credential
) -> None:
    response = await client.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials"},
        auth=(server_credential.client_id, "p8e-wrong"),
    )
    assert_oauth_error(response, 401, "invalid_client", "secret is not valid")
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_wrong_secret_in_the_body_is_401(
    client: httpx.AsyncClient, server_credential: Credential
) -> None:
    response = await client.post(
        "/ims/token/v3",
        data={
            "grant_type": "client_credentials",
            "client_id": server_credential.client_id,
            "client_secret": "p8e-wrong",
        },
    )
    assert_oauth_error(response, 401, "invalid_client")


async def test_unknown_client_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/ims/token/v3",
        data={
            "grant_type": "client_credentials",
            "client_id": "0" * 32,
            "client_secret": "x",
        },
    )
    assert_oauth_error(response, 401, "invalid_client", "Unknown client")


async def test_missing_secret_for_a_confidential_client_is_401(
    client: httpx.AsyncClient, server_credential: Credential
) -> None:
    response = await client.post(
        "/ims/token/v3",
        data={
            "grant_type": "client_credentials",
            "client_id": server_credential.client_id,
        },
    )
    assert_oauth_error(response, 401, "invalid_client", "client_secret")


async def test_two_authentication_methods_are_refused(
    client: httpx.AsyncClient, server_credential: Credential
) -> None:
    response = await client.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials", "client_secret": server_credential.secret},
        auth=(server_credential.client_id, server_credential.secret or ""),
    )
    assert_oauth_error(response, 400, "invalid_request", "one client authentication method")


async def test_conflicting_duplicate_parameter_is_refused(
    client: httpx.AsyncClient, server_credential: Credential
) -> None:
    response = await client.post(
        "/ims/token/v3?grant_type=authorization_code",
        data={"grant_type": "client_credentials"},
        auth=(server_credential.client_id, server_credential.secret or ""),
    )
    assert_oauth_error(response, 400, "invalid_request", "'grant_type' was sent twice")


async def test_web_app_may_not_use_client_credentials(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    response = await client.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials"},
        auth=(web_credential.client_id, web_credential.secret or ""),
    )
    assert_oauth_error(response, 400, "unauthorized_client", "Web App")


@pytest.mark.parametrize(
    ("scope", "fragment"),
    [
        ("openid,profile", "may not request: profile"),
        ("offline_access", "may not request: offline_access"),
        ('open"id', "malformed scope"),
    ],
)
async def test_scopes_beyond_the_credential_are_invalid_scope(
    client: httpx.AsyncClient, server_credential: Credential, scope: str, fragment: str
) -> None:
    response = await client.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(server_credential.client_id, server_credential.secret or ""),
    )
    assert_oauth_error(response, 400, "invalid_scope", fragment)


async def test_unknown_and_missing_grant_types(client: httpx.AsyncClient) -> None:
    unknown = await client.post("/ims/token/v3", data={"grant_type": "password"})
    assert_oauth_error(unknown, 400, "unsupported_grant_type", "'password'")
    missing = await client.post("/ims/token/v3", data={"client_id": "x"})
    assert_oauth_error(missing, 400, "invalid_request", "grant_type is required")


async def test_second_secret_works_and_a_deleted_one_stops(
    client: httpx.AsyncClient, app: Starlette, server_credential: Credential, clock: FrozenClock
) -> None:
    registry = app.state.cclibs.oauth.clients
    clock.advance(timedelta(minutes=5))
    second = await registry.add_secret(server_credential.client_id)

    async def status(secret: str) -> int:
        response = await client.post(
            "/ims/token/v3",
            data={"grant_type": "client_credentials"},
            auth=(server_credential.client_id, secret),
        )
        return response.status_code

    assert await status(server_credential.secret or "") == 200
    assert await status(second) == 200
    from cclibs.storage.clients import SqlClientTransactions

    tx = SqlClientTransactions(app.state.cclibs.db)
    async with tx.read() as store:
        first, _ = await store.secrets_of(server_credential.client_id)
        assert first.last_used_at is not None
    async with tx.write() as store:
        assert await store.delete_secret(server_credential.client_id, first.id)
    assert await status(server_credential.secret or "") == 401
    assert await status(second) == 200


async def test_a_disabled_owners_credentials_stop_working(
    app: Starlette,
    client: httpx.AsyncClient,
    owner_id: str,
    server_credential: Credential,
    web_credential: Credential,
) -> None:
    assert server_credential.secret is not None
    auth = (server_credential.client_id, server_credential.secret)
    issued = await client.post(
        "/ims/token/v3", data={"grant_type": "client_credentials"}, auth=auth
    )
    token = issued.json()["access_token"]
    accounts = app.state.cclibs.accounts
    await accounts.set_disabled(owner_id, True)

    refused = await client.post(
        "/ims/token/v3", data={"grant_type": "client_credentials"}, auth=auth
    )
    assert_oauth_error(refused, 401, "invalid_client", "owner is disabled")
    introspected = await client.post("/ims/introspect", data={"token": token}, auth=auth)
    assert introspected.status_code == 401  # the credential itself no longer authenticates
    with pytest.raises(InvalidToken, match="disabled account"):
        await app.state.cclibs.oauth.bearer.validate(token)
    page = await client.get(
        "/ims/authorize/v2",
        params={"client_id": web_credential.client_id, "response_type": "code", "scope": "openid"},
    )
    assert page.status_code == 400
    assert "disabled by an administrator" in page.text

    # Enabled again, the credentials work again (they were never revoked, only refused).
    await accounts.set_disabled(owner_id, False)
    again = await client.post("/ims/token/v3", data={"grant_type": "client_credentials"}, auth=auth)
    assert again.status_code == 200
