"""No event is lost when the server dies: ``cclibs serve`` is killed (SIGKILL) while
deliveries are pending and in flight, restarted on the same data directory, and every event
arrives, once per subscription after deduplication on the event id."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support.api_auth import (
    ApiCaller,
)
from tests.support.servers import CCLIBS, free_port, stop, wait_until_answers
from tests.webhooks.conftest import LIBRARIES, WEBHOOKS, color, server_callers
from tests.webhooks.receiver import receiving

SECRET = "webhook-restart-test-secret-that-is-long-enough-0123"
ISSUER = "http://cclibs.webhooks.test"
ALL = [
    "library.created",
    "library.updated",
    "library.deleted",
    "element.created",
    "element.updated",
    "element.deleted",
]
PREFIX = "com.adobe.platform.events.cc_library"
EXPECTED = Counter(
    {
        f"{PREFIX}_created": 3,
        f"{PREFIX}_element_created": 3,
        f"{PREFIX}_updated": 6,  # each element added, each rename
        f"{PREFIX}_deleted": 1,
    }
)
TIMEOUT_S = 1


def _environment(data: Path) -> dict[str, str]:
    return {
        "CCLIBS_DATA_DIR": str(data),
        "CCLIBS_SECRET_KEY": SECRET,
        "CCLIBS_ISSUER": ISSUER,
        "CCLIBS_ENV": "development",
        "CCLIBS_SIGNUP_ENABLED": "true",
        "CCLIBS_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "CCLIBS_WEBHOOK_TIMEOUT_SECONDS": str(TIMEOUT_S),
        "CCLIBS_WEBHOOK_RETRY_SECONDS": "0.2",
        "CCLIBS_WEBHOOK_MAX_ATTEMPTS": "50",
    }


@contextmanager
def _serving(data: Path, log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    with log.open("a") as out:
        process = subprocess.Popen(
            [CCLIBS, "serve", "--port", str(port)],
            env={**os.environ, **_environment(data)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(f"{base}/healthz", process, f"cclibs serve (log: {log})", seconds=30)
        yield base, process
    finally:
        if process.poll() is None:
            stop(process)


def _make_changes(base: str, developer: ApiCaller) -> None:
    with httpx.Client(base_url=base, headers=developer.headers, timeout=30) as http:
        ids = []
        for n in range(3):
            made = http.post(LIBRARIES, json={"name": f"Library {n}"})
            assert made.status_code == 201, made.text
            path = f"{LIBRARIES}/{made.json()['id']}"
            ids.append(path)
            element = http.post(f"{path}/elements", json=color(f"Colour {n}"))
            assert element.status_code == 201, element.text
            renamed = http.put(f"{path}/metadata", json={"name": f"Renamed {n}"})
            assert renamed.status_code in (200, 204), renamed.text
        assert http.delete(ids[0]).status_code in (200, 204)


def _states(data: Path) -> Counter[str]:
    with closing(sqlite3.connect(data / "cclibs.sqlite3", timeout=10)) as db:
        return Counter(state for (state,) in db.execute("SELECT state FROM webhook_deliveries"))


def _leased(data: Path) -> int:
    with closing(sqlite3.connect(data / "cclibs.sqlite3", timeout=10)) as db:
        query = "SELECT count(*) FROM webhook_deliveries WHERE lease_owner IS NOT NULL"
        return int(db.execute(query).fetchone()[0])


def _event_ids(data: Path, subscription_id: str) -> set[str]:
    with closing(sqlite3.connect(data / "cclibs.sqlite3", timeout=10)) as db:
        rows = db.execute(
            "SELECT event_id FROM webhook_deliveries WHERE subscription_id = ?",
            (subscription_id,),
        )
        return {event_id for (event_id,) in rows}


def _wait_until(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_sigkill_with_deliveries_pending_loses_no_event(tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "serve.log"
    with receiving() as receiver, _serving(data, log) as (base, process):
        developer, server = asyncio.run(server_callers(_environment(data)))
        # The receiver is slow, past the timeout: every attempt is in flight for the whole
        # timeout, and fails. It takes the first four (answers 200, too late: the sender has
        # given up, or died), so those will arrive again; the rest it refuses (503).
        receiver.statuses = [200] * 4
        receiver.default_status, receiver.delay = 503, TIMEOUT_S * 1.5
        hooks: dict[str, dict[str, Any]] = {}
        for path in ("/a", "/b"):
            answer = httpx.post(
                f"{base}{WEBHOOKS}",
                json={"url": f"{receiver.url}{path}", "event_types": ALL},
                headers=server.headers,
            )
            assert answer.status_code == 201, answer.text
            hooks[path] = answer.json()
        _make_changes(base, developer)
        receiver.wait_for(4)
        before = _states(data)
        assert before["pending"] == 2 * sum(EXPECTED.values()), before
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        assert process.returncode == -signal.SIGKILL
        assert _states(data)["pending"] == 2 * sum(EXPECTED.values())
        assert _leased(data) >= 1, "no delivery was in flight when the server died"

        receiver.default_status, receiver.delay = 200, 0.0
        with _serving(data, log):
            _wait_until(
                lambda: _states(data) == Counter({"delivered": 2 * sum(EXPECTED.values())}),
                60,
                f"every delivery to be made (log: {log})",
            )
        for path, hook in hooks.items():
            accepted = receiver.accepted(path)
            for got in accepted:
                got.verify(hook["secret"])
            by_id = {got.headers["webhook-id"]: got.event for got in accepted}
            # Deduplicated on the event id: each event of the subscription exactly once...
            assert set(by_id) == _event_ids(data, hook["id"])
            assert all(event["id"] == event_id for event_id, event in by_id.items())
            # ...and those are every change made, nothing lost and nothing extra.
            assert Counter(event["type"] for event in by_id.values()) == EXPECTED
        # Some arrived twice (taken before the kill, sent again after): the dedupe mattered.
        assert sum(len(receiver.accepted(p)) for p in hooks) > 2 * sum(EXPECTED.values())
        # The two subscriptions got the same events (their own copies).
        assert {r.headers["webhook-id"] for r in receiver.accepted("/a")} == {
            r.headers["webhook-id"] for r in receiver.accepted("/b")
        }
