"""The API callers' factories issue what the server's bearer check accepts, and refuses."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.oauth.bearer import BearerValidator
from cclibs.oauth.errors import InvalidToken
from cclibs.oauth.scopes import parse_scopes
from tests.http.oauth.conftest import decode_with_jwks
from tests.support.api_auth import API_SCOPE, SERVER_SCOPE, ApiCaller, ApiCallers

pytestmark = pytest.mark.anyio


@pytest.fixture
def bearer(app: Starlette) -> BearerValidator:
    validator: BearerValidator = app.state.cclibs.oauth.bearer
    return validator


async def assert_refused(bearer: BearerValidator, caller: ApiCaller, fragment: str) -> None:
    with pytest.raises(InvalidToken) as refused:
        await bearer.validate(caller.access_token)
    assert fragment in refused.value.description


async def test_a_user_token_names_its_user_client_and_scopes(
    bearer: BearerValidator, api_caller: ApiCaller
) -> None:
    claims = await bearer.validate(api_caller.access_token)
    assert api_caller.user_id is not None
    assert claims.subject == api_caller.user_id
    assert claims.client_id == api_caller.client_id
    assert claims.scope == frozenset(parse_scopes(API_SCOPE)) == frozenset(api_caller.scope)
    assert "cc_libraries" in claims.scope
    assert claims.grant_id is not None  # a grant, as a code exchange makes


async def test_the_headers_work_over_http_and_the_token_verifies_with_the_jwks(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    assert api_caller.headers == {
        "Authorization": f"Bearer {api_caller.access_token}",
        "x-api-key": api_caller.client_id,
    }
    response = await client.get("/ims/userinfo/v2", headers=api_caller.headers)
    assert response.status_code == 200, response.text
    assert response.json()["sub"] == api_caller.user_id
    header, claims = await decode_with_jwks(client, api_caller.access_token)
    assert header["typ"] == "at+jwt"
    assert claims["sub"] == api_caller.user_id


async def test_users_share_one_web_app(api_callers: ApiCallers) -> None:
    first, second = await api_callers.user(), await api_callers.user()
    assert first.client_id == second.client_id
    assert first.user_id != second.user_id


async def test_a_token_without_libraries(bearer: BearerValidator, api_callers: ApiCallers) -> None:
    caller = await api_callers.without_libraries()
    claims = await bearer.validate(caller.access_token)
    assert "cc_libraries" not in claims.scope
    assert claims.subject == caller.user_id


async def test_an_expired_token_is_refused_and_others_live_on(
    bearer: BearerValidator, api_callers: ApiCallers, api_caller: ApiCaller
) -> None:
    expired = await api_callers.expired()
    await assert_refused(bearer, expired, "expired")
    assert (await bearer.validate(api_caller.access_token)).subject == api_caller.user_id


async def test_a_revoked_token_is_refused_and_only_its_grant_ends(
    bearer: BearerValidator, api_callers: ApiCallers
) -> None:
    revoked = await api_callers.revoked()
    await assert_refused(bearer, revoked, "revoked")
    # The same user's other sign-in is another grant.
    other = await api_callers.token_for(revoked)
    assert (await bearer.validate(other.access_token)).subject == revoked.user_id


async def test_removing_the_app_from_the_account_ends_the_token(
    app: Starlette, bearer: BearerValidator, api_caller: ApiCaller
) -> None:
    assert api_caller.user_id is not None
    await app.state.cclibs.oauth.connections.remove(api_caller.user_id, api_caller.client_id)
    await assert_refused(bearer, api_caller, "revoked")


async def test_a_server_to_server_token_has_no_user(
    bearer: BearerValidator, api_callers: ApiCallers
) -> None:
    caller = await api_callers.server()
    assert caller.user_id is None
    claims = await bearer.validate(caller.access_token)
    assert claims.subject == caller.client_id  # client_credentials: the client is the subject
    assert claims.grant_id is None
    assert claims.scope == frozenset(parse_scopes(SERVER_SCOPE))
