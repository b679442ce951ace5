"""X-Forwarded-For counts only from CCLIBS_TRUSTED_PROXIES, in-process and under `cclibs serve`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.config import ConfigError, Settings, load_settings
from tests.support.pages import csrf_token
from tests.support.servers import cclibs_serve

WRONG = "wrong password!"


@asynccontextmanager
async def browser_at(
    app: Starlette, settings: Settings, host: str
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(host, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=settings.issuer) as http:
        yield http


async def _spray(browser: httpx.AsyncClient, forwarded_for: list[str]) -> list[int]:
    """One wrong sign-in to a different account per X-Forwarded-For value; the statuses."""
    token = await csrf_token(browser, "/signin")
    statuses = []
    for n, forwarded in enumerate(forwarded_for):
        answer = await browser.post(
            "/signin",
            data={"csrf_token": token, "email": f"probe{n}@example.com", "password": WRONG},
            headers={"x-forwarded-for": forwarded},
        )
        statuses.append(answer.status_code)
    return statuses


class TestInProcess:
    pytestmark = pytest.mark.anyio

    @pytest.fixture
    def settings_overrides(self, request: pytest.FixtureRequest) -> dict[str, object]:
        proxies = getattr(request, "param", "")
        return {"login_max_failures_per_address": 3, "trusted_proxies": proxies}

    async def test_without_the_setting_forwarded_for_is_ignored(
        self, client: httpx.AsyncClient
    ) -> None:
        rotated = [f"192.0.2.{n}" for n in range(1, 6)]
        assert await _spray(client, rotated) == [401, 401, 401, 429, 429]

    @pytest.mark.parametrize("settings_overrides", ["10.0.0.0/8, 203.0.113.7"], indirect=True)
    async def test_a_trusted_proxy_forwards_the_client_address(
        self, app: Starlette, settings: Settings, client: httpx.AsyncClient
    ) -> None:
        # Behind the proxy each client has its own per-address limit.
        assert await _spray(client, ["192.0.2.1"] * 4) == [401, 401, 401, 429]
        assert await _spray(client, ["192.0.2.2"]) == [401]
        # The client is the right-most address the trusted proxies did not add.
        assert await _spray(client, ["192.0.2.1, 10.1.2.3"]) == [429]
        # A peer that is no trusted proxy is itself the client, whatever it forwards.
        async with browser_at(app, settings, "198.51.100.20") as direct:
            rotated = [f"192.0.2.{n}" for n in range(10, 14)]
            assert await _spray(direct, rotated) == [401, 401, 401, 429]


def test_the_setting_is_a_list_of_addresses_and_networks(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, trusted_proxies=" 127.0.0.1, 10.0.0.0/8,::1 ,")
    assert settings.trusted_proxies == ("127.0.0.1", "10.0.0.0/8", "::1")
    assert load_settings(data_dir=tmp_path).trusted_proxies == ()
    with pytest.raises(ConfigError, match=r"CCLIBS_TRUSTED_PROXIES: .*'proxy\.local'"):
        load_settings(data_dir=tmp_path, trusted_proxies="proxy.local")


def test_cclibs_serve_does_not_trust_loopback_peers(tmp_path: Path) -> None:
    # The test connects from 127.0.0.1, which uvicorn's proxy_headers=True trusts by default.
    env = {"CCLIBS_LOGIN_MAX_FAILURES_PER_ADDRESS": "3", "CCLIBS_TRUSTED_PROXIES": ""}
    served = cclibs_serve(["--data-dir", str(tmp_path / "data")], env)
    with served as (base, _process), httpx.Client(base_url=base) as browser:
        token = browser.get("/signin").text.split('name="csrf_token" value="')[1][:64]
        statuses = [
            browser.post(
                "/signin",
                data={"csrf_token": token, "email": f"probe{n}@example.com", "password": WRONG},
                headers={"x-forwarded-for": f"192.0.2.{n}"},
            ).status_code
            for n in range(1, 6)
        ]
    assert statuses == [401, 401, 401, 429, 429]
