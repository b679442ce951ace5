"""Behind an https issuer, cookies are Secure and pinned to the host, and HSTS is on."""

from __future__ import annotations

import httpx
import pytest

from tests.support.pages import sign_up

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"issuer": "https://testserver"}


async def test_secure_host_only_cookies_and_hsts(client: httpx.AsyncClient) -> None:
    response = await sign_up(client)
    assert response.status_code == 303
    cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    session = next(c for c in cookies if c.startswith("__Host-cclibs_session=")).lower()
    assert "secure" in session and "httponly" in session and "samesite=lax" in session
    assert "domain=" not in session
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert (await client.get("/account")).status_code == 200
