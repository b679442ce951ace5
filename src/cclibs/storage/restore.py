"""Restore of a backup (storage/backup.py): check everything first, then swap directories.

Nothing is touched until the backup has passed every check: its manifest, its database's
sha256, ``PRAGMA integrity_check`` and ``foreign_key_check``, a schema revision this cclibs
knows, every blob the database names present, and the server secret the backup was made with
(the signing keys are sealed with it, the client secrets keyed by it). The new directory is
built beside the old one, each blob hashed as it is copied, and swapped in by renames while
the database is held exclusively; the old directory is renamed aside, never deleted.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cclibs.config import Settings
from cclibs.storage.backup import (
    _BLOBS,
    _DATABASE,
    _FORMAT_VERSION,
    _SECRET_FILE,
    FORMAT,
    MANIFEST,
    BackupError,
    Progress,
    _Blobs,
    _copy_blobs,
    _fingerprint,
    _flush_to_disk,
    _fsync_directory,
    _hash_file,
    _integrity,
    _Layout,
    _open_read_only,
    _relative,
    _revision,
    _stored_keys,
    referenced_blobs,
)

__all__ = ["RestoreReport", "restore_backup", "verify_backup"]


@dataclass(frozen=True, slots=True)
class RestoreReport:
    data_dir: Path
    manifest: dict[str, Any]
    replaced: Path | None
    """Where the data directory that was there before now is (None: there was nothing)."""


def verify_backup(source: Path) -> dict[str, Any]:
    """The manifest of the backup at ``source``, once the backup passes every check that does
    not read every blob: its format, its database's hash, integrity and schema revision, and
    that each blob the database names is there. (Blobs are hashed as they are restored.)"""
    manifest = _read_manifest(source)
    if manifest["database"].get("kind") == "sqlite":
        try:
            _verify_database(source, manifest)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"the backed-up database cannot be read: {exc}") from None
    return manifest


def _verify_database(source: Path, manifest: dict[str, Any]) -> None:
    path = source / _DATABASE
    if not path.is_file():
        raise BackupError(f"{source} has no {_DATABASE}: the backup is incomplete")
    if _hash_file(path) != manifest["database"].get("sha256"):
        raise BackupError(f"{path} does not match the manifest's sha256: it was changed")
    with _open_read_only(path) as conn:
        check = _integrity(conn)
        if check != "ok":
            raise BackupError(f"the backed-up database fails its integrity check: {check}")
        _check_revision(_revision(conn))
    known_missing = set(manifest["blobs"].get("missing", []))
    absent = [
        key
        for key in sorted(referenced_blobs(path) - known_missing)
        if not (source / _BLOBS / _relative(key)).is_file()
    ]
    if absent:
        raise BackupError(
            f"{len(absent)} blob(s) the database names are not in the backup "
            f"(first: {absent[0]}): the backup is incomplete"
        )


def restore_backup(
    settings: Settings, source: Path, *, force: bool = False, progress: Progress | None = None
) -> RestoreReport:
    """Replace the data of ``settings`` with the backup at ``source``. Refuses a directory in
    use; a non-empty one needs ``force``, and is moved aside (never deleted)."""
    source = source.absolute()
    layout = _Layout.of(settings)  # first: refuses a server whose files live in a bucket
    manifest = verify_backup(source)
    kind = manifest["database"]["kind"]
    if kind == "sqlite" and layout.database is None:
        raise BackupError(
            "this backup holds a SQLite database but CCLIBS_DATABASE_URL names PostgreSQL; "
            "unset it to restore into the embedded database"
        )
    if kind == "postgresql" and layout.database is not None:
        raise BackupError(
            "this backup holds only blobs (its database was PostgreSQL): restore the "
            "database with pg_restore and set CCLIBS_DATABASE_URL, then restore this"
        )
    secret = layout.secret_in(source)  # CCLIBS_SECRET_KEY, else the backup's own file
    if (
        manifest.get("secret_fingerprint")
        and _fingerprint(secret) != manifest["secret_fingerprint"]
    ):
        raise BackupError(
            "the server secret differs from the one the backup was made with: the signing "
            "keys (sealed with it) and the client secrets (keyed by it) would stop working. "
            "Set CCLIBS_SECRET_KEY to the backed-up server's value"
        )
    data_dir = layout.data_dir
    if data_dir.exists() and any(data_dir.iterdir()) and not force:
        raise BackupError(
            f"{data_dir} is not empty; --force replaces it (it is kept aside, not deleted)"
        )
    with _claimed(layout.database):
        pass  # refused now rather than after copying every blob (and held again for the swap)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    staging = data_dir.parent / f".{data_dir.name}.restoring-{stamp}"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        _stage(manifest, source, staging, layout, progress)
        with _claimed(layout.database):
            replaced = _swap(staging, layout, stamp)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreReport(data_dir, manifest, replaced)


def _read_manifest(source: Path) -> dict[str, Any]:
    path = source / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise BackupError(
            f"{source} is not a cclibs backup (no {MANIFEST}; an interrupted backup has none)"
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{path} is not valid JSON: not a cclibs backup") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is not a cclibs backup ({MANIFEST} is another format)")
    if manifest.get("format_version") != _FORMAT_VERSION:
        raise BackupError(
            f"{source} is a version {manifest.get('format_version')} backup; this cclibs "
            f"reads version {_FORMAT_VERSION}"
        )
    if not isinstance(manifest.get("database"), dict) or not isinstance(
        manifest.get("blobs"), dict
    ):
        raise BackupError(f"{path} lacks its database or blobs section")
    return manifest


def _check_revision(revision: str | None) -> None:
    from cclibs.storage import migrate

    if revision == migrate.HEAD:
        return  # the usual case, without loading Alembic
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    try:
        known = revision is not None and scripts.get_revision(revision) is not None
    except Exception:  # Alembic raises several kinds for an unknown revision
        known = False
    if not known:
        raise BackupError(
            f"the backup's schema revision {revision!r} is unknown to this cclibs "
            f"(newest {migrate.HEAD}): restore it with the cclibs version that made it"
        )


def _stage(
    manifest: dict[str, Any],
    source: Path,
    staging: Path,
    layout: _Layout,
    progress: Progress | None,
) -> None:
    """Build the new data directory beside the old one (same filesystem: the swap is a
    rename), hashing every blob as it is copied."""
    blobs = _Blobs()
    staging.mkdir()
    _copy_blobs(
        list(_stored_keys(source / _BLOBS)), source / _BLOBS, staging / _BLOBS, blobs, progress
    )
    bad = sorted(blobs.damaged - set(manifest["blobs"].get("damaged", [])))
    if bad:
        raise BackupError(f"blob {bad[0]} in the backup does not match its hash: it was damaged")
    if (source / _SECRET_FILE).is_file():
        shutil.copyfile(source / _SECRET_FILE, staging / _SECRET_FILE)
        (staging / _SECRET_FILE).chmod(0o600)
    if layout.database is not None:
        staged = staging / _DATABASE
        staged.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / _DATABASE, staged)
        if _hash_file(staged) != manifest["database"]["sha256"]:
            raise BackupError("the database changed while it was copied; try again")
    _flush_to_disk(staging)


@contextlib.contextmanager
def _claimed(database: Path | None) -> Iterator[None]:
    """Hold the database exclusively while the files are swapped, or refuse: leaving WAL mode
    needs every other connection closed, so a server that has it open makes this fail. (A
    database nobody uses is left in rollback-journal mode, which folds its WAL into the file;
    the server sets WAL again when it opens it.)"""
    if database is None or not database.exists():
        yield
        return
    conn = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        try:
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise BackupError(
                    f"{database} is in use (is `cclibs serve` running?); stop the server first"
                ) from None
            raise BackupError(f"cannot open {database}: {exc}") from None
        except sqlite3.DatabaseError:
            pass  # not a database at all: nothing can be using it as one, and it goes aside
        yield
    finally:
        conn.close()


def _swap(staging: Path, layout: _Layout, stamp: str) -> Path | None:
    data_dir = layout.data_dir
    replaced: Path | None = None
    if data_dir.exists():
        if any(data_dir.iterdir()):
            replaced = data_dir.parent / f"{data_dir.name}.replaced-{stamp}"
            data_dir.rename(replaced)
        else:
            data_dir.rmdir()
    database = layout.database
    if database is not None and database.is_relative_to(data_dir):
        # Where the settings expect it, usually data_dir/cclibs.sqlite3 already.
        placed = staging / database.relative_to(data_dir)
        placed.parent.mkdir(parents=True, exist_ok=True)
        (staging / _DATABASE).replace(placed)
    elif database is not None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            old = database.with_name(database.name + suffix)
            if old.exists():
                old.rename(old.with_name(f"{old.name}.replaced-{stamp}"))
        database.parent.mkdir(parents=True, exist_ok=True)
        (staging / _DATABASE).replace(database)
    try:
        staging.rename(data_dir)
    except OSError:
        if replaced is not None:
            replaced.rename(data_dir)  # as it was
        raise
    _fsync_directory(data_dir.parent)
    return replaced
