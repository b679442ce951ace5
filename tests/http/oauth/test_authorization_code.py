"""The authorization_code grant at /ims/token/v3: every way IMS clients redeem a code."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

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
from tests.support.oauth_flow import (
    CALLBACK,
    OWNER_EMAIL,
    Pkce,
    authorize_code,
    follow_sign_in,
    redeem_code,
    redirect_params,
    start_authorization,
)

pytestmark = pytest.mark.anyio

FULL_SCOPE = "openid,AdobeID,profile,email,offline_access"


@pytest.fixture
async def spa(app: Starlette, owner_id: str) -> Credential:
    # offline_access is allowed explicitly, to show that an SPA still gets no refresh token.
    return await make_credential(
        app, owner_id, ClientType.SPA, scopes=["openid", "AdobeID", "profile", "offline_access"]
    )


async def web_code(browser: httpx.AsyncClient, web: Credential, **options: Any) -> str:
    return (await authorize_code(browser, web.client_id, **options))["code"]


def expected_at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6, computed here rather than trusted from src/."""
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


# Redeeming, per client type and authentication style ----------------------------------------


async def test_a_web_app_redeems_with_basic_auth(
    browser: httpx.AsyncClient, web: Credential, owner_id: str
) -> None:
    code = await web_code(browser, web)
    response = await redeem_code(browser, code, web.client_id, web.secret)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = response.json()
    assert set(body) == {
        "access_token",
        "refresh_token",
        "id_token",
        "sub",
        "token_type",
        "expires_in",
        "scope",
    }
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 86400
    assert body["sub"] == owner_id
    assert body["scope"] == "openid AdobeID profile email offline_access"


async def test_a_web_app_redeems_with_client_secret_post(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    code = await web_code(browser, web)
    response = await browser.post(
        "/ims/token/v3",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": web.client_id,
            "client_secret": web.secret,
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["access_token"]


async def test_a_web_app_redeems_the_ims_way_in_the_query_string(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    code = await web_code(browser, web)
    query = urlencode(
        [
            ("grant_type", "authorization_code"),
            ("client_id", web.client_id),
            ("client_secret", web.secret or ""),
            ("code", code),
            ("grant_type", "authorization_code"),
        ]
    )
    response = await browser.post(f"/ims/token/v3?{query}", json={"ignored": True})
    assert response.status_code == 200, response.text
    assert response.json()["id_token"]


async def test_a_single_page_app_redeems_with_pkce_and_no_secret(
    browser: httpx.AsyncClient, spa: Credential
) -> None:
    assert spa.secret is None
    pkce = Pkce.new()
    params = await authorize_code(
        browser, spa.client_id, scope="openid,AdobeID,offline_access", pkce=pkce
    )
    response = await redeem_code(
        browser, params["code"], spa.client_id, code_verifier=pkce.verifier
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["access_token"] and body["id_token"]
    assert "refresh_token" not in body  # Adobe's SPAs get none, offline_access or not
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("scope", "refresh", "id_token"),
    [
        ("openid,AdobeID,offline_access", True, True),
        ("openid,AdobeID", False, True),
        ("AdobeID,offline_access", True, False),
    ],
)
async def test_refresh_token_only_with_offline_access_and_id_token_only_with_openid(
    browser: httpx.AsyncClient, web: Credential, scope: str, refresh: bool, id_token: bool
) -> None:
    code = await web_code(browser, web, scope=scope)
    body = (await redeem_code(browser, code, web.client_id, web.secret)).json()
    assert ("refresh_token" in body) is refresh
    assert ("id_token" in body) is id_token


# What the tokens say ------------------------------------------------------------------------


async def test_the_id_token_verifies_with_the_jwks_and_carries_the_session(
    browser: httpx.AsyncClient, web: Credential, owner_id: str, clock: FrozenClock
) -> None:
    signed_in_at = int(clock.now().timestamp())
    clock.advance(timedelta(minutes=5))
    code = await web_code(browser, web, extra={"nonce": "n-0S6_WzA2Mj"})
    body = (await redeem_code(browser, code, web.client_id, web.secret)).json()
    header, claims = await decode_with_jwks(browser, body["id_token"])
    assert header["alg"] == "RS256"
    assert header["kid"]
    assert claims["iss"] == "http://testserver"
    assert claims["aud"] == web.client_id
    assert claims["azp"] == web.client_id
    assert claims["sub"] == owner_id
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["at_hash"] == expected_at_hash(body["access_token"])
    assert claims["auth_time"] == signed_in_at
    assert claims["iat"] == int(clock.now().timestamp())
    assert claims["exp"] == claims["iat"] + 3600
    assert len(claims["sid"]) == 32
    # One sign-in, one sid: a second authorization in the same session carries the same.
    again = await web_code(browser, web)
    body = (await redeem_code(browser, again, web.client_id, web.secret)).json()
    _, second = await decode_with_jwks(browser, body["id_token"])
    assert second["sid"] == claims["sid"]
    assert "nonce" not in second


async def test_a_new_sign_in_with_prompt_login_renews_auth_time_and_sid(
    browser: httpx.AsyncClient, web: Credential, clock: FrozenClock
) -> None:
    first = await web_code(browser, web)
    _, before = await decode_with_jwks(
        browser, (await redeem_code(browser, first, web.client_id, web.secret)).json()["id_token"]
    )
    clock.advance(timedelta(hours=2))
    response = await start_authorization(browser, web.client_id, scope=FULL_SCOPE, prompt="login")
    after = await follow_sign_in(browser, response)
    code = redirect_params(after)["code"]  # consent was remembered
    body = (await redeem_code(browser, code, web.client_id, web.secret)).json()
    _, claims = await decode_with_jwks(browser, body["id_token"])
    assert claims["auth_time"] == int(clock.now().timestamp()) == before["auth_time"] + 7200
    assert claims["sid"] != before["sid"]


async def test_the_access_token_is_an_rfc9068_jwt_for_the_user(
    browser: httpx.AsyncClient, web: Credential, owner_id: str, clock: FrozenClock
) -> None:
    code = await web_code(browser, web)
    body = (await redeem_code(browser, code, web.client_id, web.secret)).json()
    header, claims = await decode_with_jwks(browser, body["access_token"])
    assert header["typ"] == "at+jwt"
    assert claims["iss"] == "http://testserver"
    assert claims["aud"] == "http://testserver/api"
    assert claims["sub"] == claims["user_id"] == owner_id
    assert claims["client_id"] == web.client_id
    assert claims["scope"] == "openid AdobeID profile email offline_access"
    assert claims["iat"] == int(clock.now().timestamp())
    assert claims["exp"] - claims["iat"] == 86400
    assert len(claims["jti"]) >= 16
    assert len(claims["gid"]) == 32  # the grant (token family) the refresh token belongs to
    assert claims["type"] == "access_token"
    userinfo = await browser.get(
        "/ims/userinfo/v2", headers={"authorization": f"Bearer {body['access_token']}"}
    )
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json()["sub"] == owner_id
    assert userinfo.json()["email"] == OWNER_EMAIL


# Refusals -----------------------------------------------------------------------------------


async def test_a_code_lives_sixty_seconds(
    browser: httpx.AsyncClient, web: Credential, clock: FrozenClock
) -> None:
    fresh = await web_code(browser, web)
    stale = await web_code(browser, web)
    clock.advance(timedelta(seconds=59))
    assert (await redeem_code(browser, fresh, web.client_id, web.secret)).status_code == 200
    clock.advance(timedelta(seconds=1))
    response = await redeem_code(browser, stale, web.client_id, web.secret)
    assert_oauth_error(response, 400, "invalid_grant", "expired")


async def test_the_redirect_uri_must_be_the_same_or_absent(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    code = await web_code(browser, web)
    wrong = await redeem_code(
        browser, code, web.client_id, web.secret, redirect_uri="https://app.example.com/other"
    )
    assert_oauth_error(wrong, 400, "invalid_grant", "redirect_uri")
    same = await redeem_code(browser, code, web.client_id, web.secret, redirect_uri=CALLBACK)
    assert same.status_code == 200, same.text
    absent = await redeem_code(browser, await web_code(browser, web), web.client_id, web.secret)
    assert absent.status_code == 200, absent.text


async def test_a_code_issued_to_another_client_is_invalid_grant(
    browser: httpx.AsyncClient, app: Starlette, owner_id: str, web: Credential
) -> None:
    other = await make_credential(app, owner_id, ClientType.WEB)
    code = await web_code(browser, web)
    response = await redeem_code(browser, code, other.client_id, other.secret)
    assert_oauth_error(response, 400, "invalid_grant", "another client")


@pytest.mark.parametrize(
    ("verifier", "fragment"),
    [
        (None, "code_verifier is required"),
        ("a-wrong-but-well-formed-verifier-of-fifty-characters", "does not match"),
        ("too-short", "43 to 128"),
        ("é" * 50, "43 to 128"),
    ],
)
async def test_a_wrong_or_missing_verifier_is_invalid_grant(
    browser: httpx.AsyncClient, spa: Credential, verifier: str | None, fragment: str
) -> None:
    pkce = Pkce.new()
    params = await authorize_code(browser, spa.client_id, scope="openid", pkce=pkce)
    extra = {"code_verifier": verifier} if verifier is not None else {}
    response = await redeem_code(browser, params["code"], spa.client_id, **extra)
    assert_oauth_error(response, 400, "invalid_grant", fragment)
    # A failed attempt does not spend the code: the real verifier still works.
    good = await redeem_code(browser, params["code"], spa.client_id, code_verifier=pkce.verifier)
    assert good.status_code == 200, good.text


@pytest.mark.parametrize(
    "code", ["garbage", "x" * 8000, "é" * 100, "\u202e" + "a" * 42, " ", "%00"]
)
async def test_an_unknown_code_is_invalid_grant(
    client: httpx.AsyncClient, web: Credential, code: str
) -> None:
    response = await redeem_code(client, code, web.client_id, web.secret)
    assert_oauth_error(response, 400, "invalid_grant")


async def test_a_missing_code_is_invalid_request(
    client: httpx.AsyncClient, web: Credential
) -> None:
    response = await client.post(
        "/ims/token/v3",
        data={"grant_type": "authorization_code"},
        auth=(web.client_id, web.secret or ""),
    )
    assert_oauth_error(response, 400, "invalid_request", "code is required")


@pytest.mark.parametrize("size", [8193, 70_000])
async def test_a_huge_code_is_refused_without_a_500(
    client: httpx.AsyncClient, web: Credential, size: int
) -> None:
    response = await redeem_code(client, "c" * size, web.client_id, web.secret)
    assert response.status_code == 400, response.text
    assert response.json()["error"] in ("invalid_request", "invalid_grant")
    assert response.headers["cache-control"] == "no-store"
