"""The dependency direction of the house: domain code loads no web framework and no ORM."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["cclibs.accounts", "cclibs.clock", "cclibs.config"])
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
