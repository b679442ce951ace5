"""Random bytes for the ids and tokens of the hot paths, from the OS's CSPRNG a block at a time.

``os.urandom`` (and ``secrets``, over it) is one ``getrandom(2)`` call, and CPython lets go of
the GIL around it. On a busy server a thread that waits for the GIL (then a signing thread;
the log writer) takes it there, and the event loop waits to get it back: py-spy put 5-6 %
of the loop's time under load in the one ``secrets.token_urlsafe`` of an access token's
``jti``. Drawn 4 KiB at a time, the bytes of a request's ids cost one such call per hundred
requests or so.

The bytes are the CSPRNG's output, each handed out once, so a token made from them is as
unpredictable as one made by ``secrets``. A child process made by ``fork`` starts with no
block of its own (``os.register_at_fork``): no two processes hand out the same bytes.
"""

from __future__ import annotations

import base64
import os
import threading
from typing import Final

__all__ = ["random_bytes", "token_hex", "token_urlsafe"]

_BLOCK: Final = 4096


class _Pool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._block = b""
        self._used = 0

    def take(self, count: int) -> bytes:
        if count > _BLOCK // 4:  # large draws straight from the OS
            return os.urandom(count)
        with self._lock:
            start = self._used
            if start + count > len(self._block):
                self._block = os.urandom(_BLOCK)
                start = 0
            self._used = start + count
            return self._block[start : start + count]

    def forget(self) -> None:
        """In a forked child: the parent's block is the parent's."""
        self._lock = threading.Lock()
        self._block = b""
        self._used = 0


_pool = _Pool()
os.register_at_fork(after_in_child=_pool.forget)


def random_bytes(count: int) -> bytes:
    """``count`` bytes from the OS's CSPRNG, never handed out before in any process."""
    return _pool.take(count)


def token_urlsafe(count: int) -> str:
    """As ``secrets.token_urlsafe``: ``count`` random bytes, base64url without padding."""
    return base64.urlsafe_b64encode(_pool.take(count)).rstrip(b"=").decode("ascii")


def token_hex(count: int) -> str:
    """As ``secrets.token_hex``: ``count`` random bytes in hex."""
    return _pool.take(count).hex()
