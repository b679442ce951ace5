"""``cclibs profiles list|add|remove``: the SDK's profiles (issuer, credential, scopes, API)."""

from __future__ import annotations

import typer

from cclibs.cli._common import fail, read_stdin_line
from cclibs.cli._sdk import failures_as_lines
from cclibs.sdk import PRESETS, ProfileStore, TokenCache
from cclibs.sdk._toml import Value
from cclibs.sdk.profiles import parse_scopes

__all__ = ["app"]

app = typer.Typer(
    help="Profiles: which server and credential to log in with.", no_args_is_help=True
)


@app.command("list")
def list_() -> None:
    """The profiles: built-in presets and those of profiles.toml."""
    with failures_as_lines():
        store = ProfileStore()
        for name in store.names():
            profile = store.stored(name)
            cached = TokenCache(store.directory, name).load() is not None
            typer.echo(
                "\t".join(
                    [
                        name,
                        profile.issuer,
                        profile.client_id or "(no client id)",
                        "logged in" if cached else "-",
                    ]
                )
            )


@app.command()
def add(
    name: str = typer.Argument(..., help="The profile's name (local and adobe refine presets)."),
    issuer: str | None = typer.Option(None, "--issuer", help="The issuer URL."),
    client_id: str | None = typer.Option(None, "--client-id", help="The client id (API key)."),
    client_secret_stdin: bool = typer.Option(
        False, "--client-secret-stdin", help="Read the client secret from stdin."
    ),
    scopes: str | None = typer.Option(None, "--scopes", help="Comma- or space-separated."),
    api_url: str | None = typer.Option(None, "--api-url", help="The Libraries API base URL."),
) -> None:
    """Add a profile to profiles.toml, or change some of its values."""
    values: dict[str, Value] = {}
    if issuer:
        values["issuer"] = issuer.rstrip("/")
    if client_id:
        values["client_id"] = client_id
    if client_secret_stdin:
        secret = read_stdin_line().strip()
        if not secret:
            fail("no client secret on stdin")
        values["client_secret"] = secret
    if scopes:
        values["scopes"] = list(parse_scopes(scopes))
    if api_url:
        values["api_url"] = api_url.rstrip("/")
    if name not in PRESETS and "issuer" not in values and name not in ProfileStore().names():
        fail(f"a new profile needs --issuer (or start from a preset: {', '.join(PRESETS)})")
    with failures_as_lines():
        store = ProfileStore()
        profile = store.save(name, values)
    typer.echo(
        f"profile {profile.name}: {profile.issuer} client {profile.client_id or '-'} "
        f"API {profile.api_url}"
    )


@app.command()
def remove(name: str = typer.Argument(..., help="The profile to remove.")) -> None:
    """Remove a profile from profiles.toml and delete its cached tokens (no revocation)."""
    with failures_as_lines():
        store = ProfileStore()
        removed = store.remove(name)
        TokenCache(store.directory, name).clear()
    if not removed:
        fail(f"no profile named {name} in {store.path}")
    typer.echo(f"removed profile {name}")
