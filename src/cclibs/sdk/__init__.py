"""The cclibs SDK: tokens for the Libraries API, from cclibs or from Adobe IMS.

Importing it loads no server code (no Starlette, SQLAlchemy, uvicorn, Jinja2, argon2 or
Alembic); it needs httpx, joserfc and platformdirs.

    from cclibs.sdk import ProfileStore, TokenSource
    source = TokenSource(ProfileStore().load("local"))
    source.login_browser()                      # once; the tokens are cached
    with httpx.Client(auth=source.auth()) as http:
        http.get(source.profile.api_url + "/api/v1/libraries")
"""

from __future__ import annotations

from cclibs.sdk.auth import ApiAuth
from cclibs.sdk.browser_flow import AuthorizationRequest, browser_login, finish_authorization
from cclibs.sdk.cache import TokenCache
from cclibs.sdk.device_flow import DevicePrompt, device_login
from cclibs.sdk.endpoints import Endpoints, discover
from cclibs.sdk.errors import (
    AccessDenied,
    AuthorizationResponseError,
    ConfigurationError,
    IdTokenError,
    InvalidClient,
    IssuerUnreachable,
    LoginRequired,
    OAuthServerError,
    SdkError,
)
from cclibs.sdk.idtoken import verify_id_token
from cclibs.sdk.loopback import LoopbackListener
from cclibs.sdk.oauth_client import OAuthClient
from cclibs.sdk.pkce import Pkce
from cclibs.sdk.profiles import ADOBE, LOCAL, PRESETS, Profile, ProfileStore, config_dir
from cclibs.sdk.source import TokenSource
from cclibs.sdk.tokens import Tokens, unverified_claims

__all__ = [
    "ADOBE",
    "LOCAL",
    "PRESETS",
    "AccessDenied",
    "ApiAuth",
    "AuthorizationRequest",
    "AuthorizationResponseError",
    "ConfigurationError",
    "DevicePrompt",
    "Endpoints",
    "IdTokenError",
    "InvalidClient",
    "IssuerUnreachable",
    "LoginRequired",
    "LoopbackListener",
    "OAuthClient",
    "OAuthServerError",
    "Pkce",
    "Profile",
    "ProfileStore",
    "SdkError",
    "TokenCache",
    "TokenSource",
    "Tokens",
    "browser_login",
    "config_dir",
    "device_login",
    "discover",
    "finish_authorization",
    "unverified_claims",
    "verify_id_token",
]
