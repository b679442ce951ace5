"""The dependency direction of the house: domain code loads no web framework and no ORM."""

from __future__ import annotations

import subprocess
import sys

import pytest

DOMAIN = [
    "cclibs.accounts",
    "cclibs.clock",
    "cclibs.config",
    "cclibs.mail.service",
    "cclibs.mail.worker",
    "cclibs.mail.smtp",
    "cclibs.mail.eml_files",
    "cclibs.oauth.keys",
    "cclibs.oauth.registration",
    "cclibs.oauth.endpoints.authorize",
    "cclibs.oauth.endpoints.token",
    "cclibs.oauth.endpoints.discovery",
    "cclibs.oauth.endpoints.revoke",
    "cclibs.oauth.endpoints.userinfo",
    "cclibs.oauth.grants.authorization_code",
    "cclibs.oauth.grants.refresh_token",
    "cclibs.oauth.grants.client_credentials",
]


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_modules_load_no_framework_or_orm(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = [m for m in ('starlette', 'fastapi', 'sqlalchemy') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{module} loads {result.stdout.strip()}"


SERVER_ONLY = ("starlette", "sqlalchemy", "uvicorn", "jinja2", "argon2", "alembic")


@pytest.mark.parametrize("module", ["cclibs.sdk", "cclibs.cli.main"])
def test_the_sdk_and_the_command_line_load_no_server_dependency(module: str) -> None:
    # cclibs.cli.main too: `cclibs token` in a script must start fast; server commands import
    # the server when they run.
    code = (
        f"import sys, {module}\n"
        f"bad = [m for m in {(*SERVER_ONLY, 'pydantic_settings')!r} if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{module} loads {result.stdout.strip()}"
