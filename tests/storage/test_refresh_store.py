"""The refresh grant's Core statements (``storage.refresh``), on SQLite and PostgreSQL: a
rotation's writes land, locked or (PostgreSQL) without the lock, the order of writes is kept,
and a transaction that fails leaves nothing of them behind."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any

import pytest

from cclibs.oauth.grant_ports import RefreshToken, StaleRead
from cclibs.storage.grants import SqlGrantTransactions
from cclibs.storage.refresh import SqlRefreshTransactions
from tests.storage.test_client_registry import OWNER, World
from tests.storage.test_client_registry import world as world  # the same fixture
from tests.storage.test_code_redemption import _client, _code, _grant_for

pytestmark = pytest.mark.anyio


async def _family(world: World, name: str) -> tuple[str, RefreshToken]:
    """A grant and its first refresh token, stored the way a code redemption stores them."""
    client_id = await _client(world)
    code = await _code(world, client_id, OWNER, name)
    grant = _grant_for(code, world, name * 32)
    token = RefreshToken(
        token_hash=f"{name}-first".ljust(64, "0"),
        grant_id=grant.id,
        client_id=client_id,
        scope=code.scope,
        created_at=world.clock.now(),
        expires_at=world.clock.now() + timedelta(days=14),
    )
    async with SqlGrantTransactions(world.db).write() as grants:
        await grants.add_grant(grant)
        await grants.add_refresh_token(token)
    return grant.id, token


def _successor(token: RefreshToken, name: str, world: World) -> RefreshToken:
    return RefreshToken(
        token_hash=name.ljust(64, "0"),
        grant_id=token.grant_id,
        client_id=token.client_id,
        scope=token.scope,
        created_at=world.clock.now(),
        expires_at=world.clock.now() + timedelta(days=14),
    )


async def _stored(world: World, token_hash: str) -> RefreshToken | None:
    async with SqlGrantTransactions(world.db).read() as grants:
        return await grants.refresh_token(token_hash)


async def _rotated(
    world: World, transaction: AbstractAsyncContextManager[Any], first: RefreshToken, name: str
) -> tuple[datetime, RefreshToken]:
    """Rotate ``first`` to a successor named ``name`` in ``transaction``; both rows checked."""
    at = world.clock.now() + timedelta(seconds=5)
    successor = _successor(first, name, world)
    async with transaction as store:
        assert await store.refresh_token_for_update(first.token_hash) == first
        await store.mark_rotated(first.token_hash, at)
        await store.add_refresh_token(successor)
    rotated = await _stored(world, first.token_hash)
    assert rotated is not None and rotated.rotated_at == at
    assert await _stored(world, successor.token_hash) == successor
    return at, successor


async def test_a_rotation_marks_the_token_and_stores_its_successor(world: World) -> None:
    _, first = await _family(world, "a")
    _, successor = await _rotated(world, SqlRefreshTransactions(world.db).write(), first, "a-2")
    # Only that token was touched: the successor is unrotated, every field as given.
    async with SqlRefreshTransactions(world.db).write() as store:
        again = await store.refresh_token_for_update(successor.token_hash)
        assert again == successor and again.rotated_at is None


async def test_a_rotation_without_a_successor_still_marks_the_token(world: World) -> None:
    """A client that no longer gets refresh tokens rotates its last one to nothing."""
    _, first = await _family(world, "b")
    at = world.clock.now() + timedelta(seconds=5)
    async with SqlRefreshTransactions(world.db).write() as store:
        await store.refresh_token_for_update(first.token_hash)
        await store.mark_rotated(first.token_hash, at)
    rotated = await _stored(world, first.token_hash)
    assert rotated is not None and rotated.rotated_at == at


async def test_writes_after_a_rotation_see_it(world: World) -> None:
    """A read or a revocation after ``mark_rotated`` comes after it, as the grant wrote them."""
    grant_id, first = await _family(world, "c")
    at = world.clock.now() + timedelta(seconds=5)
    async with SqlRefreshTransactions(world.db).write() as store:
        await store.mark_rotated(first.token_hash, at)
        seen = await store.refresh_token_for_update(first.token_hash)
        assert seen is not None and seen.rotated_at == at
        await store.revoke_grant(grant_id, at)
        assert await store.live_grant(grant_id) is None
    async with SqlRefreshTransactions(world.db).write() as store:
        assert await store.live_grant(grant_id) is None
        assert (await store.refresh_token_for_update(first.token_hash)) == seen


async def test_a_failed_rotation_leaves_the_token_unrotated_and_no_successor(
    world: World,
) -> None:
    _, first = await _family(world, "d")
    successor = _successor(first, "d-second", world)
    with pytest.raises(RuntimeError, match="signing failed"):
        async with SqlRefreshTransactions(world.db).write() as store:
            await store.refresh_token_for_update(first.token_hash)
            await store.mark_rotated(first.token_hash, world.clock.now())
            await store.add_refresh_token(successor)
            raise RuntimeError("signing failed")
    assert await _stored(world, first.token_hash) == first
    assert await _stored(world, successor.token_hash) is None


async def test_a_second_rotation_of_one_token_changes_nothing_of_the_first(
    world: World,
) -> None:
    """The UPDATE only marks an unrotated token: marking it again keeps the first time."""
    _, first = await _family(world, "e")
    at = world.clock.now() + timedelta(seconds=5)
    async with SqlRefreshTransactions(world.db).write() as store:
        await store.mark_rotated(first.token_hash, at)
        await store.add_refresh_token(_successor(first, "e-second", world))
    async with SqlRefreshTransactions(world.db).write() as store:
        await store.mark_rotated(first.token_hash, at + timedelta(seconds=9))
        await store.add_refresh_token(_successor(first, "e-third", world))
    rotated = await _stored(world, first.token_hash)
    assert rotated is not None and rotated.rotated_at == at


async def test_a_first_use_without_the_lock_rotates_only_an_unrotated_token(
    world: World,
) -> None:
    """PostgreSQL's first use: read without a lock, then the rotation and its successor
    written only if nobody rotated the token since; otherwise ``StaleRead``, nothing written
    (the grant then decides under the lock). SQLite has no such store."""
    tx = SqlRefreshTransactions(world.db)
    unlocked = tx.unlocked()
    if world.db.is_sqlite:
        assert unlocked is None
        return
    assert unlocked is not None
    _, first = await _family(world, "f")
    at, successor = await _rotated(world, unlocked, first, "f-second")

    # The successor, read unrotated, is rotated by another request before this one writes.
    third = _successor(first, "f-third", world)
    other = _successor(first, "f-other", world)
    with pytest.raises(StaleRead):
        async with SqlRefreshTransactions(world.db).unlocked() as store:  # type: ignore[union-attr]
            assert await store.refresh_token_for_update(successor.token_hash) == successor
            async with SqlRefreshTransactions(world.db).write() as locked:
                await locked.mark_rotated(successor.token_hash, at + timedelta(seconds=1))
                await locked.add_refresh_token(other)
            await store.mark_rotated(successor.token_hash, at + timedelta(seconds=2))
            await store.add_refresh_token(third)
    assert await _stored(world, third.token_hash) is None
    kept = await _stored(world, successor.token_hash)
    assert kept is not None and kept.rotated_at == at + timedelta(seconds=1)
    assert await _stored(world, other.token_hash) == other


async def test_a_first_use_without_the_lock_leaves_the_rest_to_the_lock(world: World) -> None:
    """A revocation, a second token read or a grant not read with the token: ``StaleRead``
    before anything is written."""
    unlocked = SqlRefreshTransactions(world.db).unlocked()
    if unlocked is None:
        return  # SQLite: checked above
    grant_id, first = await _family(world, "g")
    with pytest.raises(StaleRead):
        async with unlocked as store:
            await store.refresh_token_for_update(first.token_hash)
            await store.revoke_grant(grant_id, world.clock.now())
    with pytest.raises(StaleRead):
        async with SqlRefreshTransactions(world.db).unlocked() as store:  # type: ignore[union-attr]
            await store.live_grant(grant_id)
    assert await _stored(world, first.token_hash) == first
    async with SqlRefreshTransactions(world.db).write() as locked:
        assert await locked.live_grant(grant_id) is not None
