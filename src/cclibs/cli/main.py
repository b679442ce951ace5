"""The root of the ``cclibs`` command.

Each command's module is imported only when that command runs (or when ``--help`` lists
them): ``cclibs --version`` and ``cclibs token`` start without loading the server, and
``cclibs serve`` without the SDK commands' imports. tests/test_startup_imports.py holds this.
"""

from __future__ import annotations

import importlib

import typer
from typer import _click  # typer vendors Click; its Context and Command are the base types
from typer.core import TyperGroup

from cclibs import __version__

# name -> (module in cclibs.cli, attribute, a Typer sub-app or not). The order is the one
# ``--help`` shows: typer lists single commands first, then the sub-apps.
_COMMANDS: dict[str, tuple[str, str, bool]] = {
    "serve": ("serve", "serve", False),
    "login": ("login", "login", False),
    "logout": ("login", "logout", False),
    "whoami": ("login", "whoami", False),
    "token": ("login", "token", False),
    "backup": ("backup", "backup", False),
    "restore": ("backup", "restore", False),
    "download": ("transfer", "download", False),
    "export": ("transfer", "export", False),
    "import": ("transfer", "import_", False),
    "db": ("db", "app", True),
    "users": ("users", "app", True),
    "clients": ("clients", "app", True),
    "keys": ("keys", "app", True),
    "profiles": ("profiles", "app", True),
    "libraries": ("libraries", "app", True),
    "elements": ("elements", "app", True),
    "mail": ("mail", "app", True),
}


class _LazyCommands(TyperGroup):
    """The root group: a command is built from its module the first time it is asked for."""

    def list_commands(self, ctx: _click.Context) -> list[str]:
        added = [name for name in super().list_commands(ctx) if name not in _COMMANDS]
        return [*_COMMANDS, *added]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        if cmd_name not in self.commands and cmd_name in _COMMANDS:
            self.commands[cmd_name] = _load(cmd_name)
        return super().get_command(ctx, cmd_name)


def _load(name: str) -> _click.Command:
    """Build one command exactly as registering it on the root app would have."""
    module_name, attribute, is_group = _COMMANDS[name]
    target = getattr(importlib.import_module(f"cclibs.cli.{module_name}"), attribute)
    holder = typer.Typer(add_completion=False)
    if is_group:
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    return typer.main.get_group(holder).commands[name]


app = typer.Typer(
    cls=_LazyCommands,
    help="cclibs: a self-hosted Creative Cloud Libraries API and its identity service.",
    no_args_is_help=True,
    add_completion=False,
)


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
