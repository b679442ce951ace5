"""Creating and managing credentials: the rules the console and ``cclibs clients`` share.

Every change made on someone's behalf goes through ``owned``: a credential that does not
exist and one that belongs to somebody else are the same ``NotFound``, so ids are not
confirmed to strangers.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from cclibs.clock import Clock
from cclibs.oauth.apis import available_scopes
from cclibs.oauth.clients import (
    Client,
    ClientType,
    SecretHasher,
    generate_client_id,
    generate_secret,
)
from cclibs.oauth.credential_rules import (
    check_beta_users,
    check_lifetimes,
    check_name,
    check_redirects,
    check_scopes,
)
from cclibs.oauth.first_party import FIRST_PARTY_PROJECT_ID
from cclibs.oauth.ports import ClientStore, ClientTransactions, Project, StoredSecret
from cclibs.oauth.redirects import RegistrationError

__all__ = [
    "DEFAULT_ACCESS_TOKEN_TTL",
    "DEFAULT_PROJECT",
    "DEFAULT_REFRESH_TOKEN_TTL",
    "MAX_ACTIVE_SECRETS",
    "MAX_CREDENTIALS_PER_PROJECT",
    "ClientRegistry",
    "NewCredential",
    "NotFound",
    "RegistrationError",
]

DEFAULT_ACCESS_TOKEN_TTL = 24 * 3600
DEFAULT_REFRESH_TOKEN_TTL = 14 * 24 * 3600
MAX_ACTIVE_SECRETS = 2
MAX_CREDENTIALS_PER_PROJECT = 50
DEFAULT_PROJECT = "Default project"


class NotFound(LookupError):
    """No such project or credential, or it is somebody else's."""


@dataclass(frozen=True, slots=True)
class NewCredential:
    client: Client
    secret: str | None
    """The plain secret: shown once, never stored."""


def _default_scopes(client_type: ClientType, apis: frozenset[str]) -> frozenset[str]:
    refresh = client_type in (ClientType.WEB, ClientType.NATIVE)
    return available_scopes(apis, refresh_tokens=refresh)


class ClientRegistry:
    def __init__(
        self, transactions: ClientTransactions, hasher: SecretHasher, clock: Clock
    ) -> None:
        self._tx = transactions
        self._hasher = hasher
        self._clock = clock

    async def create(
        self,
        *,
        owner_id: str,
        client_type: ClientType,
        name: str,
        redirect_uris: Sequence[str] = (),
        default_redirect_uri: str | None = None,
        redirect_uri_pattern: str | None = None,
        scopes: Sequence[str] = (),
        project_name: str = DEFAULT_PROJECT,
        project_id: str | None = None,
    ) -> NewCredential:
        """Validate and store a credential; Web App and Server-to-Server get their first secret.

        With ``project_id`` the credential joins that project of the owner; otherwise the
        owner's project named ``project_name`` (made, with the Libraries API, if missing).
        """
        name = check_name(name)
        redirects = check_redirects(
            client_type, redirect_uris, default_redirect_uri, redirect_uri_pattern
        )
        now = self._clock.now()
        secret = generate_secret() if client_type.confidential else None
        async with self._tx.write() as store:
            project = await self._project_for(store, owner_id, project_id, project_name)
            chosen = (
                check_scopes(client_type, scopes, project.apis)
                if scopes
                else _default_scopes(client_type, project.apis)
            )
            if len(await store.clients_in(project.id)) >= MAX_CREDENTIALS_PER_PROJECT:
                raise RegistrationError(
                    f"A project holds at most {MAX_CREDENTIALS_PER_PROJECT} credentials.", "name"
                )
            client = Client(
                client_id=generate_client_id(),
                project_id=project.id,
                owner_id=owner_id,
                name=name,
                type=client_type,
                redirect_uris=redirects.uris,
                default_redirect_uri=redirects.default_uri,
                redirect_uri_pattern=redirects.pattern,
                allowed_scopes=chosen,
                offline_access="offline_access" in chosen,
                access_token_ttl=DEFAULT_ACCESS_TOKEN_TTL,
                refresh_token_ttl=DEFAULT_REFRESH_TOKEN_TTL,
                in_production=False,
                beta_users=(),
                created_at=now,
            )
            await store.add_client(client)
            if secret is not None:
                await store.add_secret(self._stored(client.client_id, secret))
        return NewCredential(client=client, secret=secret)

    async def _project_for(
        self, store: ClientStore, owner_id: str, project_id: str | None, project_name: str
    ) -> Project:
        if project_id is not None:
            # Locked, so that concurrent creations respect the per-project limit.
            project = await store.project(project_id, for_update=True)
            if project is None or project.owner_id != owner_id:
                raise NotFound("No such project.")
            return project
        project = await store.project_named(owner_id, project_name)
        if project is None:
            project = Project(
                id=secrets.token_hex(16),
                owner_id=owner_id,
                name=check_name(project_name, "project"),
                apis=frozenset({"cc_libraries"}),
                created_at=self._clock.now(),
            )
            await store.add_project(project)
        return project

    def _stored(self, client_id: str, secret: str) -> StoredSecret:
        return StoredSecret(
            id=secrets.token_hex(16),
            client_id=client_id,
            secret_hash=self._hasher.hash(secret),
            hint=secret[-4:],
            created_at=self._clock.now(),
            last_used_at=None,
        )

    # Reading

    async def get(self, client_id: str) -> Client | None:
        async with self._tx.read() as store:
            return await store.client(client_id)

    async def owned(self, owner_id: str, client_id: str) -> Client:
        async with self._tx.read() as store:
            return await _owned(store, owner_id, client_id)

    async def list_for(self, owner_id: str) -> list[Client]:
        async with self._tx.read() as store:
            return await store.clients_of(owner_id)

    async def list_first_party(self) -> list[Client]:
        """The credentials cclibs ships (``oauth.first_party``), for administrators."""
        async with self._tx.read() as store:
            return await store.clients_in(FIRST_PARTY_PROJECT_ID)

    async def secrets(self, owner_id: str, client_id: str) -> list[StoredSecret]:
        async with self._tx.read() as store:
            await _owned(store, owner_id, client_id)
            return await store.secrets_of(client_id)

    # Changing settings

    async def _edit(
        self, owner_id: str, client_id: str, change: Callable[[Client, Project], Client]
    ) -> Client:
        async with self._tx.write() as store:
            # Locked: two edits at once (or an API removed meanwhile) must not undo each other.
            client = await _owned(store, owner_id, client_id, for_update=True)
            project = await store.project(client.project_id)
            assert project is not None  # a client's project is its foreign key
            changed = change(client, project)
            await store.update_client(changed)
            return changed

    async def rename(self, owner_id: str, client_id: str, name: str) -> Client:
        name = check_name(name)
        return await self._edit(owner_id, client_id, lambda c, _p: replace(c, name=name))

    async def update_redirects(
        self,
        owner_id: str,
        client_id: str,
        *,
        uris: Sequence[str],
        default_uri: str | None,
        pattern: str | None,
    ) -> Client:
        def change(client: Client, _project: Project) -> Client:
            checked = check_redirects(client.type, uris, default_uri, pattern)
            return replace(
                client,
                redirect_uris=checked.uris,
                default_redirect_uri=checked.default_uri,
                redirect_uri_pattern=checked.pattern,
            )

        return await self._edit(owner_id, client_id, change)

    async def update_access(
        self,
        owner_id: str,
        client_id: str,
        *,
        scopes: Sequence[str],
        offline_access: bool,
        access_token_ttl: int,
        refresh_token_ttl: int,
    ) -> Client:
        """The allowed scopes, the offline switch and the token lifetimes, saved together.

        ``offline_access`` follows the switch, not the scope list.
        """
        access_ttl, refresh_ttl = check_lifetimes(access_token_ttl, refresh_token_ttl)

        def change(client: Client, project: Project) -> Client:
            chosen = check_scopes(
                client.type, [s for s in scopes if s != "offline_access"], project.apis
            )
            changed = replace(client, allowed_scopes=chosen)
            return _with_tokens(changed, offline_access, access_ttl, refresh_ttl)

        return await self._edit(owner_id, client_id, change)

    async def update_tokens(
        self,
        owner_id: str,
        client_id: str,
        *,
        offline_access: bool,
        access_token_ttl: int,
        refresh_token_ttl: int,
    ) -> Client:
        access_ttl, refresh_ttl = check_lifetimes(access_token_ttl, refresh_token_ttl)
        return await self._edit(
            owner_id,
            client_id,
            lambda c, _p: _with_tokens(c, offline_access, access_ttl, refresh_ttl),
        )

    async def set_production(self, owner_id: str, client_id: str, in_production: bool) -> Client:
        return await self._edit(
            owner_id, client_id, lambda c, _p: replace(c, in_production=in_production)
        )

    async def update_status(
        self, owner_id: str, client_id: str, *, in_production: bool, beta_users: Sequence[str]
    ) -> Client:
        """Development or production, and the beta users who may sign in during development."""
        checked = check_beta_users(beta_users)
        return await self._edit(
            owner_id,
            client_id,
            lambda c, _p: replace(c, in_production=in_production, beta_users=checked),
        )

    # Secrets

    async def add_secret(self, client_id: str, *, owner_id: str | None = None) -> str:
        """A new secret for rotation; refused while two are active."""
        secret = generate_secret()
        async with self._tx.write() as store:
            if owner_id is not None:
                client: Client | None = await _owned(store, owner_id, client_id, for_update=True)
            else:
                client = await store.client(client_id, for_update=True)
            if client is None or not client.type.confidential:
                raise RegistrationError("This credential has no secrets.", "secret")
            if len(await store.secrets_of(client_id)) >= MAX_ACTIVE_SECRETS:
                raise RegistrationError(
                    f"A credential has at most {MAX_ACTIVE_SECRETS} active secrets; "
                    "revoke one first.",
                    "secret",
                )
            await store.add_secret(self._stored(client_id, secret))
        return secret

    async def revoke_secret(self, owner_id: str, client_id: str, secret_id: str) -> None:
        """Revoke one secret; the last one stays, so the credential keeps working."""
        async with self._tx.write() as store:
            await _owned(store, owner_id, client_id, for_update=True)
            active = await store.secrets_of(client_id)
            if secret_id not in {s.id for s in active}:
                raise NotFound("No such secret.")
            if len(active) == 1:
                raise RegistrationError(
                    "This is the credential's only secret. Generate a new one first, "
                    "move your application to it, then revoke this one.",
                    "secret",
                )
            await store.delete_secret(client_id, secret_id)

    # Deleting

    async def delete(self, client_id: str) -> bool:
        """Delete the credential; every token issued to it stops working.

        The credentials cclibs ships are refused: they would be back at the next start, and
        every CLI logged in with them would be logged out meanwhile.
        """
        async with self._tx.write() as store:
            client = await store.client(client_id[:64], for_update=True)
            if client is not None and client.first_party:
                raise RegistrationError(
                    f"{client_id} ships with cclibs (the command line's credential) and "
                    "cannot be deleted.",
                    "client_id",
                )
            return await store.delete_client(client_id)

    async def delete_owned(self, owner_id: str, client_id: str) -> None:
        async with self._tx.write() as store:
            await _owned(store, owner_id, client_id)
            await store.delete_client(client_id)


def _with_tokens(client: Client, offline_access: bool, access_ttl: int, refresh_ttl: int) -> Client:
    if offline_access and client.type is ClientType.SERVER:
        raise RegistrationError(
            "Server-to-Server credentials get no refresh tokens.", "offline_access"
        )
    scopes = set(client.allowed_scopes) - {"offline_access"}
    if offline_access:
        scopes.add("offline_access")
    return replace(
        client,
        offline_access=offline_access,
        allowed_scopes=frozenset(scopes),
        access_token_ttl=access_ttl,
        refresh_token_ttl=refresh_ttl,
    )


async def _owned(
    store: ClientStore, owner_id: str, client_id: str, *, for_update: bool = False
) -> Client:
    if len(client_id) > 64:
        raise NotFound("No such credential.")
    client = await store.client(client_id, for_update=for_update)
    if client is None or client.owner_id != owner_id:
        raise NotFound("No such credential.")
    return client
