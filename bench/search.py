"""Search at 100,000 elements: POST /api/v1/search, first and last page, on SQLite and
PostgreSQL.

The caller's 100,000 elements (in 50 libraries) and another user's 50,000 (noise the search
must step over: it is in the same full-text index) are bulk-inserted through the storage
layer's row mapping, after ``cclibs serve`` on 127.0.0.1 is up and the caller has signed in
through the real pages (as in api_paging.py). Names are ``Color <word> <word> <n>`` with words
from a vocabulary of 64, so ``color`` matches every element, one word about 3 % and two words
about 0.1 %. Then, over one keep-alive connection, one request at a time, ``limit=100``:

  * no words, ``-modified_date`` (the default order);
  * ``color`` (every element) by relevance and by name;
  * one word by relevance, two words by relevance;
  * libraries by a word, and libraries and elements together.

Each is measured on its first page and, where there is more than one, on its last, reached by
the cursor an answer would give there (built here from the inserted rows: walking a thousand
pages first would measure the walk). The last page's ids are checked against the rows.
PostgreSQL gets ANALYZE after the insert. Every run has a time limit (--time-limit).

    flock /tmp/cclibs-bench.lock .venv/bin/python bench/search.py [--quick] [--postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import json
import platform
import re
import secrets
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _cclibs_setup import (
    Backend,
    api_server,
    cclibs_cli,
    drop,
    prepare,
    psql,
    sqlite_path,
)
from _harness import (
    HOST,
    CpuMeter,
    exit_on_sigterm,
    project_revision,
    quiet_check,
    summary,
    use_source,
    wait_for_quiet_machine,
)

SCOPE = "openid,AdobeID,cc_files,cc_libraries,offline_access"
COLOR = "application/vnd.adobe.element.color+dcx"
LIMIT = 100
BATCH = 2000
LIBRARIES = 50
T0 = 1_700_000_000_000
VOCABULARY = tuple(
    f"{a}{b}"
    for a in ("amber", "basalt", "cobalt", "dune", "ember", "fjord", "granite", "harbor")
    for b in ("", "wood", "stone", "light", "mist", "field", "crest", "vale")
)


@dataclass
class Row:
    id: str
    name: str
    modified_ms: int


@dataclass
class Result:
    backend: str
    elements: int
    insert_seconds: float
    timings: dict[str, list[float]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    other_cpu: float = 0.0


def name_of(index: int) -> str:
    first = VOCABULARY[index % 64]
    second = VOCABULARY[(index // 64) % 64]
    return f"Color {first} {second} {index:06d}"


def database_url(backend: Backend) -> str:
    if backend.database:
        return f"postgresql://postgres@{HOST}:5432/{backend.database}"
    return f"sqlite:///{sqlite_path(backend)}"


async def bulk_insert(backend: Backend, owner_id: str, other_id: str, count: int) -> list[Row]:
    """The caller's ``count`` elements and the other user's ``count // 2``, through the
    store's row mapping in multi-row INSERTs; returns the caller's rows."""
    from sqlalchemy import insert, text

    from cclibs.libraries.models import Element, Library
    from cclibs.storage.db import Database
    from cclibs.storage.library_rows import element_columns, library_columns
    from cclibs.storage.tables import LibraryElementRow, LibraryRow

    mine: list[Row] = []
    db = Database(database_url(backend))
    try:
        for who, total in ((owner_id, count), (other_id, count // 2)):
            libraries = [
                Library(str(uuid.uuid4()), who, f"{VOCABULARY[i]} atlas {i}", T0, T0, 1, 0, 0, 0)
                for i in range(LIBRARIES)
            ]
            async with db.write() as session:
                await session.execute(insert(LibraryRow), [library_columns(x) for x in libraries])
                for start in range(0, total, BATCH):
                    rows = []
                    for i in range(start, min(total, start + BATCH)):
                        element = Element(
                            id=str(uuid.uuid4()),
                            library_id=libraries[i % LIBRARIES].id,
                            name=name_of(i),
                            type=COLOR,
                            created_ms=T0 + i,
                            modified_ms=T0 + (i * 7919) % total,
                            archived_ms=None,
                            version=1,
                            data={},
                            representations=(),
                        )
                        rows.append(element_columns(element))
                        if who == owner_id:
                            mine.append(Row(element.id, element.name, element.modified_ms))
                    await session.execute(insert(LibraryElementRow), rows)
        if backend.database:
            async with db.write() as session:
                await session.execute(text("ANALYZE libraries"))
                await session.execute(text("ANALYZE library_elements"))
    finally:
        await db.dispose()
    return mine


def cursor(order: str, elements: Any) -> str:
    """A cursor as an answer's ``_page.next`` gives it (elements only; see libraries/search)."""
    raw = json.dumps({"o": order, "l": None, "e": elements}, separators=(",", ":")).encode()
    return "s1." + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass
class Probe:
    label: str
    payload: dict[str, Any]
    last: dict[str, Any] | None = None
    """The last page's payload (with its start), when there is more than one page."""
    last_ids: list[str] | None = None


def probes(rows: list[Row], count: int) -> list[Probe]:
    by_date = sorted(rows, key=lambda r: (-r.modified_ms, r.id))
    by_name = sorted(rows, key=lambda r: (r.name.casefold(), r.id))
    cut = count - LIMIT - 1
    one_word = VOCABULARY[5]
    matches = sum(one_word in r.name.split() for r in rows)
    element: dict[str, Any] = {"asset_type": ["element"], "limit": LIMIT}
    return [
        Probe(
            "no words, -modified_date",
            element,
            {
                **element,
                "start": cursor("-modified_date", [by_date[cut].modified_ms, by_date[cut].id]),
            },
            [r.id for r in by_date[-LIMIT:]],
        ),
        Probe(
            "'color' (all), relevance",
            {**element, "query_string": "color"},
            {
                **element,
                "query_string": "color",
                "start": cursor("relevance", (count - 1) // LIMIT * LIMIT),
            },
        ),
        Probe(
            "'color' (all), orderBy name",
            {**element, "query_string": "color", "orderBy": "name"},
            {
                **element,
                "query_string": "color",
                "orderBy": "name",
                "start": cursor("name", [by_name[cut].name.casefold(), by_name[cut].id]),
            },
            [r.id for r in by_name[-LIMIT:]],
        ),
        Probe(
            f"one word ({matches}), relevance",
            {**element, "query_string": one_word},
            {
                **element,
                "query_string": one_word,
                "start": cursor("relevance", (matches - 1) // LIMIT * LIMIT),
            },
        ),
        Probe("two words, relevance", {**element, "query_string": f"{one_word} {VOCABULARY[9]}"}),
        Probe("libraries by a word", {"asset_type": ["library"], "query_string": "atlas"}),
        Probe("libraries + elements, a word", {"query_string": VOCABULARY[9], "limit": LIMIT}),
    ]


def post(http: httpx.Client, headers: dict[str, str], payload: dict[str, Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    answer = http.post("/api/v1/search", json=payload, headers=headers)
    body = answer.json()
    seconds = time.perf_counter() - began
    if answer.status_code != 200:
        raise RuntimeError(f"search {payload}: {answer.status_code} {answer.text[:300]}")
    return seconds, body


def measure(
    http: httpx.Client,
    headers: dict[str, str],
    backend: Backend,
    pid: int,
    args: Any,
    result: Result,
) -> None:
    owner_id = user_id_of(backend, backend.email)
    cclibs_cli(
        backend, "users", "create", "--email", "other@example.com", "--name", "Other",
        "--password-stdin", stdin=secrets.token_urlsafe(18) + "\n",
    )  # fmt: skip
    other_id = user_id_of(backend, "other@example.com")
    began = time.perf_counter()
    rows = asyncio.run(bulk_insert(backend, owner_id, other_id, args.elements))
    result.insert_seconds = time.perf_counter() - began
    print(f"  {backend.name}: inserted in {result.insert_seconds:.1f} s", flush=True)
    cases = probes(rows, args.elements)
    for case in cases:  # warm-up, and the answers checked once
        _, body = post(http, headers, case.payload)
        result.totals[case.label] = body["total_items"]
        if case.last is not None:
            _, last = post(http, headers, case.last)
            if last["_page"].get("next") is not None:
                result.problems.append(f"{case.label}: the last page says there is a next")
            ids = [e["id"] for e in last["elements"]]
            if case.last_ids is not None and ids != case.last_ids:
                result.problems.append(f"{case.label}: the last page is not the rows' last")
    if result.totals["no words, -modified_date"] != args.elements:
        result.problems.append(f"total {result.totals['no words, -modified_date']} != elements")
    deadline = time.monotonic() + args.time_limit * 0.8
    meter = CpuMeter(pid)
    for _ in range(args.rounds):
        for case in cases:
            pages = [("first", case.payload)] + ([("last", case.last)] if case.last else [])
            for page, payload in pages:
                seconds, _ = post(http, headers, payload)
                result.timings.setdefault(f"{case.label}: {page}", []).append(seconds)
        if time.monotonic() > deadline:
            result.problems.append("rounds cut short by the time limit")
            break
    result.other_cpu = meter.other_share()


def user_id_of(backend: Backend, email: str) -> str:
    if backend.database is None:
        with sqlite3.connect(sqlite_path(backend)) as conn:
            return str(conn.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()[0])
    return psql(
        backend.database, "SELECT id FROM users WHERE email = :'email';\n", email=email
    ).strip()


def use_alembic_head(dest: Path) -> None:
    """Run a copy of the work tree's src/ with ``HEAD`` set to Alembic's head."""
    from alembic.script import ScriptDirectory

    from cclibs.storage import migrate

    head = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()
    shutil.copytree(Path(migrate.__file__).parents[2], dest)
    module = dest / "cclibs" / "storage" / "migrate.py"
    module.write_text(
        re.sub(r'^HEAD = "\d+"', f'HEAD = "{head}"', module.read_text(), flags=re.MULTILINE)
    )
    use_source({"path": str(dest), "commit": f"work tree, HEAD={head}"})
    sys.path.insert(0, str(dest))
    for name in [m for m in sys.modules if m == "cclibs" or m.startswith("cclibs.")]:
        del sys.modules[name]


def run_backend(name: str, args: argparse.Namespace, tmp: Path) -> Result:
    database = f"cclibs_bench_search_{secrets.token_hex(4)}" if name == "postgresql" else None
    backend = Backend(name, tmp / f"data-{name}", secrets.token_urlsafe(32), database)
    result = Result(name, args.elements, 0.0)
    prepare(backend)
    try:
        with api_server(backend, tmp, result.problems, SCOPE) as served:
            port, pid, headers = served.port, served.pid, served.headers
            with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=60) as http:
                measure(http, headers, backend, pid, args, result)
    finally:
        drop(backend)
    return result


def report(result: Result) -> None:
    print(
        f"\n{result.backend}: {result.elements} elements of the caller + {result.elements // 2} "
        f"of another user, limit={LIMIT}; bulk insert {result.insert_seconds:.1f} s"
    )
    print(f"  {'ms, one request at a time':<50}{'total':>8}{'min':>8}{'median':>8}{'p90':>8}")
    for label, values in result.timings.items():
        s = {k: v * 1000 for k, v in summary(values).items()}
        total = result.totals.get(label.rsplit(": ", 1)[0], 0)
        print(f"  {label:<50}{total:>8}{s['min']:>8.1f}{s['median']:>8.1f}{s['p90']:>8.1f}")
    for label in result.timings:
        if label.endswith(": last"):
            first = statistics.median(result.timings[label.replace(": last", ": first")])
            last = statistics.median(result.timings[label])
            print(f"  last/first, {label.removesuffix(': last')}: {last / first:.2f}")
    print(f"  other processes took {result.other_cpu:.0%} of the CPUs during the rounds")
    for problem in result.problems:
        print(f"  PROBLEM: {problem}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 elements, 3 rounds")
    parser.add_argument("--elements", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=10, help="repeats of each probe")
    parser.add_argument("--postgresql", action="store_true", help="PostgreSQL too (after SQLite)")
    parser.add_argument("--time-limit", type=int, default=1200, help="seconds for the whole run")
    parser.add_argument("--quiet-wait", type=int, default=30, help="seconds to wait for quiet")
    parser.add_argument(
        "--alembic-head",
        action="store_true",
        help="run a copy of src/ whose migrate.HEAD is Alembic's head (while a new revision "
        "is not yet HEAD, cclibs refuses a database at it)",
    )
    args = parser.parse_args()
    if args.quick:
        args.elements, args.rounds = min(args.elements, 10_000), min(args.rounds, 3)
    exit_on_sigterm()
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("time limit reached"))
    signal.alarm(args.time_limit)
    with tempfile.TemporaryDirectory(prefix="cclibs-search-") as name:
        tmp = Path(name)
        if args.alembic_head:
            use_alembic_head(tmp / "src")
        print(
            f"search, {dt.datetime.now(dt.UTC).date()}: Python {platform.python_version()}, "
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
