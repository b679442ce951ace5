"""Putting the playground together for one app: its sessions, flows, providers and proxy."""

from __future__ import annotations

from dataclasses import dataclass
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from urllib.parse import urlsplit

import httpx
from starlette.types import ASGIApp

from cclibs.clock import Clock
from cclibs.config import Settings
from cclibs.playground.flows import Playground
from cclibs.playground.provider import ProviderDirectory
from cclibs.playground.proxy import ApiProxy
from cclibs.playground.sessions import PlaygroundSessions

__all__ = ["PlaygroundServices", "build_playground"]


class _NoCookieJar(CookieJar):
    """A jar that keeps nothing: the client is shared by every browser, so a cookie it kept
    (a session from "Try the API" POST /signin) would be sent on every other user's calls."""

    def __init__(self) -> None:
        super().__init__(policy=DefaultCookiePolicy(allowed_domains=[]))

    def set_cookie(self, cookie: Cookie) -> None:
        """Dropped, whether it comes from a Set-Cookie header or is set directly."""


@dataclass(frozen=True, slots=True)
class PlaygroundServices:
    sessions: PlaygroundSessions
    flows: Playground
    providers: ProviderDirectory
    proxy: ApiProxy
    http: httpx.AsyncClient
    clock: Clock


def build_playground(
    settings: Settings, sessions: PlaygroundSessions, clock: Clock, app: ASGIApp
) -> PlaygroundServices:
    """The playground of ``app``: requests to its own origin are served in-process."""
    own = urlsplit(settings.issuer)
    own_origin = f"{own.scheme}://{own.netloc}"
    http = httpx.AsyncClient(
        mounts={own_origin: httpx.ASGITransport(app=app, client=("127.0.0.1", 0))},
        follow_redirects=False,
        cookies=_NoCookieJar(),
        headers={"User-Agent": "cclibs-playground"},
    )
    providers = ProviderDirectory(settings.issuer, settings.playground_issuers, http, clock)
    return PlaygroundServices(
        sessions=sessions,
        flows=Playground(providers, settings.issuer + "/playground/callback", clock),
        providers=providers,
        proxy=ApiProxy((own_origin, *settings.playground_api_origins), http),
        http=http,
        clock=clock,
    )
