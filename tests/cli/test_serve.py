"""``cclibs serve`` as a user runs it: a real process, real workers, real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx

from tests.support.servers import CCLIBS, free_port
from tests.support.servers import cclibs_serve as serving


def test_serve_on_an_empty_data_dir_with_two_workers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serving(["--data-dir", str(data), "--workers", "2"], {}) as (base, process):
        assert httpx.get(f"{base}/readyz").status_code == 200
        page = httpx.get(f"{base}/signin")
        assert page.status_code == 200
        assert "Sign in" in page.text
        # The generated development key is shared by both workers: a CSRF token minted by
        # one worker is accepted by whichever worker takes the POST.
        with httpx.Client(base_url=base) as browser:
            for _ in range(6):
                token = browser.get("/signup").text.split('name="csrf_token" value="')[1][:64]
                answer = browser.post(
                    "/signup",
                    data={
                        "csrf_token": token,
                        "email": "bad",
                        "name": "A",
                        "password": "x",
                    },
                )
                assert answer.status_code == 400
        # Every page the banner names is there (the console after sign-in).
        assert httpx.get(f"{base}/playground").status_code == 200
        assert httpx.get(f"{base}/console").headers["location"].startswith("/signin")
    out, err = process.communicate()
    assert (data / "cclibs.sqlite3").exists()
    for line in (
        "Sign in:",
        "/signin",
        "Console:",
        "/console",
        "Playground:",
        "/playground",
    ):
        assert line in out
    assert "DEVELOPMENT SHORTCUT: CCLIBS_SECRET_KEY is unset" in err
    assert "DEVELOPMENT SHORTCUT: open sign-up is on" in err


def test_production_logs_are_json_lines_without_query_strings(tmp_path: Path) -> None:
    env = {"CCLIBS_ENV": "production", "CCLIBS_SECRET_KEY": "p" * 48}
    with serving(["--data-dir", str(tmp_path)], env) as (base, process):
        httpx.get(f"{base}/healthz?client_secret=hunter2", headers={"x-request-id": "rid-1"})
    _, err = process.communicate()
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert records, err
    access = [r for r in records if r.get("request_id") == "rid-1"]
    assert access and access[0]["path"] == "/healthz" and access[0]["status"] == 200
    assert "hunter2" not in err
    assert "DEVELOPMENT SHORTCUT" not in err


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    env = {**os.environ, "CCLIBS_ENV": "production", "CCLIBS_ISSUER": "https://id.example.com"}
    env.pop("CCLIBS_SECRET_KEY", None)
    result = subprocess.run(
        [CCLIBS, "serve", "--data-dir", str(tmp_path), "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "CCLIBS_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr
