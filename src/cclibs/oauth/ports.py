"""Storage contracts of the OAuth core. ``cclibs.storage`` implements them in SQL."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cclibs.oauth.clients import Client

__all__ = [
    "ClientCredentials",
    "ClientLookup",
    "ClientStore",
    "ClientTransactions",
    "Project",
    "StoredSecret",
]


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    owner_id: str | None
    """None for the project of the credentials cclibs ships (``oauth.first_party``)."""
    name: str
    apis: frozenset[str]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredSecret:
    id: str
    client_id: str
    secret_hash: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None


class ClientStore(Protocol):
    """Projects, clients and their secrets inside one transaction."""

    async def add_project(self, project: Project) -> None: ...

    async def project(self, project_id: str, *, for_update: bool = False) -> Project | None:
        """The project; ``for_update`` locks its row until the transaction ends."""
        ...

    async def project_named(self, owner_id: str, name: str) -> Project | None:
        """The owner's project with exactly this name, if any."""
        ...

    async def projects_of(self, owner_id: str) -> list[Project]:
        """The owner's projects, oldest first."""
        ...

    async def update_project(self, project: Project) -> None:
        """Store the project's name and APIs."""
        ...

    async def delete_project(self, project_id: str) -> bool:
        """Delete the project and, through the foreign keys, its clients, their secrets,
        consents, codes and grants (so every token issued to them); False when there was none.
        """
        ...

    async def add_client(self, client: Client) -> None: ...

    async def client(self, client_id: str, *, for_update: bool = False) -> Client | None:
        """The client with its owner (through its project) and whether the owner is disabled,
        or None. ``for_update`` locks the client's row until the transaction ends, so that a
        read-change-write of its settings cannot lose a concurrent change."""
        ...

    async def clients_of(self, owner_id: str) -> list[Client]:
        """Every client in the owner's projects, oldest first."""
        ...

    async def clients_in(self, project_id: str, *, for_update: bool = False) -> list[Client]:
        """The project's clients, oldest first; ``for_update`` locks their rows."""
        ...

    async def update_client(self, client: Client) -> None:
        """Store every setting of the client (its id, project and creation time stay)."""
        ...

    async def delete_client(self, client_id: str) -> bool:
        """Delete the client and its secrets; False when there was none."""
        ...

    async def add_secret(self, secret: StoredSecret) -> None: ...

    async def secrets_of(self, client_id: str) -> list[StoredSecret]:
        """The client's active secrets, oldest first."""
        ...

    async def delete_secret(self, client_id: str, secret_id: str) -> bool: ...

    async def touch_secret(self, secret_id: str, at: datetime) -> None:
        """Record that the secret was used at ``at``."""
        ...


class ClientTransactions(Protocol):
    def read(self) -> AbstractAsyncContextManager[ClientStore]: ...

    def write(self) -> AbstractAsyncContextManager[ClientStore]: ...


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """A client with its active secrets (hashes), as client authentication reads them."""

    client: Client
    secrets: tuple[StoredSecret, ...]


class ClientLookup(Protocol):
    """What client authentication and bearer checks read on every request, outside any
    transaction. An implementation may answer from memory (``cclibs.storage.credential_cache``)
    provided the process that changes a client, a secret or an owner's disabled state sees it
    at once, and every other process within a stated bound."""

    async def client_credentials(self, client_id: str) -> ClientCredentials | None:
        """The client and its secrets, or None when there is no such client."""
        ...
