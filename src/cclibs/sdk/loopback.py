"""The loopback redirect listener of a native app (RFC 8252 §7.3, §8.3).

It listens on 127.0.0.1 (not ``localhost``, which may resolve elsewhere, §8.3) on a port the
system picks, takes the first authorization response that arrives at its path with the
expected ``state`` (any other local page or process hitting the port is answered 400 and
ignored, so it cannot end the login), and answers the browser with a page that says the tab
can be closed.
"""

from __future__ import annotations

import hmac
import html
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

__all__ = ["LoopbackListener"]

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto;">
<h1>{title}</h1><p>{message}</p></body></html>
"""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    path = "/callback"
    expected_state: str | None = None
    result: dict[str, str] | None = None
    received: threading.Event


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != self.server.path:
            self._answer(404, "Not found", "This address only receives a sign-in response.")
            return
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if self.server.result is not None:
            self._answer(409, "Already received", "You can close this tab.")
            return
        expected = self.server.expected_state
        if expected is not None and not hmac.compare_digest(params.get("state", ""), expected):
            self._answer(
                400, "Not this sign-in", "This response belongs to no sign-in in progress."
            )
            return
        self.server.result = params
        try:
            if "error" in params:
                self._answer(200, "Sign-in was not completed", "You can close this tab.")
            else:
                self._answer(200, "Signed in", "You can close this tab and return to the terminal.")
        finally:
            # Only once the page is sent: the command may exit as soon as it wakes (a denied
            # consent ends it at once), and the browser would get a cut answer.
            self.server.received.set()

    def _answer(self, status: int, title: str, message: str) -> None:
        body = _PAGE.format(title=html.escape(title), message=html.escape(message)).encode()
        self.send_response(status)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.send_header("cache-control", "no-store")
        self.send_header("referrer-policy", "no-referrer")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the terminal belongs to the command."""


class LoopbackListener:
    """``with LoopbackListener() as listener:`` then ``listener.redirect_uri`` and ``wait``."""

    def __init__(self, path: str = "/callback") -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.path = path
        self._server.received = threading.Event()
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="cclibs-loopback", daemon=True
        )

    @property
    def redirect_uri(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}{self._server.path}"

    def __enter__(self) -> LoopbackListener:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def expect_state(self, state: str) -> None:
        """Accept only the authorization response that carries this ``state``."""
        self._server.expected_state = state

    def wait(self, timeout: float) -> dict[str, str] | None:
        """The authorization response's query parameters, or None after ``timeout`` seconds."""
        if not self._server.received.wait(timeout):
            return None
        return self._server.result
