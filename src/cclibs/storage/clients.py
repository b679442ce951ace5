"""SQL implementation of ``cclibs.oauth.ports`` for projects, clients and secrets.

Every change that client authentication or a bearer check could see calls ``bump``: the
processes' credential caches drop what they hold (``cclibs.storage.versions``).
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cclibs.oauth.clients import Client, ClientType
from cclibs.oauth.ports import Project, StoredSecret
from cclibs.storage.db import Database
from cclibs.storage.tables import ClientRow, ClientSecretRow, ProjectRow, UserRow
from cclibs.storage.transactions import SqlTransactions
from cclibs.storage.versions import bump

__all__ = ["SqlClientStore", "SqlClientTransactions"]


def _client(row: ClientRow, owner_id: str | None, owner_disabled: bool = False) -> Client:
    return Client(
        client_id=row.client_id,
        project_id=row.project_id,
        owner_id=owner_id,
        name=row.name,
        type=ClientType(row.type),
        redirect_uris=tuple(json.loads(row.redirect_uris)),
        default_redirect_uri=row.default_redirect_uri,
        redirect_uri_pattern=row.redirect_uri_pattern,
        allowed_scopes=frozenset(row.scopes.split()),
        offline_access=row.offline_access,
        access_token_ttl=row.access_token_ttl,
        refresh_token_ttl=row.refresh_token_ttl,
        in_production=row.in_production,
        beta_users=tuple(json.loads(row.beta_users)),
        created_at=row.created_at,
        owner_disabled=owner_disabled,
    )


def _settings(client: Client) -> dict[str, object]:
    """The columns a client's owner may change."""
    return {
        "name": client.name,
        "type": client.type.value,
        "redirect_uris": json.dumps(list(client.redirect_uris)),
        "default_redirect_uri": client.default_redirect_uri,
        "redirect_uri_pattern": client.redirect_uri_pattern,
        "scopes": " ".join(sorted(client.allowed_scopes)),
        "offline_access": client.offline_access,
        "access_token_ttl": client.access_token_ttl,
        "refresh_token_ttl": client.refresh_token_ttl,
        "in_production": client.in_production,
        "beta_users": json.dumps(list(client.beta_users)),
    }


def _project(row: ProjectRow) -> Project:
    return Project(
        id=row.id,
        owner_id=row.owner_id,
        name=row.name,
        apis=frozenset(row.apis.split()),
        created_at=row.created_at,
    )


def _secret(row: ClientSecretRow) -> StoredSecret:
    return StoredSecret(
        id=row.id,
        client_id=row.client_id,
        secret_hash=row.secret_hash,
        hint=row.hint,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
    )


class SqlClientStore:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add_project(self, project: Project) -> None:
        self._s.add(
            ProjectRow(
                id=project.id,
                owner_id=project.owner_id,
                name=project.name,
                apis=" ".join(sorted(project.apis)),
                created_at=project.created_at,
            )
        )
        await self._s.flush()

    async def project(self, project_id: str, *, for_update: bool = False) -> Project | None:
        # SELECT ... FOR UPDATE on PostgreSQL; SQLite's write transactions are serial already.
        row = await self._s.get(ProjectRow, project_id, with_for_update=for_update or None)
        return _project(row) if row else None

    async def project_named(self, owner_id: str, name: str) -> Project | None:
        row = await self._s.scalar(
            select(ProjectRow)
            .where(ProjectRow.owner_id == owner_id, ProjectRow.name == name)
            .order_by(ProjectRow.created_at)
            .limit(1)
        )
        return _project(row) if row else None

    async def projects_of(self, owner_id: str) -> list[Project]:
        rows = await self._s.scalars(
            select(ProjectRow)
            .where(ProjectRow.owner_id == owner_id)
            .order_by(ProjectRow.created_at, ProjectRow.id)
        )
        return [_project(row) for row in rows]

    async def update_project(self, project: Project) -> None:
        await self._s.execute(
            update(ProjectRow)
            .where(ProjectRow.id == project.id)
            .values(name=project.name, apis=" ".join(sorted(project.apis)))
        )

    async def delete_project(self, project_id: str) -> bool:
        result = await self._s.execute(delete(ProjectRow).where(ProjectRow.id == project_id))
        await bump(self._s)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def add_client(self, client: Client) -> None:
        self._s.add(
            ClientRow(
                client_id=client.client_id,
                project_id=client.project_id,
                created_at=client.created_at,
                **_settings(client),
            )
        )
        await self._s.flush()
        await bump(self._s)

    async def update_client(self, client: Client) -> None:
        await self._s.execute(
            update(ClientRow)
            .where(ClientRow.client_id == client.client_id)
            .values(**_settings(client))
        )
        await bump(self._s)

    async def clients_in(self, project_id: str, *, for_update: bool = False) -> list[Client]:
        query = (
            select(ClientRow, ProjectRow.owner_id)
            .join(ProjectRow, ProjectRow.id == ClientRow.project_id)
            .where(ClientRow.project_id == project_id)
            .order_by(ClientRow.created_at, ClientRow.client_id)
        )
        if for_update:
            query = query.with_for_update(of=ClientRow)
        rows = await self._s.execute(query)
        return [_client(row, owner_id) for row, owner_id in rows.all()]

    async def client(self, client_id: str, *, for_update: bool = False) -> Client | None:
        query = (
            select(ClientRow, ProjectRow.owner_id, UserRow.is_disabled)
            .join(ProjectRow, ProjectRow.id == ClientRow.project_id)
            # Outer: the credentials cclibs ships have no owner (oauth.first_party).
            .outerjoin(UserRow, UserRow.id == ProjectRow.owner_id)
            .where(ClientRow.client_id == client_id)
        )
        if for_update:
            query = query.with_for_update(of=ClientRow)
        found = (await self._s.execute(query)).first()
        return _client(found[0], found[1], bool(found[2])) if found else None

    async def clients_of(self, owner_id: str) -> list[Client]:
        rows = await self._s.execute(
            select(ClientRow)
            .join(ProjectRow, ProjectRow.id == ClientRow.project_id)
            .where(ProjectRow.owner_id == owner_id)
            .order_by(ClientRow.created_at, ClientRow.client_id)
        )
        return [_client(row, owner_id) for row in rows.scalars()]

    async def delete_client(self, client_id: str) -> bool:
        await self._s.execute(delete(ClientSecretRow).where(ClientSecretRow.client_id == client_id))
        result = await self._s.execute(delete(ClientRow).where(ClientRow.client_id == client_id))
        await bump(self._s)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def add_secret(self, secret: StoredSecret) -> None:
        self._s.add(
            ClientSecretRow(
                id=secret.id,
                client_id=secret.client_id,
                secret_hash=secret.secret_hash,
                hint=secret.hint,
                created_at=secret.created_at,
                last_used_at=secret.last_used_at,
            )
        )
        await self._s.flush()
        await bump(self._s)

    async def secrets_of(self, client_id: str) -> list[StoredSecret]:
        rows = await self._s.scalars(
            select(ClientSecretRow)
            .where(ClientSecretRow.client_id == client_id)
            .order_by(ClientSecretRow.created_at, ClientSecretRow.id)
        )
        return [_secret(row) for row in rows]

    async def delete_secret(self, client_id: str, secret_id: str) -> bool:
        result = await self._s.execute(
            delete(ClientSecretRow).where(
                ClientSecretRow.client_id == client_id, ClientSecretRow.id == secret_id
            )
        )
        await bump(self._s)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def touch_secret(self, secret_id: str, at: datetime) -> None:
        await self._s.execute(
            update(ClientSecretRow).where(ClientSecretRow.id == secret_id).values(last_used_at=at)
        )


class SqlClientTransactions(SqlTransactions[SqlClientStore]):
    def __init__(self, db: Database) -> None:
        super().__init__(db, SqlClientStore)
