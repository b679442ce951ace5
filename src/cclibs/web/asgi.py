"""Entry point for ASGI servers in worker processes: settings come from the environment."""

from __future__ import annotations

from starlette.applications import Starlette

from cclibs.config import load_settings
from cclibs.logs import configure_logging
from cclibs.web.app import create_app

__all__ = ["app_from_environment"]


def app_from_environment() -> Starlette:
    settings = load_settings()
    configure_logging(json=settings.json_logs, level=settings.log_level)
    return create_app(settings)
