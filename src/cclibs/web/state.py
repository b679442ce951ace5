"""What the app's routes reach through ``request.app.state.cclibs``: built once by create_app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request

if TYPE_CHECKING:
    from cclibs.accounts import Accounts
    from cclibs.accounts.by_mail import ByMail
    from cclibs.accounts.two_step import TwoStep
    from cclibs.config import Settings
    from cclibs.libraries.archive import ArchiveService
    from cclibs.libraries.chunked import ChunkedUploads
    from cclibs.libraries.elements import ElementService
    from cclibs.libraries.files import LibraryFiles
    from cclibs.libraries.service import LibraryService
    from cclibs.playground.assembly import PlaygroundServices
    from cclibs.services import MailServices, OAuthServices, WebhookServices
    from cclibs.storage import Database
    from cclibs.web.cookies import CookiePolicy
    from cclibs.web.csrf import CsrfProtection
    from cclibs.web.flash import Flash
    from cclibs.web.interaction import InteractionSigner
    from cclibs.web.pages.render import Pages

__all__ = ["AppState", "app_state"]


@dataclass(frozen=True, slots=True)
class AppState:
    settings: Settings
    db: Database
    accounts: Accounts
    two_step: TwoStep
    by_mail: ByMail
    oauth: OAuthServices
    cookies: CookiePolicy
    csrf: CsrfProtection
    flash: Flash
    interactions: InteractionSigner
    pages: Pages
    playground: PlaygroundServices
    libraries: LibraryService
    elements: ElementService
    archive: ArchiveService
    library_files: LibraryFiles
    chunked_uploads: ChunkedUploads
    signup_open: bool
    webhooks: WebhookServices | None = None
    """Webhook subscriptions and their worker (None only in an app built without them)."""
    mail: MailServices | None = None
    """Queues mail (``mail.mailer.queue``), and its worker (None only in an app built
    without it)."""


def app_state(request: Request) -> AppState:
    """The typed services of the app that is handling ``request``."""
    state = request.app.state.cclibs
    assert isinstance(state, AppState)
    return state
