"""A server killed mid-burst keeps every write it acknowledged.

``cclibs serve`` runs as a real process on a SQLite data directory. Concurrent clients sign
up, change passwords, rotate refresh tokens, create libraries and upload files over HTTP, and
note each write the server acknowledged (2xx/303). The process group is then SIGKILLed in the
middle of the burst, and a new server on the same directory must still hold every one of those
writes; the database must pass ``PRAGMA integrity_check`` and ``foreign_key_check``.

What this proves, and what it does not: SQLite runs in WAL mode with ``synchronous=NORMAL``
(cclibs/storage/db.py). A commit then returns once its frames are in the WAL *file*, i.e. in
the operating system's page cache, which outlives the process: a killed server loses nothing
it acknowledged, which is what is tested here. The WAL is fsynced only at checkpoints, so a
power cut or a kernel crash may lose the last acknowledged commits (never corrupt the file);
``synchronous=FULL`` would close that at the price of an fsync per commit. Blobs are fsynced
before their row commits (storage/blobs.py), so such a loss leaves an unused blob, never a row
without its file. Only the process crash is tested: power loss needs a VM or a fault-injecting
filesystem.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import AsyncExitStack, closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import anyio
import httpx

from cclibs.accounts.passwords import PasswordHasher
from cclibs.clock import FrozenClock
from cclibs.config import Settings, load_settings
from cclibs.services import build_services
from cclibs.storage import migrate
from tests.conftest import TEST_SECRET
from tests.http.oauth.conftest import Credential
from tests.support.api_auth import PASSWORD, ApiCaller, ApiCallers, new_user, user_token
from tests.support.oauth_flow import refresh
from tests.support.pages import sign_in, sign_up, submit
from tests.support.servers import free_socket

CCLIBS = str(Path(sys.executable).parent / "cclibs")
KINDS = ("sign-ups", "password changes", "refreshes", "libraries", "uploads")
AT_LEAST = 2
"""Acknowledged writes of each kind before the kill."""
_ADDRESS = "203.0.113.7"


# The world before the server starts: users, a Web App, refresh tokens ------------------------


OFFLINE_SCOPE = "openid,offline_access,cc_libraries"


@dataclass
class Latest:
    """A value the server may hold: the one it last acknowledged, and one sent when it died
    (committed or not: the answer never came)."""

    acked: str
    pending: str | None = None

    def candidates(self) -> list[str]:
        return [self.acked] if self.pending is None else [self.acked, self.pending]


@dataclass
class World:
    callers: list[ApiCaller]
    """Users with a token for the Libraries API."""
    app: Credential
    refresh_tokens: list[Latest]
    passwords: dict[str, Latest]
    """email -> password."""
    signups: dict[str, str] = field(default_factory=dict)
    libraries: dict[str, ApiCaller] = field(default_factory=dict)
    """Each acknowledged library, and its owner."""
    files: dict[str, tuple[ApiCaller, str]] = field(default_factory=dict)
    """storage_href -> (its owner, the sha256 of its content), for each acknowledged upload."""
    acks: Counter[str] = field(default_factory=Counter)


async def _prepare(settings: Settings, hasher: PasswordHasher) -> World:
    services = build_services(settings, password_hasher=hasher)
    try:
        await services.oauth.keys.ensure_keys()
        callers = ApiCallers(services, FrozenClock())
        library_users = [await callers.user() for _ in range(2)]
        app = await callers.web_app()
        refresh_tokens = []
        for _ in range(3):
            user = await new_user(services)
            caller = await user_token(services, app, user, scope=OFFLINE_SCOPE)
            assert caller.refresh_token is not None
            refresh_tokens.append(Latest(caller.refresh_token))
        passwords = {(await new_user(services)).email: Latest(PASSWORD) for _ in range(2)}
        return World(library_users, app, refresh_tokens, passwords)
    finally:
        await services.db.dispose()


# The server process -----------------------------------------------------------------------


@contextmanager
def serving(
    data_dir: Path, issuer: str, log: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``cclibs serve`` in a process group of its own (its pid is the group's id), so that
    one SIGKILL takes it all; yields its URL and the process."""
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {
        **os.environ,
        "CCLIBS_SECRET_KEY": TEST_SECRET,
        "CCLIBS_ISSUER": issuer,  # what the tokens made above name; the port changes
        "CCLIBS_DATABASE_URL": "",
        "CCLIBS_SIGNUP_ENABLED": "true",
        # A refresh the server committed but died before answering rotates the token the
        # client holds: within the grace window that token still leads to the live one.
        "CCLIBS_REFRESH_REUSE_GRACE_SECONDS": "300",
        "CCLIBS_LOG_LEVEL": "WARNING",
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [CCLIBS, "serve", "--port", str(port), "--data-dir", str(data_dir)],
            env=env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, f"serve exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"serve did not start:\n{log.read_text()}"
            try:
                if httpx.get(f"{base}/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        yield base, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# The burst --------------------------------------------------------------------------------

Write = Callable[[int], Awaitable[None]]


async def _until_dead(write: Write) -> None:
    """Repeat ``write`` until the server stops answering."""
    number = 0
    while True:
        number += 1
        try:
            await write(number)
        except httpx.TransportError:  # refused, reset or cut off mid-answer: it is dead
            return


def _sign_ups(base: str, world: World, worker: int) -> Write:
    async def write(number: int) -> None:
        email = f"crash-{worker}-{number}-{secrets.token_hex(3)}@example.com"
        password = f"signed up {secrets.token_hex(6)}"
        async with httpx.AsyncClient(base_url=base, timeout=30) as browser:
            answer = await sign_up(browser, email=email, password=password, name="Crash")
        assert answer.status_code == 303, answer.text[:300]
        world.signups[email] = password
        world.acks["sign-ups"] += 1

    return write


def _password_changes(browser: httpx.AsyncClient, world: World, password: Latest) -> Write:
    async def write(number: int) -> None:
        new = f"changed {number} {secrets.token_hex(4)}"
        password.pending = new
        fields = {"current_password": password.acked, "new_password": new, "confirm_password": new}
        answer = await submit(browser, "/account", "/account/password", fields)
        assert answer.status_code == 303, answer.text[:300]
        password.acked, password.pending = new, None
        world.acks["password changes"] += 1

    return write


def _refreshes(http: httpx.AsyncClient, world: World, token: Latest) -> Write:
    async def write(number: int) -> None:
        token.pending = token.acked
        answer = await refresh(http, world.app.client_id, token.acked, secret=world.app.secret)
        assert answer.status_code == 200, answer.text
        token.acked, token.pending = answer.json()["refresh_token"], None
        world.acks["refreshes"] += 1

    return write


def _library_writes(http: httpx.AsyncClient, world: World, caller: ApiCaller) -> Write:
    async def write(number: int) -> None:
        made = await http.post(
            "/api/v1/libraries", headers=caller.headers, json={"name": f"Crash {number}"}
        )
        assert made.status_code == 201, made.text
        library = made.json()["id"]
        world.libraries[library] = caller
        world.acks["libraries"] += 1
        content = secrets.token_bytes(20_000)
        upload = await http.post(
            f"/api/v1/libraries/{library}/representations/content",
            headers=caller.headers,
            files={
                "Representation-Content": ("asset", content, "application/octet-stream"),
                "Representation-Data": (None, '{"type": "application/pdf"}'),
            },
        )
        assert upload.status_code == 200, upload.text
        # Absolute, on the issuer (whose port is only a name here): kept as a path.
        href = urlsplit(upload.json()["storage_href"])._replace(scheme="", netloc="").geturl()
        world.files[href] = (caller, hashlib.sha256(content).hexdigest())
        world.acks["uploads"] += 1

    return write


async def _burst(base: str, world: World, pid: int) -> None:
    """Every kind of write at once, from several clients, until SIGKILL cuts them off."""
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=30))
        # One client for each write that hashes a password: argon2 at the server's own cost
        # (~0.3 s) would otherwise take both cores of a small CI runner.
        writes = [_sign_ups(base, world, 0)]
        writes += [_refreshes(http, world, token) for token in world.refresh_tokens]
        writes += [_library_writes(http, world, caller) for caller in world.callers]
        for email, password in world.passwords.items():
            browser = await stack.enter_async_context(httpx.AsyncClient(base_url=base))
            assert (await sign_in(browser, email, password.acked)).status_code == 303
            writes.append(_password_changes(browser, world, password))
        async with anyio.create_task_group() as tasks:
            for write in writes:
                tasks.start_soon(_until_dead, write)
            with anyio.fail_after(15):
                while min(world.acks[kind] for kind in KINDS) < AT_LEAST:
                    await anyio.sleep(0.02)
            await anyio.sleep(0.2)  # the writes of every client are on their way again
            os.killpg(pid, signal.SIGKILL)


# After the restart ----------------------------------------------------------------------


async def _check_every_write(base: str, world: World) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        # Sign-ins hash at the server's cost: all at once, and each account tried once.
        signed_up = await _all(_signs_in(base, email, pw) for email, pw in world.signups.items())
        for email, works in zip(world.signups, signed_up, strict=True):
            assert works, f"the sign-up of {email} was lost"
        for email, latest in world.passwords.items():
            works = await _all(_signs_in(base, email, pw) for pw in latest.candidates())
            assert any(works), f"the password change of {email} was lost: {latest}"
        for token in world.refresh_tokens:
            answer = await refresh(http, world.app.client_id, token.acked, secret=world.app.secret)
            assert answer.status_code == 200, f"a refresh token was lost: {answer.text}"
        for library, caller in world.libraries.items():
            answer = await http.get(f"/api/v1/libraries/{library}", headers=caller.headers)
            assert answer.status_code == 200, f"library {library} was lost: {answer.text}"
        for href, (caller, digest) in world.files.items():
            answer = await http.get(href, headers=caller.headers)
            assert answer.status_code == 200, f"upload {href} was lost: {answer.text}"
            assert hashlib.sha256(answer.content).hexdigest() == digest


async def _all(checks: Iterable[Awaitable[bool]]) -> list[bool]:
    return list(await asyncio.gather(*checks))


async def _signs_in(base: str, email: str, password: str) -> bool:
    async with httpx.AsyncClient(base_url=base, timeout=30) as browser:
        answer = await sign_in(browser, email, password)
    return answer.status_code == 303


def _assert_intact(database: Path) -> None:
    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_every_acknowledged_write_survives_a_kill(
    tmp_path: Path, password_hasher: PasswordHasher
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    log = tmp_path / "serve.log"
    placeholder = free_socket()  # the issuer's port: only a name once the tokens are made
    issuer = f"http://127.0.0.1:{placeholder.getsockname()[1]}"
    placeholder.close()
    settings = load_settings(data_dir=data, secret_key=TEST_SECRET, issuer=issuer)
    migrate.prepare(settings.effective_database_url)
    world = anyio.run(_prepare, settings, password_hasher)

    with serving(data, issuer, log) as (base, process):
        anyio.run(_burst, base, world, process.pid)
        assert process.wait(10) == -signal.SIGKILL

    _assert_intact(data / "cclibs.sqlite3")  # as the kill left it (the WAL replayed on open)
    with serving(data, issuer, log) as (base, _):
        anyio.run(_check_every_write, base, world)
    _assert_intact(data / "cclibs.sqlite3")
