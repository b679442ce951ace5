"""The loopback listener takes only the authorization response of the login in progress."""

from __future__ import annotations

import subprocess
import sys

import httpx

from cclibs.sdk import LoopbackListener


def test_a_stray_request_cannot_end_the_login() -> None:
    with LoopbackListener() as listener:
        listener.expect_state("the-state")
        # Another local page or process finds the port first, with no or a wrong state.
        for query in ({"code": "forged"}, {"code": "forged", "state": "guess"}):
            stray = httpx.get(listener.redirect_uri, params=query, timeout=5)
            assert stray.status_code == 400
            assert "belongs to no sign-in" in stray.text
        assert listener.wait(0.01) is None  # still waiting
        real = httpx.get(
            listener.redirect_uri, params={"code": "c", "state": "the-state"}, timeout=5
        )
        assert real.status_code == 200
        assert "You can close this tab" in real.text
        assert listener.wait(1) == {"code": "c", "state": "the-state"}
        again = httpx.get(
            listener.redirect_uri, params={"code": "c", "state": "the-state"}, timeout=5
        )
        assert again.status_code == 409


def test_other_paths_are_not_found() -> None:
    with LoopbackListener() as listener:
        base = listener.redirect_uri.rsplit("/", 1)[0]
        assert httpx.get(base + "/favicon.ico", timeout=5).status_code == 404


_EXITS_AT_ONCE = """
import os, sys
from cclibs.sdk import LoopbackListener
with LoopbackListener() as listener:
    print(listener.redirect_uri, flush=True)
    listener.wait(30)
    os._exit(0)  # as a command does when the sign-in was refused: no clean-up, no delay
"""


def test_the_browser_gets_the_whole_page_from_a_command_that_exits_at_once() -> None:
    """A refused consent ends the command the moment the response arrives; the page the
    browser is sent must be complete by then."""
    for _ in range(5):
        command = subprocess.Popen(
            [sys.executable, "-c", _EXITS_AT_ONCE], stdout=subprocess.PIPE, text=True
        )
        try:
            assert command.stdout is not None
            uri = command.stdout.readline().strip()
            answer = httpx.get(uri, params={"error": "access_denied"}, timeout=10)
            assert answer.status_code == 200
            assert "Sign-in was not completed" in answer.text
            assert answer.text.rstrip().endswith("</html>")
        finally:
            command.wait(10)
            if command.stdout is not None:
                command.stdout.close()
