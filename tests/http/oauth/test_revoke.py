"""Token revocation at /ims/revoke (RFC 7009): a revoked token takes its whole family with it."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

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
from tests.support.oauth_flow import refresh, user_tokens

pytestmark = pytest.mark.anyio


async def revoke(
    client: httpx.AsyncClient, cred: Credential, token: str | None, **data: str
) -> httpx.Response:
    """POST /ims/revoke with Basic auth (confidential) or ?client_id= (public), as IMS does."""
    if token is not None:
        data["token"] = token
    if cred.secret is None:
        return await client.post(f"/ims/revoke?client_id={cred.client_id}", data=data)
    return await client.post("/ims/revoke", data=data, auth=(cred.client_id, cred.secret))


def assert_revoked_ok(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    assert response.content == b""
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["access-control-allow-origin"] == "*"


async def userinfo_status(client: httpx.AsyncClient, access_token: str) -> int:
    response = await client.get(
        "/ims/userinfo/v2", headers={"authorization": f"Bearer {access_token}"}
    )
    return response.status_code


async def web_tokens(client: httpx.AsyncClient, cred: Credential) -> dict[str, str]:
    return await user_tokens(client, cred.client_id, secret=cred.secret)


@pytest.mark.parametrize("hint", [None, "refresh_token", "access_token", "bogus"])
async def test_revoking_a_refresh_token_revokes_its_family(
    client: httpx.AsyncClient, web_credential: Credential, hint: str | None
) -> None:
    tokens = await web_tokens(client, web_credential)
    # A rotated child too: the family is the sign-in, not one token.
    response = await refresh(
        client, web_credential.client_id, tokens["refresh_token"], secret=web_credential.secret
    )
    child = response.json()
    extra = {"token_type_hint": hint} if hint else {}
    assert_revoked_ok(await revoke(client, web_credential, child["refresh_token"], **extra))
    for refresh_token in (child["refresh_token"], tokens["refresh_token"]):
        response = await refresh(
            client, web_credential.client_id, refresh_token, secret=web_credential.secret
        )
        assert_oauth_error(response, 400, "invalid_grant", "Sign in again")
    for access_token in (tokens["access_token"], child["access_token"]):
        assert await userinfo_status(client, access_token) == 401
    # Revoking again is still 200 (RFC 7009 §2.2).
    assert_revoked_ok(await revoke(client, web_credential, child["refresh_token"]))


async def test_revoking_an_access_token_revokes_its_family(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    tokens = await web_tokens(client, web_credential)
    assert await userinfo_status(client, tokens["access_token"]) == 200
    assert_revoked_ok(
        await revoke(client, web_credential, tokens["access_token"], token_type_hint="access_token")
    )
    assert await userinfo_status(client, tokens["access_token"]) == 401
    response = await refresh(
        client, web_credential.client_id, tokens["refresh_token"], secret=web_credential.secret
    )
    assert_oauth_error(response, 400, "invalid_grant", "revoked")
    # The revoked access token is now unknown to the endpoint: 200 again.
    assert_revoked_ok(await revoke(client, web_credential, tokens["access_token"]))


async def test_revoking_one_sign_in_leaves_the_others(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    first = await web_tokens(client, web_credential)
    second = await web_tokens(client, web_credential)
    assert_revoked_ok(await revoke(client, web_credential, first["refresh_token"]))
    assert await userinfo_status(client, first["access_token"]) == 401
    assert await userinfo_status(client, second["access_token"]) == 200
    response = await refresh(
        client, web_credential.client_id, second["refresh_token"], secret=web_credential.secret
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "token", ["unknown", "a" * 8192, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "é😀"]
)
async def test_an_unknown_token_is_200(
    client: httpx.AsyncClient, web_credential: Credential, token: str
) -> None:
    assert_revoked_ok(await revoke(client, web_credential, token))


@pytest.mark.parametrize("kind", ["refresh_token", "access_token"])
async def test_another_clients_token_is_refused_and_keeps_working(
    client: httpx.AsyncClient,
    app: Starlette,
    owner_id: str,
    web_credential: Credential,
    kind: str,
) -> None:
    tokens = await web_tokens(client, web_credential)
    other = await make_credential(app, owner_id, ClientType.WEB)
    response = await revoke(client, other, tokens[kind])
    assert_oauth_error(response, 400, "unauthorized_client", "another client")
    assert response.headers["access-control-allow-origin"] == "*"
    assert await userinfo_status(client, tokens["access_token"]) == 200
    response = await refresh(
        client, web_credential.client_id, tokens["refresh_token"], secret=web_credential.secret
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("token", [None, ""])
async def test_a_missing_token_is_invalid_request(
    client: httpx.AsyncClient, web_credential: Credential, token: str | None
) -> None:
    response = await revoke(client, web_credential, token)
    assert_oauth_error(response, 400, "invalid_request", "token is required")


async def test_a_wrong_client_secret_is_invalid_client(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    tokens = await web_tokens(client, web_credential)
    wrong = Credential(web_credential.client_id, "p8e-not-the-secret")
    response = await revoke(client, wrong, tokens["refresh_token"])
    assert_oauth_error(response, 401, "invalid_client", "not valid")
    assert response.headers["www-authenticate"].startswith("Basic")
    # A confidential client cannot fall back to client_id only.
    response = await client.post(
        f"/ims/revoke?client_id={web_credential.client_id}",
        data={"token": tokens["refresh_token"]},
    )
    assert_oauth_error(response, 401, "invalid_client", "client_secret")
    response = await client.post("/ims/revoke", data={"token": tokens["refresh_token"]})
    assert_oauth_error(response, 401, "invalid_client", "client_id is required")
    # None of these revoked anything.
    assert await userinfo_status(client, tokens["access_token"]) == 200


async def test_client_secret_post_in_the_body_also_revokes(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    tokens = await web_tokens(client, web_credential)
    response = await client.post(
        "/ims/revoke",
        data={
            "token": tokens["refresh_token"],
            "client_id": web_credential.client_id,
            "client_secret": web_credential.secret or "",
        },
    )
    assert_revoked_ok(response)
    assert await userinfo_status(client, tokens["access_token"]) == 401


async def test_a_public_client_revokes_with_its_client_id_only(
    client: httpx.AsyncClient, app: Starlette, owner_id: str
) -> None:
    native = await make_credential(app, owner_id, ClientType.NATIVE)
    tokens = await user_tokens(client, native.client_id)
    assert_revoked_ok(await revoke(client, native, tokens["refresh_token"]))
    response = await refresh(client, native.client_id, tokens["refresh_token"])
    assert_oauth_error(response, 400, "invalid_grant", "Sign in again")
    assert await userinfo_status(client, tokens["access_token"]) == 401
    # client_id in the body works as well.
    again = await user_tokens(client, native.client_id)
    response = await client.post(
        "/ims/revoke", data={"token": again["access_token"], "client_id": native.client_id}
    )
    assert_revoked_ok(response)
    assert await userinfo_status(client, again["access_token"]) == 401


async def client_credentials_token(client: httpx.AsyncClient, cred: Credential) -> str:
    issued = await client.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials", "scope": "openid,AdobeID"},
        auth=(cred.client_id, cred.secret or ""),
    )
    assert issued.status_code == 200, issued.text
    return str(issued.json()["access_token"])


async def refusals(client: httpx.AsyncClient, cred: Credential, token: str) -> dict[str, object]:
    """What userinfo, the Libraries API and introspection say of the token."""
    bearer = {"authorization": f"Bearer {token}"}
    info = await client.get("/ims/userinfo/v2", headers=bearer)
    api = await client.get("/api/v1/libraries", headers={**bearer, "x-api-key": cred.client_id})
    introspected = await client.post(
        "/ims/introspect", data={"token": token}, auth=(cred.client_id, cred.secret or "")
    )
    return {
        "userinfo": (info.status_code, info.headers.get("www-authenticate", "")),
        "api": api.status_code,
        "active": introspected.json()["active"],
    }


async def test_a_revoked_client_credentials_token_is_refused_everywhere(
    client: httpx.AsyncClient, server_credential: Credential
) -> None:
    """Such a token has no family: it goes on the deny-list by jti, and userinfo, the API and
    introspection refuse it as revoked; another token of the same credential keeps working."""
    token = await client_credentials_token(client, server_credential)
    other = await client_credentials_token(client, server_credential)
    before = await refusals(client, server_credential, token)
    # Valid, though neither userinfo (no user) nor the API (no user) serves it.
    assert before["active"] is True and before["api"] == 403
    assert "issued to an application" in str(before["userinfo"])
    assert_revoked_ok(await revoke(client, server_credential, token))
    assert_revoked_ok(await revoke(client, server_credential, token))  # again: still 200
    after = await refusals(client, server_credential, token)
    assert after["active"] is False and after["api"] == 401
    status, challenge = after["userinfo"]  # type: ignore[misc]
    assert status == 401 and "revoked" in challenge
    assert (await refusals(client, server_credential, other))["active"] is True


async def test_the_deny_list_is_shared_by_every_process_on_the_database(
    client: httpx.AsyncClient, server_credential: Credential, settings: Settings
) -> None:
    """A second app on the same database (another worker) refuses a token revoked here."""
    token = await client_credentials_token(client, server_credential)
    other_app = create_app(settings)
    transport = httpx.ASGITransport(app=other_app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=settings.issuer) as other:
            assert (await refusals(other, server_credential, token))["active"] is True
            assert_revoked_ok(await revoke(client, server_credential, token))
            assert (await refusals(client, server_credential, token))["active"] is False

            async def refused() -> bool:
                return (await refusals(other, server_credential, token))["active"] is False

            # The other app reads the deny-list from memory: within the bound (storage.versions).
            await refused_within(refused, CHECK_INTERVAL + MARGIN)
    finally:
        await other_app.state.cclibs.db.dispose()
