"""Scale-out as it runs: a real S3-compatible server (moto's server mode, in a process of its
own on 127.0.0.1) and two `cclibs serve` processes sharing it and one PostgreSQL database.

``s3_server()`` is the object store alone (tests/storage/test_s3_blobs.py); ``cluster()`` is
the whole: two servers on different ports, a fresh migrated PostgreSQL database, one bucket,
one secret and one issuer (as behind a load balancer), and ``Cluster.services()`` for
setting up accounts and credentials from the test process against the same database.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from cclibs.accounts.passwords import PasswordHasher
from cclibs.config import Settings, load_settings
from cclibs.services import Services, build_services
from tests.support import databases
from tests.support.servers import CCLIBS, free_port, stop, wait_until_answers

__all__ = [
    "ISSUER",
    "LIBRARIES",
    "TOKEN",
    "Cluster",
    "S3Server",
    "basic",
    "bearer",
    "cluster",
    "introspect",
    "libraries",
    "s3_server",
    "token",
]

MOTO = str(Path(sys.executable).parent / "moto_server")
_S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
ISSUER = "http://cclibs.cluster.test"
"""The public URL both servers answer for (a load balancer's): tokens name it as ``iss``."""
SECRET = "scale-out-test-secret-that-is-long-enough-0123456789"
TOKEN = "/ims/token/v3"
LIBRARIES = "/api/v1/libraries"
ACCESS_KEY = "cclibs-test-key"
SECRET_KEY = "cclibs-test-secret"  # moto checks no signature; the settings are passed all the same


@dataclass(frozen=True, slots=True)
class S3Server:
    endpoint: str

    def create_bucket(self, name: str | None = None) -> str:
        """A new bucket (a fresh name unless given); returns its name."""
        name = name or f"cclibs-{secrets.token_hex(6)}"
        answer = httpx.put(f"{self.endpoint}/{name}", timeout=10)
        assert answer.status_code == 200, answer.text
        return name

    def put_object(self, bucket: str, name: str, content: bytes) -> None:
        answer = httpx.put(f"{self.endpoint}/{bucket}/{name}", content=content, timeout=10)
        assert answer.status_code == 200, answer.text

    def objects(self, bucket: str, prefix: str = "") -> dict[str, int]:
        """The objects under ``prefix``: name -> size (ListObjectsV2, one page is plenty)."""
        answer = httpx.get(
            f"{self.endpoint}/{bucket}", params={"list-type": "2", "prefix": prefix}, timeout=10
        )
        assert answer.status_code == 200, answer.text
        root = ET.fromstring(answer.content)  # noqa: S314 - our own local test server
        return {
            item.findtext(f"{_S3_NS}Key", ""): int(item.findtext(f"{_S3_NS}Size", "0"))
            for item in root.iter(f"{_S3_NS}Contents")
        }

    def multipart_uploads(self, bucket: str) -> list[str]:
        """The keys of multipart uploads begun and neither completed nor aborted."""
        answer = httpx.get(f"{self.endpoint}/{bucket}", params={"uploads": ""}, timeout=10)
        assert answer.status_code == 200, answer.text
        root = ET.fromstring(answer.content)  # noqa: S314 - our own local test server
        return [item.findtext(f"{_S3_NS}Key", "") for item in root.iter(f"{_S3_NS}Upload")]

    def environment(self, bucket: str, prefix: str = "blobs") -> dict[str, str]:
        """The settings that point cclibs at ``bucket``, as a user writes them."""
        return {
            "CCLIBS_BLOB_URL": f"s3://{bucket}/{prefix}",
            "CCLIBS_S3_ENDPOINT_URL": self.endpoint,
            "CCLIBS_S3_REGION": "us-east-1",
            "CCLIBS_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "CCLIBS_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }


@contextmanager
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server in a process of its own (its memory is not the test's) until the block
    ends."""
    port = free_port()
    process = subprocess.Popen(
        [MOTO, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(f"{endpoint}/moto-api/", process, "the S3 server", seconds=30)
        yield S3Server(endpoint)
    finally:
        stop(process)


@dataclass(frozen=True, slots=True)
class Cluster:
    """Two `cclibs serve` processes, ``a`` and ``b`` (base URLs), sharing one database and
    one bucket."""

    a: str
    b: str
    database_url: str
    s3: S3Server
    bucket: str
    environment: dict[str, str] = field(repr=False)
    """The settings both servers run with (``CCLIBS_*``)."""
    processes: tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]] = field(repr=False)
    root: Path = field(repr=False)

    def data_dir(self, node: str) -> Path:
        """The data directory of server ``node`` ("a" or "b"); its log is ``root/<node>.log``."""
        return self.root / node

    def settings(self, data_dir: Path) -> Settings:
        """The servers' settings, for services built in the test process."""
        values = {
            name.removeprefix("CCLIBS_").lower(): value
            for name, value in self.environment.items()
            if name != "CCLIBS_DATA_DIR"
        }
        return load_settings(**values, data_dir=data_dir)

    async def execute(self, statement: str, *args: object) -> str:
        """Run SQL on the shared database (to age a row as time would, without waiting)."""
        dsn = make_url(self.database_url).set(drivername="postgresql")
        conn = await asyncpg.connect(dsn.render_as_string(hide_password=False), timeout=5)
        try:
            return str(await conn.execute(statement, *args))
        finally:
            await conn.close()

    def services(self, data_dir: Path) -> Services:
        """The servers' services in the test process (dispose ``.db`` when done): to make
        accounts and credentials directly in the shared database. Passwords are hashed
        cheaply; the servers verify them all the same (the cost is in the hash)."""
        return build_services(
            self.settings(data_dir),
            password_hasher=PasswordHasher(time_cost=1, memory_cost=8 * 1024),
        )


@contextmanager
def cluster(
    s3: S3Server, tmp_path: Path, *, extra_env: dict[str, str] | None = None
) -> Iterator[Cluster]:
    """A fresh database and bucket, and two servers on them, started together."""
    name = f"cclibs_scaleout_{os.getpid()}_{secrets.token_hex(3)}"
    database_url = databases.create_postgres_database(name)
    bucket = s3.create_bucket()
    environment = {
        "CCLIBS_DATABASE_URL": database_url,
        "CCLIBS_SECRET_KEY": SECRET,
        "CCLIBS_ISSUER": ISSUER,
        "CCLIBS_ENV": "development",
        "CCLIBS_SIGNUP_ENABLED": "true",
        **s3.environment(bucket),
        **(extra_env or {}),
    }
    try:
        with ExitStack() as stack:
            starting = []
            for node in ("a", "b"):
                port = free_port()
                # The log goes to a file: a pipe nobody reads would block a chatty server.
                log = stack.enter_context((tmp_path / f"{node}.log").open("w"))
                process = subprocess.Popen(
                    [CCLIBS, "serve", "--port", str(port)],
                    env={**os.environ, **environment, "CCLIBS_DATA_DIR": str(tmp_path / node)},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                stack.callback(stop, process)
                starting.append((f"http://127.0.0.1:{port}", process, tmp_path / f"{node}.log"))
            for base, process, log_path in starting:
                wait_until_answers(
                    f"{base}/healthz", process, f"cclibs serve (log: {log_path})", seconds=30
                )
            (a, process_a, _), (b, process_b, _) = starting
            yield Cluster(
                a, b, database_url, s3, bucket, environment, (process_a, process_b), tmp_path
            )
    finally:
        databases.drop_postgres_database(name)


# Calls to one server of the pair, as a client makes them --------------------------------


def basic(client_id: str, secret: str | None) -> dict[str, str]:
    """HTTP Basic client authentication (RFC 6749 §2.3.1)."""
    assert secret is not None
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def bearer(access_token: str, client_id: str) -> dict[str, str]:
    """The headers of a Libraries API request: the bearer token and the API key."""
    return {"Authorization": f"Bearer {access_token}", "x-api-key": client_id}


async def token(base: str, form: dict[str, str], auth: dict[str, str]) -> httpx.Response:
    """A token request (``grant_type`` in ``form``) to the server at ``base``."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        return await http.post(TOKEN, data=form, headers=auth)


async def libraries(base: str, access_token: str, client_id: str) -> httpx.Response:
    """``GET /api/v1/libraries``: 200 for a token the server accepts, 401 otherwise."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        return await http.get(LIBRARIES, headers=bearer(access_token, client_id))


async def introspect(base: str, value: str, auth: dict[str, str]) -> dict[str, Any]:
    """RFC 7662 introspection of ``value`` at ``base``, authenticated as ``auth``'s client."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        answer = await http.post("/ims/introspect", data={"token": value}, headers=auth)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result
