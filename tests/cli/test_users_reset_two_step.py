"""``cclibs users reset-two-step EMAIL``: an administrator turns a lost second factor off."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pyotp
from typer.testing import CliRunner

from cclibs.accounts import SecondStepDue, SignedIn
from cclibs.cli.main import app
from cclibs.config import load_settings
from cclibs.services import build_services
from tests.cli.test_users_disable import EMAIL, PASSWORD, SECRET, env, user

__all__ = ["env", "user"]  # the fixtures this module shares

runner = CliRunner()


def turn_on_and_sign_in(database_url: str, tmp_path: Path, *, turn_on: bool) -> str:
    """Optionally set up two-step sign-in; then what a right password gives."""
    settings = load_settings(
        data_dir=tmp_path, database_url=database_url, secret_key=SECRET, env="development"
    )

    async def run() -> str:
        services = build_services(settings)
        try:
            found = await services.accounts.find_by_email(EMAIL)
            assert found is not None
            if turn_on:
                enrolment = services.two_step.begin(found, "session")
                code = pyotp.TOTP(enrolment.secret).now()
                await services.two_step.enable(found, "session", enrolment.pending, code)
            result = await services.accounts.sign_in(
                email=EMAIL, password=PASSWORD, address="127.0.0.1"
            )
        finally:
            await services.db.dispose()
        assert isinstance(result, SignedIn | SecondStepDue)
        return type(result).__name__

    return asyncio.run(run())


def test_reset_turns_two_step_off(
    env: dict[str, str], user: str, tmp_path: Path, database_url: str
) -> None:
    assert turn_on_and_sign_in(database_url, tmp_path, turn_on=True) == "SecondStepDue"
    reset = runner.invoke(
        app, ["users", "reset-two-step", "Grace@Example.com", "--data-dir", str(tmp_path)], env=env
    )
    assert reset.exit_code == 0, reset.output
    assert re.fullmatch(rf"two-step sign-in is off for {EMAIL} \(.+\)\n", reset.stdout)
    assert turn_on_and_sign_in(database_url, tmp_path, turn_on=False) == "SignedIn"
    again = runner.invoke(
        app, ["users", "reset-two-step", EMAIL, "--data-dir", str(tmp_path)], env=env
    )
    assert again.exit_code == 0
    assert again.stdout.endswith("did not use two-step sign-in\n")


def test_an_unknown_email_is_refused(env: dict[str, str], user: str, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["users", "reset-two-step", "nobody@example.com", "--data-dir", str(tmp_path)], env=env
    )
    assert result.exit_code == 1
    assert result.stderr == "cclibs: no account has the email nobody@example.com\n"
