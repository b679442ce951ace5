"""The JwtSigner the token issuer uses, over the KeyManager's current key ring.

Access and ID tokens are signed by a signing process (``cclibs.oauth._signer_process``): the
loop builds the signing input (header, claims, the base64 of both), queues it, and writes what
a loop turn queued to the process's stdin in one write; a reader thread takes the answers (one
read for up to 16) and hands each loop its batch with one wake-up.

An RS256 signature is 250-530 us of OpenSSL work on this project's bench machines, an ES256
one about 32 us. On the loop they stop every other request for that long. On threads of this
process (the way before) they cost the loop more than they saved it: every call into SQLite
or the socket lets go of the GIL, a signing thread back from OpenSSL took it, and the loop
waited to get it back. Timed inside the server under the RS256 refresh load (2 cores), a
refresh's five SQLite calls took 222 us against 106 with no other thread. Measured with
bench/run, alternating (bench/README.md, 2026-12-07, late night):

- RS256, the process against the signing threads: client_credentials 2,382/2,578/2,507 ->
  3,275/3,448/3,460 tokens/s; refresh rotation on SQLite 1,462/1,571/1,477 ->
  2,047/2,001/2,022;
- ES256, the process against the loop: client_credentials 4,312/4,212 -> 5,048/5,073;
  refresh within the noise.

The process is started at the first signature and shared by every app of this process; if it
ends, the signatures it owed fail (``SigningProcessFailed``) and the next one starts another.
A forked child starts its own.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
import threading
from contextlib import suppress
from typing import Any, Final

from cryptography.hazmat.primitives import serialization

from cclibs.oauth import _signer_process as wire
from cclibs.oauth.keys import KeyManager, KeyRing, NoSigningKey, SigningKey
from cclibs.oauth.keys._ring import compact

__all__ = ["OFF_LOOP_ALGS", "KeyRingSigner", "SigningProcessFailed"]

OFF_LOOP_ALGS: Final = frozenset({"RS256", "ES256"})
"""Algorithms signed by the signing process: every one cclibs signs with (``keys.ALGS``)."""

_RETRY_WRITE: Final = 0.001
"""Seconds before writing again what a full pipe did not take."""


class SigningProcessFailed(RuntimeError):
    """The signing process did not sign: it ended first, or refused (its reason is the
    message)."""


def _deliver(done: list[tuple[asyncio.Future[bytes], bool, Any]]) -> None:
    for future, ok, value in done:
        if future.done():  # its request was cancelled meanwhile
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


def private_der(key: SigningKey) -> bytes:
    """The private key as the signing process loads it (PKCS #8 DER)."""
    private: Any = key.key.private_key
    return bytes(
        private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


class _Connection:
    """One signing process: its pipes, the keys it holds and the signatures it owes."""

    def __init__(self) -> None:
        # -I: only this interpreter's own packages, whatever PYTHONPATH says; the file runs
        # alone. The environment goes without cclibs' settings (secrets among them).
        env = {k: v for k, v in os.environ.items() if not k.startswith("CCLIBS_")}
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter and this package's file
            [sys.executable, "-I", wire.__file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            env=env,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.write_fd = self.process.stdin.fileno()
        self.read_fd = self.process.stdout.fileno()
        os.set_blocking(self.write_fd, False)  # a full pipe must not stop the loop
        self.waiting: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Future[bytes]]] = {}
        self.loaded: dict[str, object] = {}  # kid -> the key object it was sent
        self.out = bytearray()  # frames not written yet, in order
        self.flushing: set[asyncio.AbstractEventLoop] = set()
        self.ended = False  # no more submissions (under the lane's lock)
        self.closed = False  # its stdin is closed (under the write lock): write no more

    @property
    def pid(self) -> int:
        return self.process.pid


class _SigningLane:
    """The signing process of this process (at most one live), and the traffic with it."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._after_fork)

    def _reset(self) -> None:
        self._lock = threading.Lock()  # the connection's state
        self._write_lock = threading.Lock()  # one writer of the pipe at a time, in order
        self._numbers = itertools.count(1)
        self._conn: _Connection | None = None

    def _after_fork(self) -> None:
        # The parent's process, pipes and reader thread are the parent's: a child writing
        # there would never be answered. Its copies of the pipes are closed (so the parent's
        # process still ends when the parent lets it go) and it starts its own.
        conn = self._conn
        self._reset()
        if conn is not None:
            for pipe in (conn.process.stdin, conn.process.stdout):
                with suppress(OSError):
                    pipe.close()  # type: ignore[union-attr]
            conn.process.returncode = 0  # not this child's to wait for

    def pid(self) -> int | None:
        """The live signing process's id (None before the first signature)."""
        conn = self._conn
        return None if conn is None or conn.ended else conn.pid

    def submit(self, key: SigningKey, data: bytes) -> asyncio.Future[bytes]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bytes] = loop.create_future()
        kid = key.kid.encode()
        with self._lock:
            conn = self._conn
            if conn is None or conn.ended:
                conn = self._conn = self._start()
            if conn.loaded.get(key.kid) is not key.key:  # a new kid, or a kid's new key object
                conn.loaded[key.kid] = key.key
                alg = key.alg.encode()
                payload = private_der(key) + alg + bytes([len(alg)])
                conn.out += wire.REQUEST.pack(wire.LOAD_KEY, 0, len(kid), len(payload))
                conn.out += kid + payload
            number = next(self._numbers) & 0xFFFFFFFF
            conn.waiting[number] = (loop, future)
            conn.out += wire.REQUEST.pack(wire.SIGN, number, len(kid), len(data)) + kid + data
            if loop not in conn.flushing:  # one write per loop turn
                conn.flushing.add(loop)
                loop.call_soon(self._flush, conn, loop)
        return future

    def _start(self) -> _Connection:
        conn = _Connection()
        threading.Thread(
            target=self._read, args=(conn,), name="cclibs-sign-reader", daemon=True
        ).start()
        return conn

    def _flush(self, conn: _Connection, loop: asyncio.AbstractEventLoop) -> None:
        with self._write_lock:
            with self._lock:
                conn.flushing.discard(loop)
                data, conn.out = conn.out, bytearray()
            if conn.closed:  # it ended: the reader failed what it owed
                return
            view = memoryview(data)
            try:
                while view:
                    view = view[os.write(conn.write_fd, view) :]
            except BlockingIOError:
                pass  # the pipe is full: the rest goes first in a moment
            except BrokenPipeError:
                return  # it ended: the reader fails what it owes
            if view:
                with self._lock:
                    conn.out[:0] = view
                    retry = loop not in conn.flushing
                    conn.flushing.add(loop)
                if retry:
                    loop.call_later(_RETRY_WRITE, self._flush, conn, loop)

    def _read(self, conn: _Connection) -> None:
        pending = bytearray()
        with suppress(OSError):
            while chunk := os.read(conn.read_fd, 1 << 16):
                pending += chunk
                answers: list[tuple[int, bool, bytes]] = []
                at = 0
                while len(pending) - at >= wire.ANSWER.size:
                    number, ok, size = wire.ANSWER.unpack_from(pending, at)
                    end = at + wire.ANSWER.size + size
                    if len(pending) < end:
                        break
                    answers.append((number, bool(ok), bytes(pending[end - size : end])))
                    at = end
                del pending[:at]
                self._answer(conn, answers)
        self._end(conn)

    def _answer(self, conn: _Connection, answers: list[tuple[int, bool, bytes]]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Any, bool, Any]]] = {}
        with self._lock:
            for number, ok, payload in answers:
                found = conn.waiting.pop(number, None)
                if found is None:
                    continue
                loop, future = found
                value: Any = payload if ok else SigningProcessFailed(payload.decode())
                by_loop.setdefault(loop, []).append((future, ok, value))
        for loop, results in by_loop.items():
            with suppress(RuntimeError):  # that loop was closed meanwhile: nobody waits
                loop.call_soon_threadsafe(_deliver, results)

    def _end(self, conn: _Connection) -> None:
        with self._lock:
            conn.ended = True
            owed = list(conn.waiting.values())
            conn.waiting.clear()
        with self._write_lock, suppress(OSError):
            conn.closed = True  # before its number can name another file
            conn.process.stdin.close()  # type: ignore[union-attr]
        with suppress(OSError):
            conn.process.stdout.close()  # type: ignore[union-attr]
        conn.process.wait()
        error = SigningProcessFailed(
            f"the signing process ended (exit {conn.process.returncode}) before it signed"
        )
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Any, bool, Any]]] = {}
        for loop, future in owed:
            by_loop.setdefault(loop, []).append((future, False, error))
        for loop, results in by_loop.items():
            with suppress(RuntimeError):
                loop.call_soon_threadsafe(_deliver, results)


_lane = _SigningLane()


async def _sign(ring: KeyRing, claims: dict[str, Any], alg: str, typ: str) -> str:
    if alg not in OFF_LOOP_ALGS:
        return ring.sign(claims, alg=alg, typ=typ)
    key, signing_input = ring.signing_input(claims, alg=alg, typ=typ)
    signature = await _lane.submit(key, signing_input)
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
