"""The credentials cclibs ships itself: the command line's public Native App client.

Like ``gh`` or ``gcloud``, the ``cclibs`` command needs a client id to log in, and a person
who just ran ``cclibs serve`` has no credential yet. So every cclibs server holds one with a
well-known id, ``cclibs-cli``, registered when the database is prepared (``cclibs serve``,
``cclibs db upgrade``) and advertised in the discovery document as ``cclibs_cli_client_id``.

It is a public client (RFC 8252 §8.4: a secret shipped in a program is no secret), so:
- PKCE is required and the loopback redirect may use any port (RFC 8252 §7.3, §8.1);
- it belongs to no user: it lives in a project without an owner, which no console page can
  list, change or delete, and ``cclibs clients delete`` refuses it;
- people see the consent page every time it asks (RFC 8252 §8.6: anyone can present a
  well-known public client id, so a remembered consent would let any local program obtain
  tokens silently; the device flow asks anyway).
"""

from __future__ import annotations

from datetime import datetime

from cclibs.oauth.apis import available_scopes
from cclibs.oauth.clients import Client, ClientType
from cclibs.oauth.ports import Project

__all__ = [
    "CLI_CLIENT_ID",
    "DISCOVERY_FIELD",
    "FIRST_PARTY_PROJECT_ID",
    "cli_client",
    "first_party_project",
]

CLI_CLIENT_ID = "cclibs-cli"
"""The command line's client id: the same on every cclibs server."""
DISCOVERY_FIELD = "cclibs_cli_client_id"
"""A non-standard metadata field (RFC 8414 §2 allows extensions) naming the CLI's client id."""
FIRST_PARTY_PROJECT_ID = "cclibs"
_CLI_REDIRECT_URIS = ("http://127.0.0.1/callback", "http://[::1]/callback")
"""Loopback IP literals, not ``localhost`` (RFC 8252 §8.3); any port matches (§7.3)."""
# A new credential's defaults (oauth.registration, which imports this module): a day, 14 days.
_ACCESS_TOKEN_TTL = 24 * 3600
_REFRESH_TOKEN_TTL = 14 * 24 * 3600


def first_party_project(now: datetime) -> Project:
    return Project(
        id=FIRST_PARTY_PROJECT_ID,
        owner_id=None,
        name="cclibs",
        apis=frozenset({"cc_libraries"}),
        created_at=now,
    )


def cli_client(now: datetime) -> Client:
    """The CLI's credential: identity, refresh tokens and the Libraries API, for anyone."""
    return Client(
        client_id=CLI_CLIENT_ID,
        project_id=FIRST_PARTY_PROJECT_ID,
        owner_id=None,
        name="cclibs command line",
        type=ClientType.NATIVE,
        redirect_uris=_CLI_REDIRECT_URIS,
        default_redirect_uri=None,
        redirect_uri_pattern=None,
        allowed_scopes=available_scopes({"cc_libraries"}, refresh_tokens=True),
        offline_access=True,
        access_token_ttl=_ACCESS_TOKEN_TTL,
        refresh_token_ttl=_REFRESH_TOKEN_TTL,
        in_production=True,  # every account may use it, not only an owner's testers
        beta_users=(),
        created_at=now,
    )
