"""What another server answers is bounded and shown, never trusted: a huge body is cut at
1 MB without being read to its end, and a device answer's non-web link is not kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.playground.conftest import ISSUER, PlaygroundPage
from tests.playground.fake_provider import FakeProvider, fake_provider

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


@pytest.fixture
def other() -> Iterator[FakeProvider]:
    with fake_provider() as provider:
        yield provider


@pytest.fixture
def settings_overrides(other: FakeProvider) -> dict[str, object]:
    return {
        "issuer": ISSUER,
        "playground_issuers": other.base_url,
        "playground_api_origins": other.base_url,
    }


async def test_a_huge_response_is_cut_at_one_megabyte_and_not_read_further(
    developer: PlaygroundPage, other: FakeProvider
) -> None:
    other.large_body_bytes = 64 * 1024 * 1024
    answered = await developer.ok("call", {"method": "GET", "url": other.base_url + "/large"})
    response = answered["response"]
    assert response["status"] == 200
    assert response["truncated"] is True
    assert response["body"] == "x" * 1_000_000
    # The playground stopped reading: the server sent a little more than the limit (what the
    # sockets' buffers held), not the 64 MB it had.
    assert other.sent_bytes < 16 * 1024 * 1024


async def test_a_verification_link_that_is_not_http_is_not_kept(
    developer: PlaygroundPage, other: FakeProvider
) -> None:
    other.device = {
        "device_code": "dc",
        "user_code": "ABCD-EFGH",
        "verification_uri": other.base_url + "/device",
        "verification_uri_complete": "javascript:alert(document.cookie)",
    }
    started = await developer.ok(
        "device-start", {"issuer": other.base_url, "client_id": "c", "scopes": "openid"}
    )
    device = started["view"]["device"]
    assert device["verification_uri_complete"] is None
    assert device["verification_uri"] == other.base_url + "/device"
