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

__all__ = ["DataDirOption", "existing_database", "fail", "settings_from"]

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


def existing_database(data_dir: Path | None = None, *, schema: bool = True) -> Settings:
    """The settings of an administrator's command, once its database is known to exist.

    ``cclibs users create --data-dir ./wrong`` must not make a new, empty database (and a
    development secret key) beside the one the server uses: that account would never sign
    in, and nothing would say why. So the commands that open a database check, before
    anything is written, that the SQLite file is there and that its schema is the one this
    cclibs needs (``schema``); ``cclibs db upgrade`` and ``cclibs serve`` create it.
    """
    settings = settings_from(data_dir)
    from sqlalchemy.engine import make_url

    from cclibs.storage import migrate

    url = make_url(settings.effective_database_url)
    where = _database_source(settings)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not url.database or url.database == ":memory:" or not path.is_file():
            advice = "correct CCLIBS_DATABASE_URL" if settings.database_url else _POINT_IT
            fail(f"no cclibs database at {path} ({where}); {advice}")
    if not schema:
        return settings
    shown = url.render_as_string(hide_password=True)
    try:
        revision = migrate.current_revision(settings.effective_database_url)
    except Exception as exc:  # any driver failure (unreachable, refused, no such database)
        reason = (str(exc.__cause__ or exc) or type(exc).__name__).splitlines()[0]
        fail(f"cannot open the database {shown} ({where}): {reason}")
    if revision is None:
        fail(
            f"the database {shown} ({where}) has no cclibs tables: run cclibs db upgrade "
            "with the same --data-dir, or start cclibs serve on it"
        )
    if revision != migrate.HEAD:
        fail(
            f"the database {shown} ({where}) is at schema {revision}, this cclibs needs "
            f"{migrate.HEAD}: run cclibs db upgrade with the same --data-dir, or start "
            "cclibs serve on it"
        )
    return settings


_POINT_IT = (
    "point --data-dir (or CCLIBS_DATA_DIR) at the data directory of the server "
    "(the one cclibs serve prints), or create a database there with cclibs db upgrade"
)


def _database_source(settings: Settings) -> str:
    """Which setting chose the database, so the message names what to change."""
    if settings.database_url:
        return "from the database_url setting, CCLIBS_DATABASE_URL"
    return f"data directory {settings.data_dir}"


def read_stdin_line() -> str:
    line = sys.stdin.readline()
    return line.rstrip("\r\n")
