"""The root of the ``cclibs`` command."""

from __future__ import annotations

import typer

from cclibs import __version__
from cclibs.cli import (
    backup,
    clients,
    db,
    elements,
    keys,
    libraries,
    login,
    profiles,
    serve,
    transfer,
    users,
)

app = typer.Typer(
    help="cclibs: a self-hosted Creative Cloud Libraries API and its identity service.",
    no_args_is_help=True,
    add_completion=False,
)
app.command()(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(clients.app, name="clients")
app.add_typer(keys.app, name="keys")
app.command()(login.login)
app.command()(login.logout)
app.command()(login.whoami)
app.command()(login.token)
app.add_typer(profiles.app, name="profiles")
app.command()(backup.backup)
app.command()(backup.restore)
app.add_typer(libraries.app, name="libraries")
app.add_typer(elements.app, name="elements")
app.command()(transfer.download)
app.command()(transfer.export)
app.command("import")(transfer.import_)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cclibs {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """cclibs: a self-hosted Creative Cloud Libraries API and its identity service."""


def main() -> None:
    app()
