"""How queries should reach SQLite from the event loop: a micro-benchmark of the ways.

cclibs runs SQLAlchemy's asyncio engine over aiosqlite, which hands every statement to a
thread and the result back to the loop. This measures, on one SQLite file in WAL mode with the
pragmas cclibs sets, two operations that matter on the hot paths:

- read: a one-statement read transaction by primary key (the change-counter check of
  ``cclibs.storage.versions``, or a cache miss);
- refresh: one write transaction shaped like a refresh-token rotation (BEGIN IMMEDIATE, select
  the token by key, mark it rotated, insert its successor, COMMIT).

Each through:

- ``sqlalchemy+aiosqlite``: what cclibs uses (Core statements on an ``AsyncConnection``);
- ``aiosqlite``: the driver alone, one thread hand-off per statement;
- ``thread per transaction``: a dedicated thread owns a sqlite3 connection and runs a whole
  transaction per hand-off (``run_in_executor``);
- ``sync on the loop``: sqlite3 called directly on the loop (no hand-off; the loop is blocked
  meanwhile, and a writer waiting for another process's write lock would block it for up to
  the busy timeout);
- ``sqlalchemy sync on the loop``: the same through a synchronous SQLAlchemy Core connection;
- ``cclibs LoopWriter`` (refresh only): what ``Database.write_connection`` does on SQLite since
  this benchmark: BEGIN IMMEDIATE in a thread (it may wait for another process's writer), the
  statements and COMMIT on the loop, writers of the process queued on an asyncio lock.

Each row runs ``--concurrency`` coroutines for ``--duration`` seconds after a warm-up; it
reports operations per second, µs of this process's CPU per operation, and the share of the
CPUs other processes took (> 10 %: disturbed). Run it through the benchmark lock:

    flock /tmp/cclibs-bench.lock .venv/bin/python bench/sqlite_access.py [--duration 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import secrets
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiosqlite
from _harness import CpuMeter, quiet_check
from sqlalchemy import create_engine, event, text
from sqlalchemy.ext.asyncio import create_async_engine

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA synchronous=NORMAL",
)
_READ = "SELECT version FROM counters WHERE name = 'credentials'"
_SELECT = "SELECT hash, grant_id, rotated_at FROM tokens WHERE hash = ?"
_ROTATE = "UPDATE tokens SET rotated_at = ? WHERE hash = ? AND rotated_at IS NULL"
_INSERT = "INSERT INTO tokens (hash, grant_id, rotated_at) VALUES (?, ?, NULL)"


def _setup(path: Path, rows: int) -> None:
    with sqlite3.connect(path) as conn:
        for pragma in _PRAGMAS:
            conn.execute(pragma)
        conn.execute("CREATE TABLE counters (name TEXT PRIMARY KEY, version INTEGER)")
        conn.execute("INSERT INTO counters VALUES ('credentials', 1)")
        conn.execute("CREATE TABLE tokens (hash TEXT PRIMARY KEY, grant_id TEXT, rotated_at REAL)")
        conn.executemany(
            "INSERT INTO tokens VALUES (?, ?, NULL)",
            ((secrets.token_hex(32), secrets.token_hex(16)) for _ in range(rows)),
        )


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in _PRAGMAS:
        conn.execute(pragma)
    return conn


def _sync_refresh(conn: sqlite3.Connection, token: str) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(_SELECT, (token,)).fetchone()
        conn.execute(_ROTATE, (time.time(), token))
        conn.execute(_INSERT, (secrets.token_hex(32), "g"))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _sync_read(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN")
    conn.execute(_READ).fetchone()
    conn.execute("COMMIT")


Op = Callable[[], Awaitable[None]]


async def _sqlalchemy_async(path: Path) -> tuple[Op, Op, Callable[[], Awaitable[None]]]:
    engines = []
    for begin in ("BEGIN", "BEGIN IMMEDIATE"):
        engine = create_async_engine(f"sqlite+aiosqlite:///{path}")

        def on_connect(dbapi: Any, _record: Any) -> None:
            dbapi.isolation_level = None
            for pragma in _PRAGMAS:
                dbapi.cursor().execute(pragma)

        def on_begin(conn: Any, statement: str = begin) -> None:
            conn.exec_driver_sql(statement)

        event.listen(engine.sync_engine, "connect", on_connect)
        event.listen(engine.sync_engine, "begin", on_begin)
        engines.append(engine)
    reader, writer = engines
    read_stmt, select_stmt = text(_READ), text(_SELECT.replace("?", ":h"))
    rotate = text(_ROTATE.replace("?", ":t", 1).replace("?", ":h"))
    insert = text(_INSERT.replace("?", ":h", 1).replace("?", ":g"))

    async def read() -> None:
        async with reader.connect() as conn:
            (await conn.execute(read_stmt)).scalar()

    async def refresh() -> None:
        token = secrets.token_hex(32)
        async with writer.begin() as conn:
            (await conn.execute(select_stmt, {"h": token})).first()
            await conn.execute(rotate, {"t": time.time(), "h": token})
            await conn.execute(insert, {"h": secrets.token_hex(32), "g": "g"})

    async def close() -> None:
        for engine in engines:
            await engine.dispose()

    return read, refresh, close


async def _aiosqlite(path: Path) -> tuple[Op, Op, Callable[[], Awaitable[None]]]:
    reader = await aiosqlite.connect(path, isolation_level=None)
    writer = await aiosqlite.connect(path, isolation_level=None)
    for conn in (reader, writer):
        for pragma in _PRAGMAS:
            await conn.execute(pragma)
    lock = asyncio.Lock()  # one connection: transactions must not interleave on it

    async def read() -> None:
        async with reader.execute(_READ) as cursor:
            await cursor.fetchone()

    async def refresh() -> None:
        token = secrets.token_hex(32)
        async with lock:
            await writer.execute("BEGIN IMMEDIATE")
            async with writer.execute(_SELECT, (token,)) as cursor:
                await cursor.fetchone()
            await writer.execute(_ROTATE, (time.time(), token))
            await writer.execute(_INSERT, (secrets.token_hex(32), "g"))
            await writer.execute("COMMIT")

    async def close() -> None:
        await reader.close()
        await writer.close()

    return read, refresh, close


async def _threads(path: Path) -> tuple[Op, Op, Callable[[], Awaitable[None]]]:
    reads, writes = ThreadPoolExecutor(1), ThreadPoolExecutor(1)
    reader = reads.submit(_connect, path).result()
    writer = writes.submit(_connect, path).result()
    loop = asyncio.get_running_loop()

    async def read() -> None:
        await loop.run_in_executor(reads, _sync_read, reader)

    async def refresh() -> None:
        await loop.run_in_executor(writes, _sync_refresh, writer, secrets.token_hex(32))

    async def close() -> None:
        reads.submit(reader.close).result()
        writes.submit(writer.close).result()
        reads.shutdown()
        writes.shutdown()

    return read, refresh, close


async def _on_loop(path: Path) -> tuple[Op, Op, Callable[[], Awaitable[None]]]:
    conn = _connect(path)

    async def read() -> None:
        _sync_read(conn)

    async def refresh() -> None:
        _sync_refresh(conn, secrets.token_hex(32))

    async def close() -> None:
        conn.close()

    return read, refresh, close


async def _sqlalchemy_on_loop(path: Path) -> tuple[Op, Op, Callable[[], Awaitable[None]]]:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def on_connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None
        for pragma in _PRAGMAS:
            dbapi.cursor().execute(pragma)

    read_stmt, select_stmt = text(_READ), text(_SELECT.replace("?", ":h"))
    rotate = text(_ROTATE.replace("?", ":t", 1).replace("?", ":h"))
    insert = text(_INSERT.replace("?", ":h", 1).replace("?", ":g"))

    async def read() -> None:
        with engine.connect() as conn:
            conn.exec_driver_sql("BEGIN")
            conn.execute(read_stmt).scalar()
            conn.exec_driver_sql("COMMIT")

    async def refresh() -> None:
        token = secrets.token_hex(32)
        with engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.execute(select_stmt, {"h": token}).first()
            conn.execute(rotate, {"t": time.time(), "h": token})
            conn.execute(insert, {"h": secrets.token_hex(32), "g": "g"})
            conn.exec_driver_sql("COMMIT")

    async def close() -> None:
        engine.dispose()

    return read, refresh, close


async def _loop_writer(path: Path) -> tuple[Op | None, Op, Callable[[], Awaitable[None]]]:
    from sqlalchemy.engine import make_url

    from cclibs.storage.sqlite_writer import LoopWriter

    def on_connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None
        for pragma in _PRAGMAS:
            dbapi.cursor().execute(pragma)

    writer = LoopWriter(make_url(f"sqlite:///{path}"), timeout=10, on_connect=on_connect)
    select_stmt = text(_SELECT.replace("?", ":h"))
    rotate = text(_ROTATE.replace("?", ":t", 1).replace("?", ":h"))
    insert = text(_INSERT.replace("?", ":h", 1).replace("?", ":g"))

    async def refresh() -> None:
        token = secrets.token_hex(32)
        async with writer.transaction() as conn:
            (await conn.execute(select_stmt.bindparams(h=token))).first()
            await conn.execute(rotate.bindparams(t=time.time(), h=token))
            await conn.execute(insert.bindparams(h=secrets.token_hex(32), g="g"))

    async def close() -> None:
        writer.dispose()

    return None, refresh, close


WAYS = {
    "sqlalchemy+aiosqlite": _sqlalchemy_async,
    "aiosqlite": _aiosqlite,
    "thread per transaction": _threads,
    "sync on the loop": _on_loop,
    "sqlalchemy sync on the loop": _sqlalchemy_on_loop,
    "cclibs LoopWriter": _loop_writer,
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _load(op: Op, concurrency: int, seconds: float) -> int:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await op()
            done += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done


async def _measure(way: str, path: Path, args: argparse.Namespace) -> list[str]:
    read, refresh, close = await WAYS[way](path)
    lines = []
    try:
        for name, op in (("read", read), ("refresh", refresh)):
            if op is None:
                continue
            await _load(op, args.concurrency, args.warmup)
            meter, began, cpu = CpuMeter(), time.perf_counter(), _cpu()
            count = await _load(op, args.concurrency, args.duration)
            wall, used = time.perf_counter() - began, _cpu() - cpu
            other = meter.other_share()
            lines.append(
                f"  {way:28} {name:8} {count / wall:9.0f} {used / count * 1e6:9.0f}"
                f" {other:6.0%}{'  (disturbed)' if other > args.max_other else ''}"
            )
            print(lines[-1], flush=True)
    finally:
        await close()
    return lines


async def main(args: argparse.Namespace) -> None:
    print(f"sqlite access benchmark: SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs")
    print(f"  {quiet_check()}")
    print(
        f"  {args.concurrency} coroutines, {args.warmup} s warm-up, {args.duration} s measured;"
        f" {args.rows} token rows"
    )
    print(f"  {'way':28} {'op':8} {'ops/s':>9} {'CPU µs/op':>9} {'other':>6}")
    with tempfile.TemporaryDirectory(prefix="cclibs-sqlite-") as tmp:
        path = Path(tmp) / "bench.sqlite3"
        _setup(path, args.rows)
        for way in args.ways:
            await _measure(way, path, args)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--max-other", type=float, default=0.10)
    parser.add_argument("--ways", nargs="+", choices=list(WAYS), default=list(WAYS))
    parser.add_argument("--no-uvloop", action="store_true", help="asyncio's own loop")
    arguments = parser.parse_args()
    if arguments.no_uvloop:
        asyncio.run(main(arguments))
    else:
        import uvloop

        uvloop.run(main(arguments))
