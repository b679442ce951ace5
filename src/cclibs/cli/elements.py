"""``cclibs elements list|show|create-color|upload|archive|restore``: a library's elements."""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from typing import Any

import typer

from cclibs.cli._common import fail
from cclibs.cli._output import (
    JsonOption,
    QuietOption,
    TransferBars,
    description_of,
    print_created,
    print_json,
    print_pairs,
    print_table,
    short_type,
    size_text,
    when,
)
from cclibs.cli._resolve import open_client, resolve_element, resolve_elements, resolve_library
from cclibs.cli._sdk import ProfileOption
from cclibs.sdk.api.types import Element

__all__ = ["app"]

app = typer.Typer(help="The elements of a library.", no_args_is_help=True)

LibraryArgument = typer.Argument(..., help="The library: its id, URN or exact name.")
ElementArgument = typer.Argument(..., help="The element: its id or exact name.")
ElementsArgument = typer.Argument(..., help="Elements: ids or exact names.")
_FILE = typer.Argument(..., help="The file: an image, a PDF, ...")
_HEX = re.compile(r"#?([0-9A-Fa-f]{6})")
_PREFIX = "application/vnd.adobe.element."


def _element_type(given: str) -> str:
    """``color`` or the full MIME type."""
    return given if "/" in given else f"{_PREFIX}{given}+dcx"


def _row(element: Element) -> list[str]:
    return [
        element.get("name", ""),
        short_type(element.get("type")),
        element.get("id", ""),
        when(element.get("archived_date") or element.get("modified_date")),
    ]


@app.command("list")
def list_(
    library: str = LibraryArgument,
    type_: str | None = typer.Option(
        None, "--type", "-t", help="Only this type: color, colortheme, image... or a MIME type."
    ),
    archived: bool = typer.Option(False, "--archived", help="The archived elements instead."),
    profile: str | None = ProfileOption,
    as_json: bool = JsonOption,
) -> None:
    """The library's elements (or its archive), most recently changed first."""
    kind = _element_type(type_) if type_ else None
    with open_client(profile) as client:
        found = resolve_library(client, library)
        if archived:
            elements = list(client.archived_elements(found["id"], type=kind))
        else:
            elements = list(client.elements(found["id"], type=kind))
    if as_json:
        print_json({"total_count": len(elements), "elements": elements})
        return
    header = ("Name", "Type", "Id", "Archived" if archived else "Modified")
    print_table(header, [_row(element) for element in elements])


def _representation_rows(element: Element) -> list[list[str]]:
    rows = []
    for rep in element.get("representations") or ():
        data_keys = [k for k in rep if k.endswith("#data")]
        summary: Any = rep.get(data_keys[0]) if data_keys else size_text(rep.get("content_length"))
        if isinstance(summary, dict):
            summary = f"{summary.get('mode', '')} {summary.get('value', '')}".strip()
        rows.append([rep.get("relationship", ""), rep.get("type", ""), str(summary or "")])
    return rows


@app.command()
def show(
    library: str = LibraryArgument,
    element: str = ElementArgument,
    profile: str | None = ProfileOption,
    as_json: bool = JsonOption,
) -> None:
    """One element, with its representations."""
    with open_client(profile) as client:
        found = resolve_library(client, library)
        item = resolve_element(client, found["id"], element)
    if as_json:
        print_json(item)
        return
    print_pairs(
        [
            ("Name", item.get("name", "")),
            ("Id", item.get("id", "")),
            ("Type", item.get("type", "")),
            ("Description", description_of(item)),
            ("Created", when(item.get("created_date"))),
            ("Modified", when(item.get("modified_date"))),
        ]
    )
    rows = _representation_rows(item)
    if rows:
        typer.echo("")
        print_table(("Relationship", "Type", "Content"), rows)


@app.command("create-color")
def create_color(
    library: str = LibraryArgument,
    name: str = typer.Argument(..., help="The color's name."),
    color: str = typer.Argument(..., help='The color as "#RRGGBB".'),
    profile: str | None = ProfileOption,
    as_json: bool = JsonOption,
) -> None:
    """Add a color element (RGB); prints its id."""
    match = _HEX.fullmatch(color.strip())
    if match is None:
        fail(f'the color {color!r} is not of the form "#RRGGBB"', 2)
    with open_client(profile) as client:
        found = resolve_library(client, library)
        created = client.create_color(found["id"], name, "#" + match.group(1).upper())
    print_created(created, as_json)


@app.command()
def upload(
    library: str = LibraryArgument,
    file: Path = _FILE,
    name: str | None = typer.Option(None, "--name", help="The element's name (default: file's)."),
    content_type: str | None = typer.Option(
        None, "--content-type", help="The file's MIME type (default: from its name)."
    ),
    profile: str | None = ProfileOption,
    as_json: bool = JsonOption,
    quiet: bool = QuietOption,
) -> None:
    """Upload a file as a graphic element; prints its id."""
    if not file.is_file():
        fail(f"{file} is not a file", 2)
    kind = content_type or mimetypes.guess_type(file.name)[0]
    if kind is None or (content_type is None and kind == "application/octet-stream"):
        # A graphic's primary representation needs a real type: the API validates it
        # against the element type and renders thumbnails by it.
        fail(f"cannot tell the type of {file.name} from its name; give --content-type", 2)
    with open_client(profile) as client:
        found = resolve_library(client, library)
        with TransferBars(f"Uploading {file.name}", quiet=quiet) as bars:
            created = client.create_file_element(
                found["id"], name or file.stem, file, content_type=kind, progress=bars.file
            )
    print_created(created, as_json)


@app.command()
def archive(
    library: str = LibraryArgument,
    elements: list[str] = ElementsArgument,
    profile: str | None = ProfileOption,
) -> None:
    """Move elements to the library's archive (restore brings them back)."""
    _archive_or_restore(library, elements, profile, restore=False)


@app.command()
def restore(
    library: str = LibraryArgument,
    elements: list[str] = ElementsArgument,
    profile: str | None = ProfileOption,
) -> None:
    """Bring archived elements back into the library."""
    _archive_or_restore(library, elements, profile, restore=True)


def _archive_or_restore(
    library: str, elements: list[str], profile: str | None, *, restore: bool
) -> None:
    with open_client(profile) as client:
        found = resolve_library(client, library)
        chosen = resolve_elements(client, found["id"], elements, archived=restore)
        ids = [e["id"] for e in chosen]
        if restore:
            client.restore_elements(found["id"], ids)
        else:
            client.archive_elements(found["id"], ids)
    noun = "element" if len(chosen) == 1 else "elements"
    typer.echo(f"{'Restored' if restore else 'Archived'} {len(chosen)} {noun}.", err=True)
