"""Device login (RFC 8628): for SSH sessions and containers, where no browser can open.

Show the user code and the verification URL, then poll the token endpoint at the server's
interval: ``authorization_pending`` waits, ``slow_down`` adds 5 seconds to the interval
(§3.5), ``access_denied`` and ``expired_token`` end the login.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cclibs.sdk.browser_flow import check_id_token
from cclibs.sdk.errors import AccessDenied, OAuthServerError, SdkError
from cclibs.sdk.oauth_client import OAuthClient
from cclibs.sdk.tokens import Tokens

__all__ = ["DevicePrompt", "device_login"]

_DEFAULT_INTERVAL = 5


@dataclass(frozen=True)
class DevicePrompt:
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: int

    @classmethod
    def from_response(cls, body: dict[str, Any]) -> DevicePrompt:
        complete = body.get("verification_uri_complete")
        return cls(
            user_code=str(body["user_code"]),
            verification_uri=str(body.get("verification_uri") or body.get("verification_url")),
            verification_uri_complete=str(complete) if complete else None,
            expires_in=int(body.get("expires_in", 600)),
        )


def device_login(
    client: OAuthClient,
    *,
    scopes: Sequence[str] | None = None,
    show_prompt: Callable[[DevicePrompt], None] = lambda prompt: None,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], float] = time.time,
) -> Tokens:
    chosen = tuple(scopes or client.profile.scopes)
    started = client.start_device(chosen)
    prompt = DevicePrompt.from_response(started)
    device_code = str(started["device_code"])
    interval = float(started.get("interval") or _DEFAULT_INTERVAL)
    deadline = now() + prompt.expires_in
    show_prompt(prompt)
    while now() < deadline:
        sleep(interval)
        try:
            body = client.poll_device(device_code)
        except AccessDenied:
            raise AccessDenied(
                "access_denied", "the request was denied on the device page"
            ) from None
        except OAuthServerError as exc:
            if exc.error == "authorization_pending":
                continue
            if exc.error == "slow_down":
                interval += 5
                continue
            if exc.error == "expired_token":
                break
            raise
        tokens = Tokens.from_response(body, now(), grant_type="device_code")
        check_id_token(client, tokens, body, nonce=None, now=now())
        return tokens
    raise SdkError("the device code expired before it was approved; run the login again")
