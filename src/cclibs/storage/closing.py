"""Closing a connection or session without a turn of the event loop when the close is done at
once.

SQLAlchemy's asyncio context managers (``async with engine.connect()``, ``async with
session``) run every close in a task of its own and wait for it through ``asyncio.shield``, so
that a cancellation of the caller cannot abandon the close halfway. That costs a task and a
turn of the loop per transaction, even when the close never waits for anything, as on a SQLite
file with the loop driver (``sqlite_loop``). Worse, during that turn other requests check out
connections: under 32 concurrent library lists the SQLite read pool outgrew its five
connections and opened (and closed) a new one for every other request, measured.

``close_promptly`` steps the close by hand. When it finishes without suspending, that is all
it costs. When it suspends (PostgreSQL's rollback is a round trip), the rest of it goes on in
a task that a cancellation of the caller does not stop, and the caller waits for that task and
raises its cancellation afterwards: what SQLAlchemy's own exit does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator
from typing import Any

__all__ = ["close_promptly"]


async def close_promptly(closing: Coroutine[Any, Any, None]) -> None:
    """Await ``closing`` (a ``close()`` coroutine), in a shielded task only from its first
    suspension on."""
    try:
        waits_for = closing.send(None)
    except StopIteration:
        return
    except BaseException:
        closing.close()
        raise
    rest = asyncio.ensure_future(_rest_of(closing, waits_for))
    cancelled: asyncio.CancelledError | None = None
    while True:
        try:
            await asyncio.shield(rest)
        except asyncio.CancelledError as exc:
            if rest.done():
                raise
            cancelled = exc
        else:
            break
    if cancelled is not None:
        raise cancelled


async def _rest_of(closing: Coroutine[Any, Any, None], waits_for: Any) -> None:
    await _Resumed(closing, waits_for)


class _Resumed:
    """A coroutine already stepped once, as an awaitable: what it waits on goes up to the task
    that awaits this, and what the task sends or throws goes down into it (what ``await`` does
    from the first step on)."""

    __slots__ = ("_coro", "_waits_for")

    def __init__(self, coro: Coroutine[Any, Any, None], waits_for: Any) -> None:
        self._coro = coro
        self._waits_for = waits_for

    def __await__(self) -> Generator[Any, Any, None]:
        coro, waits_for = self._coro, self._waits_for
        while True:
            try:
                answer = yield waits_for
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # handed to the coroutine, as await does
                try:
                    waits_for = coro.throw(exc)
                except StopIteration:
                    return
            else:
                try:
                    waits_for = coro.send(answer)
                except StopIteration:
                    return
