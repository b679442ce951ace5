"""The embedded default with no SMTP server: each message becomes an ``.eml`` file in
``DATA_DIR/outbox/``, which any mail program opens.

A development shortcut, so it says so every time: one WARNING line per message, with the
file's path (never the body: it may hold a single-use link). The file is written under a
temporary name and renamed into place, so a reader never sees half a message.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from email.message import EmailMessage
from pathlib import Path

from cclibs.mail.ports import MailNotSent

__all__ = ["EmlFileSender"]

_log = logging.getLogger("cclibs.mail")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class EmlFileSender:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, message: EmailMessage) -> None:
        try:
            path = await asyncio.to_thread(self._write, message)
        except OSError as exc:
            raise MailNotSent(f"cannot write to {self.directory}: {exc.strerror}") from None
        _log.warning(
            "DEVELOPMENT SHORTCUT: mail written to %s ; set CCLIBS_SMTP_URL to send it", path
        )

    def _write(self, message: EmailMessage) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        # Named after the Message-ID: a message sent again replaces its own file.
        name = _UNSAFE.sub("_", str(message["Message-ID"]).strip("<> ")) or "message"
        final = self.directory / f"{name}.eml"
        temporary = self.directory / f".{name}.{os.getpid()}.tmp"
        try:
            with temporary.open("wb") as handle:
                handle.write(message.as_bytes())
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(final)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return final

    def __repr__(self) -> str:
        return f"EmlFileSender({self.directory})"
