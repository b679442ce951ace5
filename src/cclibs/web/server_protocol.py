"""uvicorn's httptools protocol, with one socket write per response instead of two.

uvicorn writes a response's status line and headers when the app sends
``http.response.start``, and the body when it sends ``http.response.body``: two ``send``
calls into the kernel, and on a keep-alive connection two TCP segments, for every small
JSON answer. Here the connection's transport holds what is written until the loop's current
turn ends (``call_soon``), so the headers and a body sent right after them leave in one
write; a large piece (16 KiB and more) is written at once, behind what is held, and a
streamed body's small chunks leave at the end of the turn they were sent in: nothing waits
for a timer. ``bench/run`` measured the difference (see bench/README).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["OneWriteHttpProtocol"]

_PASS_FROM = 16 * 1024  # pieces this large are written at once, after what is held


class _TurnBufferedTransport:
    """A transport whose writes of one loop turn reach the socket together."""

    __slots__ = ("_flush_scheduled", "_held", "_held_size", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._held_size = 0
        self._flush_scheduled = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if len(data) >= _PASS_FROM:
            # A large piece (a file's chunk) goes out at once, as uvicorn would write it, so
            # that the transport's flow control sees it while the sender still runs.
            if self._held:
                held, self._held, self._held_size = self._held, [], 0
                self._transport.writelines([*held, data])
            else:
                self._transport.write(data)
            return
        self._held.append(bytes(data))
        self._held_size += len(data)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self.flush)

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        self._flush_scheduled = False
        if not self._held:
            return
        held, self._held, self._held_size = self._held, [], 0
        if self._transport.is_closing():
            return
        self._transport.write(held[0] if len(held) == 1 else b"".join(held))

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._held_size

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._held, self._held_size = [], 0
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        # Everything else (is_closing, pause_reading, get_extra_info, set_protocol, ...) is
        # the transport's own.
        return getattr(self._transport, name)


class OneWriteHttpProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` on a ``_TurnBufferedTransport``."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        buffered: Any = _TurnBufferedTransport(transport, self.loop)  # type: ignore[arg-type]
        super().connection_made(buffered)
