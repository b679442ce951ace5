"""Authorization server metadata (RFC 8414; OpenID Connect Discovery 1.0 §3).

The document is derived from what this server really implements (the grant table, the scope
registry), so it never advertises an endpoint or a grant that would then fail.
"""

from __future__ import annotations

from typing import Any

from cclibs.oauth.endpoints.token import GRANTS
from cclibs.oauth.scopes import SCOPES

__all__ = ["IMS_PATHS", "metadata"]

IMS_PATHS = {
    "token_endpoint": "/ims/token/v3",
    "jwks_uri": "/ims/keys",
}


def metadata(issuer: str, *, signing_algs: list[str]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "issuer": issuer,
        **{name: issuer + path for name, path in IMS_PATHS.items()},
        "scopes_supported": list(SCOPES),
        "grant_types_supported": sorted(GRANTS),
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "response_types_supported": [],
        "access_token_signing_alg_values_supported": signing_algs,
    }
    return document
