"""A user's signed-in browsers: when and where each was last seen, and signing one out."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta

from cclibs.accounts.devices import device_name
from cclibs.accounts.models import SessionListing, WebSession
from cclibs.accounts.ports import AccountTransactions
from cclibs.clock import Clock

__all__ = ["SEEN_EVERY", "BrowserSessions", "session_handle"]

SEEN_EVERY = timedelta(minutes=1)
"""How stale "last seen" may get before a request writes it again: a session used on every
request costs one write a minute, not one a request (SQLite has a single writer)."""

_MAX_ADDRESS = 64
_HANDLE_CHARS = 32


def session_handle(session_id: str) -> str:
    """The name of a session in the account page's forms (see ``SessionListing.handle``)."""
    return hashlib.sha256(f"cclibs-session-handle\0{session_id}".encode()).hexdigest()[
        :_HANDLE_CHARS
    ]


class BrowserSessions:
    def __init__(self, transactions: AccountTransactions, clock: Clock) -> None:
        self._tx = transactions
        self._clock = clock

    async def seen(self, session: WebSession, address: str) -> WebSession:
        """Note a request of the session; writes only when "last seen" is stale or the
        browser's address changed."""
        now = self._clock.now()
        address = address[:_MAX_ADDRESS] or session.address
        if now - session.last_seen_at < SEEN_EVERY and address == session.address:
            return session
        async with self._tx.write() as store:
            await store.session_seen(session.id, at=now, address=address)
        return replace(session, last_seen_at=now, address=address)

    async def list_for(self, user_id: str, *, current: str) -> list[SessionListing]:
        """The user's live sessions: ``current`` (the id of the session asking) first, then
        the others, most recently seen first."""
        async with self._tx.read() as store:
            sessions = await store.sessions_of(user_id, live_at=self._clock.now())
        listed = [_listing(session, current=session.id == current) for session in sessions]
        return sorted(listed, key=lambda session: not session.current)  # stable

    async def end(self, user_id: str, handle: str, *, current: str) -> SessionListing | None:
        """Sign out the user's session with this handle; None when there is none (ended
        already, expired, someone else's) or it is ``current``, which signs out as usual."""
        async with self._tx.write() as store:
            sessions = await store.sessions_of(user_id, live_at=self._clock.now())
            found = next((s for s in sessions if session_handle(s.id) == handle), None)
            if found is None or found.id == current:
                return None
            await store.delete_session_of(user_id, found.id)
        return _listing(found, current=False)

    async def end_others(self, user_id: str, *, current: str) -> int:
        """Sign out every session of the user but ``current``; how many were."""
        async with self._tx.write() as store:
            return await store.delete_sessions_of(user_id, keep=current)


def _listing(session: WebSession, *, current: bool) -> SessionListing:
    return SessionListing(
        handle=session_handle(session.id),
        device=device_name(session.user_agent),
        address=session.address,
        signed_in_at=session.created_at,
        last_seen_at=session.last_seen_at,
        two_step="otp" in session.amr,
        current=current,
    )
