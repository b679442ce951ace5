"""The playground's server-side state, one per browser.

The browser holds only a random cookie. The state (settings, the client secret, the PKCE
verifier, the pending ``state`` and ``nonce``, the tokens) is stored under the cookie's
SHA-256, sealed with AES-256-GCM under the server secret and bound to that hash: a database
reader sees neither secrets nor tokens, and a row cannot be moved to another browser.
Idle state expires after ``ttl``.

Commands run concurrently (a device poll is in flight while Generate Tokens runs), and each
loads the state, waits on HTTP, then saves. So a save writes only the top-level keys the
command changed since it loaded, onto the state as it is then (read under a row lock, in the
same write transaction): one command's save does not undo another's. No transaction is held
across the HTTP call (the in-process token endpoint needs the database too).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta
from typing import Any

from cclibs.clock import Clock
from cclibs.playground.ports import PlaygroundTransactions
from cclibs.sealing import Sealer, Unsealable

__all__ = ["PlaygroundSessions", "new_session_id"]

_PURGE_BATCH = 100


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def _id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class PlaygroundSessions:
    def __init__(
        self,
        transactions: PlaygroundTransactions,
        secret: bytes,
        clock: Clock,
        ttl: timedelta = timedelta(hours=12),
    ) -> None:
        self._tx = transactions
        self._sealer = Sealer(secret, "playground-session")
        self._clock = clock
        self._ttl = ttl

    async def load(self, session_id: str | None) -> dict[str, Any]:
        """The browser's state; empty for a new, unknown, expired or altered one."""
        if not session_id or not 16 <= len(session_id) <= 128:
            return {}
        id_hash = _id_hash(session_id)
        async with self._tx.read() as store:
            sealed = await store.load(id_hash, self._clock.now())
        return self._open(sealed, id_hash)

    async def save(
        self, session_id: str, state: dict[str, Any], *, loaded: dict[str, Any]
    ) -> dict[str, Any]:
        """Save the top-level keys of ``state`` that differ from ``loaded`` (an untouched copy
        of what ``load`` gave this command): set, or removed. Returns the state now stored."""
        changed = {k: v for k, v in state.items() if k not in loaded or loaded[k] != v}
        removed = [k for k in loaded if k not in state]
        id_hash = _id_hash(session_id)
        now = self._clock.now()
        async with self._tx.write() as store:
            current = self._open(await store.load_for_update(id_hash, now), id_hash)
            current.update(changed)
            for key in removed:
                current.pop(key, None)
            sealed = self._sealer.seal(json.dumps(current).encode(), id_hash.encode())
            await store.save(id_hash, sealed, now, now + self._ttl)
            await store.purge(now, _PURGE_BATCH)
        return current

    def _open(self, sealed: str | None, id_hash: str) -> dict[str, Any]:
        if sealed is None:
            return {}
        try:
            state = json.loads(self._sealer.open(sealed, id_hash.encode()))
        except (Unsealable, ValueError):
            return {}
        return state if isinstance(state, dict) else {}

    async def clear(self, session_id: str | None) -> None:
        if session_id:
            async with self._tx.write() as store:
                await store.delete(_id_hash(session_id))
