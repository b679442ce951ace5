"""Fixtures of the webhook tests: a receiver on 127.0.0.1, the developer who owns the
credentials, and calls of the Libraries API that make events."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.accounts.passwords import PasswordHasher
from cclibs.clock import FrozenClock
from cclibs.config import load_settings
from cclibs.services import WebhookServices, build_services
from tests.support.api_auth import (
    ApiCaller,
    ApiCallers,
    new_server_caller,
    new_user,
    new_web_app,
    user_token,
)
from tests.webhooks.receiver import Receiver, receiving

CLIENT = {"deviceId": "test-device", "device": "pytest", "app": "cclibs-tests"}
LIBRARIES = "/api/v1/libraries"
WEBHOOKS = "/api/v1/webhooks"


def color(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "application/vnd.adobe.element.color+dcx",
        "client": CLIENT,
        "representations": [
            {
                "type": "application/vnd.adobe.color+json",
                "relationship": "primary",
                "color#data": {"mode": "RGB", "value": {"r": 10, "g": 20, "b": 30}},
            }
        ],
    }


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {
        "webhook_allow_private_urls": True,
        "webhook_timeout_seconds": 2.0,
        "webhook_retry_seconds": 30.0,
        "webhook_max_attempts": 3,
    }


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as found:
        yield found


@pytest.fixture
def webhooks(app: Starlette) -> WebhookServices:
    found = app.state.cclibs.webhooks
    assert isinstance(found, WebhookServices)
    return found


@dataclass(frozen=True, slots=True)
class Actors:
    developer: ApiCaller
    """The developer, as a user of their own Web App."""
    server: ApiCaller
    """The developer's Server-to-Server credential (client credentials token)."""


@pytest.fixture
async def actors(api_callers: ApiCallers) -> Actors:
    developer = await api_callers.developer()
    as_user = await user_token(api_callers.services, await api_callers.web_app(), developer)
    return Actors(as_user, await api_callers.server())


@pytest.fixture
def api_callers(app: Starlette, clock: FrozenClock) -> ApiCallers:
    return ApiCallers(app.state.cclibs, clock)


async def register(
    client: httpx.AsyncClient, caller: ApiCaller, url: str, types: list[str] | None = None
) -> dict[str, Any]:
    answer = await client.post(
        WEBHOOKS,
        json={"url": url, "event_types": types or ["library.created"]},
        headers=caller.headers,
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def new_library(client: httpx.AsyncClient, caller: ApiCaller, name: str) -> dict[str, Any]:
    answer = await client.post(LIBRARIES, json={"name": name}, headers=caller.headers)
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def server_callers(
    environment: dict[str, str], **settings: Any
) -> tuple[ApiCaller, ApiCaller]:
    """The developer (a user of their own Web App) and their Server-to-Server credential,
    made in the test process in the database of a ``cclibs serve`` run with ``environment``
    (its ``CCLIBS_*`` variables; ``settings`` add to them)."""
    values = {k.removeprefix("CCLIBS_").lower(): v for k, v in environment.items()}
    services = build_services(
        load_settings(**values, **settings),
        password_hasher=PasswordHasher(time_cost=1, memory_cost=8 * 1024),
    )
    try:
        developer = await new_user(services, name="Dev Eloper")
        app = await new_web_app(services, developer.id)
        return (
            await user_token(services, app, developer),
            await new_server_caller(services, developer.id),
        )
    finally:
        await services.db.dispose()
