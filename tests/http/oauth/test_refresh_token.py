"""The refresh_token grant at /ims/token/v3: rotation, the reuse grace window, reuse detection
(RFC 9700 §4.14.2), scope narrowing (RFC 6749 §6), client binding and expiry."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.clock import FrozenClock
from cclibs.oauth.clients import ClientType
from tests.http.oauth.conftest import (
    Credential,
    assert_oauth_error,
    decode_with_jwks,
    make_credential,
)
from tests.support.oauth_flow import Pkce, authorize_code, exchange_code, refresh, user_tokens

pytestmark = pytest.mark.anyio

FULL_SCOPE = "openid AdobeID profile email offline_access"
GRACE = timedelta(seconds=10)


async def web_tokens(client: httpx.AsyncClient, cred: Credential) -> dict[str, str]:
    return await user_tokens(client, cred.client_id, secret=cred.secret)


async def refreshed(
    client: httpx.AsyncClient, cred: Credential, token: str, *, scope: str | None = None
) -> dict[str, str]:
    response = await refresh(client, cred.client_id, token, secret=cred.secret, scope=scope)
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


async def userinfo_status(client: httpx.AsyncClient, access_token: str) -> int:
    response = await client.get(
        "/ims/userinfo/v2", headers={"authorization": f"Bearer {access_token}"}
    )
    return response.status_code


async def test_every_refresh_rotates_both_tokens_and_omits_sub_and_id_token(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    first = await web_tokens(client, web_credential)
    assert {"sub", "id_token", "refresh_token"} <= set(first)
    seen_refresh = {first["refresh_token"]}
    seen_access = {first["access_token"]}
    current = first["refresh_token"]
    for _ in range(3):
        response = await refresh(
            client, web_credential.client_id, current, secret=web_credential.secret
        )
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["pragma"] == "no-cache"
        body = response.json()
        # IMS's refresh response: a new pair, no sub, no id_token.
        assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "scope"}
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 86400
        assert body["scope"] == FULL_SCOPE
        assert body["refresh_token"] not in seen_refresh
        assert body["access_token"] not in seen_access
        seen_refresh.add(body["refresh_token"])
        seen_access.add(body["access_token"])
        current = body["refresh_token"]
    _, first_claims = await decode_with_jwks(client, first["access_token"])
    _, claims = await decode_with_jwks(client, body["access_token"])
    assert claims["sub"] == first_claims["sub"] == first["sub"]
    assert claims["client_id"] == web_credential.client_id
    assert claims["gid"] == first_claims["gid"]  # the same family
    assert claims["scope"] == FULL_SCOPE
    assert await userinfo_status(client, body["access_token"]) == 200


async def test_the_rotated_token_still_works_within_the_grace_window(
    client: httpx.AsyncClient, web_credential: Credential, clock: FrozenClock
) -> None:
    """A repeat within the window (a retry after a lost answer, a second tab) gets a new
    access token and the same successor refresh token: the family does not fork."""
    first = await web_tokens(client, web_credential)
    child_a = await refreshed(client, web_credential, first["refresh_token"])
    clock.advance(GRACE)  # the window is inclusive: exactly 10 s later still counts
    child_b = await refreshed(client, web_credential, first["refresh_token"])
    assert child_a["refresh_token"] == child_b["refresh_token"]
    assert child_a["access_token"] != child_b["access_token"]
    for child in (child_a, child_b):
        assert await userinfo_status(client, child["access_token"]) == 200
    # The one successor rotates as usual; its repeat, too, yields the same grandchild.
    grandchild = await refreshed(client, web_credential, child_a["refresh_token"])
    again = await refreshed(client, web_credential, child_b["refresh_token"])
    assert again["refresh_token"] == grandchild["refresh_token"]
    assert await userinfo_status(client, grandchild["access_token"]) == 200
    assert await userinfo_status(client, first["access_token"]) == 200


async def test_a_repeat_follows_rotations_made_within_the_window(
    client: httpx.AsyncClient, web_credential: Credential, clock: FrozenClock
) -> None:
    """The first tab refreshed twice in quick succession; the second tab's late repeat of the
    original token gets the live tip of the chain, not a token that was already rotated."""
    first = await web_tokens(client, web_credential)
    child = await refreshed(client, web_credential, first["refresh_token"])
    clock.advance(timedelta(seconds=3))
    grandchild = await refreshed(client, web_credential, child["refresh_token"])
    clock.advance(timedelta(seconds=3))
    repeat = await refreshed(client, web_credential, first["refresh_token"])
    assert repeat["refresh_token"] == grandchild["refresh_token"]
    clock.advance(timedelta(seconds=5))  # 11 s after the first rotation: a replay now
    response = await refresh(
        client, web_credential.client_id, first["refresh_token"], secret=web_credential.secret
    )
    assert_oauth_error(response, 400, "invalid_grant", "already used")
    assert await userinfo_status(client, repeat["access_token"]) == 401


async def test_reuse_after_the_grace_window_revokes_the_whole_family(
    client: httpx.AsyncClient, web_credential: Credential, clock: FrozenClock
) -> None:
    first = await web_tokens(client, web_credential)
    child = await refreshed(client, web_credential, first["refresh_token"])
    clock.advance(timedelta(seconds=5))
    newest = await refreshed(client, web_credential, child["refresh_token"])
    # Accepted (and so held in the server's memory) before the replay ...
    assert await userinfo_status(client, newest["access_token"]) == 200
    clock.advance(timedelta(seconds=6))  # 11 s after the first rotation
    response = await refresh(
        client, web_credential.client_id, first["refresh_token"], secret=web_credential.secret
    )
    assert_oauth_error(response, 400, "invalid_grant", "already used", "Sign in again")
    # The newest refresh token (never used, and only 6 s old) is revoked with its family ...
    response = await refresh(
        client, web_credential.client_id, newest["refresh_token"], secret=web_credential.secret
    )
    assert_oauth_error(response, 400, "invalid_grant", "Sign in again")
    # ... and so is every access token of the family, at once.
    for tokens in (first, child, newest):
        assert await userinfo_status(client, tokens["access_token"]) == 401
    # A new sign-in starts a new family that works.
    fresh = await web_tokens(client, web_credential)
    assert await userinfo_status(client, fresh["access_token"]) == 200
    await refreshed(client, web_credential, fresh["refresh_token"])


async def test_narrowing_the_scope_narrows_only_that_access_token(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    first = await web_tokens(client, web_credential)
    narrow = await refreshed(client, web_credential, first["refresh_token"], scope="openid,email")
    assert narrow["scope"] == "openid email"
    _, claims = await decode_with_jwks(client, narrow["access_token"])
    assert claims["scope"] == "openid email"
    info = await client.get(
        "/ims/userinfo/v2", headers={"authorization": f"Bearer {narrow['access_token']}"}
    )
    assert info.status_code == 200, info.text
    assert set(info.json()) == {"sub", "email", "email_verified"}
    # Dropping offline_access from one access token does not drop the refresh token.
    assert narrow["refresh_token"]
    full = await refreshed(client, web_credential, narrow["refresh_token"])
    assert full["scope"] == FULL_SCOPE
    _, claims = await decode_with_jwks(client, full["access_token"])
    assert claims["scope"] == FULL_SCOPE


@pytest.mark.parametrize(
    ("scope", "fragment"),
    [
        ("openid,cc_libraries", "cc_libraries"),
        ("openid profile address", "address"),
        ("openid,no_such_scope", "no_such_scope"),
        ("openid,bad\tscope", "malformed"),
    ],
)
async def test_widening_the_scope_is_invalid_scope(
    client: httpx.AsyncClient, web_credential: Credential, scope: str, fragment: str
) -> None:
    first = await web_tokens(client, web_credential)
    response = await refresh(
        client,
        web_credential.client_id,
        first["refresh_token"],
        secret=web_credential.secret,
        scope=scope,
    )
    assert_oauth_error(response, 400, "invalid_scope", fragment)
    # A refused request does not use up the token.
    await refreshed(client, web_credential, first["refresh_token"])


async def test_a_refresh_token_is_bound_to_its_client(
    client: httpx.AsyncClient, app: Starlette, owner_id: str, web_credential: Credential
) -> None:
    first = await web_tokens(client, web_credential)
    other = await make_credential(app, owner_id, ClientType.WEB)
    response = await refresh(client, other.client_id, first["refresh_token"], secret=other.secret)
    assert_oauth_error(response, 400, "invalid_grant", "another client")
    # The other client's attempt neither used up nor revoked the token.
    tokens = await refreshed(client, web_credential, first["refresh_token"])
    assert await userinfo_status(client, tokens["access_token"]) == 200


async def test_an_expired_refresh_token_asks_to_sign_in_again(
    client: httpx.AsyncClient, web_credential: Credential, clock: FrozenClock
) -> None:
    first = await web_tokens(client, web_credential)
    clock.advance(timedelta(days=14, seconds=-1))
    still = await refreshed(client, web_credential, first["refresh_token"])
    clock.advance(timedelta(days=14, seconds=1))
    response = await refresh(
        client, web_credential.client_id, still["refresh_token"], secret=web_credential.secret
    )
    assert_oauth_error(response, 400, "invalid_grant", "expired", "Sign in again")


async def test_the_refreshed_token_lives_14_days_from_its_rotation(
    client: httpx.AsyncClient, web_credential: Credential, clock: FrozenClock
) -> None:
    first = await web_tokens(client, web_credential)
    clock.advance(timedelta(days=10))
    second = await refreshed(client, web_credential, first["refresh_token"])
    clock.advance(timedelta(days=10))  # 20 days after sign-in, 10 after the rotation
    await refreshed(client, web_credential, second["refresh_token"])


async def test_a_single_page_app_gets_no_refresh_token_by_default(
    client: httpx.AsyncClient, app: Starlette, owner_id: str
) -> None:
    spa = await make_credential(app, owner_id, ClientType.SPA)
    # Its credential cannot even ask for offline_access ...
    params = await authorize_code(client, spa.client_id, pkce=Pkce.new())
    assert params["error"] == "invalid_scope"
    assert "offline_access" in params["error_description"]
    tokens = await user_tokens(client, spa.client_id, scope="openid,AdobeID,profile,email")
    assert "refresh_token" not in tokens
    # ... and when its scopes include offline_access, the server's policy still says no.
    spa_offline = await make_credential(
        app, owner_id, ClientType.SPA, scopes=["openid", "AdobeID", "offline_access"]
    )
    tokens = await user_tokens(client, spa_offline.client_id, scope="openid,offline_access")
    assert tokens["scope"] == "openid offline_access"
    assert "refresh_token" not in tokens


@pytest.mark.parametrize("settings_overrides", [{"spa_refresh_tokens": True}])
async def test_a_single_page_app_refreshes_when_the_server_allows_it(
    client: httpx.AsyncClient, app: Starlette, owner_id: str
) -> None:
    spa = await make_credential(
        app, owner_id, ClientType.SPA, scopes=["openid", "AdobeID", "offline_access"]
    )
    tokens = await user_tokens(client, spa.client_id, scope="openid,AdobeID,offline_access")
    response = await refresh(client, spa.client_id, tokens["refresh_token"])
    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"] != tokens["refresh_token"]


async def test_a_native_app_refreshes_with_its_client_id_only(
    client: httpx.AsyncClient, app: Starlette, owner_id: str
) -> None:
    native = await make_credential(
        app, owner_id, ClientType.NATIVE, redirect_uris=["https://app.example.com/callback"]
    )
    assert native.secret is None
    pkce = Pkce.new()
    params = await authorize_code(client, native.client_id, pkce=pkce)
    # A public client proves itself with PKCE: without the verifier the code is refused.
    without = await exchange_code(client, native.client_id, params["code"])
    assert_oauth_error(without, 400, "invalid_grant")
    tokens = await user_tokens(client, native.client_id)
    response = await refresh(client, native.client_id, tokens["refresh_token"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert await userinfo_status(client, body["access_token"]) == 200
    # In the query string, the way IMS documents it for public clients.
    response = await client.post(
        f"/ims/token/v3?client_id={native.client_id}",
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
    )
    assert response.status_code == 200, response.text
    # A public client has no secret to present.
    response = await refresh(
        client, native.client_id, response.json()["refresh_token"], secret="made-up"
    )
    assert_oauth_error(response, 401, "invalid_client", "public")


async def test_a_web_app_must_authenticate_to_refresh(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    tokens = await web_tokens(client, web_credential)
    response = await refresh(client, web_credential.client_id, tokens["refresh_token"])
    assert_oauth_error(response, 401, "invalid_client", "client_secret")
    response = await refresh(
        client, web_credential.client_id, tokens["refresh_token"], secret="p8e-wrong"
    )
    assert_oauth_error(response, 401, "invalid_client", "not valid")
    assert response.headers["www-authenticate"].startswith("Basic")
    await refreshed(client, web_credential, tokens["refresh_token"])


async def test_a_server_to_server_credential_may_not_refresh(
    client: httpx.AsyncClient, web_credential: Credential, server_credential: Credential
) -> None:
    tokens = await web_tokens(client, web_credential)
    response = await refresh(
        client,
        server_credential.client_id,
        tokens["refresh_token"],
        secret=server_credential.secret,
    )
    assert_oauth_error(response, 400, "unauthorized_client", "refresh_token")


async def test_ims_style_everything_in_the_query_string(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    tokens = await web_tokens(client, web_credential)
    response = await client.post(
        "/ims/token/v3?grant_type=refresh_token"
        f"&client_id={web_credential.client_id}&client_secret={web_credential.secret}"
        f"&refresh_token={tokens['refresh_token']}",
        json={"ignored": True},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["refresh_token"] != tokens["refresh_token"]
    assert "sub" not in body
    assert await userinfo_status(client, body["access_token"]) == 200


@pytest.mark.parametrize(
    ("value", "status", "error", "fragment"),
    [
        ("garbage", 400, "invalid_grant", "not valid"),
        ("a" * 8192, 400, "invalid_grant", "not valid"),
        ("é€😀 ' \" ; DROP TABLE refresh_tokens; --", 400, "invalid_grant", "not valid"),
        ("a" * 8193, 400, "invalid_request", "too long"),
        ("a" * 60_000, 400, "invalid_request", "too long"),
        ("abc\x00def", 400, "invalid_request", "NUL"),
        ("", 400, "invalid_request", "refresh_token is required"),
    ],
)
async def test_garbage_refresh_tokens_get_a_clean_error(
    client: httpx.AsyncClient,
    web_credential: Credential,
    value: str,
    status: int,
    error: str,
    fragment: str,
) -> None:
    response = await refresh(client, web_credential.client_id, value, secret=web_credential.secret)
    assert_oauth_error(response, status, error, fragment)


async def test_oversized_and_odd_refresh_requests_are_invalid_request(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    auth = (web_credential.client_id, web_credential.secret or "")
    huge = await client.post(
        "/ims/token/v3",
        content=b"grant_type=refresh_token&refresh_token=" + b"a" * 70_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
        auth=auth,
    )
    assert_oauth_error(huge, 400, "invalid_request", "too large")
    missing = await client.post("/ims/token/v3", data={"grant_type": "refresh_token"}, auth=auth)
    assert_oauth_error(missing, 400, "invalid_request", "refresh_token is required")
    tokens = await web_tokens(client, web_credential)
    twice = await client.post(
        f"/ims/token/v3?refresh_token={tokens['refresh_token']}",
        data={"grant_type": "refresh_token", "refresh_token": "other"},
        auth=auth,
    )
    assert_oauth_error(twice, 400, "invalid_request", "sent twice")
    # An access token or an ID token is not a refresh token.
    for not_a_refresh_token in (tokens["access_token"], tokens["id_token"]):
        response = await refresh(
            client, web_credential.client_id, not_a_refresh_token, secret=web_credential.secret
        )
        assert_oauth_error(response, 400, "invalid_grant", "not valid")
    await refreshed(client, web_credential, tokens["refresh_token"])
