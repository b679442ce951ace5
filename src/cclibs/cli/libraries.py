"""``cclibs libraries list|create|show|rename|delete``: the caller's libraries."""

from __future__ import annotations

import sys

import typer

from cclibs.cli._common import fail
from cclibs.cli._output import (
    JsonOption,
    print_created,
    print_json,
    print_pairs,
    print_table,
    size_text,
    when,
)
from cclibs.cli._resolve import open_client, resolve_library
from cclibs.cli._sdk import ProfileOption
from cclibs.sdk.api.types import Library

__all__ = ["app"]

app = typer.Typer(help="The libraries of the signed-in user.", no_args_is_help=True)

LibraryArgument = typer.Argument(..., help="The library: its id, URN or exact name.")


def _row(library: Library) -> list[str]:
    return [
        library.get("name", ""),
        library.get("id", ""),
        str(library.get("elements_count", "")),
        when(library.get("modified_date")),
    ]


@app.command("list")
def list_(profile: str | None = ProfileOption, as_json: bool = JsonOption) -> None:
    """The libraries you own, most recently changed first."""
    with open_client(profile) as client:
        libraries = list(client.libraries())
    if as_json:
        print_json({"total_count": len(libraries), "libraries": libraries})
        return
    print_table(("Name", "Id", "Elements", "Modified"), [_row(lib) for lib in libraries])


@app.command()
def create(
    name: str = typer.Argument(..., help="The new library's name."),
    profile: str | None = ProfileOption,
    as_json: bool = JsonOption,
) -> None:
    """Create a library; prints its id."""
    with open_client(profile) as client:
        library = client.create_library(name)
    print_created(library, as_json)


@app.command()
def show(
    library: str = LibraryArgument,
    profile: str | None = ProfileOption,
    as_json: bool = JsonOption,
) -> None:
    """One library: name, id, URN, counts and dates."""
    with open_client(profile) as client:
        found = resolve_library(client, library)
    if as_json:
        print_json(found)
        return
    print_pairs(
        [
            ("Name", found.get("name", "")),
            ("Id", found.get("id", "")),
            ("URN", found.get("library_urn", "")),
            ("Elements", str(found.get("elements_count", ""))),
            ("Archived", str(found.get("removed_elements_count", ""))),
            ("Storage", size_text(found.get("storage_used"))),
            ("Created", when(found.get("created_date"))),
            ("Modified", when(found.get("modified_date"))),
        ]
    )


@app.command()
def rename(
    library: str = LibraryArgument,
    new_name: str = typer.Argument(..., help="The new name."),
    profile: str | None = ProfileOption,
) -> None:
    """Give a library a new name."""
    with open_client(profile) as client:
        found = resolve_library(client, library)
        client.rename_library(found["id"], new_name)
    typer.echo(f"Renamed {found.get('name')!r} to {new_name!r}.", err=True)


@app.command()
def delete(
    library: str = LibraryArgument,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask; needed without a terminal."),
    profile: str | None = ProfileOption,
) -> None:
    """Delete a library and everything in it (asks first unless --yes)."""
    with open_client(profile) as client:
        found = resolve_library(client, library)
        if not yes:
            if not sys.stdin.isatty():
                fail("deleting a library needs --yes when there is no terminal to ask on", 2)
            count = found.get("elements_count", 0)
            question = f"Delete the library {found.get('name')!r} ({found['id']}) and its "
            if not typer.confirm(question + f"{count} elements?", err=True):
                fail("not deleted")
        client.delete_library(found["id"])
    typer.echo(f"Deleted the library {found.get('name')!r}.", err=True)
