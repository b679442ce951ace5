"""The composition root: builds the services of one process from one Settings.

Both the web app and the admin CLI take their services from here, so they run the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cclibs.accounts import Accounts
from cclibs.accounts.passwords import PasswordHasher
from cclibs.accounts.throttle import ThrottlePolicy
from cclibs.clock import Clock, SystemClock
from cclibs.config import Settings
from cclibs.oauth.client_auth import ClientAuthenticator
from cclibs.oauth.clients import SecretHasher
from cclibs.oauth.endpoints.token import TokenEndpoint
from cclibs.oauth.keys import ALGS, KeyManager
from cclibs.oauth.registration import ClientRegistry
from cclibs.oauth.signing import KeyRingSigner
from cclibs.oauth.tokens import TokenIssuer
from cclibs.storage import Database
from cclibs.storage.accounts import SqlAccountTransactions
from cclibs.storage.clients import SqlClientTransactions
from cclibs.storage.keys import SqlKeyTransactions

__all__ = ["OAuthServices", "Services", "build_services"]


@dataclass(frozen=True, slots=True)
class OAuthServices:
    keys: KeyManager
    clients: ClientRegistry
    token: TokenEndpoint
    signing_algs: list[str]


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    db: Database
    clock: Clock
    accounts: Accounts
    oauth: OAuthServices
    secret_key: bytes


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    password_hasher: PasswordHasher | None = None,
) -> Services:
    clock = clock or SystemClock()
    db = Database(settings.effective_database_url)
    accounts = Accounts(
        SqlAccountTransactions(db),
        password_hasher or PasswordHasher(),
        clock,
        ThrottlePolicy(
            max_per_account=settings.login_max_failures_per_account,
            max_per_address=settings.login_max_failures_per_address,
            window=timedelta(seconds=settings.login_failure_window_seconds),
        ),
        timedelta(seconds=settings.session_max_age_seconds),
    )
    secret = settings.resolved_secret_key()
    keys = KeyManager(SqlKeyTransactions(db), clock=clock, secret=secret)
    client_tx = SqlClientTransactions(db)
    secret_hasher = SecretHasher(secret)
    issuer = TokenIssuer(
        settings.issuer, KeyRingSigner(keys), clock, access_token_alg=settings.access_token_alg
    )
    oauth = OAuthServices(
        keys=keys,
        clients=ClientRegistry(client_tx, secret_hasher, clock),
        token=TokenEndpoint(ClientAuthenticator(client_tx, secret_hasher, clock), issuer),
        signing_algs=list(ALGS),
    )
    return Services(
        settings=settings, db=db, clock=clock, accounts=accounts, oauth=oauth, secret_key=secret
    )
