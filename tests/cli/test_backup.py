"""``cclibs backup`` and ``cclibs restore``: a consistent copy while the server writes, and a
restore that refuses what it cannot vouch for.

The server here is the app in process (httpx ASGITransport) on a SQLite data directory; the
backup runs in a worker thread beside it, as the command would beside ``cclibs serve``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
import httpx
import pytest
from starlette.applications import Starlette
from typer.testing import CliRunner

from cclibs.accounts.passwords import PasswordHasher
from cclibs.cli.main import app as cli
from cclibs.clock import FrozenClock
from cclibs.config import Settings, load_settings
from cclibs.storage import backup as backup_module
from cclibs.storage import migrate
from cclibs.storage.backup import create_backup, referenced_blobs
from cclibs.web.app import create_app
from tests.conftest import TEST_SECRET
from tests.support.api_auth import ApiCaller, ApiCallers

pytestmark = pytest.mark.anyio

runner = CliRunner()
ELEMENT_CLIENT = {"app": "backup-test", "device": "laptop", "deviceId": "dev-1"}


def data_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "secret_key": TEST_SECRET,
        "issuer": "http://testserver",
        "env": "development",
        "signup_enabled": False,
        **overrides,
    }
    return load_settings(**values)


def cli_env(**extra: str) -> dict[str, str]:
    return {"CCLIBS_SECRET_KEY": TEST_SECRET, "CCLIBS_DATABASE_URL": "", **extra}


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass
class Server:
    """The app on one data directory, a caller of its API, and what was acknowledged."""

    settings: Settings
    app: Starlette
    http: httpx.AsyncClient
    caller: ApiCaller
    files: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Libraries acknowledged and not deleted: id -> (storage_href of its file, its sha256)."""
    ever: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Every library acknowledged, deleted since or not."""

    async def library_with_file(self, content: bytes) -> str:
        headers = self.caller.headers
        made = await self.http.post("/api/v1/libraries", headers=headers, json={"name": "B"})
        assert made.status_code == 201, made.text
        library = made.json()["id"]
        upload = await self.http.post(
            f"/api/v1/libraries/{library}/representations/content",
            headers=headers,
            files={
                "Representation-Content": ("asset", content, "application/octet-stream"),
                "Representation-Data": (None, '{"type": "application/pdf"}'),
            },
        )
        assert upload.status_code == 200, upload.text
        href = upload.json()["storage_href"]
        element = await self.http.post(
            f"/api/v1/libraries/{library}/elements",
            headers=headers,
            json={
                "name": "Doc",
                "type": "application/vnd.adobe.element.template+dcx",
                "client": ELEMENT_CLIENT,
                "representations": [
                    {"type": "application/pdf", "relationship": "primary", "storage_href": href}
                ],
            },
        )
        assert element.status_code == 201, element.text
        self.files[library] = self.ever[library] = (href, sha256(content))
        return str(library)

    async def delete_library(self, library: str) -> None:
        # The answer comes once the blobs are released (a background task the transport awaits).
        answer = await self.http.delete(f"/api/v1/libraries/{library}", headers=self.caller.headers)
        assert answer.status_code == 204, answer.text
        del self.files[library]


@asynccontextmanager
async def serving(settings: Settings, hasher: PasswordHasher) -> AsyncIterator[Server]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await anyio.to_thread.run_sync(migrate.prepare, settings.effective_database_url)
    application = create_app(settings, password_hasher=hasher)
    await application.state.cclibs.oauth.keys.ensure_keys()
    transport = httpx.ASGITransport(app=application, client=("203.0.113.7", 40000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url=settings.issuer) as http:
            caller = await ApiCallers(application.state.cclibs, FrozenClock()).user()
            yield Server(settings, application, http, caller)
    finally:
        await application.state.cclibs.db.dispose()


@pytest.fixture
async def server(tmp_path: Path, password_hasher: PasswordHasher) -> AsyncIterator[Server]:
    async with serving(data_settings(tmp_path / "data"), password_hasher) as running:
        yield running


async def restored_app(
    data_dir: Path, hasher: PasswordHasher, source: Server, expected: dict[str, tuple[str, str]]
) -> None:
    """Start the app on a restored directory: every expected library and file is served with
    the same bytes, and every blob its database names is on disk under its own hash."""
    settings = data_settings(data_dir)
    application = create_app(settings, password_hasher=hasher)
    transport = httpx.ASGITransport(app=application, client=("203.0.113.7", 40000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url=settings.issuer) as http:
            headers = source.caller.headers  # the token is the backed-up server's: keys came along
            for library, (href, digest) in expected.items():
                answer = await http.get(f"/api/v1/libraries/{library}", headers=headers)
                assert answer.status_code == 200, answer.text
                download = await http.get(href, headers=headers)
                assert download.status_code == 200, download.text
                assert sha256(download.content) == digest
    finally:
        await application.state.cclibs.db.dispose()
    database = data_dir / "cclibs.sqlite3"
    named = referenced_blobs(database)
    assert named
    for key in named:
        blob = data_dir / "blobs" / "sha256" / key[:2] / key[2:4] / key
        assert sha256(blob.read_bytes()) == key
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def restore(source: Path, data_dir: Path, *args: str, **env: str) -> Any:
    return runner.invoke(
        cli, ["restore", str(source), "--data-dir", str(data_dir), *args], env=cli_env(**env)
    )


async def test_a_backup_taken_while_the_server_writes_restores_whole(
    server: Server,
    tmp_path: Path,
    password_hasher: PasswordHasher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for number in range(40):
        await server.library_with_file(f"%PDF before {number} ".encode() * 2000)
    before = dict(server.files)
    deleted_before: set[str] = set()
    for library in list(before)[:5]:
        await server.delete_library(library)
        deleted_before.add(library)
    done = anyio.Event()
    during = 0

    async def writer() -> None:
        # New libraries with new blobs, and deletions that release blobs, all through the API.
        nonlocal during
        while not done.is_set():
            await server.library_with_file(secrets.token_bytes(30_000))
            during += 1
            if during % 3 == 0:
                await server.delete_library(next(iter(server.files)))
            await anyio.sleep(0)

    async def another_write() -> None:
        target = during + 1
        while during < target:
            await anyio.sleep(0.005)

    # The backup waits for the writer at points of its own: writes land within the first pass,
    # between it and the snapshot, and after the snapshot, however fast either side runs.
    def every_tenth_blob(copied: int, total: int) -> None:
        if copied % 10 == 0:
            anyio.from_thread.run(another_write)

    snapshot = backup_module._snapshot

    def snapshot_between_writes(source: Path, target: Path) -> None:
        anyio.from_thread.run(another_write)
        snapshot(source, target)
        anyio.from_thread.run(another_write)

    monkeypatch.setattr(backup_module, "_snapshot", snapshot_between_writes)
    destination = tmp_path / "backup"
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(writer)
        report = await anyio.to_thread.run_sync(
            lambda: create_backup(server.settings, destination, progress=every_tenth_blob)
        )
        done.set()
    assert during >= 5
    manifest = json.loads((destination / "manifest.json").read_text())
    assert manifest == report.manifest
    assert manifest["format"] == "cclibs-backup"
    assert manifest["database"]["schema_revision"] == migrate.HEAD
    assert manifest["blobs"]["damaged"] == manifest["blobs"]["missing"] == []

    # The server keeps the directory open: restoring over it is refused, whatever --force says.
    busy = restore(destination, server.settings.data_dir, "--force")
    assert busy.exit_code == 2
    assert "in use" in busy.output

    restored = tmp_path / "restored"
    result = restore(destination, restored)
    assert result.exit_code == 0, result.output
    assert "restored" in result.output

    with sqlite3.connect(restored / "cclibs.sqlite3") as conn:
        present = {row[0] for row in conn.execute("SELECT id FROM libraries")}
        with_file = {row[0] for row in conn.execute("SELECT library_id FROM library_assets")}
        users = conn.execute("SELECT count(*) FROM users").fetchone()[0]
    assert users == manifest["counts"]["users"]
    assert len(present) == manifest["counts"]["libraries"]
    # Acknowledged before the backup began and still there when it ended: in the backup.
    kept = {lib for lib in before if lib not in deleted_before and lib in server.files}
    assert kept <= present
    assert not (deleted_before & present)
    # Every library in the backup is served with its file, byte for byte. One library may have
    # none: the writer's, made but its file still on the way when the snapshot was taken.
    assert len(present - with_file) <= 1
    assert with_file <= server.ever.keys()
    expected = {lib: server.ever[lib] for lib in present & with_file}
    await restored_app(restored, password_hasher, server, expected)


async def test_a_blob_deleted_between_the_snapshot_and_its_copy_takes_another_snapshot(
    server: Server, tmp_path: Path, password_hasher: PasswordHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race the passes leave open, forced: a file uploaded after the blobs were listed is
    named by the first snapshot, then its library is deleted (blob and all) before the second
    pass copies it. The backup notices and snapshots again; the result names nothing absent."""
    await server.library_with_file(b"%PDF stays " * 100)
    late: list[str] = []
    snapshot = backup_module._snapshot
    snapshots = 0

    def during_first_pass(copied: int, total: int) -> None:
        if not late:
            late.append(anyio.from_thread.run(server.library_with_file, b"%PDF late " * 100))

    def snapshot_then_delete(source: Path, target: Path) -> None:
        nonlocal snapshots
        snapshot(source, target)
        snapshots += 1
        if snapshots == 1:
            assert late[0] in _library_ids(target)
            anyio.from_thread.run(server.delete_library, late[0])

    monkeypatch.setattr(backup_module, "_snapshot", snapshot_then_delete)
    destination = tmp_path / "backup"
    report = await anyio.to_thread.run_sync(
        lambda: create_backup(server.settings, destination, progress=during_first_pass)
    )
    assert report.rounds == 2
    assert late[0] not in _library_ids(destination / "cclibs.sqlite3")
    result = restore(destination, tmp_path / "restored")
    assert result.exit_code == 0, result.output
    await restored_app(tmp_path / "restored", password_hasher, server, dict(server.files))


async def test_a_blob_missing_from_the_store_is_reported_not_chased(
    server: Server, tmp_path: Path
) -> None:
    await server.library_with_file(b"%PDF one " * 100)
    lost = await server.library_with_file(b"%PDF lost " * 100)
    key = server.files[lost][1]
    (server.settings.data_dir / "blobs" / "sha256" / key[:2] / key[2:4] / key).unlink()
    result = runner.invoke(
        cli,
        ["backup", str(tmp_path / "b"), "--data-dir", str(server.settings.data_dir)],
        env=cli_env(),
    )
    assert result.exit_code == 0, result.output
    assert f"blob {key} is named but missing in the store" in result.output
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["blobs"]["missing"] == [key]
    assert restore(tmp_path / "b", tmp_path / "restored").exit_code == 0


def _library_ids(database: Path) -> set[str]:
    conn = sqlite3.connect(f"{database.as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM libraries")}
    finally:
        conn.close()


# Refusals -------------------------------------------------------------------------------


@pytest.fixture
async def made(server: Server, tmp_path: Path) -> Path:
    """A finished backup of a server with one library and its file."""
    await server.library_with_file(b"%PDF refusals " * 100)
    destination = tmp_path / "made"
    await anyio.to_thread.run_sync(create_backup, server.settings, destination)
    return destination


def _rewrite_manifest(backup: Path, change: Callable[[dict[str, Any]], None]) -> None:
    manifest = json.loads((backup / "manifest.json").read_text())
    change(manifest)
    (backup / "manifest.json").write_text(json.dumps(manifest))


async def test_restore_refuses_what_is_not_a_cclibs_backup(tmp_path: Path, made: Path) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "cclibs.sqlite3").write_bytes((made / "cclibs.sqlite3").read_bytes())
    result = restore(foreign, tmp_path / "target")
    assert result.exit_code == 2
    assert "is not a cclibs backup (no manifest.json" in result.output

    (foreign / "manifest.json").write_text('{"format": "something-else"}')
    result = restore(foreign, tmp_path / "target")
    assert result.exit_code == 2
    assert "is not a cclibs backup (manifest.json is another format)" in result.output
    assert not (tmp_path / "target").exists()


async def test_restore_refuses_a_changed_or_corrupt_database(tmp_path: Path, made: Path) -> None:
    database = made / "cclibs.sqlite3"
    original = database.read_bytes()
    database.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    result = restore(made, tmp_path / "target")
    assert result.exit_code == 2
    assert "does not match the manifest's sha256" in result.output

    # Pages overwritten, and the manifest made to agree: the integrity check still says no.
    page = 4096
    damaged = bytearray(original)
    damaged[2 * page : 4 * page] = b"\xa5" * (2 * page)
    database.write_bytes(bytes(damaged))
    _rewrite_manifest(made, lambda m: m["database"].update(sha256=sha256(bytes(damaged))))
    result = restore(made, tmp_path / "target")
    assert result.exit_code == 2
    assert "integrity check" in result.output or "cannot be read" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "target").exists()


async def test_restore_refuses_a_damaged_blob_and_leaves_the_target_alone(
    tmp_path: Path, made: Path
) -> None:
    blob = next(p for p in (made / "blobs" / "sha256").rglob("*") if p.is_file())
    blob.write_bytes(blob.read_bytes() + b"!")
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    result = restore(made, target, "--force")
    assert result.exit_code == 2
    assert f"blob {blob.name} in the backup does not match its hash" in result.output
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if ".restoring-" in p.name]


async def test_restore_needs_force_for_a_non_empty_directory_and_keeps_it_aside(
    tmp_path: Path, made: Path, server: Server
) -> None:
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    refused = restore(made, target)
    assert refused.exit_code == 2
    assert "is not empty; --force replaces it" in refused.output
    forced = restore(made, target, "--force")
    assert forced.exit_code == 0, forced.output
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("target.replaced-")]
    assert len(aside) == 1
    assert (aside[0] / "keep.txt").read_text() == "mine"
    assert str(aside[0]) in forced.output
    assert referenced_blobs(target / "cclibs.sqlite3")


async def test_restore_refuses_another_server_secret(tmp_path: Path, made: Path) -> None:
    result = restore(made, tmp_path / "target", CCLIBS_SECRET_KEY="another-" + "s" * 40)
    assert result.exit_code == 2
    assert "the server secret differs" in result.output


async def test_restore_refuses_a_backup_from_a_newer_schema(tmp_path: Path, made: Path) -> None:
    database = made / "cclibs.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    _rewrite_manifest(made, lambda m: m["database"].update(sha256=sha256(database.read_bytes())))
    result = restore(made, tmp_path / "target")
    assert result.exit_code == 2
    assert "schema revision '9999' is unknown to this cclibs" in result.output


async def test_backup_refuses_a_non_empty_destination(server: Server, tmp_path: Path) -> None:
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "x").write_text("x")
    result = runner.invoke(
        cli,
        ["backup", str(occupied), "--data-dir", str(server.settings.data_dir)],
        env=cli_env(),
    )
    assert result.exit_code == 2
    assert "is not an empty directory" in result.output


# PostgreSQL -----------------------------------------------------------------------------


def test_on_postgresql_backup_refuses_unless_blobs_only(postgres_url: str, tmp_path: Path) -> None:
    """On PostgreSQL the database is pg_dump's job. Without --blobs-only the command refuses,
    so that a scheduled backup cannot look green while the database is not in it."""
    data = tmp_path / "data"
    content = b"a blob of a PostgreSQL server"
    key = sha256(content)
    real = data / "blobs" / "sha256" / key[:2] / key[2:4]
    real.mkdir(parents=True)
    (real / key).write_bytes(content)
    env = cli_env(CCLIBS_DATABASE_URL=postgres_url)
    args = ["--data-dir", str(data)]

    refused = runner.invoke(cli, ["backup", str(tmp_path / "b"), *args], env=env)
    assert refused.exit_code == 2
    assert "the database is PostgreSQL: back it up with pg_dump" in refused.output
    assert not (tmp_path / "b").exists()

    taken = runner.invoke(cli, ["backup", str(tmp_path / "b"), "--blobs-only", *args], env=env)
    assert taken.exit_code == 0, taken.output
    assert "database: NOT INCLUDED (PostgreSQL)" in taken.output
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["database"] == {"kind": "postgresql", "included": False}
    assert manifest["blobs"]["count"] == 1

    into_sqlite = restore(tmp_path / "b", tmp_path / "sqlite-target")
    assert into_sqlite.exit_code == 2
    assert "restore the database with pg_restore" in into_sqlite.output

    target = tmp_path / "pg-target"
    restored = restore(tmp_path / "b", target, CCLIBS_DATABASE_URL=postgres_url)
    assert restored.exit_code == 0, restored.output
    assert "blobs only: restore the database with pg_restore" in restored.output
    assert (target / "blobs" / "sha256" / key[:2] / key[2:4] / key).read_bytes() == content
