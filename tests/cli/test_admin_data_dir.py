"""Administrators' commands against the right data: a data directory without a database, or a
database whose schema is not this cclibs', is refused in one line; nothing is created.

Run in process through Typer's runner (cheap); ``cclibs serve`` and ``db upgrade`` are the
only commands that create a database.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cclibs.cli.main import app
from cclibs.storage import migrate

runner = CliRunner()

# Every command that opens the database, with what it needs besides --data-dir.
ADMIN_COMMANDS = [
    ["users", "create", "--email", "a@example.com", "--name", "A", "--password-stdin"],
    ["users", "list"],
    ["users", "disable", "a@example.com"],
    ["users", "enable", "a@example.com"],
    ["clients", "create", "--owner", "a@example.com", "--type", "server", "--name", "Job"],
    ["clients", "list"],
    ["clients", "delete", "0123456789abcdef0123456789abcdef"],
    ["keys", "list"],
    ["keys", "rotate"],
    ["db", "purge"],
]


def _env() -> dict[str, str | None]:
    """No secret key and no database URL: a stray run would generate a key file and a
    SQLite database in the data directory, which the tests then find."""
    return {"CCLIBS_SECRET_KEY": None, "CCLIBS_DATABASE_URL": None, "CCLIBS_DATA_DIR": None}


def _run(args: list[str], data_dir: Path, env: dict[str, str | None] | None = None) -> Result:
    return runner.invoke(
        app, [*args, "--data-dir", str(data_dir)], input="a password\n", env=env or _env()
    )


def _one_line_failure(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cclibs: ")
    return lines[0]


@pytest.mark.parametrize("args", ADMIN_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_data_dir_without_a_database_is_named_and_left_alone(
    args: list[str], tmp_path: Path
) -> None:
    wrong = tmp_path / "not-the-server-data"
    line = _one_line_failure(_run(args, wrong))
    assert f"no cclibs database at {wrong / 'cclibs.sqlite3'}" in line
    assert "--data-dir" in line and "CCLIBS_DATA_DIR" in line
    assert not wrong.exists()  # no stray directory, database or development key


def test_an_empty_directory_stays_empty(tmp_path: Path) -> None:
    line = _one_line_failure(_run(["clients", "list"], tmp_path))
    assert "--data-dir" in line
    assert list(tmp_path.iterdir()) == []


def test_a_database_without_the_schema_says_to_upgrade(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "cclibs.sqlite3").close()  # an empty SQLite file
    line = _one_line_failure(_run(["users", "list"], tmp_path))
    assert "has no cclibs tables: run cclibs db upgrade" in line
    assert "cclibs serve" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cclibs.sqlite3"]


def test_a_database_behind_the_schema_says_to_upgrade(tmp_path: Path) -> None:
    migrate.upgrade(f"sqlite:///{tmp_path / 'cclibs.sqlite3'}", "0009")
    line = _one_line_failure(_run(["clients", "create", *ADMIN_COMMANDS[4][2:]], tmp_path))
    assert f"is at schema 0009, this cclibs needs {migrate.HEAD}" in line
    assert "run cclibs db upgrade" in line
    # And after the upgrade the same database works, with the shipped CLI credential in it.
    upgraded = _run(["db", "upgrade"], tmp_path)
    assert upgraded.exit_code == 0, upgraded.output
    listed = _run(["clients", "list", "--json"], tmp_path)
    assert listed.exit_code == 0, listed.output
    assert [json.loads(line)["client_id"] for line in listed.stdout.splitlines()] == ["cclibs-cli"]


def test_an_unreachable_database_url_is_one_line(tmp_path: Path) -> None:
    url = "postgresql://postgres@127.0.0.1:5432/cclibs_no_such_database"
    env = {**_env(), "CCLIBS_DATABASE_URL": url}
    line = _one_line_failure(_run(["users", "list"], tmp_path / "data", env))
    assert "cannot open the database" in line and "CCLIBS_DATABASE_URL" in line
    assert "cclibs_no_such_database" in line
    assert not (tmp_path / "data").exists()


def test_the_shipped_cli_credential_is_listed_and_not_deletable(tmp_path: Path) -> None:
    env = {**_env(), "CCLIBS_SECRET_KEY": "cli-test-secret-" + "x" * 32}  # no key warning
    assert _run(["db", "upgrade"], tmp_path, env).exit_code == 0
    listed = _run(["clients", "list"], tmp_path, env)
    assert listed.exit_code == 0, listed.output
    fields = listed.stdout.splitlines()[0].split("\t")
    assert fields[:3] == ["cclibs-cli", "native", "cclibs command line (ships with cclibs)"]
    assert "http://127.0.0.1/callback" in fields[3]

    line = _one_line_failure(_run(["clients", "delete", "cclibs-cli"], tmp_path, env))
    assert line == (
        "cclibs: cclibs-cli ships with cclibs (the command line's credential) and cannot be "
        "deleted."
    )
    again = _run(["clients", "list", "--json"], tmp_path, env)
    assert json.loads(again.stdout.splitlines()[0])["first_party"] is True
