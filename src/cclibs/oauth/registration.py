"""Creating and managing credentials: the rules the console and ``cclibs clients`` share."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from cclibs.clock import Clock
from cclibs.oauth.clients import (
    Client,
    ClientType,
    SecretHasher,
    generate_client_id,
    generate_secret,
)
from cclibs.oauth.ports import ClientTransactions, Project, StoredSecret
from cclibs.oauth.redirects import RegistrationError, check_pattern, check_redirect_uri
from cclibs.oauth.scopes import IDENTITY_SCOPES, LIBRARIES_SCOPES, SCOPES

__all__ = [
    "DEFAULT_ACCESS_TOKEN_TTL",
    "DEFAULT_REFRESH_TOKEN_TTL",
    "MAX_ACTIVE_SECRETS",
    "ClientRegistry",
    "NewCredential",
    "RegistrationError",
]

DEFAULT_ACCESS_TOKEN_TTL = 24 * 3600
DEFAULT_REFRESH_TOKEN_TTL = 14 * 24 * 3600
MAX_ACTIVE_SECRETS = 2
DEFAULT_PROJECT = "Default project"
_MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class NewCredential:
    client: Client
    secret: str | None
    """The plain secret: shown once, never stored."""


def _default_scopes(client_type: ClientType) -> frozenset[str]:
    scopes = set(IDENTITY_SCOPES | LIBRARIES_SCOPES)
    if client_type in (ClientType.WEB, ClientType.NATIVE):
        scopes.add("offline_access")
    return frozenset(scopes)


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
    ) -> NewCredential:
        """Validate and store a credential; Web App and Server-to-Server get their first secret."""
        name = " ".join(name.split())
        if not name or len(name) > _MAX_NAME:
            raise RegistrationError(f"A name of 1 to {_MAX_NAME} characters is needed.", "name")
        uris = tuple(dict.fromkeys(check_redirect_uri(u, client_type.value) for u in redirect_uris))
        if default_redirect_uri:
            default_redirect_uri = check_redirect_uri(default_redirect_uri, client_type.value)
        if redirect_uri_pattern:
            if client_type not in (ClientType.WEB, ClientType.SPA):
                raise RegistrationError(
                    "Only Web App and Single-Page App credentials take a redirect URI pattern.",
                    "redirect_uri_pattern",
                )
            check_pattern(redirect_uri_pattern)
            if not default_redirect_uri:
                raise RegistrationError(
                    "A pattern needs a default redirect URI.", "default_redirect_uri"
                )
        if client_type is ClientType.SERVER:
            if uris or default_redirect_uri:
                raise RegistrationError("A Server-to-Server credential has no redirect URIs.")
        elif not uris and not default_redirect_uri:
            raise RegistrationError("Register at least one redirect URI.")
        allowed = _default_scopes(client_type)
        chosen = frozenset(scopes) if scopes else allowed
        unknown = sorted(s for s in chosen if s not in SCOPES)
        if unknown:
            raise RegistrationError(f"Unknown scope: {', '.join(unknown)}.", "scopes")
        if client_type is ClientType.SERVER and "offline_access" in chosen:
            raise RegistrationError(
                "Server-to-Server credentials get no refresh tokens (offline_access).", "scopes"
            )
        now = self._clock.now()
        client = Client(
            client_id=generate_client_id(),
            project_id="",
            owner_id=owner_id,
            name=name,
            type=client_type,
            redirect_uris=uris,
            default_redirect_uri=default_redirect_uri or None,
            redirect_uri_pattern=redirect_uri_pattern or None,
            allowed_scopes=chosen,
            offline_access=client_type is not ClientType.SERVER and "offline_access" in chosen,
            access_token_ttl=DEFAULT_ACCESS_TOKEN_TTL,
            refresh_token_ttl=DEFAULT_REFRESH_TOKEN_TTL,
            in_production=False,
            beta_users=(),
            created_at=now,
        )
        secret = generate_secret() if client_type.confidential else None
        async with self._tx.write() as store:
            project = await store.project_named(owner_id, project_name)
            if project is None:
                project = Project(
                    id=secrets.token_hex(16),
                    owner_id=owner_id,
                    name=project_name,
                    apis=frozenset({"cc_libraries"}),
                    created_at=now,
                )
                await store.add_project(project)
            client = _with_project(client, project.id)
            await store.add_client(client)
            if secret is not None:
                await store.add_secret(self._stored(client.client_id, secret))
        return NewCredential(client=client, secret=secret)

    def _stored(self, client_id: str, secret: str) -> StoredSecret:
        return StoredSecret(
            id=secrets.token_hex(16),
            client_id=client_id,
            secret_hash=self._hasher.hash(secret),
            hint=secret[-4:],
            created_at=self._clock.now(),
            last_used_at=None,
        )

    async def add_secret(self, client_id: str) -> str:
        """A new secret for rotation; refused while two are active."""
        secret = generate_secret()
        async with self._tx.write() as store:
            client = await store.client(client_id)
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

    async def get(self, client_id: str) -> Client | None:
        async with self._tx.read() as store:
            return await store.client(client_id)

    async def list_for(self, owner_id: str) -> list[Client]:
        async with self._tx.read() as store:
            return await store.clients_of(owner_id)

    async def delete(self, client_id: str) -> bool:
        async with self._tx.write() as store:
            return await store.delete_client(client_id)


def _with_project(client: Client, project_id: str) -> Client:
    from dataclasses import replace

    return replace(client, project_id=project_id)
