"""ConnectedApps, and the checks that hold even without its revocations: a disabled user's
tokens and codes, and a deleted credential's client_credentials tokens, stop working.

The services are the app's own, on the real database; the tokens come from real flows.
"""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.oauth.clients import ClientType
from cclibs.oauth.errors import InvalidToken
from cclibs.storage.accounts import SqlAccountTransactions
from tests.http.oauth.conftest import assert_oauth_error
from tests.support.apps import make_app, tokens_for, userinfo
from tests.support.oauth_flow import Pkce, authorize_code, exchange_code, refresh
from tests.support.pages import sign_in

pytestmark = pytest.mark.anyio

EMAIL = "dev@example.com"
PASSWORD = "developer password"


@pytest.fixture
async def user_id(app: Starlette) -> str:
    user = await app.state.cclibs.accounts.create_user(email=EMAIL, name="Dev", password=PASSWORD)
    return str(user.id)


@pytest.fixture
async def maker_id(app: Starlette) -> str:
    """Another account, which owns the application: disabling the user must not touch it."""
    user = await app.state.cclibs.accounts.create_user(
        email="maker@example.com", name="Maker", password="maker's password"
    )
    return str(user.id)


@pytest.fixture
async def browser(client: httpx.AsyncClient, user_id: str) -> httpx.AsyncClient:
    assert (await sign_in(client, EMAIL, PASSWORD)).status_code == 303
    return client


async def set_disabled_flag_only(app: Starlette, user_id: str) -> None:
    """Disable the account in storage and nothing else: no session or grant is revoked."""
    async with SqlAccountTransactions(app.state.cclibs.db).write() as store:
        await store.set_disabled(user_id, True)


async def test_remove_and_revoke_user_report_what_they_did(
    app: Starlette, browser: httpx.AsyncClient, user_id: str
) -> None:
    connections = app.state.cclibs.oauth.connections
    first = await make_app(app, user_id, "First")
    second = await make_app(app, user_id, "Second")
    assert await connections.remove(user_id, first.client_id) is None  # never consented
    await tokens_for(browser, first)
    await tokens_for(browser, first)
    await tokens_for(browser, second)

    removed = await connections.remove(user_id, first.client_id)
    assert removed is not None
    assert (removed.client_id, removed.name) == (first.client_id, "First")
    assert await connections.remove(user_id, first.client_id) is None  # only once
    assert [app.name for app in await connections.list_for(user_id)] == ["Second"]
    assert await connections.revoke_user(user_id) == 1  # the second app's one grant
    assert await connections.revoke_user(user_id) == 0
    # Revoking a user's access keeps the consents: they say what the user allowed.
    assert [app.name for app in await connections.list_for(user_id)] == ["Second"]


async def test_a_disabled_users_tokens_fail_even_before_they_are_revoked(
    app: Starlette, browser: httpx.AsyncClient, user_id: str, maker_id: str
) -> None:
    cred = await make_app(app, maker_id, "Notes")
    tokens = await tokens_for(browser, cred)
    bearer = app.state.cclibs.oauth.bearer
    assert (await bearer.validate(tokens["access_token"])).subject == user_id

    await set_disabled_flag_only(app, user_id)
    with pytest.raises(InvalidToken):
        await bearer.validate(tokens["access_token"])
    assert (await userinfo(browser, tokens["access_token"])).status_code == 401
    assert_oauth_error(
        await refresh(browser, cred.client_id, tokens["refresh_token"], secret=cred.secret),
        400,
        "invalid_grant",
    )


async def test_a_code_of_a_user_disabled_since_is_refused(
    app: Starlette, browser: httpx.AsyncClient, user_id: str, maker_id: str
) -> None:
    cred = await make_app(app, maker_id, "Notes")
    pkce = Pkce.new()
    params = await authorize_code(browser, cred.client_id, pkce=pkce)
    await set_disabled_flag_only(app, user_id)
    response = await exchange_code(
        browser, cred.client_id, params["code"], secret=cred.secret, pkce=pkce
    )
    assert_oauth_error(response, 400, "invalid_grant", "disabled")


async def test_a_deleted_credentials_client_credentials_tokens_fail(
    app: Starlette, client: httpx.AsyncClient, user_id: str
) -> None:
    services = app.state.cclibs.oauth
    created = await services.clients.create(
        owner_id=user_id,
        client_type=ClientType.SERVER,
        name="Nightly export",
        scopes=["openid", "AdobeID", "cc_libraries"],
    )
    response = await client.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials", "scope": "openid,cc_libraries"},
        auth=(created.client.client_id, created.secret or ""),
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    claims = await services.bearer.validate(token)
    assert claims.subject == claims.client_id == created.client.client_id
    assert claims.grant_id is None

    assert await services.clients.delete(created.client.client_id) is True
    with pytest.raises(InvalidToken, match="credential was deleted"):
        await services.bearer.validate(token)
    failed = await userinfo(client, token)
    assert failed.status_code == 401
    assert "credential was deleted" in failed.json()["error_description"]
