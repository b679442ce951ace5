"""``cclibs keys list`` and ``cclibs keys rotate``, in process through Typer's runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cclibs.cli.main import app

runner = CliRunner()
SECRET = "cli-test-secret-" + "x" * 32


def _env(database_url: str, secret: str = SECRET) -> dict[str, str]:
    return {"CCLIBS_SECRET_KEY": secret, "CCLIBS_DATABASE_URL": database_url}


def _keys(database_url: str, tmp_path: Path) -> list[dict[str, Any]]:
    result = runner.invoke(
        app, ["keys", "list", "--json", "--data-dir", str(tmp_path)], env=_env(database_url)
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_rotate_on_an_empty_database_creates_the_first_keys(
    database_url: str, tmp_path: Path
) -> None:
    assert _keys(database_url, tmp_path) == []
    result = runner.invoke(
        app, ["keys", "rotate", "--data-dir", str(tmp_path)], env=_env(database_url)
    )
    assert result.exit_code == 0, result.output
    keys = _keys(database_url, tmp_path)
    assert sorted((k["alg"], k["state"]) for k in keys) == [
        ("ES256", "active"),
        ("RS256", "active"),
    ]
    for key in keys:
        assert f"{key['alg']}: created key {key['kid']}; it signs from now on" in result.output
        assert key["not_before"] == key["created_at"]
        assert key["retired_at"] is None


def test_rotate_one_alg_pre_publishes_and_schedules_the_retirement(
    database_url: str, tmp_path: Path
) -> None:
    args = ["keys", "rotate", "--data-dir", str(tmp_path)]
    assert runner.invoke(app, args, env=_env(database_url)).exit_code == 0
    [old_es] = [k for k in _keys(database_url, tmp_path) if k["alg"] == "ES256"]

    result = runner.invoke(app, [*args, "--alg", "ES256"], env=_env(database_url))
    assert result.exit_code == 0, result.output
    by_kid = {k["kid"]: k for k in _keys(database_url, tmp_path)}
    [new_es] = [k for k in by_kid.values() if k["alg"] == "ES256" and k["kid"] != old_es["kid"]]
    assert new_es["state"] == "pending"
    assert by_kid[old_es["kid"]]["state"] == "active"
    assert by_kid[old_es["kid"]]["retired_at"] == new_es["not_before"]
    assert [k["state"] for k in by_kid.values() if k["alg"] == "RS256"] == ["active"]
    assert f"ES256: added key {new_es['kid']}, published now, signs from" in result.output
    assert f"ES256: key {old_es['kid']} stops signing at" in result.output
    assert "leaves the JWKS at" in result.output
    assert "RS256" not in result.output


def test_list_prints_a_tab_separated_table_to_pipes(database_url: str, tmp_path: Path) -> None:
    runner.invoke(app, ["keys", "rotate", "--data-dir", str(tmp_path)], env=_env(database_url))
    result = runner.invoke(
        app, ["keys", "list", "--data-dir", str(tmp_path)], env=_env(database_url)
    )
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.output.splitlines()]
    assert lines[0][:3] == ["Kid", "Alg", "State"]
    assert sorted(line[1:3] for line in lines[1:]) == [["ES256", "active"], ["RS256", "active"]]


def test_rotate_with_another_secret_fails_and_writes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    args = ["keys", "rotate", "--data-dir", str(tmp_path)]
    assert runner.invoke(app, args, env=_env(database_url)).exit_code == 0
    wrong = runner.invoke(app, args, env=_env(database_url, secret="another-" + "y" * 40))
    assert wrong.exit_code == 1
    assert "CCLIBS_SECRET_KEY" in wrong.output
    assert len(_keys(database_url, tmp_path)) == 2


def test_rotate_refuses_an_unknown_alg(database_url: str, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["keys", "rotate", "--alg", "HS256", "--data-dir", str(tmp_path)],
        env=_env(database_url),
    )
    assert result.exit_code == 2
