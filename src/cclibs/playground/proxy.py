""" "Try the API": send one request to an allow-listed origin, and show the whole response.

The allow-list is exact origins (scheme, host, port): this server's, plus the setting
``CCLIBS_PLAYGROUND_API_ORIGINS``. Anything else, link-local metadata addresses included, is
refused before a connection is made, and redirects are shown, never followed, so the
playground is no open proxy (SSRF).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from cclibs.sdk.bounded import read_bounded

__all__ = ["ApiCall", "ApiProxy", "ProxyRefused", "origin_of"]

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$")
_NOT_FORWARDED = frozenset(
    {"host", "content-length", "cookie", "connection", "transfer-encoding", "upgrade", "te"}
)
_MAX_BODY = 1_000_000
_MAX_HEADERS = 30
_TEMPLATE = re.compile(r"\{[^{}]*\}")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class ProxyRefused(ValueError):
    """The request is not sent; the message says why."""


def origin_of(url: str) -> str:
    """``scheme://host:port`` with the default port made explicit, for exact comparison."""
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ProxyRefused("Enter an http(s) URL.")
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise ProxyRefused("The URL's port is not valid.") from None
    return f"{parts.scheme}://{parts.hostname.lower()}:{port}"


@dataclass(frozen=True, slots=True)
class ApiCall:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str


def parse_headers(text: str, values: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """``Name: value`` lines; ``${access_token}`` and ``${client_id}`` are filled in."""
    headers: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon or not _HEADER_NAME.match(name):
            raise ProxyRefused(f"{line.strip()[:60]!r} is not a header line (Name: value).")
        if name.lower() in _NOT_FORWARDED:
            raise ProxyRefused(f"The playground sets {name} itself.")
        for key, filled in values.items():
            value = value.replace("${" + key + "}", filled)
        if any(ch in value for ch in "\r\n"):
            raise ProxyRefused(f"The value of {name} has a line break.")
        if not all(ch == "\t" or " " <= ch <= "~" for ch in value):
            # RFC 9110 §5.5 allows obs-text, but no client agrees on its encoding.
            raise ProxyRefused(f"The value of {name} must be printable ASCII.")
        headers.append((name, value.strip()))
    if len(headers) > _MAX_HEADERS:
        raise ProxyRefused(f"Send at most {_MAX_HEADERS} headers.")
    return tuple(headers)


def _check_no_template(path: str) -> None:
    """A path still holding ``{libraryId}`` was never filled in: sent, it would only ask the
    API for a library named "{libraryId}" (and RFC 3986 §2 has no place for a bare brace)."""
    placeholder = _TEMPLATE.search(path)
    if placeholder:
        raise ProxyRefused(
            f"Fill in {placeholder.group()} in the URL's path with a value; "
            "the playground sends no path template."
        )
    if "{" in path or "}" in path:
        raise ProxyRefused("The URL's path holds a brace; percent-encode it as %7B or %7D.")


class ApiProxy:
    def __init__(self, origins: tuple[str, ...], http: httpx.AsyncClient) -> None:
        self.origins = tuple(dict.fromkeys(origins))
        self._allowed = {origin_of(origin) for origin in self.origins}
        self._http = http

    def check(self, call: ApiCall) -> None:
        if call.method not in _METHODS:
            raise ProxyRefused(f"The method must be one of {', '.join(sorted(_METHODS))}.")
        if len(call.url) > 4096:
            raise ProxyRefused("The URL is too long.")
        if any(ch <= " " or ch == "\x7f" for ch in call.url):
            raise ProxyRefused("The URL holds a space or a control character; percent-encode it.")
        parts = urlsplit(call.url)
        if "@" in parts.netloc:
            raise ProxyRefused("The URL cannot carry a user name or password.")
        if origin_of(call.url) not in self._allowed:
            raise ProxyRefused(
                f"{parts.scheme}://{parts.netloc} is not on the playground's allow-list "
                f"({', '.join(self.origins)}); the playground calls no other origin."
            )
        _check_no_template(parts.path)
        if len(call.body.encode()) > _MAX_BODY:
            raise ProxyRefused("The body is larger than 1 MB.")

    async def send(self, call: ApiCall) -> dict[str, Any]:
        self.check(call)
        started = time.perf_counter()
        try:
            async with self._http.stream(
                call.method,
                call.url,
                headers=list(call.headers),
                content=call.body.encode() if call.body and call.method != "GET" else None,
                timeout=15,
                follow_redirects=False,
            ) as response:
                content, truncated = await read_bounded(response, _MAX_BODY)
        except httpx.InvalidURL as exc:
            raise ProxyRefused(f"The URL cannot be sent: {exc}.") from None
        except httpx.HTTPError as exc:
            raise ProxyRefused(
                f"{call.url} could not be reached: {exc.__class__.__name__}."
            ) from None
        return {
            "status": response.status_code,
            "reason": response.reason_phrase,
            "headers": [[k, v] for k, v in response.headers.multi_items()],
            "body": content.decode("utf-8", "replace"),
            "truncated": truncated,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
        }
