"""Authorization-code redemption's Core statements (``storage.code_redemption``), on SQLite and
PostgreSQL: they read and write what the ORM grant store reads and writes, the user's state
comes with the locked code, two redemptions of one code are serial, and a failed redemption
leaves nothing behind."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update

from cclibs.oauth.clients import ClientType
from cclibs.oauth.grant_ports import AuthorizationCode, Grant, RefreshToken
from cclibs.storage.code_redemption import SqlRedemptionTransactions
from cclibs.storage.grants import SqlGrantTransactions
from cclibs.storage.tables import UserRow
from tests.storage.test_client_registry import OTHER, OWNER, World
from tests.storage.test_client_registry import world as world  # the same fixture

pytestmark = pytest.mark.anyio


async def _client(world: World) -> str:
    created = await world.registry.create(
        owner_id=OWNER,
        client_type=ClientType.WEB,
        name="Swatch app",
        redirect_uris=["https://example.com/cb"],
    )
    return created.client.client_id


async def _code(world: World, client_id: str, user_id: str, name: str) -> AuthorizationCode:
    now = world.clock.now()
    code = AuthorizationCode(
        code_hash=f"hash-{name}",
        client_id=client_id,
        user_id=user_id,
        redirect_uri="https://example.com/cb",
        redirect_uri_given=True,
        scope=("openid", "offline_access"),
        nonce="n-0S6",
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        code_challenge_method="S256",
        auth_time=now - timedelta(seconds=30),
        sid="sid-1",
        created_at=now,
        expires_at=now + timedelta(seconds=60),
        issuer="http://testserver",
        amr=("pwd", "otp"),
    )
    async with SqlGrantTransactions(world.db).write() as store:
        await store.add_code(code)
    return code


def _grant_for(code: AuthorizationCode, world: World, grant_id: str) -> Grant:
    return Grant(
        id=grant_id,
        client_id=code.client_id,
        user_id=code.user_id,
        scope=code.scope,
        auth_time=code.auth_time,
        sid=code.sid,
        created_at=world.clock.now(),
        issuer=code.issuer,
        amr=code.amr,
    )


async def test_a_redemption_reads_and_writes_what_the_grant_store_sees(world: World) -> None:
    client_id = await _client(world)
    code = await _code(world, client_id, OWNER, "a")
    grant = _grant_for(code, world, "g" * 32)
    refresh = RefreshToken(
        token_hash="r" * 64,
        grant_id=grant.id,
        client_id=client_id,
        scope=code.scope,
        created_at=world.clock.now(),
        expires_at=world.clock.now() + timedelta(days=14),
    )
    used_at = world.clock.now() + timedelta(seconds=2)
    async with SqlRedemptionTransactions(world.db).write() as store:
        assert await store.code_for_update(code.code_hash) == code  # every field, typed
        assert await store.user_active(OWNER) is True
        await store.add_grant(grant)
        await store.mark_code_used(code.code_hash, used_at, grant.id)
        await store.add_refresh_token(refresh)
    async with SqlGrantTransactions(world.db).read() as grants:
        assert await grants.grant(grant.id) == grant
        assert await grants.refresh_token(refresh.token_hash) == refresh
    async with SqlRedemptionTransactions(world.db).write() as store:
        again = await store.code_for_update(code.code_hash)
        assert again is not None
        assert (again.used_at, again.grant_id) == (used_at, grant.id)
        assert await store.code_for_update("hash-unknown") is None


async def test_the_users_state_comes_with_the_code(world: World) -> None:
    client_id = await _client(world)
    code = await _code(world, client_id, OTHER, "b")
    async with world.db.write() as session:
        await session.execute(update(UserRow).where(UserRow.id == OTHER).values(is_disabled=True))
    async with SqlRedemptionTransactions(world.db).write() as store:
        assert await store.code_for_update(code.code_hash) is not None
        assert await store.user_active(OTHER) is False
        # Users not read with a code are read on their own.
        assert await store.user_active(OWNER) is True
        assert await store.user_active("user-nobody") is False


async def test_a_failed_redemption_leaves_the_code_unused_and_no_grant(world: World) -> None:
    client_id = await _client(world)
    code = await _code(world, client_id, OWNER, "c")
    grant = _grant_for(code, world, "h" * 32)
    with pytest.raises(RuntimeError):
        async with SqlRedemptionTransactions(world.db).write() as store:
            await store.code_for_update(code.code_hash)
            await store.add_grant(grant)
            await store.mark_code_used(code.code_hash, world.clock.now(), grant.id)
            raise RuntimeError("signing failed")
    async with SqlGrantTransactions(world.db).read() as grants:
        assert await grants.grant(grant.id) is None
    async with SqlRedemptionTransactions(world.db).write() as store:
        found = await store.code_for_update(code.code_hash)
        assert found is not None and found.used_at is None


async def test_two_redemptions_of_one_code_are_serial(world: World) -> None:
    # The second waits for the first's lock (PostgreSQL) or write transaction (SQLite), so it
    # sees the code used: one grant, never two.
    client_id = await _client(world)
    code = await _code(world, client_id, OWNER, "d")
    redeemed: list[str] = []

    async def redeem(grant_id: str) -> None:
        async with SqlRedemptionTransactions(world.db).write() as store:
            found = await store.code_for_update(code.code_hash)
            assert found is not None
            await asyncio.sleep(0.1)  # both have asked for the code before either writes
            if found.used_at is None:
                await store.add_grant(_grant_for(code, world, grant_id))
                await store.mark_code_used(code.code_hash, world.clock.now(), grant_id)
                redeemed.append(grant_id)

    await asyncio.wait_for(asyncio.gather(redeem("1" * 32), redeem("2" * 32)), 20)
    assert len(redeemed) == 1


async def test_revoking_a_replayed_codes_grant_ends_the_family(world: World) -> None:
    client_id = await _client(world)
    code = await _code(world, client_id, OWNER, "e")
    grant = _grant_for(code, world, "k" * 32)
    async with SqlRedemptionTransactions(world.db).write() as store:
        await store.add_grant(grant)
    async with SqlGrantTransactions(world.db).read() as grants:
        assert await grants.live_grant(grant.id) == grant
    revoked_at = world.clock.now() + timedelta(minutes=1)
    async with SqlRedemptionTransactions(world.db).write() as store:
        await store.revoke_grant(grant.id, revoked_at)
    async with SqlGrantTransactions(world.db).read() as grants:
        assert await grants.live_grant(grant.id) is None
        stored = await grants.grant(grant.id)
        assert stored is not None and stored.revoked_at == revoked_at
