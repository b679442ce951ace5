"""The JwtSigner the token issuer uses, over the KeyManager's current key ring.

An RS256 signature is ~270 us of OpenSSL work on this project's bench machine, most of an
access token's cost, and OpenSSL runs it with the GIL released. Signed on the event loop it
stops every other request for that long; signed on a thread of its own it runs beside the
loop's Python work on a second core. ES256 (~40 us) is cheaper than the hand-off and stays on
the loop. (Figures: bench/README.md.)

The hand-off is the signing lane's: the loop makes the signing input (header, claims, the
base64 of both) and queues it; a signing thread takes every queued input at once, signs each
with the private key's own call (no Python of its own between them), and hands the batch back
to the loop with one wake-up. Whenever a thread holds the GIL while the loop wants it, the
loop waits: on a busy server a refresh's SQLite BEGIN IMMEDIATE took 100 us on average
beside ``ThreadPoolExecutor``'s threads (which ran joserfc's Python, the executor's and a
wake-up of the loop for each signature) against 21 us with no signing thread. Measured
with bench/run (RS256, 2 cores), the lane against that executor: refresh rotation on SQLite
879/886 -> 1,027/1,236 tokens/s, client_credentials 1,311/1,218 -> 1,467/1,598.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from typing import Any, Final

from joserfc.jws import JWSRegistry

from cclibs.oauth.keys import KeyManager, KeyRing, NoSigningKey, SigningKey
from cclibs.oauth.keys._ring import compact

__all__ = ["OFF_LOOP_ALGS", "KeyRingSigner"]

OFF_LOOP_ALGS: Final = frozenset({"RS256"})
"""Algorithms signed on a signing thread (their signature outweighs the hand-off)."""

_BATCH: Final = 16
"""At most this many signatures a thread makes before it hands them back."""

Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[bytes]", Callable[[bytes], bytes], bytes]


def _deliver(done: list[tuple[asyncio.Future[bytes], bool, Any]]) -> None:
    for future, ok, value in done:
        if future.done():  # its request was cancelled meanwhile
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


class _SigningLane:
    """Signing threads fed by one queue; started at first use, shared by every app of the
    process (tests build many apps, and more threads than cores cannot sign faster)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, sign: Callable[[bytes], bytes], data: bytes) -> asyncio.Future[bytes]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bytes] = loop.create_future()
        if not self._threads:
            self._start()
        self._jobs.put((loop, future, sign, data))
        return future

    def _start(self) -> None:
        with self._lock:
            if self._threads:
                return
            count = max(1, min(4, os.cpu_count() or 1))
            for n in range(count):
                thread = threading.Thread(target=self._run, name=f"cclibs-sign-{n}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def _run(self) -> None:
        jobs = self._jobs
        while True:
            batch = [jobs.get()]
            while len(batch) < _BATCH:
                try:
                    batch.append(jobs.get_nowait())
                except queue.Empty:
                    break
            by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Any, bool, Any]]] = {}
            for loop, future, sign, data in batch:
                try:
                    done: tuple[Any, bool, Any] = (future, True, sign(data))
                except Exception as exc:  # handed to the request that asked for it
                    done = (future, False, exc)
                by_loop.setdefault(loop, []).append(done)
            for loop, results in by_loop.items():
                with suppress(RuntimeError):  # that loop was closed meanwhile: nobody waits
                    loop.call_soon_threadsafe(_deliver, results)


_lane = _SigningLane()
_raw_signers: dict[str, tuple[object, Callable[[bytes], bytes]]] = {}
"""By kid: the key object a signer was made for, and the signer (the key ring is loaded anew
every few seconds; a kid's entry is replaced when its key object is new)."""


def _raw_signer(key: SigningKey) -> Callable[[bytes], bytes]:
    """The private key's own sign call, with the padding and hash of joserfc's algorithm for
    ``key.alg``: the signature ``KeyRing.sign`` makes (the tests compare them), with nothing
    in Python around the OpenSSL call."""
    found = _raw_signers.get(key.kid)
    if found is not None and found[0] is key.key:
        return found[1]
    model: Any = JWSRegistry.algorithms[key.alg]
    private: Any = key.key.private_key
    signer = partial(private.sign, padding=model.padding, algorithm=model.hash_alg())
    _raw_signers[key.kid] = (key.key, signer)
    return signer


async def _sign(ring: KeyRing, claims: dict[str, Any], alg: str, typ: str) -> str:
    if alg not in OFF_LOOP_ALGS:
        return ring.sign(claims, alg=alg, typ=typ)
    key, signing_input = ring.signing_input(claims, alg=alg, typ=typ)
    signature = await _lane.submit(_raw_signer(key), signing_input)
    return compact(signing_input, signature)


class KeyRingSigner:
    """Signs with the newest active key; a store with no key yet gets its first keys."""

    def __init__(self, keys: KeyManager) -> None:
        self._keys = keys

    async def sign(self, claims: dict[str, Any], *, alg: str, typ: str) -> str:
        ring = await self._keys.keyring()
        try:
            return await _sign(ring, claims, alg, typ)
        except NoSigningKey:
            await self._keys.ensure_keys()
            return await _sign(await self._keys.keyring(), claims, alg, typ)
