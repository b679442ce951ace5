"""What every command shares: settings from options and environment, one-line failures.

Server modules are imported inside the commands that use them, so that ``cclibs token`` and
the other SDK commands start without loading the server (SQLAlchemy, pydantic, uvicorn).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from cclibs.config import Settings

__all__ = ["DataDirOption", "fail", "settings_from"]

DataDirOption = typer.Option(
    None, "--data-dir", help="Data directory (default: CCLIBS_DATA_DIR or ./cclibs-data)."
)


def fail(message: str, code: int = 1) -> NoReturn:
    """One clear line on stderr and a nonzero exit."""
    typer.echo(f"cclibs: {message}", err=True)
    raise typer.Exit(code)


def settings_from(data_dir: Path | None = None, **overrides: Any) -> Settings:
    # Imported here: the SDK's commands (login, token) never load the server's settings.
    from cclibs.config import ConfigError, load_settings
    from cclibs.logs import configure_logging

    try:
        settings = load_settings(data_dir=data_dir, **overrides)
    except ConfigError as exc:
        fail(str(exc), code=2)
    configure_logging(json=settings.json_logs, level=settings.log_level)
    return settings


def read_stdin_line() -> str:
    line = sys.stdin.readline()
    return line.rstrip("\r\n")
