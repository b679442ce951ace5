"""``cclibs clients create|list|delete`` against a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cclibs.cli.main import app

runner = CliRunner()


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {"CCLIBS_SECRET_KEY": "cli-test-secret-" + "x" * 32, "CCLIBS_DATABASE_URL": database_url}


@pytest.fixture
def owner(env: dict[str, str], tmp_path: Path) -> str:
    created = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "dev@example.com",
            "--name",
            "Dev",
            "--password-stdin",
            "--data-dir",
            str(tmp_path),
        ],
        input="developer password\n",
        env=env,
    )
    assert created.exit_code == 0, created.output
    return "dev@example.com"


def _create(env: dict[str, str], tmp_path: Path, *args: str) -> object:
    return runner.invoke(app, ["clients", "create", "--data-dir", str(tmp_path), *args], env=env)


def test_create_list_and_delete(env: dict[str, str], owner: str, tmp_path: Path) -> None:
    server = _create(
        env,
        tmp_path,
        "--owner",
        owner,
        "--type",
        "server",
        "--name",
        "Batch job",
        "--scope",
        "openid",
        "--scope",
        "cc_libraries",
        "--json",
    )
    assert server.exit_code == 0, server.output  # type: ignore[attr-defined]
    server_data = json.loads(server.output)  # type: ignore[attr-defined]
    assert len(server_data["client_id"]) == 32
    assert server_data["client_secret"].startswith("p8e-")
    assert server_data["scopes"] == ["cc_libraries", "openid"]

    spa = _create(
        env,
        tmp_path,
        "--owner",
        owner,
        "--type",
        "spa",
        "--name",
        "Web UI",
        "--redirect-uri",
        "https://ui.example.com/cb",
        "--json",
    )
    spa_data = json.loads(spa.output)  # type: ignore[attr-defined]
    assert "client_secret" not in spa_data
    assert spa_data["redirect_uris"] == ["https://ui.example.com/cb"]

    pattern = _create(
        env,
        tmp_path,
        "--owner",
        owner,
        "--type",
        "web",
        "--name",
        "Site",
        "--redirect-uri",
        "https://site.example.com/default",
        "--redirect-uri-pattern",
        r"https://site\.example\.com/callback/.*",
        "--json",
    )
    assert pattern.exit_code == 0, pattern.output  # type: ignore[attr-defined]
    assert json.loads(pattern.output)["default_redirect_uri"] == (  # type: ignore[attr-defined]
        "https://site.example.com/default"
    )

    listed = runner.invoke(app, ["clients", "list", "--json", "--data-dir", str(tmp_path)], env=env)
    ids = [json.loads(line)["client_id"] for line in listed.output.splitlines()]
    # The three made here, and the command line's credential that cclibs ships.
    assert server_data["client_id"] in ids and spa_data["client_id"] in ids and len(ids) == 4
    assert "cclibs-cli" in ids

    deleted = runner.invoke(
        app, ["clients", "delete", spa_data["client_id"], "--data-dir", str(tmp_path)], env=env
    )
    assert deleted.exit_code == 0
    again = runner.invoke(
        app, ["clients", "delete", spa_data["client_id"], "--data-dir", str(tmp_path)], env=env
    )
    assert again.exit_code == 1
    assert "no credential" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--type", "web", "--redirect-uri", "http://example.com/cb"], "use https"),
        (
            [
                "--type",
                "web",
                "--redirect-uri",
                "https://a.example.com/d",
                "--redirect-uri-pattern",
                "https://.*",
            ],
            "literal host",
        ),
        (["--type", "server", "--redirect-uri", "https://a.example.com/cb"], "no redirect URIs"),
        (["--type", "spa"], "at least one redirect URI"),
        (["--type", "server", "--scope", "nonsense"], "Unknown scope"),
    ],
)
def test_refusals_are_one_clear_line(
    env: dict[str, str], owner: str, tmp_path: Path, args: list[str], message: str
) -> None:
    result = _create(env, tmp_path, "--owner", owner, "--name", "X", *args)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert message in result.output  # type: ignore[attr-defined]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]


def test_unknown_owner(env: dict[str, str], tmp_path: Path) -> None:
    result = _create(
        env, tmp_path, "--owner", "ghost@example.com", "--type", "server", "--name", "X"
    )
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "no account with the email ghost@example.com" in result.output  # type: ignore[attr-defined]
