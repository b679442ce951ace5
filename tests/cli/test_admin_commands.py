"""``cclibs --version``, ``db`` and ``users``, run in process through Typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cclibs import __version__
from cclibs.cli.main import app

runner = CliRunner()


def _env(database_url: str | None = None) -> dict[str, str]:
    env = {"CCLIBS_SECRET_KEY": "cli-test-secret-" + "x" * 32}
    if database_url:
        env["CCLIBS_DATABASE_URL"] = database_url
    return env


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"cclibs {__version__}"


def test_db_upgrade_creates_the_embedded_database(tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--data-dir", str(tmp_path)], env=_env())
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cclibs.sqlite3").exists()
    check = runner.invoke(app, ["db", "check", "--data-dir", str(tmp_path)], env=_env())
    assert check.exit_code == 0, check.output
    assert "models and migrations agree" in check.output


def test_users_create_and_list(database_url: str, tmp_path: Path) -> None:
    args = [
        "users",
        "create",
        "--email",
        "Grace@Example.com",
        "--name",
        "Grace Hopper",
        "--password-stdin",
        "--admin",
        "--json",
        "--data-dir",
        str(tmp_path),
    ]
    created = runner.invoke(app, args, input="a long enough password\n", env=_env(database_url))
    assert created.exit_code == 0, created.output
    user = json.loads(created.output)
    assert user["email"] == "grace@example.com"
    assert user["is_admin"] is True
    assert user["email_verified"] is False  # confirmed through the link, unless vouched for
    assert user["id"].endswith("@AdobeID")
    listed = runner.invoke(
        app, ["users", "list", "--json", "--data-dir", str(tmp_path)], env=_env(database_url)
    )
    assert listed.exit_code == 0, listed.output
    assert [json.loads(line)["id"] for line in listed.output.splitlines()] == [user["id"]]
    table = runner.invoke(
        app, ["users", "list", "--data-dir", str(tmp_path)], env=_env(database_url)
    )
    assert "grace@example.com" in table.output


def test_users_create_verified_vouches_for_the_address(database_url: str, tmp_path: Path) -> None:
    args = ["users", "create", "--email", "Ann@Example.com", "--name", "Ann", "--verified"]
    args += ["--password-stdin", "--json", "--data-dir", str(tmp_path)]
    created = runner.invoke(app, args, input="a long enough password\n", env=_env(database_url))
    assert created.exit_code == 0, created.output
    assert json.loads(created.output)["email_verified"] is True
    listed = runner.invoke(
        app, ["users", "list", "--json", "--data-dir", str(tmp_path)], env=_env(database_url)
    )
    assert json.loads(listed.output.splitlines()[0])["email_verified"] is True


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--email", "bad", "--name", "N"], "a long enough password\n", "email"),
        (["--email", "a@b.co", "--name", "N"], "short\n", "at least 8 characters"),
    ],
)
def test_users_create_refusals_are_one_line(
    database_url: str, tmp_path: Path, args: list[str], stdin: str, message: str
) -> None:
    result = runner.invoke(
        app,
        ["users", "create", *args, "--password-stdin", "--data-dir", str(tmp_path)],
        input=stdin,
        env=_env(database_url),
    )
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_users_create_duplicate_email(database_url: str, tmp_path: Path) -> None:
    args = [
        "users",
        "create",
        "--email",
        "a@b.co",
        "--name",
        "A",
        "--password-stdin",
        "--data-dir",
        str(tmp_path),
    ]
    assert runner.invoke(app, args, input="password one\n", env=_env(database_url)).exit_code == 0
    again = runner.invoke(app, args, input="password two\n", env=_env(database_url))
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_users_create_wants_the_password_on_stdin(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["users", "create", "--email", "a@b.co", "--name", "A", "--data-dir", str(tmp_path)],
        env=_env(),
    )
    assert result.exit_code == 2
    assert "--password-stdin" in result.output


def test_bad_setting_is_one_line_naming_it(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["db", "upgrade", "--data-dir", str(tmp_path)],
        env={
            "CCLIBS_ENV": "production",
            "CCLIBS_SECRET_KEY": "changeme",
            "CCLIBS_ISSUER": "https://id.example.com",
        },
    )
    assert result.exit_code == 2
    assert "CCLIBS_SECRET_KEY" in result.output
    assert "Traceback" not in result.output
