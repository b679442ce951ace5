"""``cclibs users disable|enable EMAIL``: the web page's rules, from a terminal."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cclibs.accounts import AccountDisabled
from cclibs.cli.main import app
from cclibs.config import load_settings
from cclibs.services import build_services

runner = CliRunner()

SECRET = "cli-test-secret-" + "x" * 32
EMAIL = "grace@example.com"
PASSWORD = "a long enough password"


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {"CCLIBS_SECRET_KEY": SECRET, "CCLIBS_DATABASE_URL": database_url}


@pytest.fixture
def user(env: dict[str, str], tmp_path: Path) -> str:
    created = runner.invoke(
        app,
        [
            *("users", "create", "--email", EMAIL, "--name", "Grace Hopper"),
            *("--password-stdin", "--data-dir", str(tmp_path)),
        ],
        input=PASSWORD + "\n",
        env=env,
    )
    assert created.exit_code == 0, created.output
    return EMAIL


def users(env: dict[str, str], tmp_path: Path, command: str, *args: str) -> object:
    return runner.invoke(app, ["users", command, *args, "--data-dir", str(tmp_path)], env=env)


def listed(env: dict[str, str], tmp_path: Path) -> dict[str, bool]:
    result = runner.invoke(app, ["users", "list", "--json", "--data-dir", str(tmp_path)], env=env)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    return {row["email"]: row["is_disabled"] for row in rows}


def try_sign_in(database_url: str, tmp_path: Path) -> str:
    """Sign in with the services the server uses: 'ok', or the refusal's class name."""
    settings = load_settings(
        data_dir=tmp_path, database_url=database_url, secret_key=SECRET, env="development"
    )

    async def run() -> str:
        services = build_services(settings)
        try:
            await services.accounts.sign_in(email=EMAIL, password=PASSWORD, address="127.0.0.1")
        except AccountDisabled:
            return "AccountDisabled"
        finally:
            await services.db.dispose()
        return "ok"

    return asyncio.run(run())


def test_disable_and_enable(
    env: dict[str, str], user: str, tmp_path: Path, database_url: str
) -> None:
    assert try_sign_in(database_url, tmp_path) == "ok"

    disabled = runner.invoke(
        app, ["users", "disable", "Grace@Example.com", "--data-dir", str(tmp_path)], env=env
    )
    assert disabled.exit_code == 0, disabled.output
    assert disabled.stdout.startswith(f"disabled {EMAIL} (")
    assert listed(env, tmp_path) == {EMAIL: True}
    assert try_sign_in(database_url, tmp_path) == "AccountDisabled"

    enabled = runner.invoke(app, ["users", "enable", EMAIL, "--data-dir", str(tmp_path)], env=env)
    assert enabled.exit_code == 0, enabled.output
    assert enabled.stdout.startswith(f"enabled {EMAIL} (")
    assert listed(env, tmp_path) == {EMAIL: False}
    assert try_sign_in(database_url, tmp_path) == "ok"


@pytest.mark.parametrize("command", ["disable", "enable"])
def test_an_unknown_email_is_a_one_line_refusal(
    env: dict[str, str], user: str, tmp_path: Path, command: str
) -> None:
    result = runner.invoke(
        app, ["users", command, "nobody@example.com", "--data-dir", str(tmp_path)], env=env
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "cclibs: no account has the email nobody@example.com\n"
    assert listed(env, tmp_path) == {EMAIL: False}


@pytest.mark.parametrize("command", ["disable", "enable"])
def test_the_email_is_required(tmp_path: Path, command: str) -> None:
    result = runner.invoke(
        app, ["users", command, "--data-dir", str(tmp_path)], env={"CCLIBS_SECRET_KEY": SECRET}
    )
    assert result.exit_code == 2
    assert "Missing argument 'EMAIL'" in result.output
