"""The JwtSigner the token issuer uses, over the KeyManager's current key ring.

Access and ID tokens are signed by a signing process (``cclibs.oauth._signer_process``): the
loop builds the signing input (header, claims, the base64 of both), queues it, writes what a
loop turn queued to the process's stdin in one write, and reads the answers (up to 16 a
write) when the process's stdout is readable, as it reads sockets.

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

A loop's process is started at its first signature and serves every app on that loop (a
server has one loop); if it ends, the signatures it owed fail (``SigningProcessFailed``) and
the next one starts another. A forked child starts its own. A reader thread, which the first
version had, handed answers over with one wake-up per batch and still took the GIL from the
loop each time: client_credentials ES256 5,642/5,740 -> 6,470/6,783 tokens/s with the loop
reading, refresh RS256 on SQLite 2,132/2,088 -> 2,225/2,276.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
import threading
from contextlib import suppress
from typing import Any

from cryptography.hazmat.primitives import serialization

from cclibs.oauth import _signer_process as wire
from cclibs.oauth.keys import KeyManager, KeyRing, NoSigningKey, SigningKey
from cclibs.oauth.keys._ring import compact

__all__ = ["KeyRingSigner", "SigningProcessFailed"]


class SigningProcessFailed(RuntimeError):
    """The signing process did not sign: it ended first, or refused (its reason is the
    message)."""


def _settle(future: asyncio.Future[bytes], ok: bool, payload: bytes) -> None:
    if future.done():  # its request was cancelled meanwhile
        return
    if ok:
        future.set_result(payload)
    else:
        future.set_exception(SigningProcessFailed(payload.decode()))


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
    """One signing process serving one event loop: its pipes (both watched by that loop), the
    keys it holds and the signatures it owes. Everything here runs on that loop's thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
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
        self.loop = loop
        self.write_fd = self.process.stdin.fileno()
        self.read_fd = self.process.stdout.fileno()
        os.set_blocking(self.write_fd, False)  # a full pipe must not stop the loop
        os.set_blocking(self.read_fd, False)
        self.numbers = itertools.count(1)
        self.waiting: dict[int, asyncio.Future[bytes]] = {}
        self.loaded: dict[str, object] = {}  # kid -> the key object it was sent
        self.out = bytearray()  # frames not written yet, in order
        self.answers = bytearray()  # read, not yet a whole answer
        self.flush_due = False  # a flush is scheduled, or the loop waits to write
        self.ended = False
        loop.add_reader(self.read_fd, self.readable)

    @property
    def pid(self) -> int:
        return self.process.pid

    def submit(self, key: SigningKey, data: bytes) -> asyncio.Future[bytes]:
        future: asyncio.Future[bytes] = self.loop.create_future()
        kid = key.kid.encode()
        if self.loaded.get(key.kid) is not key.key:  # a new kid, or a kid's new key object
            self.loaded[key.kid] = key.key
            alg = key.alg.encode()
            payload = private_der(key) + alg + bytes([len(alg)])
            self.out += wire.REQUEST.pack(wire.LOAD_KEY, 0, len(kid), len(payload))
            self.out += kid + payload
        number = next(self.numbers) & 0xFFFFFFFF
        self.waiting[number] = future
        self.out += wire.REQUEST.pack(wire.SIGN, number, len(kid), len(data)) + kid + data
        if not self.flush_due:  # one write per loop turn
            self.flush_due = True
            self.loop.call_soon(self.flush)
        return future

    def flush(self) -> None:
        if self.ended:
            return
        try:
            written = os.write(self.write_fd, self.out) if self.out else 0
        except BlockingIOError:
            written = 0
        except OSError:  # it ended: what it owes fails when its output ends
            self.loop.remove_writer(self.write_fd)
            return
        del self.out[:written]
        if self.out:  # the pipe is full: the rest when the process has read some
            self.loop.add_writer(self.write_fd, self.flush)
        else:
            self.loop.remove_writer(self.write_fd)
            self.flush_due = False

    def readable(self) -> None:
        try:
            chunk = os.read(self.read_fd, 1 << 16)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self.end()
            return
        answers = self.answers
        answers += chunk
        at = 0
        while len(answers) - at >= wire.ANSWER.size:
            number, ok, size = wire.ANSWER.unpack_from(answers, at)
            end = at + wire.ANSWER.size + size
            if len(answers) < end:
                break
            future = self.waiting.pop(number, None)
            if future is not None:
                _settle(future, bool(ok), bytes(answers[end - size : end]))
            at = end
        del answers[:at]

    def end(self) -> None:
        """The process's output ended (it exited): fail what it owed, let go of its pipes."""
        if self.ended:
            return
        self.ended = True
        self.close()
        try:
            code = self.process.wait(timeout=5)  # its output ended: it is exiting
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        owed, self.waiting = self.waiting, {}
        reason = f"the signing process ended (exit {code}) before it signed".encode()
        for future in owed.values():
            _settle(future, False, reason)

    def close(self) -> None:
        """Stop watching the pipes and close them: the process ends when it reads the end."""
        if not self.loop.is_closed():
            self.loop.remove_reader(self.read_fd)
            self.loop.remove_writer(self.write_fd)
        for pipe in (self.process.stdin, self.process.stdout):
            with suppress(OSError):
                pipe.close()  # type: ignore[union-attr]


class _SigningLane:
    """A signing process for each event loop that signs: the loop writes to it and reads its
    answers itself, as it does sockets (a thread reading them for every loop took the GIL
    from the loop for each batch). A server has one loop; tests and commands run many, one
    after the other, and the process of a closed loop is let go at the next start."""

    def __init__(self) -> None:
        self._conns: dict[asyncio.AbstractEventLoop, _Connection] = {}
        self._lock = threading.Lock()  # the table (loops of several threads may sign)
        self._retired: list[subprocess.Popen[bytes]] = []  # let go of; reaped when done
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self) -> None:
        # The parent's processes and pipes are the parent's: a child's loops start their own.
        # Its copies of the pipes are closed, so the parent's processes still end when the
        # parent lets them go.
        conns, self._conns = list(self._conns.values()), {}
        self._lock = threading.Lock()
        self._retired = []
        for conn in conns:
            for pipe in (conn.process.stdin, conn.process.stdout):
                with suppress(OSError):
                    pipe.close()  # type: ignore[union-attr]
            conn.process.returncode = 0  # not this child's to wait for

    def pid(self, loop: asyncio.AbstractEventLoop | None = None) -> int | None:
        """The id of ``loop``'s (default: the running loop's) live signing process, None
        before it signs."""
        conn = self._conns.get(loop or asyncio.get_running_loop())
        return None if conn is None or conn.ended else conn.pid

    def submit(self, key: SigningKey, data: bytes) -> asyncio.Future[bytes]:
        loop = asyncio.get_running_loop()
        conn = self._conns.get(loop)
        if conn is None or conn.ended:
            conn = self._start(loop)
        return conn.submit(key, data)

    def _start(self, loop: asyncio.AbstractEventLoop) -> _Connection:
        with self._lock:
            for other, old in list(self._conns.items()):
                if other.is_closed() or old.ended:
                    del self._conns[other]
                    if not old.ended:
                        old.close()
                    self._retired.append(old.process)
            self._retired = [p for p in self._retired if p.poll() is None]
            conn = self._conns[loop] = _Connection(loop)
            return conn


_lane = _SigningLane()


async def _sign(ring: KeyRing, claims: dict[str, Any], alg: str, typ: str) -> str:
    # Every algorithm a key can have (keys.ALGS) is signed by the process; another one is
    # refused by the ring as KeyRing.sign refuses it.
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
