"""The application factory: ``create_app(settings)`` builds one ASGI app from one Settings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from cclibs.accounts.passwords import PasswordHasher
from cclibs.clock import Clock
from cclibs.config import Settings
from cclibs.console import credential_settings as console_credential_settings
from cclibs.console import credentials as console_credentials
from cclibs.console import projects as console_projects
from cclibs.libraries.files import LibraryFiles
from cclibs.logs import get_logger
from cclibs.oauth.keys import KeyManager
from cclibs.playground import routes as playground_routes
from cclibs.playground.assembly import build_playground
from cclibs.playground.sessions import PlaygroundSessions
from cclibs.services import ManagedBlobStore, build_services
from cclibs.storage.playground import SqlPlaygroundTransactions
from cclibs.storage.purge import Purge
from cclibs.web import authorize_routes, device_routes, health, logout_routes, oauth_routes
from cclibs.web.api import batch as _api_batch  # noqa: F401 - registers its routes
from cclibs.web.api import libraries as _api_libraries  # noqa: F401 - registers its routes
from cclibs.web.api import openapi as api_openapi
from cclibs.web.api import search as _api_search  # noqa: F401 - registers its route
from cclibs.web.api import storage as _api_storage  # noqa: F401 - registers its routes
from cclibs.web.api.http import api as api_routes
from cclibs.web.cookies import CookiePolicy
from cclibs.web.csrf import CsrfProtection
from cclibs.web.errors import install_error_handlers
from cclibs.web.flash import Flash
from cclibs.web.interaction import InteractionSigner
from cclibs.web.middleware import EdgeMiddleware
from cclibs.web.pages import accounts as account_pages
from cclibs.web.pages import admin as admin_pages
from cclibs.web.pages import applications as application_pages
from cclibs.web.pages import by_mail as by_mail_pages
from cclibs.web.pages import sessions as session_pages
from cclibs.web.pages import two_step as two_step_pages
from cclibs.web.pages.render import Pages
from cclibs.web.routing import FirstSegmentIndex, not_found_by_prefix
from cclibs.web.session import RedirectToSignIn, sign_in_redirect
from cclibs.web.state import AppState

__all__ = ["create_app"]

_STATIC = Path(__file__).parent / "static"
_log = get_logger("cclibs.app")
_STALE_TEMPORARY_S = 24 * 3600
_GARBAGE_INTERVAL_S = 3600
_FIRST_PURGE_S = 60
_PURGE_INTERVAL_S = 3600


async def _ensure_keys(keys: KeyManager) -> None:
    try:
        await keys.ensure_keys()
    except Exception:  # logged; a token request will try again and report its own error
        _log.exception("could not create the signing keys")


async def _sweep_blobs(blobs: ManagedBlobStore) -> None:
    """Remove upload temporaries a crash left behind (a live upload touches its own at every
    batch, so a day old is surely dead)."""
    try:
        swept = await blobs.sweep_temporary(_STALE_TEMPORARY_S)
    except OSError:
        _log.exception("could not sweep the blob store's temporaries")
        return
    if swept:
        _log.info("removed stale upload temporaries", count=swept)


async def _collect_garbage(files: LibraryFiles) -> None:
    """Every hour: forget uploads no element took up, and chunked uploads left unfinished,
    and delete their blobs (also done after each purge; this catches the rest)."""
    while True:
        await asyncio.sleep(_GARBAGE_INTERVAL_S)
        try:
            collected = await files.collect_garbage()
        except Exception:  # logged; the next round tries again
            _log.exception("could not collect unused uploads")
            continue
        if collected:
            _log.info("collected unused uploads", count=collected)


async def _purge(purge: Purge, clock: Clock) -> None:
    """A minute after start, then every hour: delete expired codes, tokens and sessions."""
    delay = _FIRST_PURGE_S
    while True:
        await asyncio.sleep(delay)
        delay = _PURGE_INTERVAL_S
        try:
            report = await purge.run(clock.now())
        except Exception:  # logged; the next round tries again
            _log.exception("could not purge expired tokens")
            continue
        if report.total:
            _log.info("purged expired records", **{k: v for k, v in report.deleted.items() if v})


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    password_hasher: PasswordHasher | None = None,
) -> Starlette:
    """Build the app. Migrations are not run here: ``cclibs serve`` and the tests run them first."""
    services = build_services(settings, clock=clock, password_hasher=password_hasher)
    db = services.db
    secret = services.secret_key
    cookies = CookiePolicy(secure=settings.secure_cookies)
    issuer = urlsplit(settings.issuer)
    csrf = CsrfProtection(secret, cookies, {f"{issuer.scheme}://{issuer.netloc}"})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # Signing keys of a new server are made in the background, off the path to ready:
        # whatever needs them first (a token, the JWKS) makes them if this has not yet.
        keys = asyncio.create_task(_ensure_keys(services.oauth.keys))
        sweep = asyncio.create_task(_sweep_blobs(services.libraries.blobs))
        garbage = asyncio.create_task(_collect_garbage(services.libraries.files))
        purge = asyncio.create_task(_purge(Purge(db), services.clock))
        deliveries = asyncio.create_task(services.webhooks.worker.run())
        mail = asyncio.create_task(services.mail.worker.run())
        yield
        garbage.cancel()
        purge.cancel()
        deliveries.cancel()
        mail.cancel()
        with suppress(asyncio.CancelledError):
            await deliveries
        with suppress(asyncio.CancelledError):
            await mail
        await services.webhooks.http.aclose()
        await keys
        await sweep
        await app.state.cclibs.playground.http.aclose()
        await db.dispose()

    groups = (
        health.router,
        account_pages.router,
        by_mail_pages.router,
        two_step_pages.router,
        application_pages.router,
        session_pages.router,
        admin_pages.router,
        oauth_routes.router,
        authorize_routes.router,
        device_routes.router,
        logout_routes.router,
        console_projects.router,
        console_credentials.router,
        console_credential_settings.router,
        playground_routes.router,
        playground_routes.api,
        api_openapi.router,
        api_routes,
    )
    routes = [route for group in groups for route in group.routes]
    routes.append(Mount("/static", StaticFiles(directory=_STATIC), name="static"))
    app = Starlette(routes=[FirstSegmentIndex(routes)], lifespan=lifespan)
    app.router.default = not_found_by_prefix(groups)
    app.state.cclibs = AppState(
        settings=settings,
        db=db,
        accounts=services.accounts,
        two_step=services.two_step,
        by_mail=services.by_mail,
        oauth=services.oauth,
        cookies=cookies,
        csrf=csrf,
        flash=Flash(secret, cookies),
        interactions=InteractionSigner(secret, services.clock),
        pages=Pages(csrf),
        playground=build_playground(
            settings,
            PlaygroundSessions(SqlPlaygroundTransactions(db), secret, services.clock),
            services.clock,
            app,
        ),
        libraries=services.libraries.libraries,
        elements=services.libraries.elements,
        archive=services.libraries.archive,
        library_files=services.libraries.files,
        chunked_uploads=services.libraries.chunked,
        signup_open=settings.signup_open(),
        webhooks=services.webhooks,
        mail=services.mail,
    )
    install_error_handlers(app)

    async def to_sign_in(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RedirectToSignIn)
        return sign_in_redirect(exc.next_path)

    app.add_exception_handler(RedirectToSignIn, to_sign_in)
    app.add_middleware(EdgeMiddleware, hsts=settings.secure_cookies)
    if settings.trusted_proxies:
        # Outermost: every layer and route sees the forwarded client address. Only the listed
        # peers are believed; `cclibs serve` turns uvicorn's own trust of 127.0.0.1 off, so
        # the behaviour is the same under any server.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    return app
