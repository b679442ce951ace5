"""bench/ stays runnable as the code under it changes: every script imports, and ``bench/run``
answers ``--help`` with its scenarios. The benchmarks themselves never run in the suite
(performance is measured by bench/, not asserted by tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_bench_run_help_names_every_scenario() -> None:
    done = subprocess.run(
        [str(BENCH / "run"), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    for scenario in ("cc", "refresh", "code", "api", "paging", "transfer", "startup"):
        assert f"\n  {scenario} " in done.stdout
    assert "--quick" in done.stdout
    assert "--only" in done.stdout


def test_every_bench_script_imports() -> None:
    modules = sorted(p.stem for p in BENCH.glob("*.py"))
    assert {"suite", "token_endpoint", "api_transfer", "server_choice"} <= set(modules)
    env = {**os.environ, "PYTHONPATH": str(BENCH)}
    done = subprocess.run(
        [sys.executable, "-c", f"import {', '.join(modules)}"],
        cwd=BENCH,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_the_floor_app_does_the_work_it_is_the_floor_of(tmp_path: Path) -> None:
    """bench/floor_app.py is compared with cclibs: its token is a real signed JWT for the right
    secret only, and its list reads the libraries table for the one bearer token it knows."""
    import sqlite3

    database = tmp_path / "floor.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute(
            "CREATE TABLE libraries (id TEXT, owner_id TEXT, name TEXT, created_ms INT,"
            " modified_ms INT, version INT, elements_count INT, storage_used INT)"
        )
        db.execute("INSERT INTO libraries VALUES ('L1', 'u1', 'Colors', 1, 2, 3, 4, 5)")
    script = f"""
import base64, sys
sys.path.insert(0, {str(BENCH)!r})
import httpx
from joserfc import jwt
import floor_app
from floor_app import CLIENT_ID, CLIENT_SECRET, app

async def main():
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://floor") as http:
        form = {{"grant_type": "client_credentials", "scope": "openid"}}
        good = base64.b64encode(f"{{CLIENT_ID}}:{{CLIENT_SECRET}}".encode()).decode()
        bad = base64.b64encode(f"{{CLIENT_ID}}:wrong".encode()).decode()
        ok = await http.post("/token", data=form, headers={{"Authorization": "Basic " + good}})
        token = jwt.decode(ok.json()["access_token"], floor_app._signer.key)
        refused = await http.post("/token", data=form, headers={{"Authorization": "Basic " + bad}})
        listed = await http.get("/api/v1/libraries", headers={{"Authorization": "Bearer t0k"}})
        stranger = await http.get("/api/v1/libraries", headers={{"Authorization": "Bearer other"}})
    print(ok.status_code, token.header["alg"], token.claims["sub"], refused.status_code)
    print(listed.status_code, [lib["name"] for lib in listed.json()["libraries"]])
    print(stranger.status_code)

import asyncio
asyncio.run(main())
"""
    env = {**os.environ, "FLOOR_ALG": "ES256", "FLOOR_DB": str(database), "FLOOR_TOKEN": "t0k"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "200 ES256 floor-client 401",
        "200 ['Colors']",
        "401",
    ]
