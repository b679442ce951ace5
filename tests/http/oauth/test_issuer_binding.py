"""Two servers with different issuers on one database: what one issued, the other refuses.

A code, a device code and a refresh token are each bound to the issuer that made them, so a
token family cannot move to another issuer (a staging and a production name sharing one
database, or a renamed server), and a code replayed at the other issuer revokes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from cclibs.accounts.passwords import PasswordHasher
from cclibs.clock import FrozenClock
from cclibs.config import Settings, load_settings
from cclibs.web.app import create_app
from tests.http.oauth.conftest import Credential, assert_oauth_error
from tests.support.oauth_flow import Pkce, authorize_code, exchange_code, refresh, user_tokens

pytestmark = pytest.mark.anyio

OTHER_ISSUER = "http://other.example"


@pytest.fixture
async def other(
    settings: Settings, clock: FrozenClock, password_hasher: PasswordHasher
) -> AsyncIterator[httpx.AsyncClient]:
    """The same database and secret under another issuer."""
    values = settings.model_dump()
    values["issuer"] = OTHER_ISSUER
    other_app = create_app(load_settings(**values), clock=clock, password_hasher=password_hasher)
    await other_app.state.cclibs.oauth.keys.ensure_keys()
    transport = httpx.ASGITransport(app=other_app, client=("203.0.113.8", 40000))
    async with httpx.AsyncClient(transport=transport, base_url=OTHER_ISSUER) as http:
        yield http
    await other_app.state.cclibs.db.dispose()


async def test_a_code_is_redeemed_only_at_its_issuer(
    client: httpx.AsyncClient, other: httpx.AsyncClient, web_credential: Credential
) -> None:
    pkce = Pkce.new()
    params = await authorize_code(client, web_credential.client_id, pkce=pkce)
    elsewhere = await exchange_code(
        other, web_credential.client_id, params["code"], secret=web_credential.secret, pkce=pkce
    )
    assert_oauth_error(elsewhere, 400, "invalid_grant", "another issuer")
    # The refusal used nothing up: the code still works where it was issued.
    here = await exchange_code(
        client, web_credential.client_id, params["code"], secret=web_credential.secret, pkce=pkce
    )
    assert here.status_code == 200, here.text


async def test_a_refresh_token_works_only_at_its_issuer(
    client: httpx.AsyncClient, other: httpx.AsyncClient, web_credential: Credential
) -> None:
    tokens = await user_tokens(client, web_credential.client_id, secret=web_credential.secret)
    elsewhere = await refresh(
        other, web_credential.client_id, tokens["refresh_token"], secret=web_credential.secret
    )
    assert_oauth_error(elsewhere, 400, "invalid_grant", "another issuer")
    here = await refresh(
        client, web_credential.client_id, tokens["refresh_token"], secret=web_credential.secret
    )
    assert here.status_code == 200, here.text
    # Nor does an access token of one issuer open the other's userinfo.
    info = await other.get(
        "/ims/userinfo/v2", headers={"authorization": f"Bearer {here.json()['access_token']}"}
    )
    assert info.status_code == 401
