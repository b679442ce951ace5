""" "Try the API": the token and API key filled in, the whole response shown, and nothing but
the allow-listed origins reachable (the playground is no open proxy)."""

from __future__ import annotations

import pytest

from cclibs.playground.operations import OPERATIONS
from tests.http.oauth.conftest import Credential
from tests.playground.conftest import ISSUER, PlaygroundPage

pytestmark = pytest.mark.anyio

AUTH_HEADERS = "Authorization: Bearer ${access_token}\nx-api-key: ${client_id}"


async def _call(page: PlaygroundPage, url: str, **fields: str) -> dict[str, object]:
    return await page.ok("call", {"method": "GET", "url": url, "headers": AUTH_HEADERS, **fields})


async def test_the_token_and_api_key_are_filled_in(
    developer: PlaygroundPage, web_app: Credential
) -> None:
    await developer.code_flow(web_app.client_id, web_app.secret, "openid,email")
    answered = await _call(developer, ISSUER + "/ims/userinfo/v2")
    response = answered["response"]
    assert isinstance(response, dict)
    assert response["status"] == 200
    assert '"email": "dev@example.com"' in response["body"] or "dev@example.com" in response["body"]
    assert ["content-type", "application/json"] in response["headers"]
    without = await developer.ok(
        "call", {"method": "GET", "url": ISSUER + "/ims/userinfo/v2", "headers": ""}
    )
    assert without["response"]["status"] == 401


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no storage involved
@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://127.0.0.1:8001/",
        "http://127.0.0.1/",
        "https://127.0.0.1:8000/ims/userinfo/v2",
        "http://localhost:8000/ims/userinfo/v2",
        "http://user@127.0.0.1:8000/ims/userinfo/v2",
        "file:///etc/passwd",
        "gopher://127.0.0.1:8000/",
        "https://cc-libraries.adobe.io/api/v1/libraries",
    ],
)
async def test_every_origin_off_the_allow_list_is_refused(
    developer: PlaygroundPage, url: str
) -> None:
    message = await developer.refused("call", {"method": "GET", "url": url, "headers": ""})
    assert "allow-list" in message or "URL" in message, message


async def test_bad_requests_are_refused_with_a_reason(developer: PlaygroundPage) -> None:
    url = ISSUER + "/ims/userinfo/v2"
    assert "method" in await developer.refused("call", {"method": "TRACE", "url": url})
    assert "sets Host itself" in await developer.refused(
        "call", {"method": "GET", "url": url, "headers": "Host: evil.example"}
    )
    assert "not a header line" in await developer.refused(
        "call", {"method": "GET", "url": url, "headers": "no colon here"}
    )


async def test_redirects_are_shown_not_followed(developer: PlaygroundPage) -> None:
    answered = await developer.ok("call", {"method": "GET", "url": ISSUER + "/console"})
    response = answered["response"]
    assert isinstance(response, dict)
    assert response["status"] == 303
    assert any(
        name == "location" and value.startswith("/signin") for name, value in response["headers"]
    )


def test_the_operation_list_holds_the_libraries_api() -> None:
    libraries = [op for op in OPERATIONS if op.path.startswith("/api/v1/")]
    # The 27 operations of the Libraries API's published OpenAPI file, each once.
    assert len(libraries) == 27
    assert len({(op.method, op.path) for op in libraries}) == 27
    assert ("GET", "/api/v1/libraries") in {(op.method, op.path) for op in libraries}
    assert OPERATIONS[0].path == "/ims/userinfo/v2"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no storage involved
@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/api/v1/libraries/{libraryId}", "{libraryId}"),
        ("/api/v1/libraries/urn:aaid:sc:US:1/elements/{elementId}", "{elementId}"),
        ("/api/v1/libraries/bookmarks/{bookmarkId}?selector=full", "{bookmarkId}"),
        ("/api/v1/libraries/{}", "{}"),
    ],
)
async def test_a_path_template_is_refused_not_sent(
    developer: PlaygroundPage, path: str, named: str
) -> None:
    message = await developer.refused("call", {"method": "GET", "url": ISSUER + path})
    assert message == (
        f"Fill in {named} in the URL's path with a value; the playground sends no path template."
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no storage involved
async def test_a_lone_brace_in_the_path_is_refused_and_an_encoded_one_is_sent(
    developer: PlaygroundPage,
) -> None:
    for path in ("/api/v1/libraries/{libraryId", "/api/v1/libraries/libraryId}"):
        message = await developer.refused("call", {"method": "GET", "url": ISSUER + path})
        assert message == "The URL's path holds a brace; percent-encode it as %7B or %7D."
    # Percent-encoded, a brace is a character of the value, chosen on purpose.
    answered = await developer.ok(
        "call", {"method": "GET", "url": ISSUER + "/api/v1/libraries/%7BlibraryId%7D"}
    )
    assert isinstance(answered["response"]["status"], int)
    # Braces after the path (a query value) are not a path template.
    answered = await developer.ok(
        "call", {"method": "GET", "url": ISSUER + "/ims/userinfo/v2?q={}"}
    )
    assert answered["response"]["status"] == 401
