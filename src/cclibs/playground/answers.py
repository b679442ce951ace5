"""Reading what a provider answered: its error, a number of seconds, a link to show.

Each reader takes the answer as untrusted: a wrong value becomes a ``PlaygroundError`` that
says what was wrong, or nothing the page would act on.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from cclibs.playground.provider import Exchange

__all__ = ["PlaygroundError", "error_text", "seconds", "web_address"]


class PlaygroundError(Exception):
    """A button cannot do its job; the message tells the user why and what to do."""


def seconds(title: str, body: dict[str, Any], name: str, default: int) -> int:
    """A positive whole number of seconds (RFC 8628 §3.2), or ``default`` when absent. Digits
    in a string are taken too: some providers send ``"expires_in": "900"``."""
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,8}", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 10**7:
        raise PlaygroundError(f"{title}: {name} is {str(value)[:40]!r}, not a number of seconds.")
    return value


def web_address(value: Any) -> str | None:
    """An http(s) URL the page may link to; None for anything else (``javascript:``, ...)."""
    if not isinstance(value, str) or len(value) > 2048:
        return None
    return value if urlsplit(value).scheme in ("http", "https") else None


def error_text(exchange: Exchange) -> str:
    body = exchange.response
    if isinstance(body, dict) and "error" in body:
        description = body.get("error_description") or ""
        return f"{exchange.title}: {exchange.status} {body['error']}. {description}".strip()
    return f"{exchange.title}: the server answered {exchange.status}."
