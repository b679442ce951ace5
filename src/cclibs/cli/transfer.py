"""``cclibs download``, ``cclibs export`` and ``cclibs import``: files and whole libraries.

Export and import are ``cclibs.sdk.folder`` (a folder of JSON and files) and
``cclibs.sdk.swatches`` (an ``.ase`` file); this module only draws their progress. What is
written is written beside its target first, so Ctrl-C leaves no partial file.
"""

from __future__ import annotations

import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from cclibs.cli._common import fail
from cclibs.cli._output import JsonOption, QuietOption, TransferBars, print_created
from cclibs.cli._resolve import open_client, resolve_element, resolve_library
from cclibs.cli._sdk import ProfileOption
from cclibs.sdk._targets import staged_file
from cclibs.sdk.ase import SIGNATURE
from cclibs.sdk.folder import MANIFEST, export_library, import_library
from cclibs.sdk.swatches import export_ase, import_ase

__all__ = ["download", "export", "import_"]

LibraryArgument = typer.Argument(..., help="The library: its id, URN or exact name.")
ForceOption = typer.Option(False, "--force", help="Replace what is there.")
_UNSAFE = re.compile(r"[^\w.\- ]+")
_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/svg+xml": ".svg",
    "application/pdf": ".pdf",
}


class Format(StrEnum):
    folder = "folder"
    ase = "ase"


_OUTPUT = typer.Option(
    None, "--output", "-o", help="Where to write (default: the element's name; - stdout)."
)
_TARGET = typer.Argument(..., metavar="DIR", help="The folder (or .ase file) to write.")
_FORMAT = typer.Option(
    None,
    "--format",
    "-f",
    help="folder: every element, lossless; ase: colors and themes as swatches "
    "(default: ase when DIR ends in .ase, else folder).",
)
_SOURCE = typer.Argument(..., help="A folder written by cclibs export, or an .ase file.")


def _file_rep(element: dict[str, Any]) -> dict[str, Any] | None:
    """The element's file: its primary uploaded representation, else the first one."""
    files = [r for r in element.get("representations") or () if r.get("storage_href")]
    files.sort(key=lambda rep: 0 if rep.get("relationship") == "primary" else 1)
    return files[0] if files else None


def _default_output(element: dict[str, Any], content_type: str) -> Path:
    stem = _UNSAFE.sub("_", str(element.get("name") or element.get("id"))).strip() or "element"
    return Path(stem + _EXTENSIONS.get(content_type.split(";")[0].strip().lower(), ""))


def download(
    library: str = LibraryArgument,
    element: str = typer.Argument(..., help="The element: its id or exact name."),
    output: Path | None = _OUTPUT,
    size: int | None = typer.Option(
        None, "--size", min=1, help="A PNG rendition whose longest side is N pixels instead."
    ),
    force: bool = ForceOption,
    profile: str | None = ProfileOption,
    quiet: bool = QuietOption,
) -> None:
    """Download an element's file (or a PNG rendition of it with --size)."""
    with open_client(profile) as client:
        found = resolve_library(client, library)
        item: dict[str, Any] = dict(resolve_element(client, found["id"], element))
        rep = None if size else _file_rep(item)
        content_type = str(rep.get("type")) if rep else "image/png"
        target = output or _default_output(item, content_type)
        with TransferBars(f"Downloading {target.name}", quiet=quiet) as bars:
            if str(target) == "-":
                sink = sys.stdout.buffer
                written = _fetch(client, found["id"], item, rep, sink, size, bars)
            else:
                with staged_file(target, force=force) as staging:
                    written = _fetch(client, found["id"], item, rep, staging, size, bars)
    if str(target) != "-":
        typer.echo(f"Wrote {target} ({written} bytes).", err=True)


def _fetch(
    client: Any,
    library_id: str,
    element: dict[str, Any],
    rep: dict[str, Any] | None,
    destination: Any,
    size: int | None,
    bars: TransferBars,
) -> int:
    if rep is not None:
        return int(client.download(rep["storage_href"], destination, progress=bars.file))
    return int(
        client.rendition(library_id, element["id"], destination, size=size, progress=bars.file)
    )


def export(
    library: str = LibraryArgument,
    target: Path = _TARGET,
    format_: Format | None = _FORMAT,
    force: bool = ForceOption,
    profile: str | None = ProfileOption,
    quiet: bool = QuietOption,
) -> None:
    """Export a library as a folder of JSON and files, or its colors as an .ase file."""
    chosen = format_ or (Format.ase if target.suffix.lower() == ".ase" else Format.folder)
    with open_client(profile) as client:
        found = resolve_library(client, library)
        if chosen is Format.ase:
            entries = export_ase(client, found["id"], target, force=force)
            typer.echo(f"Wrote {len(entries)} swatches and themes to {target}.", err=True)
            return
        with TransferBars("Exporting", quiet=quiet) as bars:
            export_library(client, found["id"], target, force=force, progress=bars)
    typer.echo(f"Exported {found.get('name')!r} to {target}.", err=True)


def _is_ase(path: Path) -> bool:
    if path.suffix.lower() == ".ase":
        return True
    try:
        with path.open("rb") as handle:
            return handle.read(4) == SIGNATURE
    except OSError:
        return False


def import_(
    path: Path = _SOURCE,
    name: str | None = typer.Option(None, "--name", help="The new library's name."),
    profile: str | None = ProfileOption,
    as_json: bool = JsonOption,
    quiet: bool = QuietOption,
) -> None:
    """Create a new library from an export folder or an .ase file; prints its id."""
    if not path.exists():
        fail(f"{path} does not exist", 2)
    if path.is_file() and not _is_ase(path):
        fail(f"{path} is neither a folder with a {MANIFEST} nor an .ase file")
    with open_client(profile) as client, TransferBars("Importing", quiet=quiet) as bars:
        if path.is_dir():
            library = import_library(client, path, name=name, progress=bars)
        else:
            library = import_ase(client, path, name=name, progress=bars)
    print_created(library, as_json)
