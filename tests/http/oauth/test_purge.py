"""The purge deletes what can never work again and nothing that still can.

Seeded through the real endpoints (sign-in, code exchange, refresh, revocation, the device
flow), then purged at chosen moments on the test's clock; the live sign-in keeps working
after every purge. ``cclibs db purge`` runs the same purge from the command line.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette
from typer.testing import CliRunner

from cclibs.cli.main import app as cli
from cclibs.clock import FrozenClock
from cclibs.config import Settings
from cclibs.storage.purge import Purge
from cclibs.storage.tables import (
    AuthorizationCodeRow,
    DeviceAuthorizationRow,
    GrantRow,
    RefreshTokenRow,
    RevokedAccessTokenRow,
    WebSessionRow,
)
from tests.conftest import TEST_SECRET
from tests.http.oauth.conftest import Credential
from tests.support.oauth_flow import refresh, user_tokens

pytestmark = pytest.mark.anyio

TABLES = {
    "codes": AuthorizationCodeRow,
    "devices": DeviceAuthorizationRow,
    "grants": GrantRow,
    "refresh": RefreshTokenRow,
    "denied": RevokedAccessTokenRow,
    "sessions": WebSessionRow,
}


async def counts(app: Starlette) -> dict[str, int]:
    found = {}
    async with app.state.cclibs.db.read() as session:
        for name, table in TABLES.items():
            found[name] = int(await session.scalar(select(func.count()).select_from(table)) or 0)
    return found


async def refreshed(client: httpx.AsyncClient, cred: Credential, token: str) -> dict[str, str]:
    response = await refresh(client, cred.client_id, token, secret=cred.secret)
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


async def seed(client: httpx.AsyncClient, web: Credential, server: Credential) -> dict[str, str]:
    """A live family (rotated once), a revoked family, a revoked client_credentials token and
    a pending device authorization. Returns the live family's newest refresh token."""
    live = await user_tokens(client, web.client_id, secret=web.secret)
    live = await refreshed(client, web, live["refresh_token"])
    gone = await user_tokens(client, web.client_id, secret=web.secret)
    revoked = await client.post(
        "/ims/revoke", data={"token": gone["refresh_token"]}, auth=(web.client_id, web.secret or "")
    )
    assert revoked.status_code == 200
    issued = await client.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials", "scope": "openid,AdobeID"},
        auth=(server.client_id, server.secret or ""),
    )
    denied = await client.post(
        "/ims/revoke",
        data={"token": issued.json()["access_token"]},
        auth=(server.client_id, server.secret or ""),
    )
    assert denied.status_code == 200
    return live


async def test_the_purge_keeps_what_works_and_deletes_what_cannot(
    client: httpx.AsyncClient,
    app: Starlette,
    clock: FrozenClock,
    web_credential: Credential,
    server_credential: Credential,
) -> None:
    live = await seed(client, web_credential, server_credential)
    before = await counts(app)
    assert before["codes"] == 2 and before["grants"] == 2 and before["denied"] == 1

    # At once: only the revoked family goes (its token and grant).
    report = await Purge(app.state.cclibs.db, batch=1).run(clock.now())
    now = await counts(app)
    assert report.deleted["revoked grants"] == 1
    assert now["grants"] == 1 and now["refresh"] == 2  # the live one and its rotated parent
    assert now["codes"] == 2 and now["denied"] == 1

    # A day later: the used codes, the expired deny-list entry and sessions are gone; the
    # rotated parent stays (its replay must still be detected) and the family still works.
    clock.advance(timedelta(days=1, minutes=1))
    await Purge(app.state.cclibs.db, batch=1).run(clock.now())
    now = await counts(app)
    assert now["codes"] == 0 and now["denied"] == 0
    assert now["refresh"] == 2 and now["grants"] == 1
    live = await refreshed(client, web_credential, live["refresh_token"])

    # Past the refresh tokens' lifetime plus the day for their access tokens: all gone.
    clock.advance(timedelta(days=120))
    report = await Purge(app.state.cclibs.db, batch=2).run(clock.now())
    assert await counts(app) == dict.fromkeys(TABLES, 0)
    assert report.deleted["refresh tokens"] == 3
    assert report.deleted["grants with no live token"] == 1


async def test_a_pending_device_authorization_goes_at_expiry(
    client: httpx.AsyncClient, app: Starlette, clock: FrozenClock, owner_id: str
) -> None:
    from cclibs.oauth.clients import ClientType
    from tests.http.oauth.conftest import make_credential

    native = await make_credential(app, owner_id, ClientType.NATIVE)
    started = await client.post(
        "/ims/device/code", data={"client_id": native.client_id, "scope": "openid"}
    )
    assert started.status_code == 200, started.text
    await Purge(app.state.cclibs.db).run(clock.now())
    assert (await counts(app))["devices"] == 1
    clock.advance(timedelta(hours=1))
    await Purge(app.state.cclibs.db).run(clock.now())
    assert (await counts(app))["devices"] == 0


def test_cclibs_db_purge_reports_what_it_deleted(settings: Settings) -> None:
    runner = CliRunner()
    env = {
        "CCLIBS_SECRET_KEY": TEST_SECRET,
        "CCLIBS_DATABASE_URL": settings.effective_database_url,
    }
    result = runner.invoke(cli, ["db", "purge", "--data-dir", str(settings.data_dir)], env=env)
    assert result.exit_code == 0, result.output
    assert "deleted in all" in result.output
    assert "refresh tokens" in result.output
