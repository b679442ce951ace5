"""Reading what the app queued to send: the outbox's rows, and the links in a message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from starlette.applications import Starlette

from cclibs.storage.tables import MailOutboxRow

_LINK = re.compile(r"https?://[^\s<>\"]+")


@dataclass(frozen=True, slots=True)
class Queued:
    to: str
    subject: str
    text: str
    html: str

    def link(self, path: str) -> str:
        """The path and query of the one link in the text to ``path`` (the host dropped, so
        that a test client can follow it)."""
        found = [u for u in _LINK.findall(self.text) if urlsplit(u).path == path]
        assert len(found) == 1, f"{len(found)} links to {path} in {self.text!r}"
        parts = urlsplit(found[0])
        assert found[0] in self.html, "the HTML part carries the same link"
        return f"{parts.path}?{parts.query}"


async def queued(app: Starlette, to: str | None = None) -> list[Queued]:
    """The messages in the outbox, oldest first (all, or those to ``to``)."""
    async with app.state.cclibs.db.read() as session:
        rows = await session.scalars(select(MailOutboxRow).order_by(MailOutboxRow.created_ms))
        found = [Queued(r.recipient, r.subject, r.text_body, r.html_body) for r in rows]
    return [m for m in found if to is None or m.to == to]
