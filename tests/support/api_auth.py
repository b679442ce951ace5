"""Callers of the Libraries API without the sign-in pages: accounts, credentials and tokens.

Everything comes from the server's own services, against the test's real database. A user's
token is issued the way a browser sign-in ends, minus the HTML: the account signs in
(``Accounts.sign_in``), the authorization endpoint validates and approves a code request (with
PKCE, consent remembered), and the token endpoint redeems the code with the client's secret.
So the token is a JWT signed with the server's keys and tied to a grant (``gid``): revoking
the token (RFC 7009) or its grant makes the bearer check fail, as in production.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from cclibs.accounts import Accounts, SignedIn, User
from cclibs.clock import FrozenClock
from cclibs.oauth.clients import ClientType
from cclibs.oauth.messages import OAuthRequest
from cclibs.oauth.registration import DEFAULT_REFRESH_TOKEN_TTL
from cclibs.oauth.scopes import parse_scopes
from cclibs.services import OAuthServices
from cclibs.web.authorize_routes import sid_of
from tests.http.oauth.conftest import Credential
from tests.support.oauth_flow import CALLBACK, Pkce

__all__ = [
    "API_SCOPE",
    "NO_LIBRARIES_SCOPE",
    "PASSWORD",
    "SERVER_SCOPE",
    "SHORT_TOKEN_TTL",
    "WEB_APP_SCOPES",
    "ApiCaller",
    "ApiCallers",
    "AuthServices",
    "new_server_caller",
    "new_user",
    "new_web_app",
    "revoke",
    "user_token",
]

WEB_APP_SCOPES = "openid,AdobeID,creative_sdk,profile,email,cc_files,cc_libraries,offline_access"
"""What the Web App credentials made here may be granted."""
API_SCOPE = "openid,creative_sdk,profile,email,cc_files,cc_libraries"
"""What a Libraries API client asks for by default (IMS's documented set)."""
NO_LIBRARIES_SCOPE = "openid,creative_sdk,profile,email,cc_files"
"""``API_SCOPE`` without ``cc_libraries``."""
SERVER_SCOPE = "openid,AdobeID,cc_files,cc_libraries"
"""A Server-to-Server credential's scopes (no ``offline_access``: no refresh tokens)."""
PASSWORD = "api caller password"
SHORT_TOKEN_TTL = 5 * 60
"""The shortest access-token lifetime a credential may have (``check_lifetimes``)."""
_ADDRESS = "203.0.113.7"  # the test client's address (tests/conftest.py)


class AuthServices(Protocol):
    """What the factories use: ``cclibs.services.Services`` or the app's ``state.cclibs``."""

    @property
    def accounts(self) -> Accounts: ...

    @property
    def oauth(self) -> OAuthServices: ...


@dataclass(frozen=True, slots=True)
class ApiCaller:
    """Who calls the API: a user through a credential (``user_id`` None for S2S)."""

    user_id: str | None
    client_id: str
    access_token: str = field(repr=False)
    client_secret: str | None = field(default=None, repr=False)
    scope: tuple[str, ...] = ()
    refresh_token: str | None = field(default=None, repr=False)
    """Given when the scope held offline_access and the credential gets refresh tokens."""

    @property
    def headers(self) -> dict[str, str]:
        """The headers of an API request: the bearer token, and the client_id as API key."""
        return {"Authorization": f"Bearer {self.access_token}", "x-api-key": self.client_id}


def _basic(client_id: str, secret: str | None) -> str:
    assert secret is not None, "a confidential credential is needed"
    pair = f"{client_id}:{secret}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


async def new_user(
    services: AuthServices,
    *,
    email: str | None = None,
    name: str = "Api Caller",
    verified: bool = True,
) -> User:
    """A new account (a unique email unless given) whose password is ``PASSWORD``; its address
    counts as verified unless ``verified`` is False."""
    email = email or f"caller-{secrets.token_hex(4)}@example.com"
    return await services.accounts.create_user(
        email=email, name=name, password=PASSWORD, email_verified=verified
    )


async def new_web_app(
    services: AuthServices,
    owner_id: str,
    *,
    name: str = "Libraries test app",
    access_token_ttl: int | None = None,
) -> Credential:
    """A Web App credential of ``owner_id`` with ``WEB_APP_SCOPES``, in production (anyone may
    authorize it); ``access_token_ttl`` in seconds changes its tokens' lifetime."""
    clients = services.oauth.clients
    created = await clients.create(
        owner_id=owner_id,
        client_type=ClientType.WEB,
        name=name,
        redirect_uris=[CALLBACK],
        scopes=WEB_APP_SCOPES.split(","),
    )
    client_id = created.client.client_id
    await clients.set_production(owner_id, client_id, True)
    if access_token_ttl is not None:
        await clients.update_tokens(
            owner_id,
            client_id,
            offline_access=True,
            access_token_ttl=access_token_ttl,
            refresh_token_ttl=DEFAULT_REFRESH_TOKEN_TTL,
        )
    return Credential(client_id, created.secret)


async def user_token(
    services: AuthServices,
    app: Credential,
    user: User,
    *,
    scope: str = API_SCOPE,
    password: str = PASSWORD,
) -> ApiCaller:
    """Sign ``user`` in, authorize ``app`` for ``scope`` and redeem the code."""
    signed = await services.accounts.sign_in(email=user.email, password=password, address=_ADDRESS)
    assert isinstance(signed, SignedIn), "the factory's users sign in with a password alone"
    authorize = services.oauth.authorize
    pkce = Pkce.new()
    request = await authorize.validate(
        {
            "client_id": app.client_id,
            "response_type": "code",
            "redirect_uri": CALLBACK,
            "scope": scope,
            "state": secrets.token_urlsafe(8),
            "code_challenge": pkce.challenge,
            "code_challenge_method": "S256",
        }
    )
    authorize.check_user_may_authorize(
        request, user.id, user.email, email_verified=user.email_verified
    )
    response = await authorize.approve(
        request,
        user_id=user.id,
        auth_time=signed.session.created_at,
        sid=sid_of(signed.session),
        remember=True,
    )
    tokens = await services.oauth.token.handle(
        OAuthRequest(
            {
                "grant_type": "authorization_code",
                "code": response.params["code"],
                "redirect_uri": CALLBACK,
                "code_verifier": pkce.verifier,
            },
            authorization=_basic(app.client_id, app.secret),
        )
    )
    return ApiCaller(
        user_id=user.id,
        client_id=app.client_id,
        access_token=str(tokens["access_token"]),
        client_secret=app.secret,
        scope=parse_scopes(str(tokens["scope"])),
        refresh_token=tokens.get("refresh_token"),
    )


async def new_server_caller(
    services: AuthServices, owner_id: str, *, scope: str = SERVER_SCOPE
) -> ApiCaller:
    """A new Server-to-Server credential of ``owner_id`` and its client_credentials token."""
    created = await services.oauth.clients.create(
        owner_id=owner_id,
        client_type=ClientType.SERVER,
        name="Libraries test service",
        scopes=parse_scopes(scope),
    )
    client_id, secret = created.client.client_id, created.secret
    tokens = await services.oauth.token.handle(
        OAuthRequest(
            {"grant_type": "client_credentials", "scope": scope},
            authorization=_basic(client_id, secret),
        )
    )
    return ApiCaller(
        user_id=None,
        client_id=client_id,
        access_token=str(tokens["access_token"]),
        client_secret=secret,
        scope=parse_scopes(str(tokens["scope"])),
    )


async def revoke(services: AuthServices, caller: ApiCaller) -> None:
    """Revoke the caller's access token as its client would (RFC 7009): its grant ends, or,
    for a client_credentials token, the token goes on the deny-list."""
    await services.oauth.revoke.handle(
        OAuthRequest(
            {"token": caller.access_token, "token_type_hint": "access_token"},
            authorization=_basic(caller.client_id, caller.client_secret),
        )
    )


class ApiCallers:
    """Callers of one test server. Users share one Web App of one developer account, as the
    users of a real application do; each call makes a new user (or credential)."""

    def __init__(self, services: AuthServices, clock: FrozenClock) -> None:
        self.services = services
        self.clock = clock
        self._developer: User | None = None
        self._app: Credential | None = None
        self._short_app: Credential | None = None

    async def developer(self) -> User:
        """The account that owns the credentials."""
        if self._developer is None:
            self._developer = await new_user(self.services, name="Dev Eloper")
        return self._developer

    async def web_app(self) -> Credential:
        """The Web App every user here goes through."""
        if self._app is None:
            self._app = await new_web_app(self.services, (await self.developer()).id)
        return self._app

    async def user(self, *, scope: str = API_SCOPE, email: str | None = None) -> ApiCaller:
        """A new user with a live token for ``scope`` (by default one that may use libraries)."""
        user = await new_user(self.services, email=email)
        return await user_token(self.services, await self.web_app(), user, scope=scope)

    async def token_for(self, caller: ApiCaller, *, scope: str = API_SCOPE) -> ApiCaller:
        """Another token (another grant) for the same user, through the shared Web App."""
        assert caller.user_id is not None, "a user's caller is needed"
        user = await self.services.accounts.get(caller.user_id)
        assert user is not None
        return await user_token(self.services, await self.web_app(), user, scope=scope)

    async def without_libraries(self) -> ApiCaller:
        """A new user whose token lacks ``cc_libraries``."""
        return await self.user(scope=NO_LIBRARIES_SCOPE)

    async def expired(self, *, scope: str = API_SCOPE) -> ApiCaller:
        """A new user whose token has expired: issued by a Web App whose tokens live
        ``SHORT_TOKEN_TTL``, then the test clock moves that long (and a second) forward.

        Tokens with the default lifetime (a day) stay valid; every clock-based expiry of the
        test moves by those five minutes too.
        """
        if self._short_app is None:
            self._short_app = await new_web_app(
                self.services,
                (await self.developer()).id,
                name="Short-lived test app",
                access_token_ttl=SHORT_TOKEN_TTL,
            )
        user = await new_user(self.services)
        caller = await user_token(self.services, self._short_app, user, scope=scope)
        self.clock.advance(timedelta(seconds=SHORT_TOKEN_TTL + 1))
        return caller

    async def revoked(self, *, scope: str = API_SCOPE) -> ApiCaller:
        """A new user whose token its client revoked (RFC 7009)."""
        caller = await self.user(scope=scope)
        await revoke(self.services, caller)
        return caller

    async def server(self, *, scope: str = SERVER_SCOPE) -> ApiCaller:
        """A new Server-to-Server credential's token: no user (its subject is the client)."""
        return await new_server_caller(self.services, (await self.developer()).id, scope=scope)
