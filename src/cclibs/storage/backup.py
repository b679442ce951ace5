"""Backups of a data directory while the server runs (restored by storage/restore.py).

A backup is a directory::

    manifest.json          written last: a directory without it is an unfinished backup
    cclibs.sqlite3         a consistent snapshot (SQLite's online backup API), rollback journal
    secret_key             the generated development secret, when the server uses one
    blobs/sha256/ab/cd/…   the blobs, in the store's own layout

**Consistency.** The snapshot must not name a blob missing from the copy. The server keeps
"every committed asset row's blob is on disk": an upload renames its blob into place inside
the transaction that records it, and a blob is deleted only after the last row naming it is
gone. So: (1) copy every blob; (2) snapshot the database, one read transaction in WAL, which
never blocks the server's writers; (3) copy each blob the snapshot names that (1) missed, as
it appeared after (1). A blob named by the snapshot but gone from the disk by (3) means its
rows were deleted after (2) (a purge, the hourly collector): take a new snapshot and repeat.
Each round only chases what changed in the last one; a blob absent in two rounds in a row
while still named is missing from the live store too, and is reported rather than chased.

PostgreSQL is backed up with its own tools (pg_dump, pg_basebackup); here only the blobs and
the secret file are copied, and only when asked (``blobs_only``): a backup command that
"succeeds" without the database would be a trap for the operator's cron job. For the same
reason both commands refuse when the blobs live in an S3 bucket (``CCLIBS_BLOB_URL``): the
bucket's own versioning or replication protects them.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from cclibs import __version__
from cclibs.config import Settings

__all__ = [
    "FORMAT",
    "MANIFEST",
    "BackupError",
    "BackupReport",
    "Progress",
    "create_backup",
    "referenced_blobs",
]

FORMAT = "cclibs-backup"
_FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_DATABASE = "cclibs.sqlite3"
_BLOBS = Path("blobs") / "sha256"
"""Under the data directory: ``FileBlobStore(data_dir / "blobs")`` (services.py) keeps its
blobs in ``sha256/``. Renditions and ``blobs/tmp`` are caches and leftovers: not copied."""
_SECRET_FILE = "secret_key"  # noqa: S105 - a file name
"""The development secret that ``Settings.resolved_secret_key`` generates in the data dir."""
_ROUNDS = 8
_CHUNK = 1024 * 1024
_HEX = frozenset("0123456789abcdef")

Progress = Callable[[int, int], None]
"""Called with (blobs done, blobs in all) as blobs are copied."""


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where one server keeps its data."""

    data_dir: Path
    database: Path | None
    """The SQLite file; None on PostgreSQL."""
    secret: bytes | None
    """``CCLIBS_SECRET_KEY`` when set (else the secret is the file in the data dir)."""

    @classmethod
    def of(cls, settings: Settings) -> _Layout:
        if settings.blob_url is not None:
            # The blobs are not in the data directory: a backup of it would name files it
            # does not hold, and a restore would put files where the server never looks.
            raise BackupError(
                f"the files live in the bucket of CCLIBS_BLOB_URL ({settings.blob_url}), not "
                "in the data directory: protect them with the bucket's versioning or "
                "replication (or copy them with `aws s3 sync`), and back up the database with "
                "its own tools (pg_dump, or sqlite3's .backup)"
            )
        url = make_url(settings.effective_database_url)
        database = None
        if url.get_backend_name() == "sqlite":
            if not url.database or url.database == ":memory:":
                raise BackupError("an in-memory SQLite database cannot be backed up")
            database = Path(url.database).absolute()
        key = settings.secret_key.get_secret_value() if settings.secret_key else ""
        return cls(settings.data_dir.absolute(), database, key.encode() or None)

    @property
    def blobs(self) -> Path:
        return self.data_dir / _BLOBS

    def secret_in(self, directory: Path) -> bytes | None:
        if self.secret is not None:
            return self.secret
        try:
            return (directory / _SECRET_FILE).read_text().strip().encode() or None
        except FileNotFoundError:
            return None


@dataclass(slots=True)
class _Blobs:
    """What a copy of blobs did: how many, how large, and what was wrong on the way."""

    copied: set[str] = field(default_factory=set)
    bytes: int = 0
    damaged: set[str] = field(default_factory=set)
    """Content that does not hash to its name (copied as found)."""


@dataclass(frozen=True, slots=True)
class BackupReport:
    destination: Path
    manifest: dict[str, Any]
    rounds: int
    """Snapshots taken (more than one when blobs were deleted during the backup)."""
    seconds: float


# Backup ----------------------------------------------------------------------------------


def create_backup(
    settings: Settings,
    destination: Path,
    *,
    blobs_only: bool = False,
    progress: Progress | None = None,
) -> BackupReport:
    """Copy the data of ``settings`` to ``destination`` (new, or an empty directory)."""
    started = time.monotonic()
    layout = _Layout.of(settings)
    destination = destination.absolute()
    _check_destination(layout, destination)
    if layout.database is None and not blobs_only:
        raise BackupError(
            "the database is PostgreSQL: back it up with pg_dump (or pg_basebackup), then run "
            "`cclibs backup --blobs-only DEST` right after it for the blobs and the secret file"
        )
    if layout.database is not None and blobs_only:
        raise BackupError("--blobs-only is for PostgreSQL; the SQLite database is copied too")
    if layout.database is not None and not layout.database.is_file():
        raise BackupError(f"no database at {layout.database}: nothing to back up")
    created = not destination.exists()
    destination.mkdir(parents=True, exist_ok=True)
    try:
        manifest, rounds = _write_backup(layout, destination, progress)
    except BaseException:
        # Nothing half-made stays behind: the directory was new or empty when this began.
        shutil.rmtree(destination, ignore_errors=True)
        if not created:
            destination.mkdir(exist_ok=True)
        raise
    return BackupReport(destination, manifest, rounds, time.monotonic() - started)


def _write_backup(
    layout: _Layout, destination: Path, progress: Progress | None
) -> tuple[dict[str, Any], int]:
    blobs = _Blobs()
    keys = list(_stored_keys(layout.blobs))
    _copy_blobs(keys, layout.blobs, destination / _BLOBS, blobs, progress)
    database: dict[str, Any] = {"kind": "postgresql", "included": False}
    counts: dict[str, int] = {}
    rounds, missing = 0, set[str]()
    if layout.database is not None:
        rounds, missing, database, counts = _snapshot_with_blobs(
            layout.database, layout.blobs, destination, blobs
        )
    secret = layout.secret_in(layout.data_dir)
    if layout.secret is None and (layout.data_dir / _SECRET_FILE).is_file():
        shutil.copyfile(layout.data_dir / _SECRET_FILE, destination / _SECRET_FILE)
        (destination / _SECRET_FILE).chmod(0o600)
    manifest = {
        "format": FORMAT,
        "format_version": _FORMAT_VERSION,
        "cclibs_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database,
        "counts": counts,
        "blobs": {
            "count": len(blobs.copied),
            "bytes": blobs.bytes,
            "damaged": sorted(blobs.damaged),
            "missing": sorted(missing),
        },
        "secret_key_file": (destination / _SECRET_FILE).is_file(),
        "secret_fingerprint": _fingerprint(secret),
    }
    _flush_to_disk(destination)
    _write_atomically(destination / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return manifest, rounds


def _check_destination(layout: _Layout, destination: Path) -> None:
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BackupError(f"{destination} exists and is not an empty directory")
    if destination.resolve().is_relative_to(layout.data_dir.resolve()):
        raise BackupError("the backup cannot go inside the data directory it copies")


def _snapshot_with_blobs(
    source: Path, stored: Path, destination: Path, blobs: _Blobs
) -> tuple[int, set[str], dict[str, Any], dict[str, int]]:
    """Steps (2) and (3) of the module's argument, repeated until no named blob vanishes."""
    target = destination / _DATABASE
    absent_before: set[str] = set()
    rounds = 0
    while True:
        rounds += 1
        if rounds > _ROUNDS:
            raise BackupError(
                f"blobs kept being deleted while the backup ran ({_ROUNDS} snapshots); "
                "try again when the server is less busy"
            )
        _snapshot(source, target)
        absent = set()
        for key in sorted(referenced_blobs(target) - blobs.copied):
            if not _copy_blob(key, stored, destination / _BLOBS, blobs):
                absent.add(key)
        if absent <= absent_before:  # nothing new vanished: what is absent stays absent
            break
        absent_before = absent
    with _open_read_only(target) as conn:
        check = _integrity(conn)
        if check != "ok":
            raise BackupError(f"the database fails its integrity check: {check}")
        revision = _revision(conn)
        counts = _counts(conn)
    database = {
        "kind": "sqlite",
        "file": _DATABASE,
        "sha256": _hash_file(target),
        "bytes": target.stat().st_size,
        "schema_revision": revision,
    }
    return rounds, absent, database, counts


def _snapshot(source: Path, target: Path) -> None:
    """One consistent copy: ``backup(pages=-1)`` copies every page in one step, inside one read
    transaction, so a commit of the server lands wholly before or wholly after it."""
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=-1)
            # A self-contained file: the copy would otherwise be in WAL mode, as the source is.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def referenced_blobs(database: Path) -> set[str]:
    """The blob keys a SQLite database names (uploaded files and chunked-upload parts)."""
    with _open_read_only(database) as conn:
        tables = _tables(conn)
        keys: set[str] = set()
        for table in ("library_assets", "library_upload_parts"):
            if table in tables:
                keys.update(row[0] for row in conn.execute(f"SELECT blob_key FROM {table}"))  # noqa: S608 - fixed names
        return keys


# Files -----------------------------------------------------------------------------------


def _relative(key: str) -> Path:
    return Path(key[:2]) / key[2:4] / key


def _stored_keys(root: Path) -> Iterator[str]:
    """The blob keys under ``root``, in the store's two-level layout."""
    for first in _entries(root):
        for second in _entries(first):
            for blob in _entries(second):
                name = blob.name
                if (
                    len(name) == 64
                    and set(name) <= _HEX
                    and name.startswith(first.name + second.name)
                ):
                    yield name


def _entries(directory: Path) -> list[Path]:
    try:
        return sorted(Path(entry.path) for entry in os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return []


def _copy_blobs(
    keys: Iterable[str], source: Path, target: Path, blobs: _Blobs, progress: Progress | None
) -> None:
    keys = list(keys)
    for done, key in enumerate(keys, 1):
        _copy_blob(key, source, target, blobs)
        if progress is not None:
            progress(done, len(keys))


def _copy_blob(key: str, source: Path, target: Path, blobs: _Blobs) -> bool:
    """Copy one blob, hashing it on the way; False when it is not (or no longer) there."""
    final = target / _relative(key)
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(key + ".part")
    digest = hashlib.sha256()
    try:
        with (source / _relative(key)).open("rb") as src, partial.open("wb") as dst:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                dst.write(chunk)
                blobs.bytes += len(chunk)
    except FileNotFoundError:
        partial.unlink(missing_ok=True)
        return False  # deleted (collected) since it was listed
    partial.replace(final)
    blobs.copied.add(key)
    if digest.hexdigest() != key:
        blobs.damaged.add(key)
    return True


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fingerprint(secret: bytes | None) -> str | None:
    """Tells two secrets apart without telling anything of either."""
    if secret is None:
        return None
    return hmac.new(secret, b"cclibs backup secret fingerprint", hashlib.sha256).hexdigest()[:16]


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".part")
    with partial.open("w") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    partial.replace(path)
    _fsync_directory(path.parent)


def _flush_to_disk(directory: Path) -> None:
    """Everything written so far reaches the disk before the file that vouches for it (the
    manifest, the swap). One ``sync`` instead of an fsync per blob: 10 000 blobs would
    otherwise cost 10 000 disk flushes."""
    if hasattr(os, "sync"):
        os.sync()
        return
    for path in directory.rglob("*"):  # pragma: no cover - Windows
        if path.is_file():
            with path.open("rb+") as file:
                os.fsync(file.fileno())


def _fsync_directory(path: Path) -> None:
    if os.name != "posix":  # pragma: no cover - NTFS journals renames
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# SQLite ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _open_read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """Open a file no one else writes: ``immutable`` makes SQLite take no lock and create no
    journal, so checking a backup leaves it exactly as it was."""
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [row[0] for row in rows]


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        table: int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608
        for table in _tables(conn)
        if table != "alembic_version"
    }


def _revision(conn: sqlite3.Connection) -> str | None:
    if "alembic_version" not in _tables(conn):
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


def _integrity(conn: sqlite3.Connection) -> str:
    """``ok``, or the first problems PRAGMA integrity_check and foreign_key_check find."""
    problems = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        return "; ".join(problems[:3])
    dangling = conn.execute("PRAGMA foreign_key_check").fetchall()
    if dangling:
        return f"{len(dangling)} row(s) name a missing parent (first in {dangling[0][0]})"
    return "ok"
