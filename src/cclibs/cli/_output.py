"""How the library commands print: tables for people, the API's JSON for scripts, progress
bars on stderr.

A table is drawn with rich on a terminal and printed as tab-separated lines otherwise (as
``cclibs keys list`` does), so that ``cut`` and ``awk`` work on it. ``--json`` prints one JSON
document, the API's own shape. Progress bars appear only when stderr is a terminal and
``--quiet`` was not given; they are transient and leave no trace in a log.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import typer

__all__ = [
    "JsonOption",
    "QuietOption",
    "TransferBars",
    "description_of",
    "print_json",
    "print_pairs",
    "print_table",
    "short_type",
    "size_text",
    "when",
]

JsonOption = typer.Option(False, "--json", help="Print the API's JSON instead of a table.")
QuietOption = typer.Option(False, "--quiet", "-q", help="No progress bars.")


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False))


def print_created(created: Mapping[str, Any], as_json: bool) -> None:
    """What a command made: the API's JSON for scripts that asked, else its id alone."""
    if as_json:
        print_json(created)
    else:
        typer.echo(created["id"])


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    if not sys.stdout.isatty():
        for row in (header, *rows):
            typer.echo("\t".join(row))
        return
    from rich.console import Console  # only for a terminal
    from rich.table import Table

    table = Table()
    for index, title in enumerate(header):
        # Ids are copied whole into the next command: the other columns give way.
        widest = max((len(row[index]) for row in rows), default=0)
        table.add_column(title, min_width=widest if title == "Id" else None, no_wrap=title == "Id")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def print_pairs(pairs: Sequence[tuple[str, str]]) -> None:
    """A record as ``field: value`` lines (aligned on a terminal)."""
    width = max((len(label) for label, _ in pairs), default=0)
    for label, value in pairs:
        typer.echo(f"{label + ':':<{width + 1}} {value}")


def when(epoch_ms: object) -> str:
    if not isinstance(epoch_ms, int) or isinstance(epoch_ms, bool):
        return ""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def short_type(element_type: object) -> str:
    """``application/vnd.adobe.element.color+dcx`` -> ``color``."""
    text = str(element_type or "")
    prefix = "application/vnd.adobe.element."
    if text.startswith(prefix):
        return text.removeprefix(prefix).removesuffix("+dcx")
    return text


def size_text(size: object) -> str:
    if not isinstance(size, int) or isinstance(size, bool):
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(size)


def description_of(item: Mapping[str, Any]) -> str:
    details = item.get("details")
    if isinstance(item.get("description"), str):
        return str(item["description"])
    if isinstance(details, Mapping) and isinstance(details.get("description"), str):
        return str(details["description"])
    return ""


class TransferBars:
    """Two bars on stderr: elements done and bytes moved (``FolderProgress``), or one for a
    single file (``file``). Without a terminal, or with ``--quiet``, nothing is drawn."""

    def __init__(self, label: str, *, quiet: bool) -> None:
        self.label = label
        self.shown = not quiet and sys.stderr.isatty()
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> TransferBars:
        if self.shown:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def _update(self, key: str, label: str, done: int, total: int | None) -> None:
        if self._bar is None:
            return
        if key not in self._tasks:
            self._tasks[key] = self._bar.add_task(label, total=total)
        self._bar.update(self._tasks[key], completed=done, total=total, description=label)

    def elements(self, done: int, total: int) -> None:
        self._update("elements", f"{self.label}: {done}/{total} elements", done, total)

    def bytes(self, done: int, total: int) -> None:
        sizes = f"{size_text(done)} of {size_text(total)}"
        self._update("bytes", f"{self.label}: {sizes} of files", done, total or None)

    def file(self, done: int, total: int | None) -> None:
        sizes = size_text(done) + (f" of {size_text(total)}" if total else "")
        self._update("file", f"{self.label}: {sizes}", done, total)
