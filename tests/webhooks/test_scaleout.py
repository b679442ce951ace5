"""Scale-out: two ``cclibs serve`` processes on one PostgreSQL database share the outbox. Each
delivery is claimed by one of them (the lease is taken by a conditional update, and the scan
skips rows the other has locked), so a healthy receiver gets every event exactly once, with
one attempt recorded per delivery."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from tests.support import databases
from tests.support.servers import CCLIBS, free_port, stop, wait_until_answers
from tests.webhooks.conftest import LIBRARIES, WEBHOOKS, server_callers
from tests.webhooks.receiver import receiving

SECRET = "webhook-scaleout-test-secret-that-is-long-enough-0123"
LIBRARIES_MADE = 12


def _environment(database_url: str) -> dict[str, str]:
    return {
        "CCLIBS_DATABASE_URL": database_url,
        "CCLIBS_SECRET_KEY": SECRET,
        "CCLIBS_ISSUER": "http://cclibs.webhooks.test",
        "CCLIBS_ENV": "development",
        "CCLIBS_SIGNUP_ENABLED": "true",
        "CCLIBS_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "CCLIBS_WEBHOOK_TIMEOUT_SECONDS": "5",
    }


@contextmanager
def _two_servers(database_url: str, root: Path) -> Iterator[tuple[str, str]]:
    with ExitStack() as stack:
        started = []
        for node in ("a", "b"):
            port = free_port()
            log = stack.enter_context((root / f"{node}.log").open("w"))
            process = subprocess.Popen(
                [CCLIBS, "serve", "--port", str(port)],
                env={
                    **os.environ,
                    **_environment(database_url),
                    "CCLIBS_DATA_DIR": str(root / node),
                },
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            stack.callback(stop, process)
            started.append((f"http://127.0.0.1:{port}", process, root / f"{node}.log"))
        for base, process, log_path in started:
            wait_until_answers(f"{base}/healthz", process, f"serve (log: {log_path})", seconds=30)
        yield started[0][0], started[1][0]


async def _counts(database_url: str) -> tuple[Counter[str], int]:
    dsn = make_url(database_url).set(drivername="postgresql")
    conn = await asyncpg.connect(dsn.render_as_string(hide_password=False), timeout=5)
    try:
        states = Counter(
            r["state"] for r in await conn.fetch("SELECT state FROM webhook_deliveries")
        )
        attempts = await conn.fetchval("SELECT count(*) FROM webhook_attempts")
        return states, int(attempts)
    finally:
        await conn.close()


def test_two_servers_deliver_each_event_once(tmp_path: Path) -> None:
    name = f"cclibs_webhooks_{os.getpid()}_{secrets.token_hex(3)}"
    database_url = databases.create_postgres_database(name)
    try:
        with receiving() as receiver, _two_servers(database_url, tmp_path) as (a, b):
            developer, server = asyncio.run(
                server_callers(_environment(database_url), data_dir=tmp_path / "test")
            )
            hook = httpx.post(
                f"{a}{WEBHOOKS}",
                json={"url": f"{receiver.url}/hook", "event_types": ["library.created"]},
                headers=server.headers,
            ).json()
            for n in range(LIBRARIES_MADE):
                base = (a, b)[n % 2]
                made = httpx.post(
                    f"{base}{LIBRARIES}", json={"name": f"L{n}"}, headers=developer.headers
                )
                assert made.status_code == 201, made.text
            receiver.wait_for(LIBRARIES_MADE, path="/hook", seconds=30)
            time.sleep(1.5)  # time for a second, wrong delivery to show up, were there one
            got = receiver.at("/hook")
            for one in got:
                one.verify(hook["secret"])
            ids = [one.headers["webhook-id"] for one in got]
            assert len(ids) == len(set(ids)) == LIBRARIES_MADE
            states, attempts = asyncio.run(_counts(database_url))
            assert states == Counter({"delivered": LIBRARIES_MADE})
            assert attempts == LIBRARIES_MADE
    finally:
        databases.drop_postgres_database(name)
