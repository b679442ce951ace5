"""Profiles: which identity server, which credential, which scopes, which API.

A profile names an issuer (found by discovery) or explicit endpoints, a client id, an optional
client secret, scopes and the Libraries API's base URL. Two are built in: ``local`` (a cclibs
on 127.0.0.1:8000) and ``adobe`` (Adobe IMS and cc-libraries.adobe.io). Others live in
``profiles.toml`` in the user's config directory; a table there named like a preset is laid
over it (so ``[profiles.local] issuer = "http://127.0.0.1:9000"`` is all another port needs).

``local`` needs no client id: every cclibs server ships a public Native App credential for
the command line with the well-known id ``cclibs-cli`` (as ``gh`` and ``gcloud`` ship theirs),
advertised as ``cclibs_cli_client_id`` in its discovery document. A profile whose API is
served by its identity server (``local``, or any profile without ``api_url``) moves its API
URL with its issuer unless ``api_url`` is given.

Environment variables win over the file. This module is the only one in the SDK that reads
the environment:

| Variable | Meaning |
| --- | --- |
| ``CCLIBS_CONFIG_DIR`` | the config directory (default: platformdirs' user config dir) |
| ``CCLIBS_PROFILE`` | the profile to use when none is named (default ``local``) |
| ``CCLIBS_PROFILE_ISSUER`` | override the issuer (endpoints are then discovered) |
| ``CCLIBS_PROFILE_CLIENT_ID`` | override the client id (the API key) |
| ``CCLIBS_PROFILE_CLIENT_SECRET`` | override the client secret |
| ``CCLIBS_PROFILE_SCOPES`` | override the scopes (comma- or space-separated) |
| ``CCLIBS_PROFILE_API_URL`` | override the Libraries API base URL |

The server's own settings (``CCLIBS_ISSUER`` and friends, in ``cclibs.config``) are distinct
names on purpose: a shell that serves cclibs may still log in to Adobe.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import platformdirs

from cclibs.sdk._files import write_private
from cclibs.sdk._toml import Value, dump_tables
from cclibs.sdk.errors import ConfigurationError

__all__ = [
    "ADOBE",
    "CLI_CLIENT_ID",
    "DEFAULT_SCOPES",
    "LOCAL",
    "PRESETS",
    "Profile",
    "ProfileStore",
    "TokenAuthMethod",
    "config_dir",
    "parse_scopes",
    "selected_profile_name",
]

TokenAuthMethod = Literal["client_secret_basic", "client_secret_post"]

DEFAULT_SCOPES = (
    "openid",
    "AdobeID",
    "profile",
    "email",
    "offline_access",
    "cc_files",
    "cc_libraries",
)
"""Identity, a refresh token (``offline_access``) and the Libraries API."""

ENDPOINT_NAMES = (
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "revocation_endpoint",
    "device_authorization_endpoint",
    "jwks_uri",
)


@dataclass(frozen=True)
class Profile:
    name: str
    issuer: str
    """The OAuth issuer: the ``iss`` of ID tokens, and where discovery starts."""
    client_id: str | None = None
    """The credential's client id, which is also its API key (``x-api-key``)."""
    client_secret: str | None = None
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    api_url: str = ""
    """The Libraries API base URL (``{api_url}/api/v1/libraries``)."""
    endpoints: Mapping[str, str] = field(default_factory=dict)
    """Explicit endpoint URLs by their discovery names; when empty they are discovered."""
    token_auth: TokenAuthMethod = "client_secret_basic"  # noqa: S105 - a method name
    """How a confidential client authenticates at the token and revocation endpoints."""

    def require_client_id(self) -> str:
        if not self.client_id:
            raise ConfigurationError(_missing_client_id(self.name))
        return self.client_id


def _missing_client_id(name: str) -> str:
    if name == "local":
        # Only an explicit empty client_id in profiles.toml gets here: the preset has one.
        return (
            f"no client id for profile local: run cclibs profiles add local --client-id "
            f"{CLI_CLIENT_ID} (the credential every cclibs server ships for the command line)"
        )
    return (
        f"no client id for profile {name}: run cclibs profiles add {name} --client-id ID "
        f"(for a cclibs server, its command line's id {CLI_CLIENT_ID})"
    )


CLI_CLIENT_ID = "cclibs-cli"
"""The command line's public client id, registered by every cclibs server (its discovery
document names it as ``cclibs_cli_client_id``; a server test holds the two equal)."""

LOCAL = Profile(
    name="local",
    issuer="http://127.0.0.1:8000",
    client_id=CLI_CLIENT_ID,
    api_url="http://127.0.0.1:8000",
)
_IMS = "https://ims-na1.adobelogin.com"
ADOBE = Profile(
    name="adobe",
    issuer=_IMS,
    api_url="https://cc-libraries.adobe.io",
    # IMS's paths (compat-reference §2); IMS documents no device authorization endpoint.
    endpoints={
        "authorization_endpoint": _IMS + "/ims/authorize/v2",
        "token_endpoint": _IMS + "/ims/token/v3",
        "userinfo_endpoint": _IMS + "/ims/userinfo/v2",
        "revocation_endpoint": _IMS + "/ims/revoke",
        "jwks_uri": _IMS + "/ims/keys",
    },
    # Every IMS document and sample sends client_id and client_secret as parameters.
    token_auth="client_secret_post",  # noqa: S106 - a method name
)
PRESETS: Mapping[str, Profile] = {"local": LOCAL, "adobe": ADOBE}

_PROFILE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ENV = "CCLIBS_PROFILE_"


def parse_scopes(raw: str) -> tuple[str, ...]:
    """Scopes written the IMS way (commas) or the RFC 6749 way (spaces)."""
    return tuple(dict.fromkeys(part for part in re.split(r"[,\s]+", raw) if part))


def config_dir() -> Path:
    """``CCLIBS_CONFIG_DIR``, else the platform's user config directory for cclibs."""
    chosen = os.environ.get("CCLIBS_CONFIG_DIR")
    return Path(chosen) if chosen else Path(platformdirs.user_config_dir("cclibs"))


def selected_profile_name(explicit: str | None = None) -> str:
    return explicit or os.environ.get("CCLIBS_PROFILE") or "local"


def _environment_overrides() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key in ("issuer", "client_id", "client_secret", "api_url"):
        value = os.environ.get(_ENV + key.upper())
        if value:
            found[key] = value
    scopes = os.environ.get(_ENV + "SCOPES")
    if scopes:
        found["scopes"] = parse_scopes(scopes)
    if "issuer" in found:
        found["endpoints"] = {}
    return found


def _from_table(name: str, table: Mapping[str, Any], base: Profile | None) -> Profile:
    known = {"issuer", "client_id", "client_secret", "scopes", "api_url", "token_auth"}
    unknown = sorted(set(table) - known - set(ENDPOINT_NAMES))
    if unknown:
        raise ConfigurationError(f"profile {name}: unknown keys {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for key in known:
        if key in table:
            value = table[key]
            if key == "scopes":
                ok = isinstance(value, list) and all(isinstance(s, str) for s in value)
                if not ok:
                    raise ConfigurationError(f"profile {name}: scopes must be a list of strings")
                value = tuple(value)
            elif not isinstance(value, str):
                raise ConfigurationError(f"profile {name}: {key} must be a string")
            values[key] = value
    if values.get("token_auth", "client_secret_basic") not in (
        "client_secret_basic",
        "client_secret_post",
    ):
        raise ConfigurationError(
            f"profile {name}: token_auth is client_secret_basic or client_secret_post"
        )
    endpoints = {key: str(table[key]) for key in ENDPOINT_NAMES if key in table}
    if base is None:
        if "issuer" not in values:
            raise ConfigurationError(f"profile {name}: no issuer")
        profile = Profile(name=name, **values)
    else:
        if "issuer" in values:
            values["endpoints"] = {}  # another server: discover its endpoints
            values = _api_follows_issuer(base, values)
        profile = replace(base, **values)
    if endpoints:
        profile = replace(profile, endpoints={**profile.endpoints, **endpoints})
    if not profile.api_url:
        profile = replace(profile, api_url=profile.issuer)
    return profile


def _api_follows_issuer(base: Profile, values: dict[str, Any]) -> dict[str, Any]:
    """A new issuer takes the API along when the API lived at the issuer (a cclibs serves
    both) and no ``api_url`` was given: ``local`` on another port is still one server."""
    if "api_url" in values or base.api_url.rstrip("/") != base.issuer.rstrip("/"):
        return values
    return {**values, "api_url": str(values["issuer"]).rstrip("/")}


class ProfileStore:
    """``profiles.toml`` in the config directory, laid over the presets."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or config_dir()
        self.path = self.directory / "profiles.toml"

    def _tables(self) -> dict[str, dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"{self.path}: {exc}") from None
        tables = document.get("profiles", {})
        if not isinstance(tables, dict):
            raise ConfigurationError(f"{self.path}: [profiles] must be a table of tables")
        return {str(k): dict(v) for k, v in tables.items() if isinstance(v, dict)}

    def names(self) -> list[str]:
        return list(dict.fromkeys([*PRESETS, *self._tables()]))

    def stored(self, name: str) -> Profile:
        """The profile as the presets and the file define it, without the environment."""
        table = self._tables().get(name)
        base = PRESETS.get(name)
        if table is None:
            if base is None:
                raise ConfigurationError(
                    f"no profile named {name}: run cclibs profiles add {name} --issuer URL ..."
                )
            return base
        return _from_table(name, table, base)

    def load(self, name: str | None = None) -> Profile:
        """The profile to use: named, or ``CCLIBS_PROFILE``, or ``local``; environment wins."""
        chosen = selected_profile_name(name)
        profile = self.stored(chosen)
        overrides = _environment_overrides()
        if "issuer" in overrides:
            overrides = _api_follows_issuer(profile, overrides)
        return replace(profile, **overrides) if overrides else profile

    def save(self, name: str, values: Mapping[str, Value]) -> Profile:
        """Add or update a profile's table (merged with what the file holds) and return it."""
        if not _PROFILE_NAME.match(name):
            raise ConfigurationError("a profile name is 1 to 64 letters, digits, - or _")
        tables = self._tables()
        merged: dict[str, Any] = {**tables.get(name, {}), **values}
        _from_table(name, merged, PRESETS.get(name))  # refuse what would not load
        tables[name] = merged
        self._write(tables)
        return self.stored(name)

    def remove(self, name: str) -> bool:
        tables = self._tables()
        if tables.pop(name, None) is None:
            return False
        self._write(tables)
        return True

    def _write(self, tables: Mapping[str, Mapping[str, Value]]) -> None:
        # The file may hold client secrets: owner-only, like the token cache.
        write_private(self.path, dump_tables("profiles", tables).encode("utf-8"))
