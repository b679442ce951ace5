"""The SDK's async core against a real cclibs, in-process (httpx.ASGITransport): discovery,
client authentication both ways, error responses answered or raised, the JWKS fetched again
once for a key it has not seen, and the ID token's checks. Then hostile discovery documents,
from an issuer that is not on this machine (an in-process stand-in answers for it)."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.clock import FrozenClock
from cclibs.oauth.clients import ClientType
from cclibs.sdk import (
    AsyncOAuthClient,
    ConfigurationError,
    IdTokenError,
    InvalidClient,
    IssuerMetadata,
    IssuerUnreachable,
    OAuthServerError,
    Profile,
)
from tests.http.oauth.conftest import Credential, make_credential
from tests.support.oauth_flow import user_tokens
from tests.support.servers import free_socket

pytestmark = pytest.mark.anyio
# The client is under test, not the database: one is enough.
sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

ISSUER = "http://testserver"


@pytest.fixture
async def server_credential(app: Starlette, owner_id: str) -> Credential:
    return await make_credential(app, owner_id, ClientType.SERVER, scopes=["openid"])


@pytest.fixture
async def web_credential(app: Starlette, owner_id: str) -> Credential:
    return await make_credential(app, owner_id, ClientType.WEB)


def _sdk(
    app: Starlette,
    credential: Credential | None = None,
    *,
    token_auth: str = "client_secret_basic",
    seen: list[str] | None = None,
) -> AsyncOAuthClient:
    """An SDK client of the app, noting the path of every request in ``seen``."""

    async def note(request: httpx.Request) -> None:
        if seen is not None:
            seen.append(request.url.path)

    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 41000)),
        event_hooks={"request": [note]},
    )
    profile = Profile(
        name="test",
        issuer=ISSUER,
        client_id=credential.client_id if credential else None,
        client_secret=credential.secret if credential else None,
        token_auth=token_auth,  # type: ignore[arg-type]
    )
    return AsyncOAuthClient(profile, http)


@sqlite
async def test_discovery_reads_what_cclibs_publishes_once(app: Starlette) -> None:
    seen: list[str] = []
    sdk = _sdk(app, seen=seen)
    endpoints = await sdk.endpoints()
    assert endpoints.issuer == ISSUER
    assert endpoints.token_endpoint == ISSUER + "/ims/token/v3"
    assert endpoints.introspection_endpoint == ISSUER + "/ims/introspect"
    assert endpoints.end_session_endpoint == ISSUER + "/ims/logout"
    assert "openid" in endpoints.scopes_supported
    assert endpoints.authorization_response_iss_parameter_supported is True
    await sdk.endpoints()
    assert seen == ["/.well-known/openid-configuration"]  # kept, not fetched again


@sqlite
@pytest.mark.parametrize("token_auth", ["client_secret_basic", "client_secret_post"])
async def test_a_confidential_client_authenticates_as_its_profile_says(
    app: Starlette, server_credential: Credential, token_auth: str
) -> None:
    sdk = _sdk(app, server_credential, token_auth=token_auth)
    answer = await sdk.send("token_endpoint", {"grant_type": "client_credentials"})
    assert answer.status == 200, answer.body
    if token_auth == "client_secret_basic":
        assert answer.request.headers["Authorization"].startswith("Basic ")
        assert "client_secret" not in (answer.request.form or {})
    else:
        assert "Authorization" not in answer.request.headers
        assert (answer.request.form or {})["client_secret"] == server_credential.secret

    token = (await sdk.client_credentials(["openid"]))["access_token"]
    assert (await sdk.introspect(token, "access_token"))["active"] is True
    await sdk.revoke(token, "access_token")
    assert (await sdk.introspect(token, "access_token"))["active"] is False


@sqlite
async def test_send_answers_an_error_response_and_the_operations_raise_it(
    app: Starlette, server_credential: Credential
) -> None:
    wrong = _sdk(app, Credential(server_credential.client_id, "p8e-not-the-secret"))
    answer = await wrong.send("token_endpoint", {"grant_type": "client_credentials"})
    assert answer.status == 401
    assert answer.body["error"] == "invalid_client"
    with pytest.raises(InvalidClient) as refused:
        await wrong.client_credentials(["openid"])
    assert (refused.value.error, refused.value.status) == ("invalid_client", 401)

    with pytest.raises(OAuthServerError) as not_for_it:  # a robot has no refresh tokens
        await _sdk(app, server_credential).refresh("a-refresh-token")
    assert type(not_for_it.value) is OAuthServerError
    assert (not_for_it.value.error, not_for_it.value.status) == ("unauthorized_client", 400)
    assert not_for_it.value.description

    with free_socket() as closed:
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    nobody = AsyncOAuthClient(Profile(name="gone", issuer=url, client_id="x"))
    with pytest.raises(IssuerUnreachable, match=f"cannot reach {url}: "):
        await nobody.endpoints()
    await nobody.aclose()


@sqlite
async def test_the_jwks_is_fetched_again_once_for_a_key_it_has_not_seen(
    app: Starlette, server_credential: Credential, clock: FrozenClock
) -> None:
    seen: list[str] = []
    sdk = _sdk(app, server_credential, seen=seen)
    first = (await sdk.client_credentials(["openid"]))["access_token"]
    assert (await sdk.verify_jwt(first))["sub"] == server_credential.client_id
    await sdk.verify_jwt(first)
    assert seen.count("/ims/keys") == 1  # kept

    # The server rotates its keys; once the new ones sign, tokens name a kid the copy lacks.
    rotations = await app.state.cclibs.oauth.keys.rotate()
    clock.advance(max(r.signs_from for r in rotations) - clock.now() + timedelta(seconds=1))
    second = (await sdk.client_credentials(["openid"]))["access_token"]
    assert (await sdk.verify_jwt(second))["sub"] == server_credential.client_id
    assert seen.count("/ims/keys") == 2

    # A kid no set will ever hold: fetched once more, then refused.
    _, payload, signature = second.split(".")
    forged_header = _b64(json.dumps({"alg": "ES256", "kid": "no-such-key"}).encode())
    with pytest.raises(IdTokenError, match="signature does not verify"):
        await sdk.verify_jwt(f"{forged_header}.{payload}.{signature}")
    assert seen.count("/ims/keys") == 3


@sqlite
async def test_the_id_token_checks(
    app: Starlette,
    client: httpx.AsyncClient,
    web_credential: Credential,
    server_credential: Credential,
    clock: FrozenClock,
) -> None:
    tokens = await user_tokens(client, web_credential.client_id, secret=web_credential.secret)
    id_token = tokens["id_token"]
    sdk = _sdk(app, web_credential)
    now = clock.now().timestamp()
    claims = await sdk.verify_id_token(id_token, nonce=None, now=now)
    assert claims["aud"] == web_credential.client_id

    refusals: dict[str, Callable[[], Awaitable[object]]] = {
        "nonce does not match": lambda: sdk.verify_id_token(id_token, nonce="other", now=now),
        "has expired": lambda: sdk.verify_id_token(id_token, nonce=None, now=now + 2 * 86400),
        "issued in the future": lambda: sdk.verify_id_token(id_token, nonce=None, now=now - 3600),
        "another client": lambda: _sdk(app, server_credential).verify_id_token(
            id_token, nonce=None, now=now
        ),
        "signature does not verify": lambda: sdk.verify_id_token(
            id_token[:-8] + ("A" * 8 if not id_token.endswith("A" * 8) else "B" * 8),
            nonce=None,
            now=now,
        ),
    }
    for fragment, attempt in refusals.items():
        with pytest.raises(IdTokenError, match=fragment):
            await attempt()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _issuer_answering(document: dict[str, str], *, at: str) -> AsyncOAuthClient:
    """An SDK client of https://id.example, whose discovery document is at ``at``."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == at:
            return httpx.Response(200, json=document)
        return httpx.Response(404)

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    profile = Profile(name="remote", issuer="https://id.example", client_id="x")
    return AsyncOAuthClient(profile, http, metadata=IssuerMetadata(profile.issuer, max_age=300))


async def test_a_discovery_document_is_checked_before_it_is_used() -> None:
    base = {"issuer": "https://id.example", "token_endpoint": "https://id.example/token"}
    ims = _issuer_answering(base, at="/ims/.well-known/openid-configuration")
    assert (await ims.endpoints()).token_endpoint == "https://id.example/token"

    other = _issuer_answering({**base, "issuer": "https://evil.example"}, at=_WELL_KNOWN)
    with pytest.raises(ConfigurationError, match=r"names the issuer 'https://evil\.example'"):
        await other.endpoints()  # OIDC Discovery §4.3

    clear = {**base, "token_endpoint": "http://elsewhere.example/token"}
    with pytest.raises(ConfigurationError, match=r"token_endpoint .* plain http on another host"):
        await _issuer_answering(clear, at=_WELL_KNOWN).endpoints()

    script = {**base, "jwks_uri": "javascript:alert(1)"}
    with pytest.raises(ConfigurationError, match="no valid jwks_uri"):
        await _issuer_answering(script, at=_WELL_KNOWN).endpoints()


_WELL_KNOWN = "/.well-known/openid-configuration"
