"""The console's webhooks page: a developer registers a receiver for a credential (the secret
shown once), sees its deliveries with their outcome, and removes it; forms need the CSRF
token, and nobody else sees the page."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.config import Settings
from cclibs.services import WebhookServices
from tests.console.conftest import Developer
from tests.support.api_auth import new_web_app, user_token
from tests.support.pages import sign_in
from tests.webhooks.conftest import new_library
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.anyio

_SECRET = re.compile(r'<code id="webhook-secret">([^<]+)</code>')
PASSWORD = "developer password"


async def _developer(app: Starlette, settings: Settings, email: str) -> Developer:
    await app.state.cclibs.accounts.create_user(email=email, name="Dev", password=PASSWORD)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
    http = httpx.AsyncClient(transport=transport, base_url=settings.issuer)
    assert (await sign_in(http, email, PASSWORD)).status_code == 303
    return Developer(email, http, app)


@pytest.fixture
async def alice(app: Starlette, settings: Settings) -> AsyncIterator[Developer]:
    developer = await _developer(app, settings, "alice@example.com")
    yield developer
    await developer.http.aclose()


@pytest.fixture
async def bob(app: Starlette, settings: Settings) -> AsyncIterator[Developer]:
    developer = await _developer(app, settings, "bob@example.com")
    yield developer
    await developer.http.aclose()


async def test_register_see_deliveries_and_remove_in_the_console(
    app: Starlette,
    client: httpx.AsyncClient,
    alice: Developer,
    bob: Developer,
    receiver: Receiver,
    webhooks: WebhookServices,
) -> None:
    project_id = await alice.create_project()
    await alice.add_libraries(project_id)
    client_id, _ = await alice.create_credential(project_id, "server", name="Robot")
    page = f"/console/projects/{project_id}/credentials/{client_id}/webhooks"
    credential = await alice.http.get(page.removesuffix("/webhooks"))
    assert f'href="{page}"' in credential.text
    assert "No webhook yet." in (await alice.http.get(page)).text

    # Without the CSRF token, nothing is registered.
    forged = await alice.http.post(page, data={"url": f"{receiver.url}/c"})
    assert forged.status_code == 403
    # A refused URL is said beside the field.
    refused = await alice.post(
        page, page, {"url": "ftp://example.com/x", "event_library.created": "on"}
    )
    assert refused.status_code == 400
    assert "http or https" in html.unescape(refused.text)
    # Registered: the secret is shown once.
    fields = {"url": f"{receiver.url}/c", "event_library.created": "on"}
    made = await alice.post(page, page, fields)
    assert made.status_code == 303, made.text
    shown = await alice.http.get(made.headers["location"])
    found = _SECRET.search(shown.text)
    assert found is not None
    secret = html.unescape(found.group(1))
    assert f"{receiver.url}/c" in shown.text
    assert _SECRET.search((await alice.http.get(page)).text) is None

    # Alice's own library (she owns the credential's project) makes a delivery.
    user = await app.state.cclibs.accounts.find_by_email("alice@example.com")
    web = await new_web_app(app.state.cclibs, user.id)
    caller = await user_token(app.state.cclibs, web, user, password=PASSWORD)
    await new_library(client, caller, "Console library")
    receiver.statuses = [500]
    assert await webhooks.worker.run_once() == 1
    listed = (await alice.http.get(page)).text
    assert "library.created" in listed and "pending" in listed
    assert "the receiver answered 500" in listed
    [got] = receiver.at("/c")
    got.verify(secret)

    # Bob sees none of it.
    assert (await bob.http.get(page)).status_code == 404

    subscription_id = re.search(r"/webhooks/([0-9a-f]{32})/delete", listed)
    assert subscription_id is not None
    removed = await alice.post(page, f"{page}/{subscription_id.group(1)}/delete")
    assert removed.status_code == 303
    after = (await alice.http.get(page)).text
    assert "No webhook yet." in after and "No delivery yet." in after
