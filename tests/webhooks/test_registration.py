"""Registering webhooks through the API: who may, what URL and event types are accepted, and
the clear 4xx answers otherwise. Private addresses are refused here (the setting is off)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.api_answers import error_of
from tests.support.api_auth import ApiCallers
from tests.webhooks.conftest import WEBHOOKS, Actors, register

pytestmark = pytest.mark.anyio


def refused(answer: httpx.Response, status: int, reason: str) -> dict[str, Any]:
    body = error_of(answer, status)
    assert body["reason"] == reason, body
    return body


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"webhook_allow_private_urls": False}


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://127.0.0.1:8080/hook", "127.0.0.1"),
        ("http://localhost/hook", "localhost is (or resolves to)"),
        ("http://10.1.2.3/hook", "10.1.2.3"),
        ("http://192.168.0.10/hook", "192.168.0.10"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("http://[::1]/hook", "::1"),
        ("http://[::ffff:10.0.0.1]/hook", "::ffff:10.0.0.1"),
        ("http://100.64.0.1/hook", "100.64.0.1"),
        ("http://0.0.0.0/hook", "0.0.0.0"),  # noqa: S104 - a URL being refused
        ("ftp://example.com/hook", "http or https"),
        ("https://user:pw@example.com/hook", "user name or password"),
        ("https://example.com/hook#x", "fragment"),
        ("https://exa mple.com/hook", "space"),
        ("https://example.com:99999/hook", "port"),
        ("/relative", "http or https"),
    ],
)
async def test_urls_that_may_not_receive_are_refused_clearly(
    client: httpx.AsyncClient, actors: Actors, url: str, says: str
) -> None:
    answer = await client.post(
        WEBHOOKS,
        json={"url": url, "event_types": ["library.created"]},
        headers=actors.server.headers,
    )
    error = refused(answer, 400, "invalid_webhook")
    assert error["message"].startswith("url: ")
    assert says in error["message"]
    listed = await client.get(WEBHOOKS, headers=actors.server.headers)
    assert listed.json() == {"webhooks": [], "total_count": 0}


@pytest.mark.parametrize(
    "body",
    [
        {"url": "https://example.com/hook"},
        {"url": "https://example.com/hook", "event_types": []},
        {"url": "https://example.com/hook", "event_types": "library.created"},
        {"url": "https://example.com/hook", "event_types": ["library.renamed"]},
        {"event_types": ["library.created"]},
        {"url": 7, "event_types": ["library.created"]},
        ["https://example.com/hook"],
    ],
)
async def test_bad_bodies_are_400(client: httpx.AsyncClient, actors: Actors, body: object) -> None:
    answer = await client.post(WEBHOOKS, json=body, headers=actors.server.headers)
    refused(answer, 400, "invalid_webhook")


async def test_a_public_url_is_registered_listed_read_and_removed(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    # A public address literal: no DNS needed, and nothing is sent until an event.
    hook = await register(
        client, actors.server, "https://93.184.216.34/hook", ["element.deleted", "library.created"]
    )
    assert hook["event_types"] == ["library.created", "element.deleted"]
    href = hook["_links"]["self"]["href"]
    read = await client.get(href, headers=actors.server.headers)
    assert read.status_code == 200 and read.json()["url"] == "https://93.184.216.34/hook"
    assert "secret" not in read.json()
    assert (await client.delete(href, headers=actors.server.headers)).status_code == 204
    refused(await client.get(href, headers=actors.server.headers), 404, "not_found")
    refused(await client.delete(href, headers=actors.server.headers), 404, "not_found")


async def test_only_the_credential_itself_manages_its_webhooks(
    client: httpx.AsyncClient, actors: Actors, api_callers: ApiCallers
) -> None:
    hook = await register(client, actors.server, "https://93.184.216.34/hook")
    href = hook["_links"]["self"]["href"]
    # A user's token (even the developer's) is not the credential.
    body = {"url": "https://93.184.216.34/x", "event_types": ["library.created"]}
    refused(
        await client.post(WEBHOOKS, json=body, headers=actors.developer.headers), 403, "forbidden"
    )
    # Another credential does not see it.
    other = await api_callers.server()
    refused(await client.get(href, headers=other.headers), 404, "not_found")
    refused(await client.delete(href, headers=other.headers), 404, "not_found")
    assert (await client.get(WEBHOOKS, headers=other.headers)).json()["total_count"] == 0
    # No token, or the wrong API key.
    assert (await client.get(WEBHOOKS)).status_code == 401
    wrong_key = {**actors.server.headers, "x-api-key": other.client_id}
    refused(await client.get(WEBHOOKS, headers=wrong_key), 403, "invalid_api_key")
