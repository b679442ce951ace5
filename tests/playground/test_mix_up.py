"""The code goes to the client and issuer of the request that asked for it (no mix-up), and a
response from an issuer that promises ``iss`` must carry it (RFC 9207)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.applications import Starlette

from cclibs.oauth.clients import ClientType
from tests.http.oauth.conftest import Credential, make_credential
from tests.playground.conftest import ISSUER, PlaygroundPage
from tests.playground.fake_provider import FakeProvider, fake_provider
from tests.support.oauth_flow import consent

pytestmark = pytest.mark.anyio


@pytest.fixture
def other() -> Iterator[FakeProvider]:
    with fake_provider() as provider:
        yield provider


@pytest.fixture
def settings_overrides(other: FakeProvider) -> dict[str, object]:
    return {"issuer": ISSUER, "playground_issuers": other.base_url}


async def test_the_code_goes_with_the_client_that_asked_for_it(
    app: Starlette,
    owner_id: str,
    developer: PlaygroundPage,
    web_app: Credential,
    other: FakeProvider,
) -> None:
    started = await developer.ok(
        "authorize",
        {"client_id": web_app.client_id, "client_secret": web_app.secret, "scopes": "openid"},
    )
    # Before the user consents, other buttons switch to other clients and another issuer.
    robot = await make_credential(app, owner_id, ClientType.SERVER, scopes=["openid"])
    await developer.ok(
        "client-credentials",
        {"client_id": robot.client_id, "client_secret": robot.secret, "scopes": "openid"},
    )
    await developer.ok(
        "client-credentials",
        {
            "issuer": other.base_url,
            "client_id": "other-client",
            "client_secret": "other-secret",
            "scopes": "openid",
        },
    )
    sent_elsewhere = len(other.token_requests)

    back = await consent(developer.http, await developer.http.get(started["authorization_url"]))
    done = await developer.http.get(back.headers["location"])
    assert done.headers["location"] == "/playground#tokens"
    assert len(other.token_requests) == sent_elsewhere  # the code never reached the other issuer
    view = (await developer.ok("state"))["view"]
    assert view["tokens"]["client_id"] == web_app.client_id
    assert view["tokens"]["decoded"]["id_token"]["claims"]["aud"] == web_app.client_id
    assert view["tokens"]["decoded"]["id_token"]["valid"] is True
    # The settings follow the tokens, so Refresh goes to the same client.
    assert view["config"]["client_id"] == web_app.client_id
    assert view["config"]["issuer"] == ISSUER


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_response_without_the_iss_an_issuer_promises_is_refused(
    developer: PlaygroundPage, other: FakeProvider
) -> None:
    config = {"issuer": other.base_url, "client_id": "other-client", "scopes": "openid"}

    async def callback(**extra: str) -> str:
        started = await developer.ok("authorize", config)
        state = parse_qs(urlsplit(started["authorization_url"]).query)["state"][0]
        back = await developer.http.get(
            "/playground/callback", params={"code": "the-code", "state": state, **extra}
        )
        return str(back.headers["location"])

    assert await callback() == "/playground#authorization"
    assert "RFC 9207" in (await developer.ok("state"))["view"]["error"]
    assert other.token_requests == []

    assert await callback(iss=other.base_url) == "/playground#tokens"
    assert [form["code"] for form in other.token_requests] == ["the-code"]
