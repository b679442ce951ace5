"""Signing keys on a real database: the SQL store, and KeyManager's lifecycle over it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import anyio
import pytest
from sqlalchemy import select, update

from cclibs.clock import FrozenClock
from cclibs.oauth.keys import (
    DEFAULT_CACHE_TTL,
    DEFAULT_PUBLISH_AHEAD,
    InvalidJwt,
    KeyManager,
    KeyState,
    SealedKeyError,
    generate_key,
    sealed,
)
from cclibs.storage import Database
from cclibs.storage.keys import SqlKeyTransactions
from cclibs.storage.tables import SigningKeyRow

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
SECRET = b"a-server-secret-that-is-long-enough-for-tests"
CLAIMS = {"iss": "http://testserver", "sub": "u1@AdobeID", "aud": "api", "exp": 1}


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


def manager(db: Database, clock: FrozenClock, secret: bytes = SECRET) -> KeyManager:
    return KeyManager(SqlKeyTransactions(db), clock=clock, secret=secret, max_token_lifetime=DAY)


async def test_the_store_round_trips_keys(db: Database) -> None:
    tx = SqlKeyTransactions(db)
    first = generate_key("RS256", T0, publish_ahead=timedelta(0))
    second = generate_key("ES256", T0 + timedelta(seconds=1), publish_ahead=DEFAULT_PUBLISH_AHEAD)
    stored = [sealed(first, SECRET), sealed(second, SECRET)]
    async with tx.write() as store:
        for key in reversed(stored):  # listed by created_at, not by insertion
            await store.add_key(key)
    async with tx.read() as store:
        listed = await store.list_keys()
    assert listed == stored
    assert listed[0].public_jwk == first.public_jwk()
    assert (listed[1].alg, listed[1].created_at, listed[1].not_before, listed[1].retired_at) == (
        "ES256",
        T0 + timedelta(seconds=1),
        T0 + timedelta(seconds=1) + DEFAULT_PUBLISH_AHEAD,
        None,
    )
    async with tx.write() as store:
        await store.retire_key(first.kid, T0 + timedelta(hours=1))
    async with tx.read() as store:
        assert (await store.list_keys())[0].retired_at == T0 + timedelta(hours=1)
    async with tx.write() as store:
        assert await store.delete_retired_at_or_before(T0 + timedelta(minutes=59)) == []
        assert await store.delete_retired_at_or_before(T0 + timedelta(hours=1)) == [first.kid]
    async with tx.read() as store:
        assert [k.kid for k in await store.list_keys()] == [second.kid]


async def test_ensure_keys_makes_one_usable_key_per_alg_once(
    db: Database, clock: FrozenClock
) -> None:
    keys = manager(db, clock)
    created = await keys.ensure_keys()
    assert sorted(k.alg for k in created) == ["ES256", "RS256"]
    assert all(k.not_before == T0 for k in created)  # a first key has nothing to pre-publish
    assert await keys.ensure_keys() == []
    ring = await keys.keyring()
    for alg in ("ES256", "RS256"):
        header, claims = ring.verify(ring.sign(CLAIMS, alg=alg, typ="at+jwt"), algs={alg})
        assert (header["alg"], claims) == (alg, CLAIMS)


async def test_the_keys_survive_a_restart(db: Database, clock: FrozenClock) -> None:
    first = manager(db, clock)
    await first.ensure_keys()
    ring = await first.keyring()
    token = ring.sign(CLAIMS, alg="RS256", typ="at+jwt")
    restarted = manager(db, clock)
    assert await restarted.ensure_keys() == []
    again = await restarted.keyring()
    assert again.jwks() == ring.jwks()
    assert {a: again.signing_key(a).kid for a in ("ES256", "RS256")} == {
        a: ring.signing_key(a).kid for a in ("ES256", "RS256")
    }
    assert again.verify(token, algs={"RS256"})[1] == CLAIMS


async def test_workers_starting_together_create_one_set_of_keys(
    db: Database, clock: FrozenClock
) -> None:
    async with anyio.create_task_group() as group:
        for _ in range(4):
            group.start_soon(manager(db, clock).ensure_keys)
    listed = await manager(db, clock).list_keys()
    assert sorted(k.alg for k, _ in listed) == ["ES256", "RS256"]


async def test_rotation_publishes_first_then_switches_then_unpublishes(
    db: Database, clock: FrozenClock
) -> None:
    keys = manager(db, clock)
    await keys.ensure_keys()
    old = (await keys.keyring()).signing_key("ES256")
    clock.advance(timedelta(days=2))
    old_token = (await keys.keyring()).sign(CLAIMS, alg="ES256", typ="at+jwt")

    [rotation] = await keys.rotate("ES256")
    rotated_at = clock.now()
    assert rotation.retired_kids == (old.kid,)
    assert rotation.signs_from == rotated_at + DEFAULT_PUBLISH_AHEAD
    assert rotation.unpublished_at == rotation.signs_from + DAY
    ring = await keys.keyring()
    assert {old.kid, rotation.new_kid} <= {k["kid"] for k in ring.jwks()["keys"]}
    assert ring.signing_key("ES256").kid == old.kid  # published, not signing yet
    states = {k.kid: s for k, s in await keys.list_keys()}
    assert states[rotation.new_kid] is KeyState.PENDING
    assert states[old.kid] is KeyState.ACTIVE

    clock.advance(DEFAULT_PUBLISH_AHEAD)
    ring = await keys.keyring()
    header, _ = ring.verify(ring.sign(CLAIMS, alg="ES256", typ="at+jwt"), algs={"ES256"})
    assert header["kid"] == rotation.new_kid
    assert ring.verify(old_token, algs={"ES256"})[1] == CLAIMS  # still verifiable
    assert {k.kid: s for k, s in await keys.list_keys()}[old.kid] is KeyState.RETIRED

    clock.advance(DAY - timedelta(seconds=1))
    assert old.kid in {k["kid"] for k in (await keys.keyring()).jwks()["keys"]}
    assert await keys.prune() == []

    clock.advance(timedelta(seconds=1))
    ring = await keys.keyring()
    assert old.kid not in {k["kid"] for k in ring.jwks()["keys"]}
    with pytest.raises(InvalidJwt, match="unknown kid"):
        ring.verify(old_token, algs={"ES256"})
    assert await keys.prune() == [old.kid]
    assert old.kid not in {k.kid for k, _ in await keys.list_keys()}


async def test_another_worker_learns_a_rotation_within_its_cache_ttl_before_activation(
    db: Database, clock: FrozenClock
) -> None:
    admin, worker = manager(db, clock), manager(db, clock)
    await admin.ensure_keys()
    assert len((await worker.keyring()).jwks()["keys"]) == 2  # cached from now on
    [rotation] = await admin.rotate("RS256")
    clock.advance(DEFAULT_CACHE_TTL - timedelta(seconds=1))
    assert rotation.new_kid not in {k["kid"] for k in (await worker.keyring()).jwks()["keys"]}
    clock.advance(timedelta(seconds=1))
    ring = await worker.keyring()
    assert rotation.new_kid in {k["kid"] for k in ring.jwks()["keys"]}
    assert ring.signing_key("RS256").kid != rotation.new_kid
    assert clock.now() < rotation.signs_from  # learnt while the key was still only published
    clock.advance(rotation.signs_from - clock.now())
    assert (await worker.keyring()).signing_key("RS256").kid == rotation.new_kid


async def test_a_ring_loaded_before_an_activation_switches_at_its_instant(
    db: Database, clock: FrozenClock
) -> None:
    # The rows are cached for a minute and the ring made from them is kept between key
    # changes: the switch must still come at the instant, not at the next load.
    admin, worker = manager(db, clock), manager(db, clock)
    await admin.ensure_keys()
    [rotation] = await admin.rotate("RS256")
    clock.advance(rotation.signs_from - clock.now() - timedelta(seconds=30))
    assert (await worker.keyring()).signing_key("RS256").kid != rotation.new_kid  # loads
    clock.advance(timedelta(seconds=30) - timedelta(microseconds=1))
    assert (await worker.keyring()).signing_key("RS256").kid != rotation.new_kid
    clock.advance(timedelta(microseconds=1))  # within the same load
    assert (await worker.keyring()).signing_key("RS256").kid == rotation.new_kid


async def test_there_is_always_exactly_one_active_key_across_rotations(
    db: Database, clock: FrozenClock
) -> None:
    keys = manager(db, clock)
    await keys.rotate()  # an empty database: the first keys, signing at once
    signers = []
    for _ in range(3):
        await keys.rotate("ES256")
        clock.advance(DEFAULT_PUBLISH_AHEAD / 2)
        await keys.rotate("ES256")  # a second rotation while the first is still pending
        for _ in range(6):
            active = [
                k.kid
                for k, s in await keys.list_keys()
                if k.alg == "ES256" and s is KeyState.ACTIVE
            ]
            assert len(active) == 1
            signer = (await keys.keyring()).signing_key("ES256").kid
            assert signer == active[0]
            signers.append(signer)
            clock.advance(DEFAULT_PUBLISH_AHEAD / 4)
    assert len(set(signers)) >= 4


async def test_rotate_on_an_empty_database_creates_usable_keys(
    db: Database, clock: FrozenClock
) -> None:
    rotations = await manager(db, clock).rotate()
    assert sorted(r.alg for r in rotations) == ["ES256", "RS256"]
    assert all(r.signs_from == T0 and r.retired_kids == () for r in rotations)


async def test_a_wrong_secret_stops_the_manager_before_it_writes(
    db: Database, clock: FrozenClock
) -> None:
    await manager(db, clock).ensure_keys()
    wrong = manager(db, clock, secret=b"another-secret-that-is-long-enough-0000")
    for step in (wrong.keyring, wrong.ensure_keys, wrong.rotate):
        with pytest.raises(SealedKeyError, match="CCLIBS_SECRET_KEY"):
            await step()
    assert len(await manager(db, clock).list_keys()) == 2


async def test_a_sealed_key_moved_to_another_row_does_not_open(
    db: Database, clock: FrozenClock
) -> None:
    await manager(db, clock).ensure_keys()
    async with db.write() as session:
        rows = list(await session.scalars(select(SigningKeyRow)))
        await session.execute(
            update(SigningKeyRow)
            .where(SigningKeyRow.kid == rows[0].kid)
            .values(sealed_private_key=rows[1].sealed_private_key)
        )
    with pytest.raises(SealedKeyError, match=rows[0].kid):
        await manager(db, clock).keyring()
