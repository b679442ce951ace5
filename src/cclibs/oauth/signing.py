"""The JwtSigner the token issuer uses, over the KeyManager's current key ring.

An RS256 signature is ~270 us of OpenSSL work on this project's bench machine, most of an
access token's cost, and OpenSSL runs it with the GIL released. Signed on the event loop it
stops every other request for that long; signed on a worker thread it runs beside the loop's
Python work on a second core, for a hand-off of a few tens of microseconds. ES256 (~40 us)
is cheaper than the hand-off and stays on the loop. (Figures: bench/README.md.)
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Final

from cclibs.oauth.keys import KeyManager, KeyRing, NoSigningKey

__all__ = ["OFF_LOOP_ALGS", "KeyRingSigner"]

OFF_LOOP_ALGS: Final = frozenset({"RS256"})
"""Algorithms signed on a worker thread (their signature outweighs the hand-off)."""

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _signing_threads() -> ThreadPoolExecutor:
    """The process's signing threads, one per core at most (more cannot sign faster), made
    at first use; shared by every app of the process, so tests that build many apps start
    no threads per app."""
    global _executor
    with _executor_lock:
        if _executor is None:
            count = max(1, min(4, os.cpu_count() or 1))
            _executor = ThreadPoolExecutor(count, thread_name_prefix="cclibs-sign")
        return _executor


async def _sign(ring: KeyRing, claims: dict[str, Any], alg: str, typ: str) -> str:
    if alg not in OFF_LOOP_ALGS:
        return ring.sign(claims, alg=alg, typ=typ)
    ring.signing_key(alg)  # raises NoSigningKey here, before the hand-off
    work = partial(ring.sign, claims, alg=alg, typ=typ)
    return await asyncio.get_running_loop().run_in_executor(_signing_threads(), work)


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
