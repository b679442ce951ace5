"""The token signer: RS256 and ES256 signatures are made by the signing process, beside the
event loop (RS256: the very signatures the key ring makes); a store with no key yet gets its
keys first, whichever way. A signature that fails, a request that gives up waiting, or a signing
process that ends touches no other request's signature, and the next one is signed again."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from cclibs.oauth import signing
from cclibs.oauth.keys import KeyManager, KeyRing, SigningKey, generate_key
from cclibs.oauth.signing import KeyRingSigner, SigningProcessFailed

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
def ring_signed_on(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The thread of each signature the key ring made itself (in this process)."""
    threads: list[str] = []
    sign = KeyRing.sign

    def recording(self: KeyRing, claims: Any, *, alg: str, typ: str) -> str:
        threads.append(threading.current_thread().name)
        return sign(self, claims, alg=alg, typ=typ)

    monkeypatch.setattr(KeyRing, "sign", recording)
    return threads


def rs256(kid: str | None = None) -> SigningKey:
    key = generate_key("RS256", T0, publish_ahead=timedelta(0))
    return dataclasses.replace(key, kid=kid) if kid else key


async def sign_all(signer: KeyRingSigner, count: int, alg: str = "RS256") -> list[Any]:
    return list(
        await asyncio.wait_for(  # a lane that lost a request would never answer it
            asyncio.gather(
                *(signer.sign({"n": n}, alg=alg, typ="at+jwt") for n in range(count)),
                return_exceptions=True,
            ),
            30,
        )
    )


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
async def test_tokens_are_signed_by_the_signing_process(
    alg: str, ring_signed_on: list[str]
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
    assert ring_signed_on == []  # none by the key ring in this process
    pid = signing._lane.pid()
    assert pid is not None and pid != os.getpid()


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
    """A key the signing process cannot load fails the signatures that need it, with the reason,
    and no other: the others, sent in the same writes, are signed."""
    bad, good = rs256(), rs256()
    der = signing.private_der
    monkeypatch.setattr(
        signing, "private_der", lambda key: b"not a key" if key.kid == bad.kid else der(key)
    )
    bad_signer = KeyRingSigner(cast(KeyManager, Keys(bad)))
    good_signer = KeyRingSigner(cast(KeyManager, Keys(good)))
    answers = await asyncio.wait_for(
        asyncio.gather(
            *(
                (bad_signer if n % 3 == 0 else good_signer).sign({"n": n}, alg="RS256", typ="JWT")
                for n in range(9)
            ),
            return_exceptions=True,
        ),
        30,
    )
    ring = await Keys(good).keyring()
    for n, answer in enumerate(answers):
        if n % 3 == 0:
            assert isinstance(answer, SigningProcessFailed)
            assert f"the key {bad.kid!r} did not load" in str(answer)
        else:
            assert isinstance(answer, str)
            assert ring.verify(answer, algs=["RS256"])[1] == {"n": n}


async def wait_ended(pid: int) -> None:
    for _ in range(300):
        if signing._lane.pid() != pid:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the lane did not notice its process ended")


async def test_signatures_owed_by_a_process_that_ends_fail_and_the_next_are_signed() -> None:
    keys = Keys(rs256())
    signer = KeyRingSigner(cast(KeyManager, keys))
    ring = await keys.keyring()
    first = await signer.sign({"n": 0}, alg="RS256", typ="JWT")  # the process is up
    assert ring.verify(first, algs=["RS256"])[1] == {"n": 0}
    pid = signing._lane.pid()
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)  # it answers nothing from here on
    try:
        owed = [asyncio.create_task(signer.sign({"n": n}, alg="RS256", typ="JWT")) for n in (1, 2)]
        await asyncio.sleep(0.1)  # written to its pipe, unanswered
        assert not any(task.done() for task in owed)
    finally:
        os.kill(pid, signal.SIGKILL)
    answers = await asyncio.wait_for(asyncio.gather(*owed, return_exceptions=True), 30)
    for answer in answers:
        assert isinstance(answer, SigningProcessFailed)
        assert "the signing process ended (exit -9) before it signed" in str(answer)
    await wait_ended(pid)
    later = await sign_all(signer, 4)
    assert [ring.verify(t, algs=["RS256"])[1] for t in later] == [{"n": n} for n in range(4)]
    assert signing._lane.pid() not in (None, pid)


async def test_a_new_key_under_a_known_kid_is_sent_again() -> None:
    """Keys are loaded anew every few seconds: a kid whose key object changed gets its new key
    to the process, and the tokens verify with it."""
    old = rs256()
    new = rs256(old.kid)
    keys = Keys(old)
    signer = KeyRingSigner(cast(KeyManager, keys))
    first = await signer.sign({"n": 1}, alg="RS256", typ="JWT")
    assert (await keys.keyring()).verify(first, algs=["RS256"])[1] == {"n": 1}
    keys.keys = [new]
    token = await signer.sign({"n": 2}, alg="RS256", typ="JWT")
    assert (await keys.keyring()).verify(token, algs=["RS256"])[1] == {"n": 2}


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
    # and the process goes on signing
    later = await signer.sign({"n": 99}, alg="RS256", typ="at+jwt")
    assert ring.verify(later, algs=["RS256"])[1] == {"n": 99}


def test_the_signing_process_serves_one_event_loop_after_another() -> None:
    """The process outlives any one loop (a CLI command, a test, a restarted server each run
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


def test_a_forked_child_signs_with_a_process_of_its_own() -> None:
    """A child forked after the parent's first signature must not write to the parent's
    signing process (its answers would go to the parent): it starts its own, and the parent's
    goes on serving the parent."""
    keys = Keys(rs256())
    signer = KeyRingSigner(cast(KeyManager, keys))
    ring = asyncio.run(keys.keyring())
    loop = asyncio.new_event_loop()
    try:
        first = loop.run_until_complete(signer.sign({"n": 1}, alg="RS256", typ="JWT"))
        assert ring.verify(first, algs=["RS256"])[1] == {"n": 1}
        parent_process = signing._lane.pid(loop)
        parents_pipes = [(c.write_fd, c.read_fd) for c in signing._lane._conns.values()][-1]
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover - the child reports through the pipe and its exit code
            code = 1
            try:
                # Its copies of the parent's pipes are closed at once: the parent's process
                # ends when the parent lets it go, and nothing here can write to it.
                for fd in parents_pipes:
                    try:
                        os.fstat(fd)
                    except OSError:
                        continue
                    os._exit(2)

                async def sign_here() -> tuple[str, int | None]:
                    token = await asyncio.wait_for(
                        signer.sign({"n": 2}, alg="RS256", typ="JWT"), 20
                    )
                    return token, signing._lane.pid()

                token, own = asyncio.run(sign_here())
                if ring.verify(token, algs=["RS256"])[1] == {"n": 2}:
                    os.write(write_end, str(own).encode())
                    code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        deadline = time.monotonic() + 30
        while (done := os.waitpid(child, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        if done[0] == 0:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
            raise AssertionError("the forked child's signature never came")
        assert os.waitstatus_to_exitcode(done[1]) == 0
        child_process = int(os.read(read_end, 64))
        os.close(read_end)
        assert child_process not in (parent_process, None)
        last = loop.run_until_complete(signer.sign({"n": 3}, alg="RS256", typ="JWT"))
        assert ring.verify(last, algs=["RS256"])[1] == {"n": 3}
        assert signing._lane.pid(loop) == parent_process
    finally:
        loop.close()


async def test_a_turn_that_queues_more_than_a_pipe_holds_is_written_whole() -> None:
    """Some 600 KB of signing inputs in one loop turn: the pipe takes a part, the rest goes
    when the process has read it, and every signature comes back."""
    keys = Keys(generate_key("ES256", T0, publish_ahead=timedelta(0)))
    signer = KeyRingSigner(cast(KeyManager, keys))
    padding = "p" * 1_500
    tokens = await asyncio.wait_for(
        asyncio.gather(
            *(signer.sign({"n": n, "pad": padding}, alg="ES256", typ="JWT") for n in range(300))
        ),
        60,
    )
    ring = await keys.keyring()
    assert [ring.verify(t, algs=["ES256"])[1]["n"] for t in tokens] == list(range(300))


def test_the_process_of_a_closed_loop_ends_when_the_next_loop_starts_one() -> None:
    """Commands and tests run loop after loop: the processes of the closed ones do not pile
    up."""
    keys = Keys(rs256())
    signer = KeyRingSigner(cast(KeyManager, keys))

    async def sign_and_tell() -> int | None:
        await signer.sign({"n": 1}, alg="RS256", typ="JWT")
        return signing._lane.pid()

    first = asyncio.run(sign_and_tell())
    second = asyncio.run(sign_and_tell())
    assert first is not None and second is not None and first != second
    deadline = time.monotonic() + 20
    while _alive(first) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(first)
    assert _alive(second)  # until the next loop lets it go


def _alive(pid: int) -> bool:
    """Running (a zombie that nobody reaped yet counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


async def test_the_signing_process_gets_no_cclibs_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """It holds the keys it is sent and nothing else: not the server's secrets."""
    monkeypatch.setenv("CCLIBS_SECRET_KEY", "a-secret-the-signer-must-not-hold")
    keys = Keys(rs256())
    signer = KeyRingSigner(cast(KeyManager, keys))
    await signer.sign({"n": 0}, alg="RS256", typ="JWT")
    old = signing._lane.pid()
    assert old is not None
    os.kill(old, signal.SIGKILL)  # the next signature starts one under this environment
    await wait_ended(old)
    await signer.sign({"n": 1}, alg="RS256", typ="JWT")
    pid = signing._lane.pid()
    assert pid not in (None, old)
    environ = Path(f"/proc/{pid}/environ").read_bytes()
    names = [entry.split(b"=", 1)[0] for entry in environ.split(b"\0") if entry]
    assert names and not [name for name in names if name.startswith(b"CCLIBS_")]
