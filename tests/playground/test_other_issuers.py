"""The playground against another OpenID provider: only allowed issuers, found by discovery.

Adobe IMS cannot be reached from here, so its part runs against a local fake of IMS's
documented requests and responses (tests/support/fake_ims.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.playground.conftest import CALLBACK, ISSUER, PlaygroundPage
from tests.support.fake_ims import FakeIms
from tests.support.servers import free_socket, running

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake_ims() -> Iterator[FakeIms]:
    sock = free_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    ims = FakeIms(client_id="adobe-api-key", client_secret="p8e-adobe-secret", base_url=base)
    with running(ims.app(), sock):
        yield ims


@pytest.fixture
def settings_overrides(fake_ims: FakeIms) -> dict[str, object]:
    """This server's playground, allowed to use the fake IMS and to call it."""
    return {
        "issuer": ISSUER,
        "playground_issuers": fake_ims.base_url,
        "playground_api_origins": fake_ims.base_url,
    }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_an_issuer_off_the_list_is_refused(developer: PlaygroundPage) -> None:
    message = await developer.refused(
        "authorize", {"issuer": "https://evil.example", "client_id": "x", "scopes": "openid"}
    )
    assert "not one the playground may use" in message
    assert ISSUER in message


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_adobe_ims_through_a_local_fake_of_its_documented_requests(
    developer: PlaygroundPage, fake_ims: FakeIms
) -> None:
    scopes = "openid,AdobeID,email,offline_access"
    state = await developer.ok("state", {"issuer": fake_ims.base_url})
    assert state["view"]["provider"]["token_endpoint"] == fake_ims.base_url + "/ims/token/v3"
    started = await developer.ok(
        "authorize",
        {
            "issuer": fake_ims.base_url,
            "client_id": fake_ims.client_id,
            "client_secret": fake_ims.client_secret,
            "scopes": scopes,
        },
    )
    url = started["authorization_url"]
    assert url.startswith(fake_ims.base_url + "/ims/authorize/v2?")
    sent = parse_qs(urlsplit(url).query)
    assert sent["scope"] == [scopes]  # IMS's comma-separated scopes, as typed
    assert sent["redirect_uri"] == [CALLBACK]
    async with httpx.AsyncClient() as browser:
        at_ims = await browser.get(url)
    assert at_ims.status_code == 302
    back = await developer.http.get(at_ims.headers["location"])
    assert back.headers["location"] == "/playground#tokens"

    view = (await developer.ok("state"))["view"]
    tokens = view["tokens"]
    assert tokens["issuer"] == fake_ims.base_url
    assert tokens["decoded"]["id_token"]["valid"] is True
    assert tokens["decoded"]["access_token"]["claims"]["type"] == "access_token"
    # The token request IMS documents: form body, the secret in the body, PKCE verifier.
    method, path, form = fake_ims.requests[1]
    assert (method, path) == ("POST", "/ims/token/v3")
    assert form["grant_type"] == "authorization_code"
    assert form["client_id"] == fake_ims.client_id
    assert form["client_secret"] == fake_ims.client_secret
    assert form["redirect_uri"] == CALLBACK
    assert form["code_verifier"]

    called = await developer.ok(
        "call",
        {
            "method": "GET",
            "url": fake_ims.base_url + "/ims/userinfo/v2",
            "headers": "Authorization: Bearer ${access_token}\nx-api-key: ${client_id}",
        },
    )
    assert called["response"]["status"] == 200
    assert fake_ims.requests[-1][2]["x-api-key"] == fake_ims.client_id
