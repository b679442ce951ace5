"""Redirect URI rules, at registration and at authorization.

- Registered URIs are matched exactly (RFC 9700 §2.1, RFC 3986 §6.2.1 simple string comparison).
- Native clients may use a loopback URI on any port (RFC 8252 §7.3): the registered loopback
  URI fixes scheme, host and path; the port may differ.
- Adobe's model: a default redirect URI plus a pattern. The pattern must match the whole URI,
  be https with a literal, escaped host, and be at most 512 characters; anything that could
  match another host is refused at registration.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

from cclibs.oauth.errors import InvalidRedirectTarget

__all__ = [
    "MAX_PATTERN_LENGTH",
    "MAX_URI_LENGTH",
    "RedirectPolicy",
    "RegistrationError",
    "check_pattern",
    "check_redirect_uri",
    "is_loopback_uri",
    "resolve_redirect_uri",
]

MAX_URI_LENGTH = 2048
MAX_PATTERN_LENGTH = 512
_LOOPBACK_HOSTS = ("127.0.0.1", "[::1]")
# A literal host in a pattern: labels of letters, digits and hyphens joined by escaped dots.
_LITERAL_HOST = (
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
_PATTERN_PREFIX = re.compile(
    r"^\^?https://(?P<host>" + _LITERAL_HOST + r")(?P<port>:[0-9]{1,5})?(?P<rest>.*)$", re.DOTALL
)
_CUSTOM_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*$")


class RegistrationError(ValueError):
    """A redirect URI or pattern is refused at registration; ``field`` names the form field."""

    def __init__(self, message: str, field: str = "redirect_uris") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class RedirectPolicy:
    """What a credential registered: exact URIs, or a default URI with a pattern."""

    client_type: str
    uris: tuple[str, ...]
    default_uri: str | None
    pattern: str | None


def is_loopback_uri(uri: str) -> bool:
    parts = urlsplit(uri)
    return (
        parts.scheme == "http" and parts.hostname is not None and _host_is_loopback(parts.hostname)
    )


def _host_is_loopback(host: str) -> bool:
    """Exactly the loopback names RFC 8252 §7.3 and §8.3 speak of, not all of 127.0.0.0/8."""
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address in (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))


def check_redirect_uri(uri: str, client_type: str) -> str:
    """Validate one URI for registration; returns it unchanged or raises RegistrationError."""
    if not uri or len(uri) > MAX_URI_LENGTH:
        raise RegistrationError(f"A redirect URI must have 1 to {MAX_URI_LENGTH} characters.")
    if any(ch.isspace() or not ch.isprintable() for ch in uri):
        raise RegistrationError("A redirect URI cannot contain spaces or control characters.")
    if "*" in uri:
        raise RegistrationError(
            "Wildcards are not allowed in a redirect URI; use a redirect URI pattern."
        )
    try:
        parts = urlsplit(uri)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise RegistrationError(f"{uri} is not a valid URI.") from None
    if parts.fragment or "#" in uri:
        raise RegistrationError("A redirect URI cannot have a fragment (#...) (RFC 6749 §3.1.2).")
    if "@" in parts.netloc:
        raise RegistrationError("A redirect URI cannot carry a user name or password.")
    scheme = parts.scheme.lower()
    if scheme == "https":
        if not hostname:
            raise RegistrationError(f"{uri} has no host.")
        return uri
    if scheme == "http":
        if hostname and _host_is_loopback(hostname):
            return uri
        raise RegistrationError(
            f"{uri} uses http; use https (http is allowed only for 127.0.0.1, [::1] and localhost)."
        )
    if client_type == "native" and _CUSTOM_SCHEME.match(scheme) and "." in scheme:
        # RFC 8252 §7.1: private-use schemes in reverse domain name form.
        return uri
    if client_type == "native":
        raise RegistrationError(
            f"{uri}: a native app uses a loopback http URI, https, or a private-use scheme in "
            "reverse domain form (com.example.app:/callback)."
        )
    raise RegistrationError(f"{uri} must be an https URI.")


def _has_top_level_alternation(part: str) -> bool:
    """True when ``|`` splits the whole expression (so a branch could name another host)."""
    depth = 0
    in_class = False
    escaped = False
    for ch in part:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == "|" and depth == 0:
            return True
    return False


def _engine_options() -> Any:
    options = re2.Options()
    options.log_errors = False  # a refused pattern is the owner's mistake, not a server error
    return options


_RE2_OPTIONS = _engine_options()


@functools.lru_cache(maxsize=1024)
def _compiled(part: str) -> Any:
    """One pattern of a list, compiled by RE2: matching takes time linear in the URI.

    Python's own engine backtracks, and the authorization endpoint, which anyone may call,
    matches an owner's pattern against a redirect_uri of up to 2 KB: measured here, .*.*.*x
    took 1.2 s on such a URI with ``re``, and (a+)+ is exponential. RE2 has neither problem;
    it refuses what it cannot match in linear time (lookarounds, back-references).
    """
    try:
        return re2.compile(part, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise RegistrationError(
            f"{part} is not a pattern this server can match ({reason}); lookarounds and "
            "back-references are not supported.",
            "redirect_uri_pattern",
        ) from None


def _literal_origin(part: str) -> str | None:
    """The ``https://host[:port]`` every URI a pattern admits must start with."""
    found = _PATTERN_PREFIX.match(part)
    if not found:
        return None
    return "https://" + found.group("host").replace("\\.", ".") + (found.group("port") or "")


_WRITTEN_HOST = re.compile(r"^\^?https://(?P<host>[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")


def _unescaped_dot_problem(part: str) -> str | None:
    """The message for a host written with plain dots, naming a URI of another host it admits.

    An unescaped dot matches any character, and a host that is not closed by a path lets
    ``https://example.com.*`` accept ``https://example.com.evil.io``.
    """
    written = _WRITTEN_HOST.match(part)
    if not written:
        return None
    host = written.group("host")
    message = (
        f"{part}: escape every dot in the host ({host.replace('.', chr(92) + '.')}); "
        "an unescaped dot matches any character"
    )
    try:
        compiled = _compiled(part)
    except RegistrationError:
        return message + "."
    for probe in (f"https://{host}.evil.io", f"https://{host}.evil.io/", f"https://{host}evil.io/"):
        if compiled.fullmatch(probe):
            return f"{message}, so this pattern would also accept {probe}."
    return message + "."


def check_pattern(pattern: str) -> str:
    """Validate an Adobe-style redirect URI pattern (comma-separated regular expressions)."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RegistrationError(
            f"The pattern is longer than {MAX_PATTERN_LENGTH} characters.", "redirect_uri_pattern"
        )
    if not _split_pattern(pattern):
        raise RegistrationError("The pattern is empty.", "redirect_uri_pattern")
    for part in _split_pattern(pattern):
        if _has_top_level_alternation(part):
            raise RegistrationError(
                f"{part}: separate patterns with a comma, not |.", "redirect_uri_pattern"
            )
        unescaped = _unescaped_dot_problem(part)
        if unescaped:
            raise RegistrationError(unescaped, "redirect_uri_pattern")
        found = _PATTERN_PREFIX.match(part)
        if not found:
            raise RegistrationError(
                f"{part} must start with https:// and a literal host.", "redirect_uri_pattern"
            )
        rest = found.group("rest")
        # The host must end where the pattern says: a path, or the end of the URI. Anything
        # else (.*, [a-z]+, \.evil) could let the pattern match another host.
        if rest not in ("", "$") and not rest.startswith("/"):
            raise RegistrationError(
                f"{part}: the host must be followed by / (a path) so that no other host matches.",
                "redirect_uri_pattern",
            )
        compiled = _compiled(part)
        host = found.group("host").replace("\\.", ".")
        probes = (
            f"https://{host}.evil.example/",
            "https://evil.example/",
            f"https://evil.example/{host}/",
        )
        for probe in probes:
            if compiled.fullmatch(probe):
                raise RegistrationError(
                    f"{part} matches {probe}, which is another host.", "redirect_uri_pattern"
                )
    return pattern


def _split_pattern(pattern: str) -> list[str]:
    return [part.strip() for part in pattern.split(",") if part.strip()]


def _loopback_matches(requested: str, registered: Sequence[str]) -> bool:
    """RFC 8252 §7.3: a loopback redirect may use any port; scheme, host and path must match."""
    if "#" in requested:
        return False
    asked = urlsplit(requested)
    if asked.scheme != "http" or asked.hostname is None or "@" in asked.netloc:
        return False
    try:
        asked.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    asked_host = f"[{asked.hostname}]" if ":" in asked.hostname else asked.hostname
    if asked_host not in _LOOPBACK_HOSTS:
        return False
    for uri in registered:
        known = urlsplit(uri)
        if known.scheme != "http" or known.hostname is None:
            continue
        known_host = f"[{known.hostname}]" if ":" in known.hostname else known.hostname
        if known_host == asked_host and known.path == asked.path and known.query == asked.query:
            return True
    return False


def resolve_redirect_uri(requested: str | None, policy: RedirectPolicy) -> str:
    """The redirect URI to use, or InvalidRedirectTarget (shown as a page, never redirected)."""
    if requested is None or requested == "":
        if policy.default_uri:
            return policy.default_uri
        if len(policy.uris) == 1:
            return policy.uris[0]
        raise InvalidRedirectTarget("redirect_uri is required: this client registered several.")
    if len(requested) > MAX_URI_LENGTH:
        raise InvalidRedirectTarget("redirect_uri is too long.")
    if requested in policy.uris or requested == policy.default_uri:
        return requested
    registered = (*policy.uris, *([policy.default_uri] if policy.default_uri else []))
    if policy.client_type == "native" and _loopback_matches(requested, registered):
        return requested
    if policy.pattern and "#" not in requested:
        for part in _split_pattern(policy.pattern):
            origin = _literal_origin(part)
            # Belt and braces: whatever the expression says, the URI keeps the pattern's host.
            if origin is None or not (requested == origin or requested.startswith(origin + "/")):
                continue
            try:
                matched = _compiled(part).fullmatch(requested)
            except RegistrationError:  # stored before this server matched with RE2
                continue
            if matched:
                return requested
    raise InvalidRedirectTarget("redirect_uri is not registered for this client.")
