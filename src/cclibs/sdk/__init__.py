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

from cclibs.sdk.api import AsyncClient, Client
from cclibs.sdk.async_client import AsyncOAuthClient
from cclibs.sdk.auth import ApiAuth
from cclibs.sdk.browser_flow import AuthorizationRequest, browser_login, finish_authorization
from cclibs.sdk.cache import TokenCache
from cclibs.sdk.conversation import IssuerMetadata, OAuthExchange
from cclibs.sdk.device_flow import DevicePrompt, device_login
from cclibs.sdk.endpoints import Endpoints
from cclibs.sdk.errors import (
    AccessDenied,
    ApiError,
    ApiUnreachable,
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
from cclibs.sdk.oauth_client import OAuthClient, discover
from cclibs.sdk.pkce import Pkce, s256
from cclibs.sdk.profiles import ADOBE, LOCAL, PRESETS, Profile, ProfileStore, config_dir
from cclibs.sdk.source import TokenSource
from cclibs.sdk.tokens import Tokens, unverified_claims

__all__ = [
    "ADOBE",
    "LOCAL",
    "PRESETS",
    "AccessDenied",
    "ApiAuth",
    "ApiError",
    "ApiUnreachable",
    "AsyncClient",
    "AsyncOAuthClient",
    "AuthorizationRequest",
    "AuthorizationResponseError",
    "Client",
    "ConfigurationError",
    "DevicePrompt",
    "Endpoints",
    "IdTokenError",
    "InvalidClient",
    "IssuerMetadata",
    "IssuerUnreachable",
    "LoginRequired",
    "LoopbackListener",
    "OAuthClient",
    "OAuthExchange",
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
    "s256",
    "unverified_claims",
    "verify_id_token",
]
