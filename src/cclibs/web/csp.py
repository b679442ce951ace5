"""The Content-Security-Policy of pages, and the form targets a page may add to it.

``form-action 'self'`` stops an injected form from sending a user's input elsewhere. Browsers
also apply it to the redirects that follow a form submission (CSP 3 §6.3.1), so a page whose
form ends in a redirect to an application (consent, sign-in during an authorization, logout
confirmation) names that application's validated redirect target, and nothing else.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request

__all__ = ["allow_form_target", "content_security_policy", "form_targets"]

_BASE = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def _source(uri: str) -> str | None:
    """The CSP source expression for a redirect target: its origin, or a private scheme."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.netloc or any(ch in parts.netloc for ch in " ;,'\"") or "@" in parts.netloc:
            return None
        return f"{scheme}://{parts.netloc.lower()}"
    if scheme and all(ch.isalnum() or ch in "+.-" for ch in scheme):
        return f"{scheme}:"
    return None


def allow_form_target(request: Request, uri: str) -> None:
    """Let this page's forms end at ``uri`` (a redirect target the server has validated)."""
    source = _source(uri)
    if source is None:
        return
    known: tuple[str, ...] = getattr(request.state, "form_targets", ())
    if source not in known:
        request.state.form_targets = (*known, source)


def form_targets(scope_state: dict[str, object]) -> tuple[str, ...]:
    found = scope_state.get("form_targets", ())
    return found if isinstance(found, tuple) else ()


def content_security_policy(targets: tuple[str, ...] = ()) -> str:
    return _BASE + "".join(f" {source}" for source in targets)
