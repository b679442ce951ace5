"""Registering the credentials cclibs ships (``oauth.first_party``) in a prepared database.

``migrate.prepare`` (every ``cclibs serve`` start) and ``migrate.upgrade`` (``cclibs db
upgrade``) call this inside their own transaction, once, before any worker starts, so no two
processes race to insert. It is idempotent: a row that is missing is inserted, a row that
differs from the definition (a newer cclibs widened the scopes, say) is brought back to it,
and a row that matches costs one SELECT per table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.schema import Table

from cclibs.oauth.clients import Client
from cclibs.oauth.first_party import cli_client, first_party_project
from cclibs.oauth.ports import Project
from cclibs.storage.clients import _settings as client_columns
from cclibs.storage.tables import ClientRow, ProjectRow
from cclibs.storage.versions import bump_offline

__all__ = ["register_first_party"]


def _project_values(project: Project) -> dict[str, Any]:
    return {"owner_id": None, "name": project.name, "apis": " ".join(sorted(project.apis))}


def _client_values(client: Client) -> dict[str, Any]:
    return {"project_id": client.project_id, **client_columns(client)}


def _ensure(
    conn: Connection, table: Table, key: str, key_value: str, values: dict[str, Any], now: datetime
) -> bool:
    """Insert or correct one row; True when something was written."""
    column = table.c[key]
    row = conn.execute(select(table).where(column == key_value)).mappings().first()
    if row is None:
        conn.execute(insert(table).values({key: key_value, "created_at": now, **values}))
        return True
    if any(row[name] != value for name, value in values.items()):
        conn.execute(update(table).where(column == key_value).values(values))
        return True
    return False


def register_first_party(conn: Connection, now: datetime | None = None) -> bool:
    """Make the first-party project and credentials exist as defined; True if any changed."""
    moment = now or datetime.now(UTC)
    project = first_party_project(moment)
    client = cli_client(moment)
    projects: Table = ProjectRow.__table__  # type: ignore[assignment]
    clients: Table = ClientRow.__table__  # type: ignore[assignment]
    changed = _ensure(conn, projects, "id", project.id, _project_values(project), moment)
    changed |= _ensure(conn, clients, "client_id", client.client_id, _client_values(client), moment)
    if changed:
        bump_offline(conn)  # servers already running (a rolling upgrade) drop their copies
    return changed
