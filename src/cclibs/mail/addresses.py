"""What the mail settings mean: the SMTP server of ``CCLIBS_SMTP_URL`` and the sender of
``CCLIBS_MAIL_FROM``.

Error messages name the part that is wrong and never quote the URL, which may carry a password.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["SmtpTarget", "parse_mailbox", "parse_smtp_url"]

Security = Literal["starttls", "tls", "none"]
_DEFAULT_PORTS: dict[Security, int] = {"starttls": 587, "tls": 465, "none": 25}
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    host: str
    port: int
    security: Security
    """``starttls`` (upgrade after connecting, RFC 3207; refused if the server cannot),
    ``tls`` (TLS from the first byte, RFC 8314 §3.3) or ``none`` (plain)."""
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        """Where mail goes, without the credentials: for logs and messages."""
        scheme = "smtps" if self.security == "tls" else "smtp"
        plain = "?starttls=false" if self.security == "none" else ""
        return f"{scheme}://{self.host}:{self.port}{plain}"


def parse_smtp_url(url: str) -> SmtpTarget:
    """Read ``smtp://[user:password@]host[:port][?starttls=false]`` or
    ``smtps://[user:password@]host[:port]``; raises ``ValueError``."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("the URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("the URL names no host")
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError("the URL carries no path or fragment")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("the URL has an invalid port") from None
    security: Security = "tls" if parts.scheme == "smtps" else "starttls"
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name != "starttls" or parts.scheme != "smtp":
            raise ValueError("the URL accepts only ?starttls=false, and only with smtp://")
        if value.lower() in _FALSE:
            security = "none"
        elif value.lower() not in _TRUE:
            raise ValueError("starttls is true or false")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and username is None:
        raise ValueError("the URL has a password without a user name")
    if security == "none" and username is not None and not _is_loopback(parts.hostname):
        raise ValueError(
            "the URL sends credentials without TLS to a host that is not loopback; "
            "use STARTTLS (drop ?starttls=false) or smtps://"
        )
    return SmtpTarget(
        parts.hostname, port or _DEFAULT_PORTS[security], security, username, password
    )


def parse_mailbox(value: str) -> Address:
    """``Name <address>`` or a bare address, as a header-ready ``Address``; raises
    ``ValueError``."""
    name, address = parseaddr(value.strip())
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or any(c.isspace() for c in address):
        raise ValueError(f"{value!r} is not an email address such as Name <user@example.com>")
    try:
        return Address(display_name=name, addr_spec=address)
    except (ValueError, IndexError):
        raise ValueError(f"{value!r} is not an email address") from None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
