"""The declarative base and every table. Importing this package registers all tables."""

from cclibs.storage.tables._base import Base, UtcDateTime
from cclibs.storage.tables.accounts import (
    AccountLinkRow,
    LoginFailureRow,
    RecoveryCodeRow,
    SecondFactorRow,
    UserRow,
    WebSessionRow,
)
from cclibs.storage.tables.bookmarks import LibraryBookmarkRow
from cclibs.storage.tables.clients import ClientRow, ClientSecretRow, ProjectRow
from cclibs.storage.tables.grants import (
    AuthorizationCodeRow,
    ConsentRow,
    DeviceAuthorizationRow,
    GrantRow,
    RefreshTokenRow,
    RevokedAccessTokenRow,
)
from cclibs.storage.tables.keys import SigningKeyRow
from cclibs.storage.tables.libraries import (
    LibraryAssetRow,
    LibraryElementAssetRow,
    LibraryElementRow,
    LibraryRow,
    LibraryUploadPartRow,
    LibraryUploadRow,
)
from cclibs.storage.tables.mail import MailOutboxRow
from cclibs.storage.tables.playground import PlaygroundSessionRow
from cclibs.storage.tables.search import is_search_object
from cclibs.storage.tables.versions import ChangeCounterRow
from cclibs.storage.tables.webhooks import (
    WebhookAttemptRow,
    WebhookDeliveryRow,
    WebhookSubscriptionRow,
)

__all__ = [
    "AccountLinkRow",
    "AuthorizationCodeRow",
    "Base",
    "ChangeCounterRow",
    "ClientRow",
    "ClientSecretRow",
    "ConsentRow",
    "DeviceAuthorizationRow",
    "GrantRow",
    "LibraryAssetRow",
    "LibraryBookmarkRow",
    "LibraryElementAssetRow",
    "LibraryElementRow",
    "LibraryRow",
    "LibraryUploadPartRow",
    "LibraryUploadRow",
    "LoginFailureRow",
    "MailOutboxRow",
    "PlaygroundSessionRow",
    "ProjectRow",
    "RecoveryCodeRow",
    "RefreshTokenRow",
    "RevokedAccessTokenRow",
    "SecondFactorRow",
    "SigningKeyRow",
    "UserRow",
    "UtcDateTime",
    "WebSessionRow",
    "WebhookAttemptRow",
    "WebhookDeliveryRow",
    "WebhookSubscriptionRow",
    "is_search_object",
]
