"""The ASGI HTTP layer: the app factory, middleware, error rendering and pages."""

from cclibs.web.app import create_app

__all__ = ["create_app"]
