"""Paging a library of 100,000 elements: GET /api/v1/libraries/{id}/elements?limit=100 for the
first page, for the last page reached by following ``_page.next``, and for numeric offsets.

The library is made through the real API (``cclibs serve`` on 127.0.0.1, a user signed in
through the real pages, as in the other benchmarks); its elements are then bulk-inserted
through the store (``SqlLibraryStore`` with one multi-row INSERT per batch, rows mapped by the
store's own row mapping) and the library's counters set, in one write transaction. Then, over
one keep-alive connection, one request at a time:

  * the ceilings: GET /api/v1 (no token, no database) and GET the library (the token check
    and one read): what any API request costs here;
  * the first page, the last page (its cursor, taken from the walk), and ``start=N/2`` and
    ``start=N-100`` (numeric offsets, which the API also accepts), in alternating rounds;
  * the walk: every page from the first to the last by ``_page.next``, each timed;
  * the same reads in-process through the store (no HTTP, no JSON): the page query alone
    and the ``count`` every page also runs (``total_count``).

PostgreSQL gets ANALYZE after the bulk insert (autovacuum would, soon after); SQLite is left
as cclibs leaves it (it never runs ANALYZE). Every run has a time limit (--time-limit).

    .venv/bin/python bench/api_paging.py [--quick] [--postgresql] [--rev HEAD]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import platform
import secrets
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from _cclibs_setup import Backend, api_server, drop, prepare, sqlite_path
from _harness import (
    HOST,
    CpuMeter,
    current_source,
    exit_on_sigterm,
    project_revision,
    quiet_check,
    summary,
    use_revision,
    wait_for_quiet_machine,
)

SCOPE = "openid,AdobeID,cc_files,cc_libraries,offline_access"
COLOR = "application/vnd.adobe.element.color+dcx"
LIMIT = 100
BATCH = 2000
FIRST = "first page"
LAST = "last page (cursor from _page.next)"


@dataclass
class Api:
    http: httpx.Client
    headers: dict[str, str]

    def get(self, path: str, **params: str | int) -> tuple[float, dict[str, Any]]:
        """One GET; the seconds until its JSON is parsed, and the JSON."""
        began = time.perf_counter()
        answer = self.http.get(path, params=params or None, headers=self.headers)
        body = answer.json()
        seconds = time.perf_counter() - began
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path} {params}: {answer.status_code} {answer.text[:300]}")
        return seconds, body


@dataclass
class Result:
    backend: str
    elements: int
    insert_seconds: float
    timings: dict[str, list[float]] = field(default_factory=dict)  # label -> seconds
    walk: list[float] = field(default_factory=list)  # seconds per page, in walk order
    store: dict[str, list[float]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    other_cpu: float = 0.0  # share of the CPUs other processes took during the rounds


# The bulk insert, in-process through the store ------------------------------------------


def element_of(library_id: str, index: int, base_ms: int, user_id: str) -> Any:
    """An element like one POST .../elements makes: a color with its client stamps."""
    from cclibs.libraries.models import Element

    when = base_ms + index
    stamp = {"app": "api_paging bench", "time": when, "userId": user_id, "device": "bench"}
    stamp["deviceId"] = "bench-1"
    color = {"mode": "RGB", "value": {"r": index % 256, "g": 56, "b": 89}, "type": "process"}
    rep = {
        "id": str(uuid.uuid4()),
        "type": "application/vnd.adobe.color+json",
        "relationship": "primary",
        "color#data": color,
    }
    return Element(
        id=str(uuid.uuid4()),
        library_id=library_id,
        name=f"Color {index:06d}",
        type=COLOR,
        created_ms=when,
        modified_ms=when,
        archived_ms=None,
        version=1,
        data={"library#createdData": stamp, "library#modifiedData": stamp},
        representations=(rep,),
    )


def database_url(backend: Backend) -> str:
    if backend.database:
        return f"postgresql://postgres@{HOST}:5432/{backend.database}"
    return f"sqlite:///{sqlite_path(backend)}"


async def bulk_insert(backend: Backend, library_id: str, count: int) -> None:
    from sqlalchemy import insert, text

    from cclibs.storage.db import Database
    from cclibs.storage.libraries import SqlLibraryStore
    from cclibs.storage.library_rows import element_columns
    from cclibs.storage.tables import LibraryElementRow
    from cclibs.storage.transactions import SqlTransactions

    class BulkStore(SqlLibraryStore):
        """The store plus a multi-row insert (elements without uploads: no asset links)."""

        async def insert_elements(self, elements: list[Any]) -> None:
            rows = [element_columns(element) for element in elements]
            await self._s.execute(insert(LibraryElementRow), rows)

    db = Database(database_url(backend))
    try:
        async with SqlTransactions(db, BulkStore).write() as store:
            library = await store.library(library_id, lock=True)
            assert library is not None
            base = library.modified_ms + 1
            for start in range(0, count, BATCH):
                stop = min(count, start + BATCH)
                batch = [
                    element_of(library_id, i, base, library.owner_id) for i in range(start, stop)
                ]
                await store.insert_elements(batch)
            await store.update_library(
                replace(
                    library,
                    elements_count=library.elements_count + count,
                    modified_ms=base + count,
                    version=library.version + 1,
                )
            )
        if backend.database:
            async with db.write() as session:
                await session.execute(text("ANALYZE library_elements"))
    finally:
        await db.dispose()


async def store_probe(
    backend: Backend, library_id: str, last_after: Any, count: int, rounds: int
) -> dict[str, list[float]]:
    """The reads behind one page, in-process: the page query for the first page, the last
    (keyset) and offset N-100, and the count; seconds of each, ``rounds`` times."""
    from cclibs.libraries.models import ElementFilter, Ordering, SortKey
    from cclibs.storage.db import Database
    from cclibs.storage.libraries import SqlLibraryTransactions

    ordering = Ordering((SortKey("modified_date", descending=True),))
    where = ElementFilter()
    db = Database(database_url(backend))
    times: dict[str, list[float]] = {}
    try:
        tx = SqlLibraryTransactions(db)
        reads: dict[str, Callable[[Any], Any]] = {
            "store: first page query": lambda s: s.list_elements(
                library_id, where, ordering, after=None, offset=0, limit=LIMIT + 1
            ),
            "store: last page query (keyset)": lambda s: s.list_elements(
                library_id, where, ordering, after=last_after, offset=0, limit=LIMIT + 1
            ),
            f"store: offset {count - LIMIT} query": lambda s: s.list_elements(
                library_id, where, ordering, after=None, offset=count - LIMIT, limit=LIMIT + 1
            ),
            "store: count (every page)": lambda s: s.count_elements(library_id, where),
        }
        for _ in range(rounds):
            for label, read in reads.items():
                async with tx.read() as store:
                    began = time.perf_counter()
                    await read(store)
                    times.setdefault(label, []).append(time.perf_counter() - began)
    finally:
        await db.dispose()
    return times


def position_of(cursor: str) -> Any:
    """A ``_page.next`` cursor as the store's Position (the cursor format of paging.py)."""
    from cclibs.libraries.paging import page_request

    return page_request(None, cursor, str(LIMIT), default_limit=10, max_limit=100).after


# The measurements over HTTP ---------------------------------------------------------------


def walk(api: Api, path: str, deadline: float) -> tuple[list[float], list[str], str | None]:
    """Every page by ``_page.next``: the seconds of each, the ids seen, and the cursor that
    reached the last page."""
    seconds, body = api.get(path, limit=LIMIT)
    times, ids, cursor, last_cursor = [seconds], [e["id"] for e in body["elements"]], None, None
    cursor = body["_page"].get("next")
    while cursor is not None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the walk passed the time limit after {len(times)} pages")
        seconds, body = api.get(path, limit=LIMIT, start=cursor)
        times.append(seconds)
        ids.extend(e["id"] for e in body["elements"])
        last_cursor, cursor = cursor, body["_page"].get("next")
    return times, ids, last_cursor


def measure(
    api: Api, backend: Backend, server_pid: int, args: argparse.Namespace, result: Result
) -> None:
    lid = new_library(api)
    count = args.elements
    began = time.perf_counter()
    asyncio.run(bulk_insert(backend, lid, count))
    result.insert_seconds = time.perf_counter() - began
    print(
        f"  {backend.name}: {count} elements inserted in {result.insert_seconds:.1f} s", flush=True
    )
    path = f"/api/v1/libraries/{lid}/elements"
    library = api.get(f"/api/v1/libraries/{lid}")[1]
    if library["elements_count"] != count:
        result.problems.append(f"elements_count is {library['elements_count']}, not {count}")
    for _ in range(3):  # warm-up: connections, caches, the first-use imports
        api.get(path, limit=LIMIT)
    deadline = time.monotonic() + args.time_limit * 0.8

    result.walk, ids, last_cursor = walk(api, path, deadline)
    pages = -(-count // LIMIT)
    if len(result.walk) != pages or len(set(ids)) != count:
        result.problems.append(f"walk: {len(result.walk)} pages, {len(set(ids))} distinct ids")
    assert last_cursor is not None
    print(f"  {backend.name}: walked {len(result.walk)} pages", flush=True)

    half, near_end = count // 2, count - LIMIT
    probes: list[tuple[str, str, dict[str, str | int]]] = [
        ("API root (no token, no database)", "/api/v1", {}),
        ("GET library (token + 1 read)", f"/api/v1/libraries/{lid}", {}),
        (FIRST, path, {"limit": LIMIT}),
        (LAST, path, {"limit": LIMIT, "start": last_cursor}),
        (f"offset start={half}", path, {"limit": LIMIT, "start": half}),
        (f"offset start={near_end}", path, {"limit": LIMIT, "start": near_end}),
    ]
    last_size = count - (pages - 1) * LIMIT
    meter = CpuMeter(server_pid)
    for _ in range(args.rounds):
        for label, target, params in probes:
            seconds, body = api.get(target, **params)
            result.timings.setdefault(label, []).append(seconds)
            if label == LAST and len(body["elements"]) != last_size:
                result.problems.append(f"last page has {len(body['elements'])} elements")
        if time.monotonic() > deadline:
            result.problems.append("rounds cut short by the time limit")
            break
    result.other_cpu = meter.other_share()
    near = api.get(path, limit=LIMIT, start=near_end)[1]["elements"]
    if [e["id"] for e in near] != ids[near_end:]:
        result.problems.append("offset N-100 does not answer the walk's last 100 ids")
    result.store = asyncio.run(
        store_probe(backend, lid, position_of(last_cursor), count, args.rounds)
    )


def new_library(api: Api) -> str:
    created = api.http.post("/api/v1/libraries", json={"name": "Paging bench"}, headers=api.headers)
    if created.status_code != 201:
        raise RuntimeError(f"POST /api/v1/libraries: {created.status_code} {created.text[:300]}")
    return str(created.json()["id"])


# The run ------------------------------------------------------------------------------------


def run_backend(name: str, args: argparse.Namespace, tmp: Path) -> Result:
    database = f"cclibs_bench_paging_{secrets.token_hex(4)}" if name == "postgresql" else None
    backend = Backend(name, tmp / f"data-{name}", secrets.token_urlsafe(32), database)
    result = Result(name, args.elements, 0.0)
    prepare(backend)
    try:
        with api_server(backend, tmp, result.problems, SCOPE) as served:
            port, pid, headers = served.port, served.pid, served.headers
            base = f"http://{HOST}:{port}"
            with httpx.Client(base_url=base, timeout=60) as http:
                measure(Api(http, headers), backend, pid, args, result)
    finally:
        drop(backend)
    return result


def ms(values: list[float]) -> dict[str, float]:
    return {k: v * 1000 for k, v in summary(values).items()}


def report(result: Result) -> None:
    first = statistics.median(result.timings[FIRST])
    print(
        f"\n{result.backend}: {result.elements} elements, limit={LIMIT}, "
        f"default order (-modified_date); bulk insert {result.insert_seconds:.1f} s"
    )
    print(
        f"  {'ms, one request at a time':<42}{'min':>8}{'median':>8}{'p90':>8}{'max':>8}"
        f"{'/ first':>9}"
    )
    rows = list(result.timings.items())
    first_pages = result.walk[: min(10, len(result.walk))]
    last_pages = result.walk[-min(10, len(result.walk)) :]
    rows += [("walk: its first 10 pages", first_pages), ("walk: its last 10 pages", last_pages)]
    rows += list(result.store.items())
    for label, values in rows:
        s = ms(values)
        print(
            f"  {label:<42}{s['min']:>8.1f}{s['median']:>8.1f}{s['p90']:>8.1f}{s['max']:>8.1f}"
            f"{s['median'] / (first * 1000):>8.2f}x"
        )
    last = statistics.median(result.timings[LAST])
    near = [v for k, v in result.timings.items() if k.startswith("offset")][-1]
    print(f"  ratio last/first page (cursor, medians): {last / first:.2f}")
    print(
        f"  ratio offset near the end / first page (medians): {statistics.median(near) / first:.2f}"
    )
    print(
        f"  ratio walk last 10 / first 10 pages (medians): "
        f"{statistics.median(last_pages) / statistics.median(first_pages):.2f}"
    )
    print(f"  whole walk: {len(result.walk)} pages in {sum(result.walk):.1f} s")
    print(f"  other processes took {result.other_cpu:.0%} of the CPUs during the rounds")
    for problem in result.problems:
        print(f"  PROBLEM: {problem}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000 elements, 5 rounds")
    parser.add_argument("--elements", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20, help="repeats of each probe")
    parser.add_argument("--postgresql", action="store_true", help="PostgreSQL too (after SQLite)")
    parser.add_argument("--rev", help="measure this commit (git archive REV src)")
    parser.add_argument("--time-limit", type=int, default=1800, help="seconds for the whole run")
    parser.add_argument(
        "--quiet-wait", type=int, default=120, help="seconds to wait for a quiet machine first"
    )
    args = parser.parse_args()
    if args.quick:
        args.elements, args.rounds = min(args.elements, 5000), min(args.rounds, 5)
    exit_on_sigterm()
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("time limit reached"))
    signal.alarm(args.time_limit)
    with tempfile.TemporaryDirectory(prefix="cclibs-paging-") as name:
        tmp = Path(name)
        if args.rev:
            use_revision(args.rev, tmp / "export")
            # The bulk insert imports cclibs here: from the same export as the server.
            sys.path.insert(0, str((current_source() or {})["path"]))
        print(
            f"api_paging, {dt.datetime.now(dt.UTC).date()}: Python {platform.python_version()}, "
            f"cclibs {project_revision()}"
        )
        print(f"  {quiet_check()}")
        if args.quiet_wait > 0:
            print(f"  {wait_for_quiet_machine(0.25, args.quiet_wait, poll=10)}", flush=True)
        names = ["sqlite", "postgresql"] if args.postgresql else ["sqlite"]
        results = [run_backend(n, args, tmp) for n in names]
    for result in results:
        report(result)
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
