"""Authlib against the live server: its OAuth 2.0 client, its OIDC claim checks, its RFC 9068
resource-server validator and its metadata validators.

The client is ``AsyncOAuth2Client`` (Authlib's httpx integration), set up from discovery as an
application would set it up. Authlib's httpx client does not check ID tokens itself; they are
checked here as Authlib's own OpenID mixin does (joserfc against the JWKS, then
``CodeIDToken``: iss, aud, azp, exp, iat, nonce, at_hash).
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.interop.conftest import (
    HTTP_TIMEOUT,
    USER_EMAIL,
    Credential,
    LiveIssuer,
    authorize_as_user,
)

with warnings.catch_warnings():
    # Authlib 1.9 prefers the httpx2 package and warns once, on import, when it falls back to
    # httpx, the client this project uses; that fallback is what is tested here. (Importing
    # authlib.deprecate installs an "always" filter, so the "ignore" must come after it.)
    from authlib.deprecate import AuthlibDeprecationWarning

    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.common.security import generate_token
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError
    from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
    from authlib.oauth2.rfc9207 import AuthorizationServerMetadata as IssParameterMetadata
    from authlib.oidc.core import CodeIDToken
    from authlib.oidc.discovery import OpenIDProviderMetadata, get_well_known_url

pytestmark = pytest.mark.anyio

SCOPE = "openid AdobeID profile email offline_access"


async def discover(issuer: LiveIssuer, path: str | None = None) -> dict[str, Any]:
    url = issuer.endpoint(path) if path else get_well_known_url(issuer.url, external=True)
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
        response = await http.get(url)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


async def fetch_jwks(metadata: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
        jwks: dict[str, Any] = (await http.get(metadata["jwks_uri"])).json()
    return jwks


@dataclass
class SignedIn:
    """A Web App client holding the tokens of one authorization code flow."""

    client: AsyncOAuth2Client
    metadata: dict[str, Any]
    token: dict[str, Any]
    nonce: str
    authorization_url: str
    callback: str


@pytest.fixture
async def signed_in(live_issuer: LiveIssuer) -> AsyncIterator[SignedIn]:
    """The authorization code flow with PKCE S256 and a nonce, done with Authlib."""
    web: Credential = live_issuer.web
    metadata = await discover(live_issuer)
    async with AsyncOAuth2Client(
        client_id=web.client_id,
        client_secret=web.secret,
        scope=SCOPE,
        redirect_uri=web.redirect_uri,
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT,
    ) as client:
        verifier = generate_token(48)
        nonce = generate_token(20)
        url, state = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
        assert web.redirect_uri is not None
        callback = await authorize_as_user(live_issuer, url, web.redirect_uri)
        token = await client.fetch_token(
            metadata["token_endpoint"],
            authorization_response=callback,
            state=state,
            code_verifier=verifier,
        )
        yield SignedIn(client, metadata, dict(token), nonce, url, callback)


async def check_id_token(signed_in: SignedIn) -> CodeIDToken:
    keys = KeySet.import_key_set(await fetch_jwks(signed_in.metadata))
    decoded = jwt.decode(
        signed_in.token["id_token"],
        keys,
        algorithms=signed_in.metadata["id_token_signing_alg_values_supported"],
    )
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {"iss": {"values": [signed_in.metadata["issuer"]]}},
        {
            "nonce": signed_in.nonce,
            "client_id": signed_in.client.client_id,
            "access_token": signed_in.token["access_token"],
        },
    )
    claims.validate(leeway=60)
    return claims


class LibrariesApiValidator(JWTBearerTokenValidator):
    """Authlib as the Libraries API's resource server would use it (RFC 9068 §4)."""

    def __init__(self, issuer: str, audience: str, jwks: dict[str, Any]) -> None:
        super().__init__(issuer, audience)
        self._keys = KeySet.import_key_set(jwks)

    def get_jwks(self) -> KeySet:
        return self._keys

    def claims_of(self, access_token: str, scopes: list[str]) -> dict[str, Any]:
        claims = self.authenticate_token(access_token)
        self.validate_token(claims, scopes, request=None)
        return dict(claims)


async def api_validator(issuer: LiveIssuer, metadata: dict[str, Any]) -> LibrariesApiValidator:
    return LibrariesApiValidator(
        metadata["issuer"], issuer.api_audience, await fetch_jwks(metadata)
    )


# Discovery ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [None, "/ims/.well-known/openid-configuration"], ids=["oidc", "ims"]
)
async def test_discovery_passes_authlib_metadata_validation(
    live_issuer: LiveIssuer, path: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Authlib insists on https issuers unless told that this is a test on loopback.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    document = await discover(live_issuer, path)
    metadata = OpenIDProviderMetadata(document)
    metadata.validate(metadata_classes=[IssParameterMetadata])
    assert metadata["issuer"] == live_issuer.url
    assert "S256" in metadata["code_challenge_methods_supported"]


# Authorization code + PKCE ----------------------------------------------------------------


async def test_authorization_code_with_pkce_gets_a_valid_id_token_and_userinfo(
    live_issuer: LiveIssuer, signed_in: SignedIn
) -> None:
    sent = parse_qs(urlsplit(signed_in.authorization_url).query)
    assert sent["code_challenge_method"] == ["S256"]
    assert sent["code_challenge"]  # the server bound the code to it: fetch_token sent the verifier
    callback = parse_qs(urlsplit(signed_in.callback).query)
    assert callback["iss"] == [live_issuer.url]  # RFC 9207; Authlib's client does not check it

    token = signed_in.token
    assert token["token_type"] == "bearer"
    assert token["scope"] == SCOPE
    assert token["refresh_token"]

    claims = await check_id_token(signed_in)
    assert claims["sub"] == live_issuer.user_id
    assert claims["aud"] == live_issuer.web.client_id

    access = (await api_validator(live_issuer, signed_in.metadata)).claims_of(
        token["access_token"], ["openid"]
    )
    assert access["sub"] == live_issuer.user_id
    assert access["client_id"] == live_issuer.web.client_id

    response = await signed_in.client.get(signed_in.metadata["userinfo_endpoint"])
    assert response.status_code == 200, response.text
    assert response.json()["sub"] == live_issuer.user_id
    assert response.json()["email"] == USER_EMAIL


async def test_refresh_rotates_and_a_replayed_refresh_token_revokes_the_family(
    signed_in: SignedIn,
) -> None:
    client, endpoint = signed_in.client, signed_in.metadata["token_endpoint"]
    first = signed_in.token["refresh_token"]

    refreshed = await client.refresh_token(endpoint)
    assert refreshed["refresh_token"] != first
    assert refreshed["access_token"] != signed_in.token["access_token"]
    assert "id_token" not in refreshed

    # RFC 9700 §4.14.2: the rotated token used again revokes the whole family.
    with pytest.raises(OAuthError) as replayed:
        await client.refresh_token(endpoint, refresh_token=first)
    assert replayed.value.error == "invalid_grant"
    with pytest.raises(OAuthError) as successor:
        await client.refresh_token(endpoint, refresh_token=refreshed["refresh_token"])
    assert successor.value.error == "invalid_grant"


async def test_revoke_token_ends_the_grant(signed_in: SignedIn) -> None:
    client, metadata = signed_in.client, signed_in.metadata
    revoked = await client.revoke_token(
        metadata["revocation_endpoint"],
        token=signed_in.token["refresh_token"],
        token_type_hint="refresh_token",
    )
    assert revoked.status_code == 200, revoked.text

    with pytest.raises(OAuthError) as refused:
        await client.refresh_token(metadata["token_endpoint"])
    assert refused.value.error == "invalid_grant"
    # RFC 7009 §2.1: the access tokens of the grant go too.
    response = await client.get(metadata["userinfo_endpoint"])
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]

    # Revoking again, or an unknown token, is still 200 (RFC 7009 §2.2).
    again = await client.revoke_token(
        metadata["revocation_endpoint"], token=signed_in.token["refresh_token"]
    )
    assert again.status_code == 200, again.text


# client_credentials --------------------------------------------------------------------------


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
async def test_client_credentials_with_a_server_to_server_credential(
    live_issuer: LiveIssuer, auth_method: str
) -> None:
    metadata = await discover(live_issuer)
    assert auth_method in metadata["token_endpoint_auth_methods_supported"]
    server = live_issuer.server
    async with AsyncOAuth2Client(
        client_id=server.client_id,
        client_secret=server.secret,
        token_endpoint_auth_method=auth_method,
        scope="openid AdobeID cc_libraries",
        timeout=HTTP_TIMEOUT,
    ) as client:
        token = await client.fetch_token(
            metadata["token_endpoint"], grant_type="client_credentials"
        )
    assert token["token_type"] == "bearer"
    assert token["scope"] == "openid AdobeID cc_libraries"
    assert "refresh_token" not in token
    assert "id_token" not in token

    access = (await api_validator(live_issuer, metadata)).claims_of(
        token["access_token"], ["cc_libraries"]
    )
    assert access["sub"] == access["client_id"] == server.client_id
    assert access["aud"] == live_issuer.api_audience


async def test_client_credentials_with_a_wrong_secret_is_invalid_client(
    live_issuer: LiveIssuer,
) -> None:
    metadata = await discover(live_issuer)
    async with AsyncOAuth2Client(
        client_id=live_issuer.server.client_id,
        client_secret="p8e-not-the-secret",
        timeout=HTTP_TIMEOUT,
    ) as client:
        with pytest.raises(OAuthError) as refused:
            await client.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
    assert refused.value.error == "invalid_client"
