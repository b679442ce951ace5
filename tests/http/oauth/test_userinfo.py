"""UserInfo (OIDC Core §5.3) at /ims/userinfo/v2 and /ims/userinfo, and IMS's legacy
/ims/profile/v1: claims by scope, and bearer token errors per RFC 6750 §3."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import delete
from starlette.applications import Starlette

from cclibs.clock import FrozenClock
from cclibs.oauth.keys import DEFAULT_CACHE_TTL
from cclibs.storage.tables.keys import SigningKeyRow
from tests.http.oauth.conftest import Credential, assert_oauth_error
from tests.support.oauth_flow import refresh, user_tokens

pytestmark = pytest.mark.anyio

USERINFO_PATHS = ["/ims/userinfo/v2", "/ims/userinfo"]
PROFILE_CLAIMS = {"name", "given_name", "family_name", "account_type"}
EMAIL_CLAIMS = {"email", "email_verified"}


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def access_token(
    client: httpx.AsyncClient, cred: Credential, scope: str = "openid,AdobeID,profile,email"
) -> str:
    tokens = await user_tokens(client, cred.client_id, secret=cred.secret, scope=scope)
    return tokens["access_token"]


def assert_bearer_error(
    response: httpx.Response, status: int, error: str, fragment: str, *, named: bool = True
) -> None:
    """RFC 6750 §3: the JSON error and a Bearer challenge (naming the error when a token was
    presented, ``named``); CORS on errors too."""
    assert_oauth_error(response, status, error, fragment)
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="cclibs"'), challenge
    if named:
        assert f'error="{error}"' in challenge, challenge
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    ("scope", "claims"),
    [
        ("openid", set()),
        ("openid,profile", PROFILE_CLAIMS),
        ("openid,email", EMAIL_CLAIMS),
        ("openid,AdobeID,profile,email", PROFILE_CLAIMS | EMAIL_CLAIMS),
    ],
)
async def test_claims_follow_the_scopes(
    client: httpx.AsyncClient,
    web_credential: Credential,
    owner_id: str,
    scope: str,
    claims: set[str],
) -> None:
    token = await access_token(client, web_credential, scope)
    response = await client.get("/ims/userinfo/v2", headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"sub"} | claims
    assert body["sub"] == owner_id
    if "name" in claims:
        assert body["name"] == "Dev Eloper"
        assert body["given_name"] == "Dev"
        assert body["family_name"] == "Eloper"
        assert body["account_type"] == "ind"
    if "email" in claims:
        assert body["email"] == "dev@example.com"
        assert body["email_verified"] is False  # a JSON boolean in v2, not IMS v1's string


@pytest.mark.parametrize("path", USERINFO_PATHS)
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_get_and_post_on_both_paths(
    client: httpx.AsyncClient, web_credential: Credential, owner_id: str, path: str, method: str
) -> None:
    token = await access_token(client, web_credential)
    # IMS samples add ?client_id= and x-api-key; both are accepted and ignored.
    response = await client.request(
        method,
        f"{path}?client_id={web_credential.client_id}",
        headers={**bearer(token), "x-api-key": web_credential.client_id},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sub"] == owner_id
    assert body["email"] == "dev@example.com"
    assert response.headers["access-control-allow-origin"] == "*"


async def test_the_bearer_scheme_is_case_insensitive(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    token = await access_token(client, web_credential)
    response = await client.get("/ims/userinfo/v2", headers={"authorization": f"bearer {token}"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", USERINFO_PATHS)
async def test_no_token_is_401_with_a_bearer_challenge(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert_bearer_error(response, 401, "invalid_token", "access token is required", named=False)


@pytest.mark.parametrize(
    "authorization", ["Basic ZGV2OnNlY3JldA==", "Bearer", "Bearer    ", "Token abc", "abc"]
)
async def test_a_malformed_authorization_header_is_401(
    client: httpx.AsyncClient, authorization: str
) -> None:
    response = await client.get("/ims/userinfo/v2", headers={"authorization": authorization})
    assert_bearer_error(response, 401, "invalid_token", "Bearer", named=False)


async def test_a_token_without_openid_is_403_insufficient_scope(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    token = await access_token(client, web_credential, "AdobeID,profile,email")
    response = await client.get("/ims/userinfo/v2", headers=bearer(token))
    assert_bearer_error(response, 403, "insufficient_scope", "openid")


async def test_a_refresh_narrowed_to_drop_openid_is_403(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    tokens = await user_tokens(client, web_credential.client_id, secret=web_credential.secret)
    response = await refresh(
        client,
        web_credential.client_id,
        tokens["refresh_token"],
        secret=web_credential.secret,
        scope="AdobeID",
    )
    assert response.status_code == 200, response.text
    narrow = response.json()["access_token"]
    response = await client.get("/ims/userinfo/v2", headers=bearer(narrow))
    assert_bearer_error(response, 403, "insufficient_scope", "openid")


async def test_a_client_credentials_token_is_401(
    client: httpx.AsyncClient, server_credential: Credential
) -> None:
    issued = await client.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials", "scope": "openid,AdobeID"},
        auth=(server_credential.client_id, server_credential.secret or ""),
    )
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    for path in [*USERINFO_PATHS, "/ims/profile/v1"]:
        response = await client.get(path, headers=bearer(token))
        assert_bearer_error(response, 401, "invalid_token", "application, not for a user")


async def test_an_expired_token_is_401(
    client: httpx.AsyncClient, web_credential: Credential, clock: FrozenClock
) -> None:
    token = await access_token(client, web_credential)
    clock.advance(timedelta(hours=24, seconds=-1))
    assert (await client.get("/ims/userinfo/v2", headers=bearer(token))).status_code == 200
    clock.advance(timedelta(seconds=1))
    response = await client.get("/ims/userinfo/v2", headers=bearer(token))
    assert_bearer_error(response, 401, "invalid_token", "expired")


def _flip(char: str) -> str:
    return "B" if char == "A" else "A"


async def test_a_tampered_token_is_401(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    token = await access_token(client, web_credential)
    # Verified once first: what the server remembers of it must not pass for its forgeries.
    assert (await client.get("/ims/userinfo/v2", headers=bearer(token))).status_code == 200
    header, payload, signature = token.split(".")
    # A character in the middle of the signature: the last one may carry only padding bits.
    middle = len(signature) // 2
    forged_signature = signature[:middle] + _flip(signature[middle]) + signature[middle + 1 :]
    # A payload changed under the original signature (here: its first character).
    forged_payload = _flip(payload[0]) + payload[1:]
    for forged in (
        f"{header}.{payload}.{forged_signature}",
        f"{header}.{forged_payload}.{signature}",
        f"{header}.{payload}.",
        "not.a.jwt",
        "x" * 5000,
    ):
        response = await client.get("/ims/userinfo/v2", headers=bearer(forged))
        assert_bearer_error(response, 401, "invalid_token", "not valid")
    assert (await client.get("/ims/userinfo/v2", headers=bearer(token))).status_code == 200


async def test_an_id_token_is_not_an_access_token(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    tokens = await user_tokens(client, web_credential.client_id, secret=web_credential.secret)
    response = await client.get("/ims/userinfo/v2", headers=bearer(tokens["id_token"]))
    assert_bearer_error(response, 401, "invalid_token", "not valid")


@pytest.mark.parametrize("with_header", [True, False])
async def test_a_token_in_the_query_string_is_refused(
    client: httpx.AsyncClient, web_credential: Credential, with_header: bool
) -> None:
    token = await access_token(client, web_credential)
    headers = bearer(token) if with_header else {}
    response = await client.get(f"/ims/userinfo/v2?access_token={token}", headers=headers)
    assert_oauth_error(response, 400, "invalid_request", "Authorization header")
    assert response.headers["access-control-allow-origin"] == "*"


async def test_cors_on_success_error_and_preflight(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    origin = {"origin": "https://app.example.com"}
    token = await access_token(client, web_credential)
    ok = await client.get("/ims/userinfo/v2", headers={**bearer(token), **origin})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in ok.headers
    denied = await client.get("/ims/userinfo/v2", headers=origin)
    assert denied.status_code == 401
    assert denied.headers["access-control-allow-origin"] == "*"
    # A browser app may read the challenge.
    assert "www-authenticate" in denied.headers["access-control-expose-headers"]
    preflight = await client.options(
        "/ims/userinfo/v2",
        headers={
            **origin,
            "access-control-request-method": "GET",
            "access-control-request-headers": "authorization",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "authorization" in preflight.headers["access-control-allow-headers"]


async def test_the_legacy_profile_has_ims_field_names(
    client: httpx.AsyncClient, web_credential: Credential, owner_id: str
) -> None:
    token = await access_token(client, web_credential)
    response = await client.get(
        f"/ims/profile/v1?client_id={web_credential.client_id}", headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["access-control-allow-origin"] == "*"
    body = response.json()
    # The fields passport-adobe-oauth2 reads, and the legacy openid attributes.
    assert body["userId"] == owner_id
    assert body["displayName"] == "Dev Eloper"
    assert body["name"] == "Dev Eloper"
    assert body["email"] == "dev@example.com"
    assert body["first_name"] == "Dev"
    assert body["last_name"] == "Eloper"
    assert body["emailVerified"] == "false"  # a string, as IMS's legacy API sends it
    assert body["account_type"] == "type1"


async def test_the_legacy_profile_without_email_scope_has_no_email(
    client: httpx.AsyncClient, web_credential: Credential, owner_id: str
) -> None:
    token = await access_token(client, web_credential, "openid,AdobeID")
    response = await client.get("/ims/profile/v1", headers=bearer(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["userId"] == owner_id
    assert body["displayName"] == "Dev Eloper"
    assert "email" not in body


async def test_the_legacy_profile_refuses_bad_tokens(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    response = await client.get("/ims/profile/v1")
    assert_bearer_error(response, 401, "invalid_token", "access token is required", named=False)
    token = await access_token(client, web_credential)
    response = await client.get(f"/ims/profile/v1?access_token={token}")
    assert_oauth_error(response, 400, "invalid_request", "Authorization header")


async def test_a_token_verified_before_is_refused_once_its_key_is_gone(
    client: httpx.AsyncClient, web_credential: Credential, app: Starlette, clock: FrozenClock
) -> None:
    """A server remembers the tokens it verified, but only while their key is published."""
    token = await access_token(client, web_credential)
    for _ in range(2):
        assert (await client.get("/ims/userinfo/v2", headers=bearer(token))).status_code == 200
    state = app.state.cclibs
    async with state.db.write() as session:
        await session.execute(delete(SigningKeyRow))
    await state.oauth.keys.ensure_keys()  # new keys; the old one is gone for good
    clock.advance(DEFAULT_CACHE_TTL + timedelta(seconds=1))  # every process re-reads them
    response = await client.get("/ims/userinfo/v2", headers=bearer(token))
    assert_bearer_error(response, 401, "invalid_token", "not valid")
    fresh = await access_token(client, web_credential)
    assert (await client.get("/ims/userinfo/v2", headers=bearer(fresh))).status_code == 200
