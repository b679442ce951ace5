"""A live cclibs for the SDK, the CLI's login commands and the examples (SQLite only).

uvicorn on 127.0.0.1, its issuer its own URL, one user and four credentials made before it
starts (with ``build_services`` on a Database that is then disposed, as tests/interop does):
a Native App for ``cclibs login`` (loopback redirect ``http://127.0.0.1/callback``, any port),
a Server-to-Server credential, and a Web App whose redirect URI is on a socket reserved for
an example application. Refresh tokens have no reuse grace here, so a refresh token spent
twice revokes its family and a test of the SDK's single refresh can fail.

The user's part (sign in, allow or deny) is played over HTTP on the server's real pages by
``Browser``; tests that need Chromium drive the same pages with Playwright.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import anyio
import httpx
import pytest

from cclibs.accounts.passwords import PasswordHasher
from cclibs.config import Settings, load_settings
from cclibs.oauth.clients import ClientType
from cclibs.services import build_services
from cclibs.web.app import create_app
from tests.conftest import TEST_SECRET
from tests.support import databases
from tests.support.servers import free_socket, running

USER_NAME = "Grace Hopper"
USER_EMAIL = "grace@example.com"
USER_PASSWORD = "a long enough password"
NATIVE_REDIRECT_URI = "http://127.0.0.1/callback"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_INTERACTION = re.compile(r'name="interaction" value="([^"]+)"')


@dataclass(frozen=True)
class Live:
    url: str
    native_id: str
    server_id: str
    server_secret: str
    web_id: str
    web_secret: str
    app_socket: socket.socket
    """Reserved for an example app: the web credential's redirect URI is on its port."""

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.app_socket.getsockname()[1]}"


async def _seed(settings: Settings, hasher: PasswordHasher, app_url: str) -> dict[str, str]:
    services = build_services(settings, password_hasher=hasher)
    try:
        user = await services.accounts.create_user(
            email=USER_EMAIL, name=USER_NAME, password=USER_PASSWORD
        )
        clients = services.oauth.clients
        native = await clients.create(
            owner_id=user.id,
            client_type=ClientType.NATIVE,
            name="cclibs CLI",
            redirect_uris=[NATIVE_REDIRECT_URI],
        )
        server = await clients.create(
            owner_id=user.id, client_type=ClientType.SERVER, name="Batch job"
        )
        web = await clients.create(
            owner_id=user.id,
            client_type=ClientType.WEB,
            name="Example web app",
            redirect_uris=[f"{app_url}/callback"],
        )
    finally:
        await services.db.dispose()
    assert server.secret is not None and web.secret is not None
    return {
        "native_id": native.client.client_id,
        "server_id": server.client.client_id,
        "server_secret": server.secret,
        "web_id": web.client.client_id,
        "web_secret": web.secret,
    }


@pytest.fixture
def live(tmp_path: Path, sqlite_template: Path, password_hasher: PasswordHasher) -> Iterator[Live]:
    sock = free_socket()
    app_socket = free_socket()
    port = sock.getsockname()[1]
    settings = load_settings(
        data_dir=tmp_path / "server-data",
        database_url=databases.fresh_sqlite(sqlite_template, tmp_path),
        secret_key=TEST_SECRET,
        issuer=f"http://127.0.0.1:{port}",
        env="development",
        signup_enabled=False,
        refresh_reuse_grace_seconds=0,
    )
    app_url = f"http://127.0.0.1:{app_socket.getsockname()[1]}"
    seeded = anyio.run(_seed, settings, password_hasher, app_url)
    try:
        with running(create_app(settings, password_hasher=password_hasher), sock) as url:
            yield Live(url=url, app_socket=app_socket, **seeded)
    finally:
        app_socket.close()


class Browser:
    """A person at a browser, over HTTP: follows redirects, signs in, allows or denies."""

    def __init__(self, decision: str = "allow") -> None:
        self.decision = decision
        self.http = httpx.Client(timeout=10)

    def close(self) -> None:
        self.http.close()

    def _sign_in(self, response: httpx.Response) -> httpx.Response:
        location = urljoin(str(response.url), response.headers["location"])
        page = self.http.get(location)
        token = _CSRF.search(page.text)
        assert token, page.text[:300]
        next_path = dict(
            part.split("=", 1) for part in urlsplit(location).query.split("&") if "=" in part
        ).get("next", "")
        signed = self.http.post(
            urljoin(location, "/signin"),
            data={
                "csrf_token": token.group(1),
                "email": USER_EMAIL,
                "password": USER_PASSWORD,
                "next": httpx.QueryParams(f"next={next_path}")["next"],
            },
        )
        assert signed.status_code == 303, signed.text[:300]
        return self.http.get(urljoin(location, signed.headers["location"]))

    def authorize(self, url: str, stop_at: str) -> str:
        """Follow ``url`` until the server redirects to a URL starting with ``stop_at``."""
        response = self.http.get(url)
        for _ in range(8):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if location.startswith(stop_at):
                    return location
                if urlsplit(location).path == "/signin":
                    response = self._sign_in(response)
                else:
                    response = self.http.get(location)
            elif response.status_code == 200 and _INTERACTION.search(response.text):
                response = self._consent(response)
            else:
                pytest.fail(f"stopped at {response.url}: {response.status_code} {response.text}")
        pytest.fail("too many steps")

    def _consent(self, page: httpx.Response) -> httpx.Response:
        interaction = _INTERACTION.search(page.text)
        token = _CSRF.search(page.text)
        assert interaction and token
        return self.http.post(
            urljoin(str(page.url), "/ims/authorize/consent"),
            data={
                "csrf_token": token.group(1),
                "interaction": interaction.group(1),
                "decision": self.decision,
            },
        )

    def approve_device(self, issuer: str, user_code: str) -> httpx.Response:
        """Type the user code on the real /ims/device pages and decide."""
        page = self.http.get(f"{issuer}/ims/device?user_code={user_code}")
        if page.is_redirect:
            page = self._sign_in(page)
        assert page.status_code == 200, page.text[:300]
        token = _CSRF.search(page.text)
        assert token
        confirm = self.http.post(
            f"{issuer}/ims/device", data={"csrf_token": token.group(1), "user_code": user_code}
        )
        assert confirm.status_code == 200, confirm.text[:300]
        assert user_code in confirm.text
        token = _CSRF.search(confirm.text)
        assert token
        return self.http.post(
            f"{issuer}/ims/device/decision",
            data={"csrf_token": token.group(1), "user_code": user_code, "decision": self.decision},
        )

    def open_and_deliver(self, url: str) -> None:
        """A browser opener for the SDK: authorize, then load the loopback redirect."""
        redirect_uri = dict(httpx.URL(url).params)["redirect_uri"]
        target = self.authorize(url, redirect_uri)
        self.http.get(target)
