"""The command line's credential that cclibs ships (``cclibs-cli``): in discovery, usable by
any account with PKCE and a loopback redirect on any port, consent asked every time, and
nobody's to change or delete."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.oauth.first_party import CLI_CLIENT_ID, FIRST_PARTY_PROJECT_ID
from cclibs.oauth.registration import NotFound, RegistrationError
from cclibs.sdk.pkce import Pkce
from cclibs.sdk.profiles import CLI_CLIENT_ID as SDK_CLI_CLIENT_ID
from cclibs.sdk.profiles import DEFAULT_SCOPES
from tests.support.oauth_flow import authorize_code, exchange_code, refresh

pytestmark = pytest.mark.anyio

SCOPE = ",".join(DEFAULT_SCOPES)  # what `cclibs login` asks for


async def test_discovery_names_the_id_the_sdk_uses(client: httpx.AsyncClient) -> None:
    document = (await client.get("/.well-known/openid-configuration")).json()
    assert document["cclibs_cli_client_id"] == CLI_CLIENT_ID == SDK_CLI_CLIENT_ID
    assert "urn:ietf:params:oauth:grant-type:device_code" in document["grant_types_supported"]


@pytest.mark.parametrize(
    "redirect_uri", ["http://127.0.0.1:51234/callback", "http://[::1]:8123/callback"]
)
async def test_any_account_logs_in_with_pkce_on_any_loopback_port(
    client: httpx.AsyncClient, owner_id: str, redirect_uri: str
) -> None:
    # dev@example.com owns nothing of it: the credential is in production for everyone.
    pkce = Pkce.new()
    params = await authorize_code(
        client, CLI_CLIENT_ID, scope=SCOPE, redirect_uri=redirect_uri, pkce=pkce
    )
    response = await exchange_code(client, CLI_CLIENT_ID, params["code"], pkce=pkce)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert set(tokens["scope"].split()) == set(DEFAULT_SCOPES)  # the SDK's default scopes
    refreshed = await refresh(client, CLI_CLIENT_ID, tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:51234/elsewhere",
        "http://localhost:51234/callback",  # RFC 8252 §8.3: not a name that may resolve away
        "https://evil.example/callback",
    ],
)
async def test_other_redirects_are_refused(
    client: httpx.AsyncClient, owner_id: str, redirect_uri: str
) -> None:
    response = await client.get(
        "/ims/authorize/v2",
        params={
            "client_id": CLI_CLIENT_ID,
            "response_type": "code",
            "scope": "openid",
            "redirect_uri": redirect_uri,
            "code_challenge": Pkce.new().challenge,
            "code_challenge_method": "S256",
        },
    )
    assert response.status_code == 400
    assert "redirect_uri is not registered" in response.text


async def test_consent_is_asked_every_time(browser: httpx.AsyncClient) -> None:
    """A remembered consent would give any local program the user's tokens: asked again."""
    redirect_uri = "http://127.0.0.1:40001/callback"
    first = await authorize_code(
        browser, CLI_CLIENT_ID, scope="openid", redirect_uri=redirect_uri, pkce=Pkce.new()
    )
    assert "code" in first, first
    again = await browser.get(
        "/ims/authorize/v2",
        params={
            "client_id": CLI_CLIENT_ID,
            "response_type": "code",
            "scope": "openid",
            "redirect_uri": redirect_uri,
            "code_challenge": Pkce.new().challenge,
            "code_challenge_method": "S256",
        },
    )
    assert again.status_code == 200, again.headers.get("location")
    assert 'name="interaction"' in again.text and "cclibs command line" in again.text


async def test_nobody_can_delete_or_edit_it(app: Starlette, owner_id: str) -> None:
    registry = app.state.cclibs.oauth.clients
    assert [c.client_id for c in await registry.list_first_party()] == [CLI_CLIENT_ID]
    assert CLI_CLIENT_ID not in [c.client_id for c in await registry.list_for(owner_id)]
    # What the console does for a signed-in person: the same NotFound as a stranger's id.
    with pytest.raises(NotFound):
        await registry.delete_owned(owner_id, CLI_CLIENT_ID)
    with pytest.raises(NotFound):
        await registry.rename(owner_id, CLI_CLIENT_ID, "Mine now")
    # What `cclibs clients delete` does for an administrator.
    with pytest.raises(RegistrationError, match="ships with cclibs"):
        await registry.delete(CLI_CLIENT_ID)
    assert (await registry.get(CLI_CLIENT_ID)).name == "cclibs command line"


async def test_the_console_does_not_show_it(client: httpx.AsyncClient, owner_id: str) -> None:
    from tests.support.pages import sign_in

    assert (await sign_in(client, "dev@example.com", "developer password")).status_code == 303
    page = await client.get("/console")
    assert page.status_code == 200
    assert CLI_CLIENT_ID not in page.text
    base = f"/console/projects/{FIRST_PARTY_PROJECT_ID}"
    for path in (
        base,
        f"{base}/credentials/{CLI_CLIENT_ID}",
        f"{base}/credentials/{CLI_CLIENT_ID}/delete",
    ):
        assert (await client.get(path)).status_code == 404, path
