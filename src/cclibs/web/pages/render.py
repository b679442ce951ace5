"""Renders Jinja2 pages with what every page needs: the CSRF token, the signed-in user, links."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from cclibs import __version__
from cclibs.web.csrf import CSRF_FIELD, CsrfProtection

if TYPE_CHECKING:
    from starlette.templating import Jinja2Templates

__all__ = ["Pages"]

_TEMPLATES = (
    Path(__file__).parent.parent / "templates",
    Path(__file__).parent.parent.parent / "console" / "templates",
    Path(__file__).parent.parent.parent / "playground" / "templates",
)


def _when(value: datetime | None) -> str:
    """A time in UTC to the minute; the ``<time>`` element carries the exact value."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def _duration(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


class Pages:
    def __init__(self, csrf: CsrfProtection) -> None:
        self._csrf = csrf
        self._loaded: Jinja2Templates | None = None

    @property
    def _templates(self) -> Jinja2Templates:
        """Jinja2 is imported, and its environment made, by the first page rendered: a server
        that only answers the API and tokens never loads it, and start-up does not wait for it.
        Each template is compiled when first used and then kept (Jinja2's own cache)."""
        if self._loaded is None:
            from starlette.templating import Jinja2Templates

            templates = Jinja2Templates(directory=_TEMPLATES)
            templates.env.filters["when"] = _when
            templates.env.filters["duration"] = _duration
            self._loaded = templates
        return self._loaded

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Response:
        full = {
            "request": request,
            "csrf_field": CSRF_FIELD,
            "csrf_token": self._csrf.token_for(request),
            "user": getattr(request.state, "user", None),
            "version": __version__,
            **(context or {}),
        }
        response = self._templates.TemplateResponse(
            request, name, full, status_code=status, headers=headers
        )
        self._csrf.attach_cookie(request, response)
        return response
