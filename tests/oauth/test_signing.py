"""The token signer: RS256 signatures are made on the signing threads, beside the event loop,
the same signatures the key ring makes; ES256 ones on the loop; a store with no key yet gets its
keys first, whichever way. A signature that fails, or a request that gives up waiting, touches
no other request's signature."""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from cclibs.oauth import signing
from cclibs.oauth.keys import KeyManager, KeyRing, SigningKey, generate_key
from cclibs.oauth.signing import KeyRingSigner

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


class Keys:
    """What the signer asks of a KeyManager: the ring, and first keys for an empty store."""

    def __init__(self, *keys: SigningKey) -> None:
        self.keys = list(keys)
        self.ensured = 0

    async def keyring(self) -> KeyRing:
        return KeyRing(self.keys, now=T0, max_token_lifetime=DAY)

    async def ensure_keys(self) -> list[SigningKey]:
        self.ensured += 1
        self.keys = [
            generate_key(alg, T0, publish_ahead=timedelta(0)) for alg in ("RS256", "ES256")
        ]
        return self.keys


@pytest.fixture
def signed_on(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of the thread each signature was made on: by the key ring (on the loop) or by
    the signing lane's raw signer (on a signing thread)."""
    threads: list[str] = []
    sign = KeyRing.sign

    def recording(self: KeyRing, claims: Any, *, alg: str, typ: str) -> str:
        threads.append(threading.current_thread().name)
        return sign(self, claims, alg=alg, typ=typ)

    monkeypatch.setattr(KeyRing, "sign", recording)
    make_raw = signing._raw_signer

    def recording_raw(key: SigningKey) -> Callable[[bytes], bytes]:
        raw = make_raw(key)

        def recorded(data: bytes) -> bytes:
            threads.append(threading.current_thread().name)
            return raw(data)

        return recorded

    monkeypatch.setattr(signing, "_raw_signer", recording_raw)
    return threads


@pytest.mark.parametrize(("alg", "off_loop"), [("RS256", True), ("ES256", False)])
async def test_rs256_is_signed_beside_the_loop_and_es256_on_it(
    alg: str, off_loop: bool, signed_on: list[str]
) -> None:
    keys = Keys(generate_key(alg, T0, publish_ahead=timedelta(0)))  # type: ignore[arg-type]
    signer = KeyRingSigner(cast(KeyManager, keys))
    claims = {"sub": "u1@AdobeID", "n": 1}
    tokens = await asyncio.gather(
        *(signer.sign({**claims, "n": n}, alg=alg, typ="at+jwt") for n in range(20))
    )
    ring = await keys.keyring()
    for n, token in enumerate(tokens):  # each answer is its own claims' signature
        header, verified = ring.verify(token, algs=[alg], typ="at+jwt")
        assert (header["alg"], verified) == (alg, {**claims, "n": n})
    loop_thread = threading.current_thread().name
    if off_loop:
        assert len(signed_on) == 20 and all(t.startswith("cclibs-sign") for t in signed_on)
    else:
        assert signed_on == [loop_thread] * 20


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
async def test_an_empty_store_gets_its_keys_before_the_first_signature(alg: str) -> None:
    keys = Keys()
    signer = KeyRingSigner(cast(KeyManager, keys))
    token = await signer.sign({"sub": "u1"}, alg=alg, typ="JWT")
    assert keys.ensured == 1
    assert (await keys.keyring()).verify(token, algs=[alg], typ="JWT")[1] == {"sub": "u1"}


async def test_an_rs256_token_is_the_one_the_key_ring_signs() -> None:
    """RS256 (PKCS #1 v1.5) is deterministic: the lane's signature, made by the private key's
    own call, must be the very token joserfc's algorithm gives through ``KeyRing.sign``."""
    keys = Keys(generate_key("RS256", T0, publish_ahead=timedelta(0)))
    signer = KeyRingSigner(cast(KeyManager, keys))
    claims = {"sub": "u1@AdobeID", "scope": "openid AdobeID", "exp": 1_800_000_000}
    ring = await keys.keyring()
    assert await signer.sign(claims, alg="RS256", typ="at+jwt") == ring.sign(
        claims, alg="RS256", typ="at+jwt"
    )


async def test_a_failed_signature_fails_its_own_request_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_raw = signing._raw_signer

    def failing_for_n3(key: SigningKey) -> Callable[[bytes], bytes]:
        raw = make_raw(key)

        def sign(data: bytes) -> bytes:
            payload = base64.urlsafe_b64decode(data.split(b".")[1] + b"==")
            if b'"n":3' in payload:
                raise ValueError("the HSM said no")
            return raw(data)

        return sign

    monkeypatch.setattr(signing, "_raw_signer", failing_for_n3)
    keys = Keys(generate_key("RS256", T0, publish_ahead=timedelta(0)))
    signer = KeyRingSigner(cast(KeyManager, keys))
    answers = await asyncio.wait_for(
        asyncio.gather(
            *(signer.sign({"n": n}, alg="RS256", typ="at+jwt") for n in range(8)),
            return_exceptions=True,
        ),
        30,  # a lane whose thread died on the failure would never answer
    )
    ring = await keys.keyring()
    for n, answer in enumerate(answers):
        if n == 3:
            assert isinstance(answer, ValueError) and str(answer) == "the HSM said no"
        else:
            assert isinstance(answer, str)
            assert ring.verify(answer, algs=["RS256"])[1] == {"n": n}


async def test_a_request_that_stops_waiting_leaves_the_others_their_tokens() -> None:
    keys = Keys(generate_key("RS256", T0, publish_ahead=timedelta(0)))
    signer = KeyRingSigner(cast(KeyManager, keys))
    tasks = [
        asyncio.create_task(signer.sign({"n": n}, alg="RS256", typ="at+jwt")) for n in range(12)
    ]
    await asyncio.sleep(0)  # every request has queued its signing input
    tasks[0].cancel()
    tasks[5].cancel()
    answers = await asyncio.gather(*tasks, return_exceptions=True)
    ring = await keys.keyring()
    for n, answer in enumerate(answers):
        if n in (0, 5):
            assert isinstance(answer, asyncio.CancelledError)
        else:
            assert isinstance(answer, str)
            assert ring.verify(answer, algs=["RS256"])[1] == {"n": n}
    # and the lane goes on signing
    later = await signer.sign({"n": 99}, alg="RS256", typ="at+jwt")
    assert ring.verify(later, algs=["RS256"])[1] == {"n": 99}


def test_the_signing_threads_serve_one_event_loop_after_another() -> None:
    """The threads outlive any one loop (a CLI command, a test, a restarted server each run
    their own): a signature asked for on a new loop comes back on that loop."""
    keys = Keys(generate_key("RS256", T0, publish_ahead=timedelta(0)))
    signer = KeyRingSigner(cast(KeyManager, keys))

    async def two() -> list[str]:
        return list(
            await asyncio.gather(*(signer.sign({"n": n}, alg="RS256", typ="JWT") for n in (1, 2)))
        )

    first, second = asyncio.run(two()), asyncio.run(two())
    ring = asyncio.run(keys.keyring())
    assert [ring.verify(t, algs=["RS256"])[1] for t in first + second] == [
        {"n": 1},
        {"n": 2},
        {"n": 1},
        {"n": 2},
    ]
