"""Where an export writes: refused when something is in the way, and never left half-written.

An export is written beside its target (a hidden ``.NAME.*.partial`` sibling) and moved into
place only when complete, so that a failure or Ctrl-C leaves what was there before and no
partial file (the sibling is removed on the way out).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cclibs.sdk.errors import SdkError

__all__ = ["TargetInUse", "check_directory", "check_file", "staged_directory", "staged_file"]


class TargetInUse(SdkError):
    """The place to export to holds something that ``force`` was not given to replace."""


def check_directory(directory: Path, *, force: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise TargetInUse(f"{directory} is a file, not a directory")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        raise TargetInUse(f"{directory} is not empty; use --force to replace the export in it")


def check_file(path: Path, *, force: bool) -> None:
    if path.is_dir():
        raise TargetInUse(f"{path} is a directory")
    if path.exists() and not force:
        raise TargetInUse(f"{path} exists; use --force to replace it")


def _sibling(target: Path, *, directory: bool) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix, suffix = f".{target.name}.", ".partial"
    if directory:
        return Path(tempfile.mkdtemp(prefix=prefix, suffix=suffix, dir=target.parent))
    handle, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=target.parent)
    os.close(handle)
    return Path(name)


@contextmanager
def staged_directory(target: Path, replaced: tuple[str, ...], *, force: bool) -> Iterator[Path]:
    """A fresh directory to fill; on success its entries replace ``replaced`` in ``target``
    (which is created if need be), on any failure it is removed."""
    check_directory(target, force=force)
    staging = _sibling(target, directory=True)
    try:
        yield staging
        check_directory(target, force=force)
        if not target.exists():
            staging.rename(target)
            return
        for name in replaced:
            old = target / name
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old)
            elif old.exists() or old.is_symlink():
                old.unlink()
        for entry in sorted(staging.iterdir()):
            entry.rename(target / entry.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def staged_file(target: Path, *, force: bool) -> Iterator[Path]:
    """A temporary file to write; on success it replaces ``target`` at once."""
    check_file(target, force=force)
    staging = _sibling(target, directory=False)
    try:
        yield staging
        check_file(target, force=force)
        staging.replace(target)
    finally:
        staging.unlink(missing_ok=True)
