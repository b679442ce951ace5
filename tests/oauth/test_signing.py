"""The token signer: RS256 signatures are made on the signing threads, beside the event loop;
ES256 ones on the loop; a store with no key yet gets its keys first, whichever way."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

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
    """The name of the thread each signature was made on."""
    threads: list[str] = []
    sign = KeyRing.sign

    def recording(self: KeyRing, claims: Any, *, alg: str, typ: str) -> str:
        threads.append(threading.current_thread().name)
        return sign(self, claims, alg=alg, typ=typ)

    monkeypatch.setattr(KeyRing, "sign", recording)
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
        assert signed_on and all(t.startswith("cclibs-sign") for t in signed_on)
    else:
        assert signed_on == [loop_thread] * 20


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
async def test_an_empty_store_gets_its_keys_before_the_first_signature(alg: str) -> None:
    keys = Keys()
    signer = KeyRingSigner(cast(KeyManager, keys))
    token = await signer.sign({"sub": "u1"}, alg=alg, typ="JWT")
    assert keys.ensured == 1
    assert (await keys.keyring()).verify(token, algs=[alg], typ="JWT")[1] == {"sub": "u1"}
