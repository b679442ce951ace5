"""``cclibs clients``: credentials (OAuth clients), for tests and automation."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import typer

from cclibs.cli._common import DataDirOption, existing_database, fail
from cclibs.oauth.clients import Client, ClientType
from cclibs.oauth.registration import NewCredential, RegistrationError

if TYPE_CHECKING:
    from cclibs.services import Services

app = typer.Typer(help="Credentials (OAuth clients).", no_args_is_help=True)


class TypeChoice(StrEnum):
    web = "web"
    spa = "spa"
    native = "native"
    server = "server"


_TYPE_OPTION = typer.Option(..., "--type", help="web, spa, native or server.")
_REDIRECT_OPTION = typer.Option([], "--redirect-uri", help="A redirect URI (repeat for several).")
_SCOPE_OPTION = typer.Option([], "--scope", help="An allowed scope (repeat; default: all).")


@app.command()
def create(
    owner: str = typer.Option(..., "--owner", help="Email of the owning account."),
    client_type: TypeChoice = _TYPE_OPTION,
    name: str = typer.Option(..., "--name", help="The credential's name."),
    redirect_uri: list[str] = _REDIRECT_OPTION,
    redirect_uri_pattern: str | None = typer.Option(
        None,
        "--redirect-uri-pattern",
        help="Adobe-style pattern; the first --redirect-uri becomes the default redirect URI.",
    ),
    scope: list[str] = _SCOPE_OPTION,
    project: str = typer.Option("Default project", "--project", help="Project name."),
    as_json: bool = typer.Option(False, "--json", help="Print the credential as JSON."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Create a credential. Its secret (Web App, Server-to-Server) is printed once."""
    settings = existing_database(data_dir)
    uris = list(redirect_uri)
    default_uri = uris.pop(0) if redirect_uri_pattern and uris else None

    async def run() -> NewCredential:
        from cclibs.services import build_services

        services = build_services(settings)
        try:
            user = await _owner(services, owner)
            return await services.oauth.clients.create(
                owner_id=user,
                client_type=ClientType(client_type.value),
                name=name,
                redirect_uris=uris,
                default_redirect_uri=default_uri,
                redirect_uri_pattern=redirect_uri_pattern,
                scopes=list(scope),
                project_name=project,
            )
        finally:
            await services.db.dispose()

    try:
        created = anyio.run(run)
    except RegistrationError as exc:
        fail(f"{exc.field}: {exc.message}")
    except LookupError as exc:
        fail(str(exc.args[0]))
    data = _public(created.client)
    if created.secret is not None:
        data["client_secret"] = created.secret
    if as_json:
        typer.echo(json.dumps(data))
        return
    typer.echo(f"client_id:     {created.client.client_id}")
    if created.secret is not None:
        typer.echo(f"client_secret: {created.secret}   (shown once; store it now)")


async def _owner(services: Services, email: str) -> str:
    user = await services.accounts.find_by_email(email)
    if user is None:
        raise LookupError(f"no account with the email {email}")
    return user.id


@app.command("list")
def list_(
    owner: str | None = typer.Option(None, "--owner", help="Only this account's credentials."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """List credentials; without --owner, also those cclibs ships (the CLI's cclibs-cli)."""
    settings = existing_database(data_dir)

    async def run() -> list[Client]:
        from cclibs.services import build_services

        services = build_services(settings)
        try:
            found: list[Client] = []
            if owner is not None:
                users = [await _owner(services, owner)]
            else:
                users = [user.id for user in await services.accounts.list_users()]
                found.extend(await services.oauth.clients.list_first_party())
            for user_id in users:
                found.extend(await services.oauth.clients.list_for(user_id))
            return found
        finally:
            await services.db.dispose()

    try:
        clients = anyio.run(run)
    except LookupError as exc:
        fail(str(exc.args[0]))
    for client in clients:
        if as_json:
            typer.echo(json.dumps(_public(client)))
        else:
            line = [
                client.client_id,
                client.type.value,
                client.name + (" (ships with cclibs)" if client.first_party else ""),
                " ".join(client.redirect_uris),
            ]
            typer.echo("\t".join(line) if not sys.stdout.isatty() else "  ".join(line))


@app.command()
def delete(
    client_id: str = typer.Argument(..., help="The credential's client_id."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Delete a credential and its secrets."""
    settings = existing_database(data_dir)

    async def run() -> bool:
        from cclibs.services import build_services

        services = build_services(settings)
        try:
            return await services.oauth.clients.delete(client_id)
        finally:
            await services.db.dispose()

    try:
        deleted = anyio.run(run)
    except RegistrationError as exc:
        fail(exc.message)
    if not deleted:
        fail(f"no credential with the client_id {client_id}")
    typer.echo(f"deleted {client_id}")


def _public(client: Client) -> dict[str, object]:
    return {
        "client_id": client.client_id,
        "type": client.type.value,
        "name": client.name,
        "project_id": client.project_id,
        "redirect_uris": list(client.redirect_uris),
        "default_redirect_uri": client.default_redirect_uri,
        "redirect_uri_pattern": client.redirect_uri_pattern,
        "scopes": sorted(client.allowed_scopes),
        "offline_access": client.offline_access,
        "first_party": client.first_party,
        "created_at": client.created_at.isoformat(),
    }
