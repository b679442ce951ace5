"""The ``adobe`` preset builds IMS's documented requests: checked against a local fake of IMS.

There is no network here, so this shows only that the right requests are built and IMS's
documented responses are understood (compat-reference §2): the fake is an httpx transport
that answers for ims-na1.adobelogin.com and cc-libraries.adobe.io in-process. Nothing here
says that Adobe's servers accept these requests.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from cclibs.sdk import ADOBE, AuthorizationRequest, OAuthClient, ProfileStore, TokenSource

CLIENT_ID = "0123456789abcdef0123456789abcdef"
CLIENT_SECRET = "p8e-adobe-secret"


class FakeIms:
    """IMS's documented answers; every request is kept for the test to read."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.issued = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = f"{request.url.host}{request.url.path}"
        if path == "ims-na1.adobelogin.com/ims/token/v3":
            self.issued += 1
            return httpx.Response(
                200,
                json={
                    "access_token": f"at-{self.issued}",
                    "token_type": "bearer",
                    "expires_in": 86399,
                },
            )
        if path == "ims-na1.adobelogin.com/ims/revoke":
            return httpx.Response(200)
        if path == "cc-libraries.adobe.io/api/v1/libraries":
            return httpx.Response(200, json={"total_count": 0, "libraries": []})
        return httpx.Response(404)


def _form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


@pytest.fixture
def fake() -> FakeIms:
    return FakeIms()


def test_adobe_preset_requests_built_for_ims_checked_against_a_local_fake_no_network(
    fake: FakeIms, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Against Adobe only the client id and secret are needed (here from the environment).
    monkeypatch.setenv("CCLIBS_PROFILE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("CCLIBS_PROFILE_CLIENT_SECRET", CLIENT_SECRET)
    profile = ProfileStore().load("adobe")
    assert profile.issuer == "https://ims-na1.adobelogin.com"
    client = OAuthClient(profile, http=httpx.Client(transport=httpx.MockTransport(fake)))
    clock = [1_700_000_000.0]
    source = TokenSource(profile, client=client, now=lambda: clock[0])

    # Server-to-Server: POST /ims/token/v3, parameters in the form, comma-separated scopes.
    tokens = source.login_client_credentials()
    token_request = fake.requests[0]
    assert str(token_request.url) == "https://ims-na1.adobelogin.com/ims/token/v3"
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert "authorization" not in token_request.headers
    assert _form(token_request) == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": "cc_files,cc_libraries",
    }
    assert tokens.expires_at == clock[0] + 86399  # expires_in is seconds in v3

    # The Libraries API with the token and the API key; renewed by the secret on expiry.
    with httpx.Client(auth=source.auth(), transport=httpx.MockTransport(fake)) as http:
        listed = http.get(f"{profile.api_url}/api/v1/libraries")
        clock[0] += 86400
        http.get(f"{profile.api_url}/api/v1/libraries")
    assert listed.json() == {"total_count": 0, "libraries": []}
    api_calls = [r for r in fake.requests if r.url.host == "cc-libraries.adobe.io"]
    assert [r.headers["authorization"] for r in api_calls] == ["Bearer at-1", "Bearer at-2"]
    assert {r.headers["x-api-key"] for r in api_calls} == {CLIENT_ID}

    # Logout revokes at /ims/revoke with the credential's id and secret.
    source.logout()
    revoke = fake.requests[-1]
    assert str(revoke.url) == "https://ims-na1.adobelogin.com/ims/revoke"
    assert _form(revoke) == {
        "token": "at-2",
        "token_type_hint": "access_token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    assert source.cache.load() is None


def test_adobe_preset_authorization_url_built_for_ims_no_network(fake: FakeIms) -> None:
    profile = replace(ADOBE, client_id=CLIENT_ID)
    client = OAuthClient(profile, http=httpx.Client(transport=httpx.MockTransport(fake)))
    request = AuthorizationRequest.new(
        client, "https://localhost:8000/callback", ("openid", "AdobeID", "cc_libraries")
    )
    url = httpx.URL(request.url)
    assert f"{url.scheme}://{url.host}{url.path}" == (
        "https://ims-na1.adobelogin.com/ims/authorize/v2"
    )
    params = dict(url.params)
    assert params["scope"] == "openid,AdobeID,cc_libraries"
    assert params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256"
    assert params["state"] == request.state and params["nonce"] == request.nonce
    assert fake.requests == []  # explicit endpoints: no discovery request
