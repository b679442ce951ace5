"""The loopback listener takes only the authorization response of the login in progress."""

from __future__ import annotations

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
