"""Getting a signed-in TokenSource quickly: the browser flow with the user played over HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from cclibs.sdk import OAuthClient, Profile, TokenSource
from tests.support.live_cclibs import Browser


class Clock:
    """An injected clock for the SDK (seconds since the epoch) that tests move by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def signed_in(
    profile: Profile,
    person: Browser,
    *,
    now: Callable[[], float] = time.time,
    client: OAuthClient | None = None,
) -> TokenSource:
    source = TokenSource(profile, now=now, client=client)
    source.login_browser(open_browser=person.open_and_deliver)
    return source


def noting_posts(log: list[str]) -> httpx.Client:
    """An httpx client that notes the path of every POST it sends (the SDK's token calls)."""

    def note(request: httpx.Request) -> None:
        if request.method == "POST":
            log.append(request.url.path)

    return httpx.Client(timeout=10, event_hooks={"request": [note]})
