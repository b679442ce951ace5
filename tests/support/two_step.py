"""Setting up two-step sign-in through the account pages, as a browser would."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import httpx
import pyotp

_SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
_PENDING = re.compile(r'name="pending" value="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_CODES = re.compile(r"<li><code>([a-z0-9-]+)</code></li>")


@dataclass(frozen=True, slots=True)
class Enrolled:
    secret: str
    recovery_codes: list[str]

    def code_at(self, when: datetime) -> str:
        return pyotp.TOTP(self.secret).at(when)


def recovery_codes_in(page: httpx.Response) -> list[str]:
    return _CODES.findall(page.text)


async def enrol(browser: httpx.AsyncClient, now: datetime) -> Enrolled:
    """Turn two-step sign-in on for the signed-in user with a code of ``now``."""
    page = await browser.get("/account/two-step")
    assert page.status_code == 200, page.text[:300]
    secret, pending, token = (
        _SECRET.search(page.text),
        _PENDING.search(page.text),
        _CSRF.search(page.text),
    )
    assert secret and pending and token
    done = await browser.post(
        "/account/two-step/enable",
        data={
            "csrf_token": token.group(1),
            "pending": pending.group(1),
            "code": pyotp.TOTP(secret.group(1)).at(now),
        },
    )
    assert done.status_code == 200, done.text[:300]
    codes = recovery_codes_in(done)
    assert len(codes) == 10
    return Enrolled(secret.group(1), codes)
