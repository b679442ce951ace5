"""``cclibs login``, ``token``, ``whoami``, ``logout``: separate processes, one live cclibs.

Every command runs as its own process (``python -m cclibs``) with a config directory in
tmp, as a person or a script would run it.
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from cclibs.sdk import Tokens
from cclibs.sdk._files import exclusive_lock
from tests.cli._login_support import TIMEOUT, cclibs, login_url, popen, socket_closed
from tests.support.live_cclibs import USER_EMAIL, USER_NAME, Browser, Live, live

__all__ = ["live"]


@pytest.fixture
def config(tmp_path: Path, live: Live) -> Path:
    directory = tmp_path / "config"
    added = cclibs(
        directory, "profiles", "add", "local", "--issuer", live.url, "--client-id", live.native_id
    )
    assert added.returncode == 0, added.stderr
    return directory


def _log_in(config: Path, decision: str = "allow") -> subprocess.CompletedProcess[str]:
    process = popen(config, "login", "--no-browser")
    person = Browser(decision)
    try:
        person.open_and_deliver(login_url(process))
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    finally:
        person.close()
        if process.poll() is None:
            process.kill()
    assert process.returncode is not None
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _cache(config: Path) -> Path:
    return config / "tokens" / "local.json"


def test_login_then_token_and_whoami_in_other_processes(live: Live, config: Path) -> None:
    started = time.monotonic()
    logged_in = _log_in(config)
    elapsed = time.monotonic() - started
    assert logged_in.returncode == 0, logged_in.stderr
    assert "Logged in with profile local" in logged_in.stderr
    assert elapsed < 20
    assert stat.S_IMODE(_cache(config).stat().st_mode) == 0o600

    token = cclibs(config, "token")
    assert token.returncode == 0, token.stderr
    cached = Tokens.from_json(_cache(config).read_text())
    assert token.stdout.strip() == cached.access_token  # reused, not a new login
    userinfo = httpx.get(
        f"{live.url}/ims/userinfo/v2", headers={"authorization": f"Bearer {cached.access_token}"}
    )
    assert userinfo.json()["email"] == USER_EMAIL

    whoami = cclibs(config, "whoami")
    assert whoami.stdout.strip() == f"{USER_NAME} <{USER_EMAIL}>"
    decoded = json.loads(cclibs(config, "token", "--decode").stdout)
    assert decoded["client_id"] == live.native_id
    assert decoded["iss"] == live.url


def _waiters(lock_file: Path) -> int:
    """How many processes wait for a flock on ``lock_file`` (Linux /proc/locks)."""
    inode = lock_file.stat().st_ino
    count = 0
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields and fields[fields.index("->") + 1] == "FLOCK":
            device = fields[fields.index("->") + 5]
            if int(device.rsplit(":", 1)[1]) == inode:
                count += 1
    return count


def test_two_processes_refreshing_at_once_share_one_refresh(live: Live, config: Path) -> None:
    assert _log_in(config).returncode == 0
    before = Tokens.from_json(_cache(config).read_text())
    # Expired in the cache: both processes must refresh. The server has no reuse grace, so a
    # refresh token spent twice would revoke the whole family and fail one of them.
    _cache(config).write_text(Tokens.to_json(before.expired()))
    lock_file = config / "tokens" / "local.lock"

    with exclusive_lock(lock_file):  # hold both at the door, then let them race
        processes = [popen(config, "token") for _ in range(2)]
        deadline = time.monotonic() + TIMEOUT
        while _waiters(lock_file) < 2:
            assert time.monotonic() < deadline, "the two processes never waited for the lock"
            assert all(p.poll() is None for p in processes), [p.communicate() for p in processes]
            time.sleep(0.02)
    results = [p.communicate(timeout=TIMEOUT) for p in processes]

    assert [p.returncode for p in processes] == [0, 0], results
    printed = {stdout.strip() for stdout, _ in results}
    after = Tokens.from_json(_cache(config).read_text())  # valid JSON, a complete cache
    assert printed == {after.access_token}  # both use the one refreshed token
    assert after.access_token != before.access_token
    assert after.refresh_token not in (None, before.refresh_token)
    for token in printed:
        answer = httpx.get(
            f"{live.url}/ims/userinfo/v2", headers={"authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200
    # The newest refresh token was kept and still works.
    again = cclibs(config, "token", "--refresh")
    assert again.returncode == 0, again.stderr


def test_logout_revokes_at_the_server_then_clears_the_cache(live: Live, config: Path) -> None:
    assert _log_in(config).returncode == 0
    tokens = Tokens.from_json(_cache(config).read_text())

    logout = cclibs(config, "logout")

    assert logout.returncode == 0, logout.stderr
    assert "tokens were revoked" in logout.stderr
    assert not _cache(config).exists()
    refreshed = httpx.post(
        f"{live.url}/ims/token/v3",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "client_id": live.native_id,
        },
    )
    assert refreshed.json()["error"] == "invalid_grant"
    userinfo = httpx.get(
        f"{live.url}/ims/userinfo/v2", headers={"authorization": f"Bearer {tokens.access_token}"}
    )
    assert userinfo.status_code == 401
    after = cclibs(config, "token")
    assert after.returncode == 1
    assert after.stderr == "cclibs: not logged in with profile local: run cclibs login\n"


# Failures: one line on stderr, exit status 1 ---------------------------------------------


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith("cclibs: ")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_a_denied_consent(live: Live, config: Path) -> None:
    line = _one_line(_log_in(config, decision="deny"))
    assert line.startswith("cclibs: access denied: ")
    assert not _cache(config).exists()


def test_a_revoked_refresh_token(live: Live, config: Path) -> None:
    assert _log_in(config).returncode == 0
    tokens = Tokens.from_json(_cache(config).read_text())
    revoked = httpx.post(
        f"{live.url}/ims/revoke", data={"token": tokens.refresh_token, "client_id": live.native_id}
    )
    assert revoked.status_code == 200
    line = _one_line(cclibs(config, "token", "--refresh"))
    assert line == (
        "cclibs: the refresh token of profile local has expired or was revoked: "
        "run cclibs login again"
    )


def test_an_issuer_that_cannot_be_reached(tmp_path: Path) -> None:
    config = tmp_path / "config"
    with socket_closed() as url:
        cclibs(config, "profiles", "add", "local", "--issuer", url, "--client-id", "x" * 32)
        line = _one_line(cclibs(config, "login", "--no-browser"))
    assert re.fullmatch(rf"cclibs: cannot reach {re.escape(url)}: .+", line), line


def test_a_wrong_client_secret(live: Live, tmp_path: Path) -> None:
    config = tmp_path / "config"
    cclibs(
        config,
        "profiles",
        "add",
        "batch",
        "--issuer",
        live.url,
        "--client-id",
        live.server_id,
        "--client-secret-stdin",
        stdin="p8e-not-the-secret\n",
    )
    line = _one_line(cclibs(config, "login", "--profile", "batch", "--client-credentials"))
    assert line.startswith("cclibs: the server refused the client id or client secret")


def test_no_client_id_for_the_local_profile_says_what_to_run(tmp_path: Path) -> None:
    # The preset has the shipped id; only an explicit empty one in profiles.toml lacks it.
    config = tmp_path / "config"
    config.mkdir()
    (config / "profiles.toml").write_text('[profiles.local]\nclient_id = ""\n')
    line = _one_line(cclibs(config, "login"))
    assert line.startswith("cclibs: no client id for profile local: run cclibs profiles add")
    assert "--client-id cclibs-cli" in line


def test_client_credentials_login(live: Live, tmp_path: Path) -> None:
    config = tmp_path / "config"
    cclibs(
        config,
        "profiles",
        "add",
        "batch",
        "--issuer",
        live.url,
        "--client-id",
        live.server_id,
        "--client-secret-stdin",
        stdin=live.server_secret + "\n",
    )
    logged_in = cclibs(config, "login", "--profile", "batch", "--client-credentials")
    assert logged_in.returncode == 0, logged_in.stderr
    claims = json.loads(cclibs(config, "token", "--profile", "batch", "--decode").stdout)
    assert claims["client_id"] == live.server_id
    assert "offline_access" not in claims.get("scope", "")
    cached = Tokens.from_json((config / "tokens" / "batch.json").read_text())
    assert cached.refresh_token is None and cached.grant_type == "client_credentials"
