"""Fixtures of the mail tests: the app's mail services, and reading the outbox's rows."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from cclibs.mail.message import MailMessage
from cclibs.services import MailServices
from cclibs.storage import Database
from cclibs.storage.tables import MailOutboxRow

LINK = "https://cclibs.example/verify?token=single-use-link-0123456789"


def message(to: str = "Ada <ada@example.com>", subject: str = "Welcome to cclibs") -> MailMessage:
    return MailMessage(
        to=to,
        subject=subject,
        text=f"Hello Ada,\n\nConfirm your address: {LINK}\n",
        html=f'<p>Hello Ada,</p><p><a href="{LINK}">Confirm your address</a></p>',
    )


@pytest.fixture
def mail(app: Starlette) -> MailServices:
    found = app.state.cclibs.mail
    assert isinstance(found, MailServices)
    return found


@pytest.fixture
def db(app: Starlette) -> Database:
    found = app.state.cclibs.db
    assert isinstance(found, Database)
    return found


async def rows(db: Database) -> list[MailOutboxRow]:
    async with db.read() as session:
        return list(await session.scalars(select(MailOutboxRow).order_by(MailOutboxRow.created_ms)))
