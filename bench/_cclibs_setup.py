"""What the cclibs benchmarks share to set cclibs up: a data directory or PostgreSQL database,
an account and credentials made through the real CLI, and a user who signs in through the
real pages and authorizes a Web App (authorization code with PKCE).

Every command runs the code clean_env() names (the work tree, or an export by --rev).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

import httpx
from _harness import HOST, ServerProcess, clean_env, free_port, venv_bin

from cclibs.sdk.pkce import s256

__all__ = [
    "CALLBACK",
    "FORM",
    "TOKEN_PATH",
    "USER_SCOPE",
    "Backend",
    "Browser",
    "basic_auth",
    "cclibs_cli",
    "checked_server",
    "count_error_lines",
    "csrf_token",
    "drop",
    "prepare",
    "psql",
    "sqlite_path",
]

TOKEN_PATH = "/ims/token/v3"  # noqa: S105 - a path, not a password
CALLBACK = "https://app.example.com/callback"
USER_SCOPE = "openid,AdobeID,offline_access"  # offline_access: the code brings a refresh token
FORM = "application/x-www-form-urlencoded"
PG_ADMIN = ("psql", "-h", HOST, "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-X", "-q")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_INTERACTION = re.compile(r'name="interaction" value="([^"]+)"')


@dataclass
class Backend:
    """One cclibs installation: SQLite in ``data_dir``, or the PostgreSQL ``database``."""

    name: str  # sqlite | postgresql
    data_dir: Path
    secret: str
    database: str | None = None  # PostgreSQL database name
    s2s: dict[str, Any] = field(default_factory=dict)  # `cclibs clients create --json`
    web: dict[str, Any] = field(default_factory=dict)
    email: str = "bench@example.com"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))

    def env(self, port: int | None = None) -> dict[str, str]:
        env = clean_env(
            CCLIBS_ENV="production",
            CCLIBS_DATA_DIR=str(self.data_dir),
            CCLIBS_SECRET_KEY=self.secret,
        )
        if port is not None:
            env["CCLIBS_ISSUER"] = f"http://{HOST}:{port}"
        if self.database:
            env["CCLIBS_DATABASE_URL"] = f"postgresql://postgres@{HOST}:5432/{self.database}"
        return env


def sqlite_path(backend: Backend) -> Path:
    return backend.data_dir / "cclibs.sqlite3"


def basic_auth(client: dict[str, Any]) -> str:
    """RFC 6749 §2.3.1: both parts form-encoded, then HTTP Basic."""
    pair = f"{quote_plus(client['client_id'])}:{quote_plus(client['client_secret'])}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def cclibs_cli(backend: Backend, *argv: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(venv_bin() / "cclibs"), *argv],
        env=backend.env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"cclibs {' '.join(argv)}: {done.stderr or done.stdout}")
    return done.stdout


def psql(database: str, sql: str, **variables: str | int) -> str:
    """Run SQL (stdin, so :'name' and :"name" variables are interpolated) as postgres."""
    argv = [*PG_ADMIN, "-d", database, "-At"]
    for name, value in variables.items():
        argv += ["-v", f"{name}={value}"]
    done = subprocess.run(argv, input=sql, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"psql: {done.stderr}")
    return done.stdout


def prepare(backend: Backend) -> None:
    """Migrate, then the account and the two credentials, through the real CLI."""
    backend.data_dir.mkdir(parents=True)
    if backend.database:
        psql("test", 'CREATE DATABASE :"db";\n', db=backend.database)
    cclibs_cli(backend, "db", "upgrade")
    create_user = ("users", "create", "--email", backend.email, "--name", "Bench User")
    cclibs_cli(backend, *create_user, "--password-stdin", stdin=backend.password + "\n")
    owner = ("clients", "create", "--owner", backend.email, "--json")
    backend.s2s = json.loads(cclibs_cli(backend, *owner, "--type", "server", "--name", "bench S2S"))
    web = (*owner, "--type", "web", "--name", "bench web", "--redirect-uri", CALLBACK)
    backend.web = json.loads(cclibs_cli(backend, *web))


def drop(backend: Backend) -> None:
    if backend.database:
        psql("test", 'DROP DATABASE IF EXISTS :"db" WITH (FORCE);\n', db=backend.database)


def csrf_token(page: str) -> str:
    """The CSRF token of a page's form."""
    found = _CSRF.search(page)
    if not found:
        raise RuntimeError(f"no csrf_token in the page: {page[:300]}")
    return found.group(1)


class Browser:
    """A user who signs in once (sign-in page with its CSRF token, consent page) and then
    authorizes the Web App again and again: each code exchanged is a new grant (sign-in
    family) with its own refresh token and access token."""

    def __init__(self, backend: Backend, port: int, scope: str = USER_SCOPE) -> None:
        self.backend = backend
        self.scope = scope
        self.http = httpx.Client(base_url=f"http://{HOST}:{port}", timeout=30)

    def close(self) -> None:
        self.http.close()

    def refresh_tokens(self, count: int) -> list[str]:
        return [str(self.tokens()["refresh_token"]) for _ in range(count)]

    def cookie_header(self) -> str:
        """The browser's cookies (session, CSRF) as one Cookie header, for a load generator."""
        return "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())

    def tokens(self) -> dict[str, Any]:
        """One authorization (signing in first if needed), its code exchanged: the token
        response, with an access token and a refresh token."""
        verifier = secrets.token_urlsafe(48)
        query = {
            "client_id": self.backend.web["client_id"],
            "response_type": "code",
            "redirect_uri": CALLBACK,
            "scope": self.scope,
            "state": secrets.token_urlsafe(8),
            "code_challenge": s256(verifier),
            "code_challenge_method": "S256",
        }
        response = self.http.get("/ims/authorize/v2", params=query)
        if response.status_code == 302 and urlsplit(response.headers["location"]).path == "/signin":
            response = self._sign_in(response.headers["location"])
        if response.status_code == 200 and _INTERACTION.search(response.text):
            response = self._consent(response)
        if response.status_code not in (302, 303):
            raise RuntimeError(f"authorize: {response.status_code} {response.text[:300]}")
        params = parse_qs(urlsplit(response.headers["location"]).query)
        if "code" not in params:
            raise RuntimeError(f"authorize: no code in {response.headers['location']}")
        exchanged = self.http.post(
            TOKEN_PATH,
            data={
                "grant_type": "authorization_code",
                "code": params["code"][0],
                "code_verifier": verifier,
                "redirect_uri": CALLBACK,
            },
            headers={"Authorization": basic_auth(self.backend.web)},
        )
        if exchanged.status_code != 200 or "refresh_token" not in exchanged.json():
            raise RuntimeError(f"code exchange: {exchanged.status_code} {exchanged.text[:300]}")
        answer: dict[str, Any] = exchanged.json()
        return answer

    def _sign_in(self, location: str) -> httpx.Response:
        page = self.http.get(location)
        if page.status_code != 200:
            raise RuntimeError(f"sign-in page: {page.status_code} {page.text[:300]}")
        fields = {"csrf_token": csrf_token(page.text), "email": self.backend.email}
        fields["password"] = self.backend.password
        fields["next"] = parse_qs(urlsplit(location).query)["next"][0]
        signed = self.http.post("/signin", data=fields)
        if signed.status_code != 303:
            raise RuntimeError(f"sign-in: {signed.status_code} {signed.text[:300]}")
        return self.http.get(signed.headers["location"])

    def _consent(self, page: httpx.Response) -> httpx.Response:
        interaction = _INTERACTION.search(page.text)
        assert interaction
        return self.http.post(
            "/ims/authorize/consent",
            data={
                "csrf_token": csrf_token(page.text),
                "interaction": interaction.group(1),
                "decision": "allow",
            },
        )


def count_error_lines(log: Path) -> int:
    """Lines of a cclibs log at level error or worse."""
    errors = 0
    for line in log.read_text("utf-8", "replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("level") in ("error", "critical", "exception"):
            errors += 1
    return errors


@contextmanager
def checked_server(
    argv: list[str], env: dict[str, str], log: Path, port: int, problems: list[str], label: str
) -> Iterator[ServerProcess]:
    """A cclibs server up (its /healthz answers) for the block. On the way out it is stopped,
    and error lines in its log or an unclean exit go into ``problems`` under ``label``: figures
    measured on a server that failed are not to be trusted."""
    server = ServerProcess(argv, env, log)
    server.start()
    try:
        server.wait_ready("/healthz", port, timeout=60)
        yield server
    finally:
        stopped = server.stop()
        errors = count_error_lines(log)
        if errors or not stopped.clean:
            problems.append(
                f"{label}: {errors} error lines in its log, exit {stopped.returncode}, "
                f"killed={stopped.killed}\n{server.log_tail(8)}"
            )


@dataclass(frozen=True)
class ApiServer:
    port: int
    pid: int
    headers: dict[str, str]
    """Of an API call as the Web App's user (the token from the real sign-in pages)."""


@contextmanager
def api_server(backend: Backend, tmp: Path, problems: list[str], scope: str) -> Iterator[ApiServer]:
    """``cclibs serve`` of ``backend`` on 127.0.0.1 for the block, checked as
    ``checked_server`` checks it, with a user's token of ``scope``."""
    port = free_port()
    argv = [str(venv_bin() / "cclibs"), "serve", "--host", HOST, "--port", str(port)]
    log = tmp / f"cclibs-{backend.name}.log"
    with checked_server(argv, backend.env(port), log, port, problems, "server") as process:
        browser = Browser(backend, port, scope=scope)
        try:
            token = str(browser.tokens()["access_token"])
        finally:
            browser.close()
        headers = {"Authorization": f"Bearer {token}", "x-api-key": backend.web["client_id"]}
        yield ApiServer(port, process.pid, headers)
