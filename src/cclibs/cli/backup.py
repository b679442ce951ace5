"""``cclibs backup`` and ``cclibs restore``: thin wrappers of ``cclibs.storage.backup``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from cclibs.cli._common import DataDirOption, fail, settings_from

__all__ = ["backup", "restore"]

_PROGRESS_FROM = 2000
"""Blobs from which a progress bar is worth drawing (smaller sets copy in a blink)."""
_DESTINATION = typer.Argument(..., help="A new (or empty) directory for the backup.")
_SOURCE = typer.Argument(..., help="A directory written by `cclibs backup`.")


def backup(
    destination: Path = _DESTINATION,
    data_dir: Path | None = DataDirOption,
    blobs_only: bool = typer.Option(
        False,
        "--blobs-only",
        help="PostgreSQL only: copy the blobs and the secret file; back up the database "
        "with pg_dump first.",
    ),
) -> None:
    """Copy the data directory while the server runs: a consistent database snapshot and
    every blob it names."""
    from cclibs.storage.backup import BackupError, create_backup

    settings = settings_from(data_dir)
    try:
        with _progress("Copying blobs") as progress:
            report = create_backup(settings, destination, blobs_only=blobs_only, progress=progress)
    except BackupError as exc:
        fail(str(exc), code=2)
    manifest = report.manifest
    blobs = manifest["blobs"]
    database = manifest["database"]
    typer.echo(f"backup written to {report.destination} in {report.seconds:.1f} s")
    if database["kind"] == "sqlite":
        typer.echo(
            f"  database: schema {database['schema_revision']}, {_counts(manifest)} "
            f"({report.rounds} snapshot{'s' if report.rounds > 1 else ''})"
        )
    else:
        typer.echo("  database: NOT INCLUDED (PostgreSQL): keep the pg_dump taken with it")
    typer.echo(f"  blobs: {blobs['count']} ({blobs['bytes'] / 1024**2:.1f} MiB)")
    if not manifest["secret_key_file"]:
        typer.echo("  secret: not copied (CCLIBS_SECRET_KEY); keep that value with the backup")
    for key in blobs["damaged"]:
        typer.echo(
            f"cclibs: warning: blob {key} does not match its hash (copied as found)", err=True
        )
    for key in blobs["missing"]:
        typer.echo(f"cclibs: warning: blob {key} is named but missing in the store", err=True)


def restore(
    source: Path = _SOURCE,
    data_dir: Path | None = DataDirOption,
    force: bool = typer.Option(
        False, "--force", help="Replace a non-empty data directory (kept aside, not deleted)."
    ),
) -> None:
    """Bring a backup back into the data directory. Stop the server first."""
    from cclibs.storage.backup import BackupError
    from cclibs.storage.migrate import HEAD
    from cclibs.storage.restore import restore_backup

    settings = settings_from(data_dir)
    try:
        with _progress("Restoring blobs") as progress:
            report = restore_backup(settings, source, force=force, progress=progress)
    except BackupError as exc:
        fail(str(exc), code=2)
    manifest = report.manifest
    database = manifest["database"]
    typer.echo(f"restored {source} (made {manifest['created_at']}) into {report.data_dir}")
    if report.replaced is not None:
        typer.echo(f"  the directory that was there is kept at {report.replaced}")
    if database["kind"] == "sqlite":
        typer.echo(f"  database: {_counts(manifest)}")
        if database["schema_revision"] != HEAD:
            typer.echo(
                f"  schema {database['schema_revision']}: `cclibs serve` upgrades it to "
                f"{HEAD} when it starts"
            )
    else:
        typer.echo("  blobs only: restore the database with pg_restore before starting")


def _counts(manifest: dict[str, Any]) -> str:
    counts = manifest["counts"]
    shown = ("users", "libraries", "library_elements", "library_assets")
    return ", ".join(f"{counts.get(name, 0)} {name.removeprefix('library_')}" for name in shown)


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on a terminal, drawn only once a large blob set shows up."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress, TaskID

    bar = Progress(transient=True)
    task: list[TaskID] = []

    def advance(done: int, total: int) -> None:
        if total < _PROGRESS_FROM:
            return
        if not task:
            bar.start()
            task.append(bar.add_task(label, total=total))
        bar.update(task[0], completed=done, total=total)

    try:
        yield advance
    finally:
        bar.stop()
