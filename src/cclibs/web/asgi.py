"""Entry point for ASGI servers in worker processes: settings come from the environment."""

from __future__ import annotations

import gc

from starlette.applications import Starlette

from cclibs.config import load_settings
from cclibs.logs import configure_logging
from cclibs.web.app import create_app

__all__ = ["app_from_environment"]


def app_from_environment() -> Starlette:
    settings = load_settings()
    configure_logging(json=settings.json_logs, level=settings.log_level)
    app = create_app(settings)
    if not gc.isenabled():
        # `cclibs serve` turned the collector off while starting. What start-up made lives
        # as long as the process: frozen, later collections do not walk it again (the few
        # cycles already unreachable stay, which is cheaper than a full collection now).
        gc.freeze()
        gc.enable()
    return app
