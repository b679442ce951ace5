"""Authorization server metadata (RFC 8414; OpenID Connect Discovery 1.0 §3).

The document is derived from what this server really implements (the grant table, the scope
registry), so it never advertises an endpoint or a grant that would then fail.
"""

from __future__ import annotations

from typing import Any

from cclibs.oauth.authn_context import ACR_VALUES
from cclibs.oauth.endpoints.token import GRANT_TYPES
from cclibs.oauth.first_party import CLI_CLIENT_ID, DISCOVERY_FIELD
from cclibs.oauth.issuance import ID_TOKEN_ALG
from cclibs.oauth.scopes import SCOPES

__all__ = ["IMS_PATHS", "metadata"]

IMS_PATHS = {
    "authorization_endpoint": "/ims/authorize/v2",
    "token_endpoint": "/ims/token/v3",
    "userinfo_endpoint": "/ims/userinfo/v2",
    "revocation_endpoint": "/ims/revoke",
    "introspection_endpoint": "/ims/introspect",
    "device_authorization_endpoint": "/ims/device/code",
    "end_session_endpoint": "/ims/logout",
    "jwks_uri": "/ims/keys",
}


def metadata(issuer: str, *, access_token_alg: str, allow_plain_pkce: bool) -> dict[str, Any]:
    document: dict[str, Any] = {
        "issuer": issuer,
        **{name: issuer + path for name, path in IMS_PATHS.items()},
        "scopes_supported": list(SCOPES),
        "grant_types_supported": list(GRANT_TYPES),
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "revocation_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "introspection_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
        ],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ID_TOKEN_ALG],
        "code_challenge_methods_supported": ["S256", "plain"] if allow_plain_pkce else ["S256"],
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_supported": [
            "sub",
            "name",
            "given_name",
            "family_name",
            "email",
            "email_verified",
            "account_type",
            "auth_time",
            "nonce",
            "sid",
            "at_hash",
            "amr",
            "acr",
        ],
        "acr_values_supported": list(ACR_VALUES),
        "authorization_response_iss_parameter_supported": True,
        "access_token_signing_alg_values_supported": [access_token_alg],
        # Where the cclibs command line finds its client id (oauth.first_party).
        DISCOVERY_FIELD: CLI_CLIENT_ID,
    }
    return document
