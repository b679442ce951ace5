"""A live cclibs server for OAuth clients written by others: Authlib, openid-client, oauth4webapi.

The server is uvicorn on 127.0.0.1 whose issuer is its own URL, on SQLite and on PostgreSQL
(every test takes ``database_url`` through ``live_issuer``). Its account and credentials are
made before it starts, with the services the app and the CLI build (``build_services``) on a
Database of their own that is then disposed, so the server's engine lives only in its own
thread's loop.

Each client plays its part as an application would: it builds the authorization URL, a
"browser" (httpx with cookies) signs in and allows access on the server's own pages, and the
client gets the callback URL back. The Node clients run as ``node`` subprocesses that speak
JSON lines on stdin/stdout (``stdio.mjs``); every wait on them is bounded.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import anyio
import httpx
import pytest
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream

from cclibs.accounts.passwords import PasswordHasher
from cclibs.config import Settings, load_settings
from cclibs.oauth.clients import ClientType
from cclibs.services import build_services
from cclibs.web.app import create_app
from tests.conftest import TEST_SECRET
from tests.support.oauth_flow import consent, follow_sign_in
from tests.support.servers import free_socket, running

INTEROP_DIR = Path(__file__).resolve().parent
NODE_PACKAGES = ("openid-client", "oauth4webapi")
NODE_STEP_TIMEOUT = 20.0
"""Seconds a Node script may take to answer one message (discovery, a whole token exchange)."""
NODE_EXIT_TIMEOUT = 5.0
HTTP_TIMEOUT = 10.0
MAX_BROWSER_STEPS = 8
MAX_LINE = 1024 * 1024

USER_NAME = "Ada Interop"
USER_EMAIL = "ada.interop@example.com"
USER_PASSWORD = "interop correct horse"
WEB_REDIRECT_URI = "https://app.example.test/cb"
NATIVE_REDIRECT_URI = "http://127.0.0.1/cb"
"""Registered without a port: a native app may come back on any loopback port (RFC 8252 §7.3)."""
NATIVE_CALLBACK = "http://127.0.0.1:53682/cb"


@dataclass(frozen=True)
class Credential:
    client_id: str
    secret: str | None
    redirect_uri: str | None


@dataclass(frozen=True)
class LiveIssuer:
    """A running server, the one user who may sign in, and that user's three credentials."""

    url: str
    user_id: str
    web: Credential
    native: Credential
    server: Credential

    def endpoint(self, path: str) -> str:
        return self.url + path

    @property
    def api_audience(self) -> str:
        return f"{self.url}/api"


@dataclass(frozen=True)
class _Seed:
    user_id: str
    web: Credential
    native: Credential
    server: Credential


@pytest.fixture
def listening_socket() -> Iterator[socket.socket]:
    sock = free_socket()
    yield sock
    sock.close()


@pytest.fixture
def interop_settings(
    database_url: str, tmp_path: Path, listening_socket: socket.socket
) -> Settings:
    port = listening_socket.getsockname()[1]
    return load_settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=TEST_SECRET,
        issuer=f"http://127.0.0.1:{port}",
        env="development",
        signup_enabled=False,
        # A replayed refresh token is caught at once, as a client sees it once the grace
        # window for concurrent refreshes has passed (RFC 9700 §4.14.2).
        refresh_reuse_grace_seconds=0,
    )


@pytest.fixture
async def _seed(interop_settings: Settings, password_hasher: PasswordHasher) -> _Seed:
    services = build_services(interop_settings, password_hasher=password_hasher)
    try:
        user = await services.accounts.create_user(
            email=USER_EMAIL, name=USER_NAME, password=USER_PASSWORD
        )
        clients = services.oauth.clients
        web = await clients.create(
            owner_id=user.id,
            client_type=ClientType.WEB,
            name="Interop web app",
            redirect_uris=[WEB_REDIRECT_URI],
        )
        native = await clients.create(
            owner_id=user.id,
            client_type=ClientType.NATIVE,
            name="Interop native app",
            redirect_uris=[NATIVE_REDIRECT_URI],
        )
        server = await clients.create(
            owner_id=user.id, client_type=ClientType.SERVER, name="Interop server-to-server"
        )
    finally:
        await services.db.dispose()
    return _Seed(
        user_id=user.id,
        web=Credential(web.client.client_id, web.secret, WEB_REDIRECT_URI),
        native=Credential(native.client.client_id, native.secret, NATIVE_REDIRECT_URI),
        server=Credential(server.client.client_id, server.secret, None),
    )


@pytest.fixture
def live_issuer(
    _seed: _Seed,
    interop_settings: Settings,
    password_hasher: PasswordHasher,
    listening_socket: socket.socket,
) -> Iterator[LiveIssuer]:
    app = create_app(interop_settings, password_hasher=password_hasher)
    with running(app, listening_socket) as base_url:
        assert base_url == interop_settings.issuer
        yield LiveIssuer(
            url=base_url,
            user_id=_seed.user_id,
            web=_seed.web,
            native=_seed.native,
            server=_seed.server,
        )


# The user's part: sign in and allow, on the server's pages -------------------------------


def _without_query(url: str) -> str:
    return urlsplit(url)._replace(query="", fragment="").geturl()


async def authorize_as_user(issuer: LiveIssuer, authorization_url: str, redirect_uri: str) -> str:
    """Follow the server from ``authorization_url`` as the user's browser would, signing in
    and allowing access when asked, until it redirects to ``redirect_uri``; return that URL."""
    async with httpx.AsyncClient(base_url=issuer.url, timeout=HTTP_TIMEOUT) as browser:
        response = await browser.get(authorization_url)
        for _ in range(MAX_BROWSER_STEPS):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if _without_query(location) == redirect_uri:
                    return location
                if urlsplit(location).path == "/signin":
                    response = await follow_sign_in(browser, response, USER_EMAIL, USER_PASSWORD)
                else:
                    response = await browser.get(location)
            elif response.status_code == 200 and 'name="interaction"' in response.text:
                response = await consent(browser, response)
            else:
                pytest.fail(
                    f"the authorization flow stopped at {response.url} with "
                    f"{response.status_code}: {response.text[:500]}"
                )
        pytest.fail(f"no redirect to {redirect_uri} after {MAX_BROWSER_STEPS} steps")


# Node clients ------------------------------------------------------------------------------


def node_executable() -> str:
    """``node``, with the packages of package-lock.json installed; a clear failure otherwise."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node is not on PATH: the interop tests need Node.js 20 or later.", pytrace=False
        )
    missing = [
        name
        for name in NODE_PACKAGES
        if not (INTEROP_DIR / "node_modules" / name / "package.json").is_file()
    ]
    if missing:
        pytest.fail(
            f"tests/interop/node_modules lacks {', '.join(missing)}: run ./scripts/install "
            "--test (it runs npm ci --prefix tests/interop).",
            pytrace=False,
        )
    return node


class NodeScript:
    """One running client script: ``send`` a message, ``receive`` its answer."""

    def __init__(self, name: str, process: Process, stderr: Path) -> None:
        self.name = name
        self._process = process
        self._stderr = stderr
        assert process.stdout is not None
        self._stdout = BufferedByteReceiveStream(process.stdout)

    async def send(self, message: dict[str, Any]) -> None:
        assert self._process.stdin is not None
        with anyio.fail_after(NODE_STEP_TIMEOUT):
            await self._process.stdin.send((json.dumps(message) + "\n").encode())

    async def receive(self) -> dict[str, Any]:
        """The script's next message; fails the test on its error, its exit or its silence."""
        try:
            with anyio.fail_after(NODE_STEP_TIMEOUT):
                line = await self._stdout.receive_until(b"\n", MAX_LINE)
        except TimeoutError:
            pytest.fail(f"{self.name} answered nothing in {NODE_STEP_TIMEOUT} s{self._log()}")
        except (anyio.IncompleteRead, anyio.EndOfStream):
            with anyio.move_on_after(NODE_EXIT_TIMEOUT):
                await self._process.wait()
            pytest.fail(
                f"{self.name} exited ({self._process.returncode}) without answering{self._log()}"
            )
        message: dict[str, Any] = json.loads(line)
        if "error" in message:
            pytest.fail(
                f"{self.name} failed:\n{json.dumps(message['error'], indent=2)}{self._log()}",
                pytrace=False,
            )
        return message

    async def close(self) -> None:
        """Close stdin (the script ends after its result) and wait; kill it if it hangs."""
        if self._process.stdin is not None:
            await self._process.stdin.aclose()
        with anyio.move_on_after(NODE_EXIT_TIMEOUT):
            await self._process.wait()
        if self._process.returncode is None:
            self._process.kill()
            await self._process.wait()

    def _log(self) -> str:
        text = self._stderr.read_text(errors="replace").strip()
        return f"\n--- stderr of {self.name} ---\n{text[-4000:]}" if text else ""


NodeScriptFactory = Callable[[str], AbstractAsyncContextManager[NodeScript]]


@pytest.fixture
def node_script(tmp_path: Path) -> NodeScriptFactory:
    """Start ``tests/interop/<name>`` with node; it is ended when the block ends."""
    node = node_executable()

    @asynccontextmanager
    async def start(name: str) -> AsyncIterator[NodeScript]:
        stderr = tmp_path / f"{name}.stderr"
        with stderr.open("wb") as sink:
            process = await anyio.open_process(
                [node, str(INTEROP_DIR / name)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=sink,
                cwd=INTEROP_DIR,
            )
            script = NodeScript(name, process, stderr)
            try:
                yield script
            finally:
                with anyio.CancelScope(shield=True):
                    await script.close()

    return start
