"""Discovery metadata and the JWKS."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio

PATHS = [
    "/ims/.well-known/openid-configuration",
    "/.well-known/openid-configuration",
    "/.well-known/oauth-authorization-server",
]


@pytest.mark.parametrize("path", PATHS)
async def test_metadata_names_this_issuer_and_its_endpoints(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path, headers={"origin": "https://spa.example.com"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    document = response.json()
    assert document["issuer"] == "http://testserver"
    assert document["token_endpoint"] == "http://testserver/ims/token/v3"
    assert document["jwks_uri"] == "http://testserver/ims/keys"
    assert document["scopes_supported"] == [
        "openid",
        "AdobeID",
        "creative_sdk",
        "profile",
        "email",
        "address",
        "offline_access",
        "cc_files",
        "cc_libraries",
    ]
    assert "client_credentials" in document["grant_types_supported"]
    assert {"client_secret_basic", "client_secret_post"} <= set(
        document["token_endpoint_auth_methods_supported"]
    )


async def test_all_discovery_paths_serve_one_document(client: httpx.AsyncClient) -> None:
    documents = [(await client.get(path)).json() for path in PATHS]
    assert documents[0] == documents[1] == documents[2]


async def test_metadata_advertises_only_implemented_grants(client: httpx.AsyncClient) -> None:
    document = (await client.get(PATHS[0])).json()
    for grant in document["grant_types_supported"]:
        response = await client.post("/ims/token/v3", data={"grant_type": grant})
        assert response.json()["error"] != "unsupported_grant_type", grant


async def test_jwks_publishes_public_keys_only(client: httpx.AsyncClient) -> None:
    response = await client.get("/ims/keys")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    keys = response.json()["keys"]
    assert {key["alg"] for key in keys} == {"ES256", "RS256"}
    for key in keys:
        assert key["use"] == "sig"
        assert key["kid"]
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
