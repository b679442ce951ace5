"""What a log line may carry: no secret, and not much of anything.

Two nets, because either alone has holes:

- by name: a value under a key that names a secret (``password``, ``client_secret``,
  ``refresh_token``, ``code``, ``cookie``, ``authorization``, ...) is replaced, at any depth,
  in dicts and in ``(name, value)`` pairs such as ASGI headers;
- by shape: inside any text (event values, exception messages) bearer and basic credentials,
  JWTs, ``name=value`` / ``"name": "value"`` pairs with such names, cookie and authorization
  header lines, SQLAlchemy's ``[parameters: ...]`` and PostgreSQL's ``Key (...)=(...)`` are masked.

And every value is bounded (text length, items, depth), so one request cannot write megabytes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from structlog.typing import EventDict

__all__ = ["REDACTED", "bound_text", "is_secret_key", "redact", "redact_value", "scrub_text"]

REDACTED = "[redacted]"
_MAX_TEXT = 2_000
_MAX_ITEMS = 40
_MAX_DEPTH = 4

# Words that make a key secret wherever they appear in it ("client_secret", "x-api-key").
_SENSITIVE_WORDS = (
    r"passw(?:or)?d|passphrase|secret|token|cookie|authori[sz]ation|api[_-]?key"
    r"|credential|assertion|code[_-]?verifier|device[_-]?code|user[_-]?code|private[_-]?key"
    r"|session[_-]?id|signature"
)
_SECRET_KEY = re.compile(rf"(?i)(?:{_SENSITIVE_WORDS})|^(?:code|pwd|otp|jwt|sid)$")
_NAME = rf"(?:[\w-]*(?:{_SENSITIVE_WORDS})[\w-]*|code|pwd)"

# JWTs and other three-part dotted tokens.
_DOTTED_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\beyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*"), REDACTED),
    (re.compile(r"\b[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\b"), REDACTED),
)

# Order matters: whole header lines and quoted pairs before bare pairs.
_TEXT_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # SQLAlchemy appends the bound values of a failed statement (hashes, tokens, ...).
    (re.compile(r"\[parameters: [^\n]*"), "[parameters: " + REDACTED + "]"),
    (re.compile(r"\[SQL parameters hidden[^\]\n]*\]"), "[parameters: " + REDACTED + "]"),
    # PostgreSQL's unique-violation detail quotes the conflicting value.
    (
        re.compile(r"Key \(([^)\n]*)\)=\((?:[^)\n]|\)(?! already| is not))*\)"),
        rf"Key (\1)=({REDACTED})",
    ),
    (
        re.compile(
            r"(?im)\b((?:proxy-)?authorization|(?:set-)?cookie)(\s*:\s*)(?!['\"])[^\r\n'\"]+"
        ),
        rf"\1\2{REDACTED}",
    ),
    (re.compile(r"(?i)\b(bearer|basic|dpop)\s+[A-Za-z0-9._~+/=-]{6,}"), rf"\1 {REDACTED}"),
    *_DOTTED_RULES,
    # 'password': 'x', "client_secret": "x", (b'cookie', b'x')
    (
        re.compile(rf"""(?i)(b?(['"]){_NAME}\2)(\s*[:,=]\s*)b?(['"])(?:\\.|(?!\4)[^\\])*\4"""),
        rf"\1\3\4{REDACTED}\4",
    ),
    # password=x (forms, query strings), token: x
    (
        re.compile(rf"""(?i)(?<![\w-])({_NAME})(\s*[=:]\s*)(?![\s'"\[(])[^\s&'",;)}}\]]+"""),
        rf"\1\2{REDACTED}",
    ),
)


# What a text must hold for any rule above to match (case folded, so it errs wide): most
# texts, such as the access log's methods and paths, hold none and skip the ten rules.
_MAY_HOLD_SECRET = re.compile(
    rf"(?i)parameters|key \(|bearer|basic|dpop|eyj|[A-Za-z0-9_-]{{16}}\.|code|pwd"
    rf"|{_SENSITIVE_WORDS}"
)


# A text without white space, quotes, ':', '=', '[' or '(' (a path such as /ims/token/v3, an
# id) can match none of the rules above but the dotted tokens'; without a '.', none of them.
_PLAIN = re.compile(r"""[^\s'":=\[(]*""")


def is_secret_key(key: object) -> bool:
    if isinstance(key, bytes):
        key = key.decode("latin-1")
    return isinstance(key, str) and _secret_name(key)


@lru_cache(maxsize=1024)
def _secret_name(key: str) -> bool:
    # Keys are names chosen by the code (event fields, header names): a small set.
    return _SECRET_KEY.search(key) is not None


_REMEMBERED_TEXT = 200
"""Texts up to this length have their answer remembered: an access line's method, path, client
address and event name come back on every request."""


def scrub_text(text: str) -> str:
    """Mask the secrets that text can carry by their shape (see the module docstring)."""
    if len(text) <= _REMEMBERED_TEXT:
        return _scrub_short(text)
    return _scrub(text)


def _scrub(text: str) -> str:
    if _MAY_HOLD_SECRET.search(text) is None:
        return text
    rules = _TEXT_RULES
    if _PLAIN.fullmatch(text) is not None:
        if "." not in text:
            return text
        rules = _DOTTED_RULES
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


_scrub_short = lru_cache(maxsize=4096)(_scrub)


def bound_text(text: str, limit: int = _MAX_TEXT) -> str:
    """Keep the head and the tail (where a traceback's error is) of an over-long text."""
    if len(text) <= limit:
        return text
    keep = limit // 2
    return f"{text[:keep]}\n... [{len(text) - 2 * keep} characters cut] ...\n{text[-keep:]}"


def redact_value(value: Any, depth: int = 0) -> Any:
    """``value`` with secrets masked and its size bounded; unknown objects become their repr."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        # Bounded first: the patterns then run over a short text.
        return scrub_text(bound_text(value))
    if isinstance(value, bytes):
        return redact_value(value[: _MAX_TEXT * 2].decode("utf-8", "replace"), depth)
    if depth >= _MAX_DEPTH:
        return "..."
    if isinstance(value, Mapping):
        return _redact_mapping(value, depth)
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        if len(items) == 2 and is_secret_key(items[0]):
            return [redact_value(items[0], depth + 1), REDACTED]
        cleaned = [redact_value(item, depth + 1) for item in items[:_MAX_ITEMS]]
        if len(items) > _MAX_ITEMS:
            cleaned.append(f"... {len(items) - _MAX_ITEMS} more")
        return cleaned
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not lose the whole line
        text = f"<{type(value).__name__}>"
    return redact_value(text, depth)


def _redact_mapping(value: Mapping[Any, Any], depth: int) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for index, (key, item) in enumerate(value.items()):
        if index == _MAX_ITEMS:
            cleaned["..."] = f"{len(value) - _MAX_ITEMS} more"
            break
        name = key if isinstance(key, str) else str(redact_value(key, depth + 1))
        cleaned[name] = REDACTED if is_secret_key(key) else redact_value(item, depth + 1)
    return cleaned


# Set by structlog and the logging module, never by the caller: left as they are.
_OWN_KEYS = frozenset({"exc_info", "_record", "_from_structlog", "_logger", "_name"})


def redact(_logger: Any, _name: str, event: EventDict) -> EventDict:
    """structlog processor: every value of the event, redacted and bounded."""
    for key in list(event):
        if key in _OWN_KEYS:
            continue
        event[key] = REDACTED if is_secret_key(key) else redact_value(event[key])
    return event
