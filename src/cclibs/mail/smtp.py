"""Sending through an SMTP server (``CCLIBS_SMTP_URL``), with aiosmtplib.

One connection per message: mail is rare here (sign-ups, resets), and a fresh connection
leaves nothing half-open between rounds. ``smtp://`` insists on STARTTLS (RFC 3207) so that
credentials and links never cross the network in clear unless plain was asked for.
"""

from __future__ import annotations

import ssl
from email.message import EmailMessage

import aiosmtplib

from cclibs.mail.addresses import SmtpTarget
from cclibs.mail.ports import MailNotSent

__all__ = ["SmtpSender"]

_MAX_ERROR = 300


class SmtpSender:
    def __init__(
        self,
        target: SmtpTarget,
        *,
        timeout_seconds: float,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        """``tls_context``: whom to trust; unset, the system's certificate authorities."""
        self.target = target
        self._timeout = timeout_seconds
        self._tls = tls_context

    async def send(self, message: EmailMessage) -> None:
        target = self.target
        try:
            await aiosmtplib.send(
                message,
                hostname=target.host,
                port=target.port,
                username=target.username,
                password=target.password,
                use_tls=target.security == "tls",
                start_tls=target.security == "starttls",
                tls_context=self._tls,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPResponseException as exc:
            raise MailNotSent(_bounded(f"the server answered {exc.code} {exc.message}")) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailNotSent(_bounded(f"{exc.__class__.__name__}: {exc}".rstrip(": "))) from None

    def __repr__(self) -> str:
        return f"SmtpSender({self.target.describe()})"


def _bounded(text: str) -> str:
    return " ".join(text.split())[:_MAX_ERROR]
