"""ClientRegistry creating credentials in the real database, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from cclibs.accounts.models import NewUser
from cclibs.clock import FrozenClock
from cclibs.oauth.clients import ClientType, SecretHasher
from cclibs.oauth.registration import (
    DEFAULT_ACCESS_TOKEN_TTL,
    DEFAULT_REFRESH_TOKEN_TTL,
    ClientRegistry,
    RegistrationError,
)
from cclibs.storage import Database
from cclibs.storage.accounts import SqlAccountTransactions
from cclibs.storage.clients import SqlClientTransactions
from cclibs.storage.tables import ClientRow, ClientSecretRow, ProjectRow

pytestmark = pytest.mark.anyio

OWNER = "user-ada"
OTHER = "user-bob"
WEB_URI = "https://example.com/cb"
LOOPBACK_URI = "http://127.0.0.1/cb"


@dataclass
class World:
    db: Database
    tx: SqlClientTransactions
    hasher: SecretHasher
    clock: FrozenClock
    registry: ClientRegistry


async def _add_user(db: Database, user_id: str, email: str, clock: FrozenClock) -> None:
    async with SqlAccountTransactions(db).write() as store:
        await store.add_user(
            NewUser(
                id=user_id,
                email=email,
                name=email.split("@")[0],
                password_hash="not-a-real-hash",
                is_admin=False,
                created_at=clock.now(),
            )
        )


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    db = Database(database_url)
    clock = FrozenClock()
    hasher = SecretHasher(b"k" * 32)
    tx = SqlClientTransactions(db)
    try:
        await _add_user(db, OWNER, "ada@example.com", clock)
        await _add_user(db, OTHER, "bob@example.com", clock)
        yield World(db, tx, hasher, clock, ClientRegistry(tx, hasher, clock))
    finally:
        await db.dispose()


async def _secret_rows(db: Database) -> list[ClientSecretRow]:
    async with db.read() as session:
        return list(await session.scalars(select(ClientSecretRow)))


async def _refused(world: World, field: str, **kwargs: object) -> RegistrationError:
    values: dict[str, object] = {"owner_id": OWNER, "name": "My app"}
    values.update(kwargs)
    with pytest.raises(RegistrationError) as caught:
        await world.registry.create(**values)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert caught.value.message
    # Nothing half-made is left behind.
    assert await world.registry.list_for(OWNER) == []
    return caught.value


# --- Creating each type --------------------------------------------------------------------


@pytest.mark.parametrize("client_type", [ClientType.WEB, ClientType.SERVER])
async def test_confidential_credentials_get_a_secret_shown_once(
    world: World, client_type: ClientType
) -> None:
    uris = [WEB_URI] if client_type is ClientType.WEB else []
    made = await world.registry.create(
        owner_id=OWNER, client_type=client_type, name="  My   app ", redirect_uris=uris
    )
    assert made.secret is not None
    assert made.secret.startswith("p8e-")
    client = made.client
    assert client.type is client_type
    assert client.name == "My app"
    assert client.owner_id == OWNER
    assert not client.is_public
    assert client.created_at == world.clock.now()
    assert client.access_token_ttl == DEFAULT_ACCESS_TOKEN_TTL
    assert client.refresh_token_ttl == DEFAULT_REFRESH_TOKEN_TTL
    assert client.in_production is False

    # Only a keyed hash is stored: the plain secret appears in no column of client_secrets.
    rows = await _secret_rows(world.db)
    assert len(rows) == 1
    row = rows[0]
    assert row.client_id == client.client_id
    assert row.secret_hash == world.hasher.hash(made.secret)
    assert world.hasher.matches(made.secret, row.secret_hash)
    for column in ClientSecretRow.__table__.columns:
        value = str(getattr(row, column.key))
        assert made.secret not in value
        assert made.secret.removeprefix("p8e-") not in value
    assert made.secret.endswith(row.hint)
    assert len(row.hint) < 8

    # Reading the credential back never yields the secret again.
    stored = await world.registry.get(client.client_id)
    assert stored == client


async def test_a_web_app(world: World) -> None:
    made = await world.registry.create(
        owner_id=OWNER,
        client_type=ClientType.WEB,
        name="Web",
        redirect_uris=[WEB_URI, "https://example.com/other", WEB_URI],
    )
    client = made.client
    assert client.redirect_uris == (WEB_URI, "https://example.com/other")
    assert client.grant_types == {"authorization_code", "refresh_token"}
    assert client.offline_access is True
    assert "offline_access" in client.allowed_scopes
    assert client.requires_pkce is False
    assert await world.registry.get(client.client_id) == client


async def test_a_server_to_server_credential(world: World) -> None:
    made = await world.registry.create(owner_id=OWNER, client_type=ClientType.SERVER, name="Bot")
    client = made.client
    assert client.redirect_uris == ()
    assert client.grant_types == {"client_credentials"}
    assert client.offline_access is False
    assert "offline_access" not in client.allowed_scopes
    assert await world.registry.get(client.client_id) == client


@pytest.mark.parametrize(
    ("client_type", "uri"),
    [(ClientType.SPA, WEB_URI), (ClientType.NATIVE, LOOPBACK_URI)],
)
async def test_public_credentials_get_no_secret(
    world: World, client_type: ClientType, uri: str
) -> None:
    made = await world.registry.create(
        owner_id=OWNER, client_type=client_type, name="Public", redirect_uris=[uri]
    )
    assert made.secret is None
    assert made.client.is_public
    assert made.client.requires_pkce
    assert made.client.redirect_uris == (uri,)
    assert await _secret_rows(world.db) == []
    with pytest.raises(RegistrationError) as caught:
        await world.registry.add_secret(made.client.client_id)
    assert caught.value.field == "secret"
    assert await _secret_rows(world.db) == []
    assert await world.registry.get(made.client.client_id) == made.client


async def test_a_native_app_with_a_private_use_scheme(world: World) -> None:
    made = await world.registry.create(
        owner_id=OWNER,
        client_type=ClientType.NATIVE,
        name="Desk",
        redirect_uris=["com.example.app:/callback", LOOPBACK_URI],
    )
    assert made.client.redirect_uris == ("com.example.app:/callback", LOOPBACK_URI)
    assert "urn:ietf:params:oauth:grant-type:device_code" in made.client.grant_types


async def test_a_pattern_with_a_default_uri(world: World) -> None:
    made = await world.registry.create(
        owner_id=OWNER,
        client_type=ClientType.SPA,
        name="Patterned",
        default_redirect_uri="https://example.com/home",
        redirect_uri_pattern=r"https://example\.com/cb/.*",
    )
    client = await world.registry.get(made.client.client_id)
    assert client is not None
    assert client.default_redirect_uri == "https://example.com/home"
    assert client.redirect_uri_pattern == r"https://example\.com/cb/.*"
    assert client.redirect_policy.pattern == r"https://example\.com/cb/.*"


async def test_chosen_scopes_are_kept(world: World) -> None:
    made = await world.registry.create(
        owner_id=OWNER,
        client_type=ClientType.WEB,
        name="Narrow",
        redirect_uris=[WEB_URI],
        scopes=["openid", "cc_libraries"],
    )
    assert made.client.allowed_scopes == {"openid", "cc_libraries"}
    assert made.client.offline_access is False
    stored = await world.registry.get(made.client.client_id)
    assert stored is not None
    assert stored.allowed_scopes == {"openid", "cc_libraries"}


# --- Refusals ------------------------------------------------------------------------------


async def test_a_server_credential_with_redirect_uris_is_refused(world: World) -> None:
    await _refused(world, "redirect_uris", client_type=ClientType.SERVER, redirect_uris=[WEB_URI])
    await _refused(
        world, "redirect_uris", client_type=ClientType.SERVER, default_redirect_uri=WEB_URI
    )


@pytest.mark.parametrize("client_type", [ClientType.WEB, ClientType.SPA, ClientType.NATIVE])
async def test_a_credential_without_redirect_uris_is_refused(
    world: World, client_type: ClientType
) -> None:
    error = await _refused(world, "redirect_uris", client_type=client_type)
    assert "at least one redirect URI" in error.message


async def test_a_web_app_with_plain_http_is_refused(world: World) -> None:
    error = await _refused(
        world,
        "redirect_uris",
        client_type=ClientType.WEB,
        redirect_uris=[WEB_URI, "http://example.com/cb"],
    )
    assert "http://example.com/cb" in error.message


async def test_a_pattern_without_a_default_uri_is_refused(world: World) -> None:
    await _refused(
        world,
        "default_redirect_uri",
        client_type=ClientType.WEB,
        redirect_uris=[WEB_URI],
        redirect_uri_pattern=r"https://example\.com/cb/.*",
    )


@pytest.mark.parametrize("client_type", [ClientType.NATIVE, ClientType.SERVER])
async def test_a_pattern_on_other_types_is_refused(world: World, client_type: ClientType) -> None:
    await _refused(
        world,
        "redirect_uri_pattern",
        client_type=client_type,
        redirect_uris=[LOOPBACK_URI],
        default_redirect_uri=LOOPBACK_URI,
        redirect_uri_pattern=r"https://example\.com/cb/.*",
    )


async def test_an_unsafe_pattern_is_refused(world: World) -> None:
    await _refused(
        world,
        "redirect_uri_pattern",
        client_type=ClientType.WEB,
        default_redirect_uri=WEB_URI,
        redirect_uri_pattern="https://example.com/.*",
    )


async def test_an_unknown_scope_is_refused(world: World) -> None:
    error = await _refused(
        world,
        "scopes",
        client_type=ClientType.WEB,
        redirect_uris=[WEB_URI],
        scopes=["openid", "write_everything"],
    )
    assert "write_everything" in error.message


async def test_a_server_credential_with_offline_access_is_refused(world: World) -> None:
    await _refused(
        world, "scopes", client_type=ClientType.SERVER, scopes=["openid", "offline_access"]
    )


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
async def test_a_name_is_needed(world: World, name: str) -> None:
    await _refused(world, "name", client_type=ClientType.WEB, name=name, redirect_uris=[WEB_URI])


# --- Secrets -------------------------------------------------------------------------------


async def test_at_most_two_active_secrets(world: World) -> None:
    made = await world.registry.create(
        owner_id=OWNER, client_type=ClientType.WEB, name="Rotating", redirect_uris=[WEB_URI]
    )
    client_id = made.client.client_id
    assert made.secret is not None
    world.clock.advance(timedelta(minutes=1))
    second = await world.registry.add_secret(client_id)
    assert second.startswith("p8e-")
    assert second != made.secret

    with pytest.raises(RegistrationError) as caught:
        await world.registry.add_secret(client_id)
    assert caught.value.field == "secret"

    async with world.tx.read() as store:
        active = await store.secrets_of(client_id)
    assert [s.secret_hash for s in active] == [
        world.hasher.hash(made.secret),
        world.hasher.hash(second),
    ]
    async with world.tx.write() as store:
        assert await store.delete_secret(client_id, active[0].id) is True
        assert await store.delete_secret(client_id, active[0].id) is False

    third = await world.registry.add_secret(client_id)
    async with world.tx.read() as store:
        active = await store.secrets_of(client_id)
    assert {s.secret_hash for s in active} == {
        world.hasher.hash(second),
        world.hasher.hash(third),
    }
    assert not any(world.hasher.matches(made.secret, s.secret_hash) for s in active)
    for row in await _secret_rows(world.db):
        assert row.secret_hash not in (made.secret, second, third)


async def test_a_secret_for_an_unknown_client_is_refused(world: World) -> None:
    with pytest.raises(RegistrationError):
        await world.registry.add_secret("0" * 32)
    assert await _secret_rows(world.db) == []


# --- Reading and deleting ------------------------------------------------------------------


async def test_get_list_and_delete(world: World) -> None:
    first = await world.registry.create(
        owner_id=OWNER, client_type=ClientType.WEB, name="First", redirect_uris=[WEB_URI]
    )
    world.clock.advance(timedelta(seconds=1))
    second = await world.registry.create(
        owner_id=OWNER, client_type=ClientType.SERVER, name="Second"
    )
    world.clock.advance(timedelta(seconds=1))
    theirs = await world.registry.create(
        owner_id=OTHER, client_type=ClientType.SPA, name="Bob's", redirect_uris=[WEB_URI]
    )

    assert await world.registry.get(first.client.client_id) == first.client
    assert await world.registry.get("0" * 32) is None
    assert await world.registry.list_for(OWNER) == [first.client, second.client]
    assert await world.registry.list_for(OTHER) == [theirs.client]
    assert await world.registry.list_for("nobody") == []

    assert await world.registry.delete(first.client.client_id) is True
    assert await world.registry.get(first.client.client_id) is None
    assert await world.registry.delete(first.client.client_id) is False
    assert await world.registry.list_for(OWNER) == [second.client]
    assert await world.registry.list_for(OTHER) == [theirs.client]
    # Its secret went with it; the other credential's stays.
    rows = await _secret_rows(world.db)
    assert [row.client_id for row in rows] == [second.client.client_id]


async def test_credentials_of_one_owner_share_the_default_project(world: World) -> None:
    first = await world.registry.create(
        owner_id=OWNER, client_type=ClientType.WEB, name="First", redirect_uris=[WEB_URI]
    )
    second = await world.registry.create(
        owner_id=OWNER, client_type=ClientType.NATIVE, name="Second", redirect_uris=[LOOPBACK_URI]
    )
    theirs = await world.registry.create(
        owner_id=OTHER, client_type=ClientType.SERVER, name="Bob's"
    )
    assert first.client.project_id
    assert second.client.project_id == first.client.project_id
    assert theirs.client.project_id != first.client.project_id

    async with world.db.read() as session:
        # Owned rows only: a prepared database also holds the first-party CLI credential.
        projects = list(
            await session.scalars(
                select(ProjectRow)
                .where(ProjectRow.owner_id.is_not(None))
                .order_by(ProjectRow.owner_id)
            )
        )
        clients = list(
            await session.scalars(
                select(ClientRow).where(ClientRow.project_id.in_([p.id for p in projects]))
            )
        )
    assert [(p.owner_id, p.name) for p in projects] == [
        (OWNER, "Default project"),
        (OTHER, "Default project"),
    ]
    assert len(clients) == 3

    async with world.tx.read() as store:
        project = await store.project(first.client.project_id)
    assert project is not None
    assert project.owner_id == OWNER
    assert project.name == "Default project"
