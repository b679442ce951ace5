"""Which URLs may receive deliveries: the playground's rule for what it may call, turned
around (SSRF). A webhook URL is http(s), names a host, carries no user name or password, and
every address the host resolves to is public: no loopback, private (RFC 1918, RFC 4193),
link-local (the cloud metadata service at 169.254.169.254), shared (RFC 6598), multicast or
reserved address, unless the ``webhook_allow_private_urls`` setting allows them.

The check runs when a URL is registered and again before every attempt, so a name that later
resolves to a private address is refused then. (A name that changes between the check and the
connection can still slip through; a deployment that must rule that out routes deliveries
through an egress proxy.)
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

__all__ = ["MAX_URL", "DestinationRefused", "Destinations"]

MAX_URL = 2048
_DEFAULT_PORTS = {"http": 80, "https": 443}


class DestinationRefused(ValueError):
    """The URL may not receive deliveries; the message says why."""


def _check_shape(url: str) -> tuple[str, int]:
    """The host and port of a well-formed http(s) URL."""
    if len(url) > MAX_URL:
        raise DestinationRefused(f"The URL is longer than {MAX_URL} characters.")
    if any(ch <= " " or ch == "\x7f" for ch in url):
        raise DestinationRefused("The URL holds a space or a control character.")
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise DestinationRefused("The URL must be an http or https URL with a host.")
    if "@" in parts.netloc:
        raise DestinationRefused("The URL cannot carry a user name or password.")
    if parts.fragment:
        raise DestinationRefused("The URL cannot carry a fragment (#...).")
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise DestinationRefused("The URL's port is not valid.") from None
    return parts.hostname, port


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class Destinations:
    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private

    async def check(self, url: str) -> None:
        """Raises ``DestinationRefused`` unless ``url`` may receive deliveries now."""
        host, port = _check_shape(url)
        if self.allow_private:
            return
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            addresses = await self._resolve(host, port)
        refused = [a for a in addresses if not _public(a)]
        if refused:
            raise DestinationRefused(
                f"{host} is (or resolves to) {refused[0]}, a loopback, private, link-local or "
                "reserved address; webhooks reach only public addresses."
            )

    @staticmethod
    async def _resolve(host: str, port: int) -> list[str]:
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError):
            raise DestinationRefused(f"{host} does not resolve to an address.") from None
        addresses = [str(info[4][0]) for info in found]
        if not addresses:
            raise DestinationRefused(f"{host} does not resolve to an address.")
        return list(dict.fromkeys(addresses))
