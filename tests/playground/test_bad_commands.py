"""A command the playground cannot carry out is refused with a 400 that says why, never a 500:
text that is no text, a header value outside printable ASCII, a URL with control characters,
JSON nested past what can be read, a provider's device answer with no number of seconds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.playground.conftest import ISSUER, PlaygroundPage
from tests.playground.fake_provider import FakeProvider, fake_provider

pytestmark = pytest.mark.anyio

URL = ISSUER + "/ims/userinfo/v2"


@pytest.fixture
def other() -> Iterator[FakeProvider]:
    with fake_provider() as provider:
        yield provider


@pytest.fixture
def settings_overrides(other: FakeProvider) -> dict[str, object]:
    return {"issuer": ISSUER, "playground_issuers": other.base_url}


async def _raw(page: PlaygroundPage, action: str, content: bytes) -> tuple[int, dict[str, str]]:
    response = await page.http.post(
        f"/playground/api/{action}",
        content=content,
        headers={"X-CSRF-Token": page.csrf, "Content-Type": "application/json"},
    )
    body: dict[str, str] = response.json()
    return response.status_code, body


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_text_that_is_not_unicode_is_refused(developer: PlaygroundPage) -> None:
    status, body = await _raw(
        developer, "call", b'{"method": "POST", "url": "' + URL.encode() + b'", "body": "\\ud800"}'
    )
    assert status == 400
    assert body["message"] == "The command holds text that is not valid Unicode."
    status, body = await _raw(
        developer, "call", b'{"url": "' + URL.encode() + b'", "headers": "X-Note: \\ud800"}'
    )
    assert status == 400
    assert "not valid Unicode" in body["message"]
    status, body = await _raw(developer, "authorize", b'{"client_id": "\\udfff"}')
    assert status == 400
    assert "not valid Unicode" in body["message"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_json_nested_too_deeply_is_refused(developer: PlaygroundPage) -> None:
    status, body = await _raw(developer, "state", b"[" * 200_000)
    assert status == 400
    assert body["message"] == "The command is nested too deeply."


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("value", ["€uro", "a\x00b", "a\x7fb", "caf\u00e9"])
async def test_header_values_must_be_printable_ascii(developer: PlaygroundPage, value: str) -> None:
    message = await developer.refused(
        "call", {"method": "GET", "url": URL, "headers": f"X-Note: {value}"}
    )
    assert message == "The value of X-Note must be printable ASCII."


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("tail", ["\x7f\x01", "a b", "\x01"])
async def test_a_url_with_control_characters_is_refused(
    developer: PlaygroundPage, tail: str
) -> None:
    message = await developer.refused("call", {"method": "GET", "url": URL + tail})
    assert "control character" in message


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("answer", "named"),
    [
        ({"interval": "soon"}, "interval"),
        ({"expires_in": "10 minutes"}, "expires_in"),
        ({"interval": 2.5}, "interval"),
        ({"expires_in": -5}, "expires_in"),
        ({"interval": True}, "interval"),
    ],
)
async def test_a_device_answer_without_a_number_of_seconds_is_refused(
    developer: PlaygroundPage, other: FakeProvider, answer: dict[str, object], named: str
) -> None:
    other.device = {"device_code": "dc", "user_code": "ABCD-EFGH", **answer}
    message = await developer.refused(
        "device-start", {"issuer": other.base_url, "client_id": "c", "scopes": "openid"}
    )
    assert message.startswith(f"Device authorization: {named} is "), message
    assert "not a number of seconds" in message
    view = (await developer.ok("state"))["view"]
    assert view["device"] is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_seconds_as_digits_are_taken(developer: PlaygroundPage, other: FakeProvider) -> None:
    other.device = {"device_code": "dc", "user_code": "A", "interval": "7", "expires_in": "900"}
    started = await developer.ok(
        "device-start", {"issuer": other.base_url, "client_id": "c", "scopes": "openid"}
    )
    assert started["view"]["device"]["interval"] == 7
