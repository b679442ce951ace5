"""Credentials are read from memory, and a change still stops them: at once on the app that
made it, and within the stated bound (``CHECK_INTERVAL``) on another app sharing the database
(another worker or server; storage.versions)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.accounts.passwords import PasswordHasher
from cclibs.clock import FrozenClock
from cclibs.config import Settings
from cclibs.oauth.clients import ClientType
from cclibs.storage.versions import CHECK_INTERVAL
from cclibs.web.app import create_app
from tests.http.oauth.conftest import (
    MARGIN,
    Credential,
    assert_oauth_error,
    make_credential,
    refused_within,
)
from tests.support.oauth_flow import user_tokens

pytestmark = pytest.mark.anyio


async def token_status(client: httpx.AsyncClient, cred: Credential, secret: str) -> int:
    response = await client.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials"},
        auth=(cred.client_id, secret),
    )
    return response.status_code


async def userinfo_status(client: httpx.AsyncClient, access_token: str) -> int:
    response = await client.get(
        "/ims/userinfo/v2", headers={"authorization": f"Bearer {access_token}"}
    )
    return response.status_code


@pytest.fixture
async def other(
    settings: Settings, clock: FrozenClock, password_hasher: PasswordHasher
) -> AsyncIterator[httpx.AsyncClient]:
    """A second app on the same database: another worker, or another server."""
    app = create_app(settings, clock=clock, password_hasher=password_hasher)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 40000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url=settings.issuer) as http:
            yield http
    finally:
        await app.state.cclibs.db.dispose()


async def first_secret_id(app: Starlette, owner_id: str, cred: Credential) -> str:
    secrets = await app.state.cclibs.oauth.clients.secrets(owner_id, cred.client_id)
    return str(secrets[0].id)


async def test_a_revoked_secret_is_refused_at_once(
    app: Starlette, client: httpx.AsyncClient, server_credential: Credential, owner_id: str
) -> None:
    assert server_credential.secret is not None
    registry = app.state.cclibs.oauth.clients
    old_id = await first_secret_id(app, owner_id, server_credential)
    new = await registry.add_secret(server_credential.client_id, owner_id=owner_id)
    assert await token_status(client, server_credential, server_credential.secret) == 200
    await registry.revoke_secret(owner_id, server_credential.client_id, old_id)
    response = await client.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials"},
        auth=(server_credential.client_id, server_credential.secret),
    )
    assert_oauth_error(response, 401, "invalid_client", "secret is not valid")
    assert await token_status(client, server_credential, new) == 200


async def test_a_deleted_credential_and_its_tokens_are_refused_at_once(
    app: Starlette, client: httpx.AsyncClient, server_credential: Credential
) -> None:
    assert server_credential.secret is not None
    token = (
        await client.post(
            "/ims/token/v3",
            data={"grant_type": "client_credentials"},
            auth=(server_credential.client_id, server_credential.secret),
        )
    ).json()["access_token"]
    bearer = {"authorization": f"Bearer {token}", "x-api-key": server_credential.client_id}
    assert (await client.get("/api/v1/libraries", headers=bearer)).status_code == 403
    assert await app.state.cclibs.oauth.clients.delete(server_credential.client_id)
    assert (await client.get("/api/v1/libraries", headers=bearer)).status_code == 401
    assert await token_status(client, server_credential, server_credential.secret) == 401


async def test_disabling_a_user_stops_their_tokens_and_credentials_at_once(
    app: Starlette,
    client: httpx.AsyncClient,
    web_credential: Credential,
    server_credential: Credential,
    owner_id: str,
) -> None:
    assert server_credential.secret is not None
    tokens = await user_tokens(client, web_credential.client_id, secret=web_credential.secret)
    assert await userinfo_status(client, tokens["access_token"]) == 200
    assert await token_status(client, server_credential, server_credential.secret) == 200
    await app.state.cclibs.accounts.set_disabled(owner_id, True)
    assert await userinfo_status(client, tokens["access_token"]) == 401
    assert await token_status(client, server_credential, server_credential.secret) == 401


async def test_a_secret_revoked_on_one_app_is_refused_on_the_other_within_the_bound(
    app: Starlette,
    client: httpx.AsyncClient,
    other: httpx.AsyncClient,
    server_credential: Credential,
    owner_id: str,
) -> None:
    assert server_credential.secret is not None
    secret = server_credential.secret
    registry = app.state.cclibs.oauth.clients
    old_id = await first_secret_id(app, owner_id, server_credential)
    await registry.add_secret(server_credential.client_id, owner_id=owner_id)
    # Both apps hold the credential in memory, and accept the secret, before the change.
    assert await token_status(client, server_credential, secret) == 200
    assert await token_status(other, server_credential, secret) == 200
    await registry.revoke_secret(owner_id, server_credential.client_id, old_id)
    assert await token_status(client, server_credential, secret) == 401

    async def refused() -> bool:
        return await token_status(other, server_credential, secret) == 401

    await refused_within(refused, CHECK_INTERVAL + MARGIN)


async def test_a_user_disabled_on_one_app_is_refused_on_the_other_within_the_bound(
    app: Starlette, client: httpx.AsyncClient, other: httpx.AsyncClient, owner_id: str
) -> None:
    web = await make_credential(app, owner_id, ClientType.WEB)
    tokens = await user_tokens(client, web.client_id, secret=web.secret)
    assert await userinfo_status(other, tokens["access_token"]) == 200
    await app.state.cclibs.accounts.set_disabled(owner_id, True)

    async def refused() -> bool:
        return await userinfo_status(other, tokens["access_token"]) == 401

    await refused_within(refused, CHECK_INTERVAL + MARGIN)
