"""``cclibs users``: accounts, for administrators and automation."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import typer

from cclibs.cli._common import DataDirOption, existing_database, fail, read_stdin_line
from cclibs.emails import email_key

if TYPE_CHECKING:
    from cclibs.accounts import User

app = typer.Typer(help="Accounts.", no_args_is_help=True)


@app.command()
def create(
    email: str = typer.Option(..., "--email", help="The account's email (its sign-in name)."),
    name: str = typer.Option(..., "--name", help="The person's name."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
    admin: bool = typer.Option(False, "--admin", help="Make the account an administrator."),
    verified: bool = typer.Option(
        False,
        "--verified",
        help="Count the email as verified (you vouch that the address is the person's); "
        "otherwise they confirm it through the link the account page sends.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the account as JSON."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Create an account. The password comes from stdin so that it stays out of shell history."""
    if not password_stdin:
        fail("give the password on stdin with --password-stdin", code=2)
    settings = existing_database(data_dir)
    password = read_stdin_line()
    from cclibs.accounts import AccountError

    async def run() -> User:
        from cclibs.services import build_services

        services = build_services(settings)
        try:
            return await services.accounts.create_user(
                email=email, name=name, password=password, is_admin=admin, email_verified=verified
            )
        finally:
            await services.db.dispose()

    try:
        user = anyio.run(run)
    except AccountError as exc:
        fail(f"{exc.field + ': ' if exc.field else ''}{exc.message}")
    if as_json:
        typer.echo(json.dumps(_public(user)))
    else:
        typer.echo(f"created {user.email} ({user.id}){' as administrator' if admin else ''}")


@app.command("list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """List every account."""
    settings = existing_database(data_dir)

    async def run() -> list[User]:
        from cclibs.services import build_services

        services = build_services(settings)
        try:
            return await services.accounts.list_users()
        finally:
            await services.db.dispose()

    users = anyio.run(run)
    if as_json:
        for user in users:
            typer.echo(json.dumps(_public(user)))
        return
    header = ("ID", "Email", "Name", "Admin", "Disabled", "Created")
    rows = [
        (
            user.id,
            user.email,
            user.name,
            "yes" if user.is_admin else "",
            "yes" if user.is_disabled else "",
            user.created_at.strftime("%Y-%m-%d %H:%M"),
        )
        for user in users
    ]
    if not sys.stdout.isatty():
        # Pipes and scripts get whole values, one tab-separated line each.
        for row in (header, *rows):
            typer.echo("\t".join(row))
        return
    from rich.console import Console  # only for a terminal
    from rich.table import Table

    table = Table(*header)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


@app.command()
def disable(
    email: str = typer.Argument(..., metavar="EMAIL", help="The account's email."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Disable an account: it cannot sign in, its browsers are signed out, and every
    application's access is revoked."""
    user = _set_disabled(email, True, data_dir)
    typer.echo(f"disabled {user.email} ({user.id}); its sessions and tokens are revoked")


@app.command()
def enable(
    email: str = typer.Argument(..., metavar="EMAIL", help="The account's email."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Enable a disabled account, so that it can sign in again (revoked tokens stay revoked)."""
    user = _set_disabled(email, False, data_dir)
    typer.echo(f"enabled {user.email} ({user.id})")


@app.command("reset-two-step")
def reset_two_step(
    email: str = typer.Argument(..., metavar="EMAIL", help="The account's email."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Turn an account's two-step sign-in off (lost phone and recovery codes): the password
    alone signs in until its owner sets it up again."""
    from cclibs.accounts import AccountError, UnknownUser

    settings = existing_database(data_dir)

    async def run() -> tuple[User, bool]:
        from cclibs.services import build_services

        services = build_services(settings)
        try:
            found = await services.accounts.find_by_email(email)
            if found is None:
                raise UnknownUser(f"no account has the email {email_key(email)}")
            return found, await services.two_step.reset(found.id)
        finally:
            await services.db.dispose()

    try:
        user, was_on = anyio.run(run)
    except AccountError as exc:
        fail(exc.message)
    if was_on:
        typer.echo(f"two-step sign-in is off for {user.email} ({user.id})")
    else:
        typer.echo(f"{user.email} ({user.id}) did not use two-step sign-in")


def _set_disabled(email: str, disabled: bool, data_dir: Path | None) -> User:
    from cclibs.accounts import AccountError, UnknownUser

    settings = existing_database(data_dir)

    async def run() -> User:
        from cclibs.services import build_services

        services = build_services(settings)
        try:
            found = await services.accounts.find_by_email(email)
            if found is None:
                raise UnknownUser(f"no account has the email {email_key(email)}")
            return await services.accounts.set_disabled(found.id, disabled)
        finally:
            await services.db.dispose()

    try:
        return anyio.run(run)
    except AccountError as exc:
        fail(exc.message)


def _public(user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "is_admin": user.is_admin,
        "is_disabled": user.is_disabled,
        "email_verified": user.email_verified,
        "created_at": user.created_at.isoformat(),
    }
