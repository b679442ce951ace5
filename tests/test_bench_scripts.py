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
