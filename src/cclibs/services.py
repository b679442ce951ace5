"""The composition root: builds the services of one process from one Settings.

Both the web app and the admin CLI take their services from here, so they run the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from cclibs.accounts import Accounts
from cclibs.accounts.by_mail import ByMail
from cclibs.accounts.letters import Letters
from cclibs.accounts.links import LinkKeys
from cclibs.accounts.passwords import PasswordHasher
from cclibs.accounts.throttle import ThrottlePolicy
from cclibs.accounts.two_step import TwoStep
from cclibs.clock import Clock, SystemClock
from cclibs.config import Settings
from cclibs.libraries.archive import ArchiveService
from cclibs.libraries.blobs import BlobStore, RenditionCache
from cclibs.libraries.chunked import ChunkedUploads
from cclibs.libraries.elements import ElementService
from cclibs.libraries.files import LibraryFiles
from cclibs.libraries.service import LibraryService
from cclibs.mail.addresses import parse_mailbox, parse_smtp_url
from cclibs.mail.eml_files import EmlFileSender
from cclibs.mail.ports import MailSender
from cclibs.mail.service import Mailer
from cclibs.mail.worker import MailWorker
from cclibs.oauth.bearer import BearerValidator
from cclibs.oauth.client_auth import ClientAuthenticator
from cclibs.oauth.clients import SecretHasher
from cclibs.oauth.connections import ConnectedApps
from cclibs.oauth.endpoints.authorize import AuthorizeEndpoint
from cclibs.oauth.endpoints.device import DEVICE_GRANT, DeviceEndpoint
from cclibs.oauth.endpoints.introspect import IntrospectionEndpoint
from cclibs.oauth.endpoints.logout import LogoutEndpoint
from cclibs.oauth.endpoints.revoke import RevocationEndpoint
from cclibs.oauth.endpoints.token import TokenEndpoint
from cclibs.oauth.endpoints.userinfo import UserClaims
from cclibs.oauth.grants.authorization_code import AuthorizationCodeGrant
from cclibs.oauth.grants.client_credentials import ClientCredentialsGrant
from cclibs.oauth.grants.device_code import DeviceCodeGrant
from cclibs.oauth.grants.refresh_token import RefreshTokenGrant
from cclibs.oauth.issuance import IssuancePolicy, TokenFactory
from cclibs.oauth.keys import KeyManager
from cclibs.oauth.projects import ProjectRegistry
from cclibs.oauth.registration import ClientRegistry
from cclibs.oauth.signing import KeyRingSigner
from cclibs.oauth.tokens import TokenIssuer
from cclibs.retry import RetryPolicy
from cclibs.sealing import Sealer
from cclibs.storage import Database
from cclibs.storage.accounts import SqlAccountTransactions
from cclibs.storage.blobs import FileBlobStore, FileRenditionCache
from cclibs.storage.clients import SqlClientTransactions
from cclibs.storage.code_redemption import SqlRedemptionTransactions
from cclibs.storage.credential_cache import CachedUsers, CredentialCache
from cclibs.storage.grants import SqlGrantTransactions
from cclibs.storage.keys import SqlKeyTransactions
from cclibs.storage.libraries import SqlLibraryTransactions
from cclibs.storage.mail import SqlMailOutbox
from cclibs.storage.refresh import SqlRefreshTransactions
from cclibs.storage.versions import ChangeWatch
from cclibs.storage.webhooks import SqlOutbox, SqlSubscriptionTransactions
from cclibs.webhooks.destinations import Destinations
from cclibs.webhooks.service import SEAL_PURPOSE, WebhookService
from cclibs.webhooks.worker import DeliveryWorker

__all__ = [
    "LibraryServices",
    "MailServices",
    "ManagedBlobStore",
    "OAuthServices",
    "Services",
    "WebhookServices",
    "build_blob_stores",
    "build_mail_sender",
    "build_services",
]


@dataclass(frozen=True, slots=True)
class OAuthServices:
    keys: KeyManager
    clients: ClientRegistry
    projects: ProjectRegistry
    client_credentials: ClientCredentialsGrant
    token: TokenEndpoint
    authorize: AuthorizeEndpoint
    revoke: RevocationEndpoint
    introspect: IntrospectionEndpoint
    device: DeviceEndpoint
    logout: LogoutEndpoint
    bearer: BearerValidator
    users: CachedUsers
    connections: ConnectedApps


@dataclass(frozen=True, slots=True)
class LibraryServices:
    libraries: LibraryService
    elements: ElementService
    archive: ArchiveService
    files: LibraryFiles
    chunked: ChunkedUploads
    blobs: ManagedBlobStore


class ManagedBlobStore(BlobStore, Protocol):
    """A blob store as the server runs it: with a sweep of what crashed uploads left."""

    async def sweep_temporary(self, max_age_seconds: float) -> int: ...


def build_blob_stores(settings: Settings) -> tuple[ManagedBlobStore, RenditionCache]:
    """Files in the data directory (the embedded default), or the S3 bucket of
    ``CCLIBS_BLOB_URL``, which every process of a scale-out shares."""
    if settings.blob_url is None:
        return (
            FileBlobStore(settings.data_dir / "blobs"),
            FileRenditionCache(settings.data_dir / "renditions"),
        )
    from cclibs.storage.s3_blobs import open_s3  # its client loads only when configured

    return open_s3(settings)


def _build_libraries(settings: Settings, db: Database, clock: Clock) -> LibraryServices:
    transactions = SqlLibraryTransactions(db)
    blobs, renditions = build_blob_stores(settings)
    files = LibraryFiles(
        transactions, blobs, renditions, clock, max_upload=settings.max_upload_bytes
    )
    chunked = ChunkedUploads(transactions, blobs, files, clock)
    return LibraryServices(
        LibraryService(transactions, clock),
        ElementService(transactions, clock),
        ArchiveService(transactions, clock),
        files,
        chunked,
        blobs,
    )


@dataclass(frozen=True, slots=True)
class WebhookServices:
    registry: WebhookService
    worker: DeliveryWorker
    """Started in the app's lifespan (``worker.run()``); ``http`` closed after it."""
    http: httpx.AsyncClient


def _build_webhooks(
    settings: Settings, db: Database, clock: Clock, secret: bytes
) -> WebhookServices:
    destinations = Destinations(allow_private=settings.webhook_allow_private_urls)
    sealer = Sealer(secret, SEAL_PURPOSE)
    policy = RetryPolicy(
        timeout_seconds=settings.webhook_timeout_seconds,
        retry_seconds=settings.webhook_retry_seconds,
        max_attempts=settings.webhook_max_attempts,
    )
    # No cookies, no environment proxies: each delivery is one plain signed POST.
    http = httpx.AsyncClient(
        timeout=settings.webhook_timeout_seconds,
        trust_env=False,
        headers={"user-agent": "cclibs-webhooks"},
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=10),
    )
    return WebhookServices(
        WebhookService(SqlSubscriptionTransactions(db), destinations, sealer, clock),
        DeliveryWorker(SqlOutbox(db), destinations, sealer, clock, http, policy),
        http,
    )


@dataclass(frozen=True, slots=True)
class MailServices:
    mailer: Mailer
    """Queues a message, in the caller's transaction or one of its own."""
    worker: MailWorker
    """Started in the app's lifespan (``worker.run()``)."""


def build_mail_sender(settings: Settings) -> MailSender:
    """The SMTP server of ``CCLIBS_SMTP_URL``, or, unset, ``.eml`` files in
    ``DATA_DIR/outbox/`` (a development shortcut that warns with each message)."""
    if settings.smtp_url is None:
        return EmlFileSender(settings.data_dir / "outbox")
    from cclibs.mail.smtp import SmtpSender  # its client loads only when configured

    target = parse_smtp_url(settings.smtp_url.get_secret_value())
    return SmtpSender(target, timeout_seconds=settings.mail_timeout_seconds)


def _build_mail(settings: Settings, db: Database, clock: Clock) -> MailServices:
    outbox = SqlMailOutbox(db)
    policy = RetryPolicy(
        timeout_seconds=settings.mail_timeout_seconds,
        retry_seconds=settings.mail_retry_seconds,
        max_attempts=settings.mail_max_attempts,
    )
    return MailServices(
        Mailer(outbox, parse_mailbox(settings.mail_from), clock),
        MailWorker(outbox, build_mail_sender(settings), clock, policy),
    )


class AccountDirectory:
    """The OAuth core's view of accounts (``UserDirectory``)."""

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    async def user_claims(self, user_id: str) -> UserClaims | None:
        user = await self._accounts.get(user_id)
        if user is None:
            return None
        return UserClaims(
            id=user.id,
            name=user.name,
            given_name=user.given_name,
            family_name=user.family_name,
            email=user.email,
            email_verified=user.email_verified,
            disabled=user.is_disabled,
            country=user.country,
        )


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    db: Database
    clock: Clock
    accounts: Accounts
    two_step: TwoStep
    by_mail: ByMail
    oauth: OAuthServices
    libraries: LibraryServices
    secret_key: bytes
    webhooks: WebhookServices
    mail: MailServices


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    password_hasher: PasswordHasher | None = None,
) -> Services:
    clock = clock or SystemClock()
    db = Database(settings.effective_database_url, pool_size=settings.database_pool_size)
    connections = ConnectedApps(SqlGrantTransactions(db), clock)
    account_tx = SqlAccountTransactions(db)
    hasher = password_hasher or PasswordHasher()
    throttle = ThrottlePolicy(
        max_per_account=settings.login_max_failures_per_account,
        max_per_address=settings.login_max_failures_per_address,
        window=timedelta(seconds=settings.login_failure_window_seconds),
    )
    accounts = Accounts(
        account_tx,
        hasher,
        clock,
        throttle,
        timedelta(seconds=settings.session_max_age_seconds),
        connections,
    )
    secret = settings.resolved_secret_key()
    # Authenticator apps list the account under this name.
    label = f"cclibs ({urlsplit(settings.issuer).hostname or 'localhost'})"
    two_step = TwoStep(account_tx, accounts, hasher, secret, clock, throttle, label)
    mail = _build_mail(settings, db, clock)
    by_mail = ByMail(
        account_tx,
        hasher,
        clock,
        throttle,
        mail.mailer,
        Letters(settings.issuer),
        LinkKeys(secret),
        connections,
    )
    oauth = _build_oauth(settings, db, clock, secret, accounts, connections)
    return Services(
        settings=settings,
        db=db,
        clock=clock,
        accounts=accounts,
        two_step=two_step,
        oauth=oauth,
        libraries=_build_libraries(settings, db, clock),
        secret_key=secret,
        webhooks=_build_webhooks(settings, db, clock, secret),
        mail=mail,
        by_mail=by_mail,
    )


def _build_oauth(
    settings: Settings,
    db: Database,
    clock: Clock,
    secret: bytes,
    accounts: Accounts,
    connections: ConnectedApps,
) -> OAuthServices:
    keys = KeyManager(SqlKeyTransactions(db), clock=clock, secret=secret)
    signer = KeyRingSigner(keys)
    client_tx = SqlClientTransactions(db)
    grant_tx = SqlGrantTransactions(db)
    secret_hasher = SecretHasher(secret)
    clients = ClientRegistry(client_tx, secret_hasher, clock)
    # Token requests and bearer checks read credentials from memory (storage.versions).
    watch = ChangeWatch(db)
    credentials = CredentialCache(db, watch)
    authenticator = ClientAuthenticator(client_tx, secret_hasher, clock, lookup=credentials)
    access = TokenIssuer(settings.issuer, signer, clock, access_token_alg=settings.access_token_alg)
    factory = TokenFactory(
        settings.issuer,
        access,
        signer,
        SecretHasher(secret, purpose=b"grant-token"),
        clock,
        IssuancePolicy(
            spa_refresh_tokens=settings.spa_refresh_tokens,
            refresh_reuse_grace=timedelta(seconds=settings.refresh_reuse_grace_seconds),
        ),
        SecretHasher(secret, purpose=b"refresh-successor"),
    )
    bearer = BearerValidator(
        settings.issuer,
        keys,
        credentials,
        credentials,
        clock,
        access_token_alg=settings.access_token_alg,
    )
    client_credentials = ClientCredentialsGrant(access)
    token = TokenEndpoint(
        authenticator,
        {
            "authorization_code": AuthorizationCodeGrant(
                SqlRedemptionTransactions(db), factory, clock
            ),
            "refresh_token": RefreshTokenGrant(SqlRefreshTransactions(db), factory, clock),
            "client_credentials": client_credentials,
            DEVICE_GRANT: DeviceCodeGrant(grant_tx, factory, clock),
        },
    )
    return OAuthServices(
        keys=keys,
        clients=clients,
        projects=ProjectRegistry(client_tx, clock),
        client_credentials=client_credentials,
        token=token,
        authorize=AuthorizeEndpoint(
            settings.issuer,
            clients,
            grant_tx,
            factory,
            clock,
            allow_plain_pkce=settings.allow_plain_pkce,
        ),
        revoke=RevocationEndpoint(authenticator, grant_tx, factory, bearer, clock),
        logout=LogoutEndpoint(settings.issuer, keys, clients),
        device=DeviceEndpoint(settings.issuer, authenticator, clients, grant_tx, factory, clock),
        introspect=IntrospectionEndpoint(
            settings.issuer, authenticator, grant_tx, factory, bearer, clock
        ),
        bearer=bearer,
        users=CachedUsers(AccountDirectory(accounts), watch),
        connections=connections,
    )
