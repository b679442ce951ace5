"""The messages accounts send, each as plain text and the same words in HTML.

A link in a message is the only copy of its token: the outbox keeps the body until it is sent,
and neither bodies nor links are ever logged.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from cclibs.mail.message import MailMessage

__all__ = ["Letters"]


def _html(paragraphs: list[str], link: tuple[str, str] | None = None) -> str:
    parts = [f"<p>{escape(text)}</p>" for text in paragraphs]
    if link is not None:
        label, url = link
        parts.insert(
            1,
            f'<p><a href="{escape(url)}">{escape(label)}</a></p>'
            f'<p style="font-size:small;color:#555">{escape(url)}</p>',
        )
    body = "\n".join(parts)
    return f'<!doctype html>\n<html><body style="font-family:sans-serif">\n{body}\n</body></html>\n'


def _text(paragraphs: list[str], link: str | None = None) -> str:
    blocks = list(paragraphs)
    if link is not None:
        blocks.insert(1, link)
    return "\n\n".join(blocks) + "\n"


class Letters:
    def __init__(self, base_url: str) -> None:
        self._base = base_url.rstrip("/")
        """The server's public address (``CCLIBS_ISSUER``): the links lead there."""

    def _letter(
        self, to: str, subject: str, paragraphs: list[str], link: tuple[str, str] | None = None
    ) -> MailMessage:
        return MailMessage(
            to=to,
            subject=subject,
            text=_text(paragraphs, link[1] if link else None),
            html=_html(paragraphs, link),
        )

    def verify(self, to: str, name: str, token: str) -> MailMessage:
        url = f"{self._base}/account/verify?{urlencode({'token': token})}"
        return self._letter(
            to,
            "Confirm your email address for cclibs",
            [
                f"Hello {name}, confirm that {to} is your address by opening this link:",
                "The link works once, for 24 hours. Until you confirm, you can use cclibs, but "
                "applications in development do not count you among their testers and you "
                "cannot join libraries shared with you.",
                f"If you did not create an account at {self._base}, ignore this message.",
            ],
            ("Confirm my email address", url),
        )

    def already_registered(self, to: str) -> MailMessage:
        return self._letter(
            to,
            "Someone tried to create a cclibs account with your address",
            [
                f"Someone tried to create an account at {self._base} with {to}, which already "
                "has one. Nothing was changed.",
                f"If it was you, sign in at {self._base}/signin, or choose a new password at "
                f"{self._base}/password/forgot if you have forgotten it.",
                "If it was not you, you need not do anything.",
            ],
        )

    def reset(self, to: str, name: str, token: str) -> MailMessage:
        url = f"{self._base}/password/reset?{urlencode({'token': token})}"
        return self._letter(
            to,
            "Reset your cclibs password",
            [
                f"Hello {name}, someone (we hope you) asked to reset the password of your "
                f"account at {self._base}. Choose a new one here:",
                "The link works once, for 30 minutes. Resetting signs you out everywhere and "
                "stops the applications you use from refreshing their access until you sign "
                "in again.",
                "If you did not ask for this, ignore this message: your password stays as it is.",
            ],
            ("Choose a new password", url),
        )

    def password_changed(self, to: str, name: str) -> MailMessage:
        return self._letter(
            to,
            "Your cclibs password was changed",
            [
                f"Hello {name}, the password of your account at {self._base} was just reset, "
                "and every browser and application was signed out.",
                f"If this was not you, reset it again at {self._base}/password/forgot and tell "
                "your administrator.",
            ],
        )
