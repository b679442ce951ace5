"""The one settings object.

Every setting comes from a ``CCLIBS_*`` environment variable, or from the optional TOML file
named by ``CCLIBS_CONFIG_FILE`` (environment wins over the file). This is the only module that
reads the environment. Settings are validated once, at start: production refuses unsafe values
with a message that names the setting, and each development shortcut warns every time it is used.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from cclibs.mail.addresses import parse_mailbox, parse_smtp_url

__all__ = [
    "DATABASE_POOL_SIZE",
    "ConfigError",
    "Environment",
    "Settings",
    "export_for_workers",
    "load_settings",
]

_ENV_PREFIX = "CCLIBS_"
_CONFIG_FILE_VAR = "CCLIBS_CONFIG_FILE"
_PLACEHOLDER_SECRETS = frozenset(
    {
        "",
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "password",
        "dev",
        "development",
        "insecure",
        "placeholder",
        "xxx",
        "todo",
        "please-change-me",
    }
)
_MIN_SECRET_LENGTH = 32
_GENERATED_KEY_FILE = "secret_key"
_S3_MAX_COPY = 5 * 1024**3
"""S3's CopyObject limit: the largest blob ``S3BlobStore`` can move into place."""


DATABASE_POOL_SIZE = 20
"""PostgreSQL connections a process keeps at most, unless ``CCLIBS_DATABASE_POOL_SIZE`` says."""


class ConfigError(ValueError):
    """A setting is missing or unsafe; the message names the setting."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


def _default_data_dir() -> Path:
    return Path.cwd() / "cclibs-data"


class Settings(BaseSettings):
    """cclibs settings. Field names map to ``CCLIBS_<NAME>`` environment variables."""

    model_config = SettingsConfigDict(
        env_prefix=_ENV_PREFIX,
        extra="forbid",
        frozen=True,
        validate_default=True,
    )

    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    """SQLAlchemy URL. Unset: SQLite in the data directory. ``postgresql://`` selects PostgreSQL."""
    database_pool_size: int = Field(default=DATABASE_POOL_SIZE, ge=1, le=1000)
    """PostgreSQL connections each server process keeps open, at most (opened as needed, then
    kept; a transaction past them waits for one). Size PostgreSQL's ``max_connections`` for
    this times the processes, plus the CLI's and administrators' sessions."""
    issuer: str = "http://127.0.0.1:8000"
    """The public base URL; also the OAuth ``iss``."""
    secret_key: SecretStr | None = None
    """Signs cookies and CSRF tokens and keys the secret hashes. Required in production."""
    signup_enabled: bool | None = None
    """Open sign-up. Unset: on in development, off in production."""
    log_level: str = "INFO"
    log_json: bool | None = None
    """JSON log lines. Unset: JSON in production, readable in development."""
    session_max_age_seconds: int = Field(default=14 * 24 * 3600, ge=300, le=90 * 24 * 3600)
    login_max_failures_per_account: int = Field(default=5, ge=1, le=1000)
    """Wrong passwords per (account, client address) before growing delays; ten times this a
    day per account from all addresses before it slows down (``accounts/throttle.py``)."""
    login_max_failures_per_address: int = Field(default=30, ge=1, le=100000)
    """Wrong passwords per client address, over all accounts, per window."""
    login_failure_window_seconds: int = Field(default=15 * 60, ge=10, le=24 * 3600)
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()
    """Reverse proxies whose ``X-Forwarded-For``/``-Proto`` are believed: comma-separated IPs or
    CIDRs. Unset: none, the client address is the connecting peer's."""
    access_token_alg: Literal["ES256", "RS256"] = "RS256"  # noqa: S105 - an algorithm name
    """JWS algorithm of access tokens. RS256 by measurement (bench/jwt_algs.py): ES256 signs
    ~8x faster but RS256 verifies ~2x faster, and the API verifies a 24 h token on every
    request, far past the break-even of about 11 verifications per token; IMS uses RS256."""
    allow_plain_pkce: bool = False
    """Accept code_challenge_method=plain (RFC 7636 allows it; RFC 9700 §2.1.1 advises S256)."""
    spa_refresh_tokens: bool = False
    """Issue refresh tokens to Single-Page Apps (Adobe's SPAs get none)."""
    refresh_reuse_grace_seconds: int = Field(default=10, ge=0, le=300)
    """How long a just-rotated refresh token still works, for concurrent refreshes."""
    max_upload_bytes: int = Field(default=2 * 1024**3, ge=1024, le=1024**4)
    """Largest file one upload may carry (``POST .../representations/content``). Uploads
    stream to disk, so memory does not grow with this."""
    blob_url: str | None = None
    """Where uploaded files live. Unset: files in the data directory. ``s3://bucket/prefix``:
    an S3-compatible object store, shared by every server process (scale-out)."""
    s3_endpoint_url: str | None = None
    """The S3 API's base URL, for a store other than AWS (MinIO, Ceph, R2, ...)."""
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    """With ``s3_secret_access_key``. Unset: the usual AWS chain (``AWS_*``, instance role)."""
    s3_secret_access_key: SecretStr | None = None
    playground_issuers: Annotated[tuple[str, ...], NoDecode] = ()
    """Other OpenID providers the playground may target (this server always). Comma-separated
    issuer URLs, such as ``https://ims-na1.adobelogin.com``."""
    playground_api_origins: Annotated[tuple[str, ...], NoDecode] = ()
    """Other origins the playground's "Try the API" may call (this server always), such as
    ``https://cc-libraries.adobe.io``. Nothing else is reachable: the playground is no proxy."""
    webhook_allow_private_urls: bool = False
    """Let webhooks reach loopback, private, link-local and other non-public addresses (a
    receiver on this machine, tests). Off: such URLs are refused when registered and sent."""
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    """How long one delivery waits for the receiver's answer."""
    webhook_retry_seconds: float = Field(default=10.0, gt=0, le=3600)
    """The first retry's delay; each next one doubles it (up to an hour)."""
    webhook_max_attempts: int = Field(default=12, ge=1, le=50)
    """Attempts before a delivery is given up as failed."""
    smtp_url: SecretStr | None = None
    """Where mail goes. Unset: each message is written to ``DATA_DIR/outbox/`` as an ``.eml``
    file (a development shortcut, announced each time). Otherwise one of:

    - ``smtp://user:password@host:587``: STARTTLS, required (the port defaults to 587);
    - ``smtps://user:password@host:465``: TLS from the first byte (the port defaults to 465);
    - ``smtp://host:25?starttls=false``: no TLS, for a relay on this machine or network; it
      carries no credentials unless the host is loopback (they would cross the wire in clear).

    Credentials are optional; percent-encode ``@``, ``:`` and ``/`` in them. The certificate
    is checked against the system's authorities. Secret: never logged or shown."""
    mail_from: str = "cclibs <no-reply@localhost>"
    """The ``From`` of every message, as ``Name <address>`` or a bare address."""
    mail_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    """How long one sending attempt may take, connection and answers included."""
    mail_retry_seconds: float = Field(default=30.0, gt=0, le=3600)
    """The first retry's delay; each next one doubles it (up to an hour)."""
    mail_max_attempts: int = Field(default=10, ge=1, le=50)
    """Attempts before a message is given up as failed."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get(_CONFIG_FILE_VAR)
        if config_file:
            path = Path(config_file)
            if not path.is_file():
                raise ConfigError(f"{_CONFIG_FILE_VAR}: no such file: {path}")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @field_validator("issuer")
    @classmethod
    def _issuer_is_a_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("CCLIBS_ISSUER must be an http(s) URL such as https://id.example.com")
        if parts.query or parts.fragment:
            raise ValueError("CCLIBS_ISSUER must not carry a query or fragment")
        return value.rstrip("/")

    @field_validator("playground_issuers", "playground_api_origins", mode="before")
    @classmethod
    def _url_list(cls, value: object) -> tuple[str, ...]:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ValueError("a comma-separated list of https URLs is expected")
        urls: list[str] = []
        for item in items:
            url = str(item).strip().rstrip("/")
            if not url:
                continue
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"{url!r} is not an http(s) URL")
            if parts.query or parts.fragment or "@" in parts.netloc:
                raise ValueError(f"{url!r} must be a plain base URL")
            urls.append(url)
        return tuple(urls)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _address_list(cls, value: object) -> tuple[str, ...]:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ValueError("a comma-separated list of IP addresses or CIDRs is expected")
        proxies: list[str] = []
        for item in items:
            text = str(item).strip()
            if not text:
                continue
            try:
                network = ipaddress.ip_network(text, strict=False)
            except ValueError:
                raise ValueError(f"{text!r} is not an IP address or CIDR") from None
            proxies.append(str(network) if "/" in text else str(network.network_address))
        return tuple(proxies)

    @field_validator("blob_url")
    @classmethod
    def _blob_url_names_a_bucket(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("CCLIBS_BLOB_URL must be s3://bucket or s3://bucket/prefix")
        if "@" in parts.netloc:
            raise ValueError("CCLIBS_BLOB_URL carries no credentials: use CCLIBS_S3_* settings")
        prefix = parts.path.strip("/")
        return f"s3://{parts.netloc}/{prefix}" if prefix else f"s3://{parts.netloc}"

    @field_validator(
        "s3_endpoint_url", "s3_region", "s3_access_key_id", "s3_secret_access_key", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("s3_endpoint_url")
    @classmethod
    def _endpoint_is_a_base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise ValueError("CCLIBS_S3_ENDPOINT_URL must be an http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _s3_settings_fit(self) -> Settings:
        if self.blob_url is None:
            named = [
                name
                for name in ("s3_endpoint_url", "s3_region", "s3_access_key_id")
                if getattr(self, name) is not None
            ] + (["s3_secret_access_key"] if self.s3_secret_access_key is not None else [])
            if named:
                # A forgotten CCLIBS_BLOB_URL would quietly keep files on this node's disk,
                # where the other nodes cannot read them.
                raise ConfigError(
                    f"CCLIBS_{named[0].upper()} is set but CCLIBS_BLOB_URL is not: "
                    "set CCLIBS_BLOB_URL=s3://bucket/prefix to keep files in S3"
                )
            return self
        if self.max_upload_bytes > _S3_MAX_COPY:
            # Content-addressed names are known only once the upload ends, so a large blob is
            # copied into place, and S3's CopyObject takes at most 5 GiB.
            raise ConfigError(
                "CCLIBS_MAX_UPLOAD_BYTES: at most 5 GiB (5368709120) with CCLIBS_BLOB_URL"
            )
        if (self.s3_access_key_id is None) != (self.s3_secret_access_key is None):
            raise ConfigError("CCLIBS_S3_ACCESS_KEY_ID and CCLIBS_S3_SECRET_ACCESS_KEY go together")
        return self

    @field_validator("smtp_url", mode="before")
    @classmethod
    def _smtp_url_is_usable(cls, value: object) -> object:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise ValueError("an smtp:// or smtps:// URL is expected")
        # The message names what is wrong, never the URL: it may carry a password.
        parse_smtp_url(value.strip())
        return value.strip()

    @field_validator("mail_from")
    @classmethod
    def _mail_from_is_an_address(cls, value: str) -> str:
        parse_mailbox(value)
        return value.strip()

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("CCLIBS_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        return level

    @model_validator(mode="after")
    def _production_is_safe(self) -> Settings:
        if self.env is not Environment.PRODUCTION:
            return self
        key = self.secret_key.get_secret_value() if self.secret_key else ""
        if key.strip().lower() in _PLACEHOLDER_SECRETS:
            raise ConfigError(
                "CCLIBS_SECRET_KEY is unset or a placeholder; production needs a random value "
                f"of at least {_MIN_SECRET_LENGTH} characters (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        if len(key) < _MIN_SECRET_LENGTH:
            raise ConfigError(f"CCLIBS_SECRET_KEY is shorter than {_MIN_SECRET_LENGTH} characters")
        parts = urlsplit(self.issuer)
        if parts.scheme != "https" and not _is_loopback(parts.hostname or ""):
            raise ConfigError(
                f"CCLIBS_ISSUER is {self.issuer}: production needs https "
                "unless the host is loopback"
            )
        return self

    # Derived values -----------------------------------------------------------------------

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'cclibs.sqlite3'}"

    @property
    def secure_cookies(self) -> bool:
        return urlsplit(self.issuer).scheme == "https"

    @property
    def json_logs(self) -> bool:
        return self.is_production if self.log_json is None else self.log_json

    def signup_open(self) -> bool:
        """Whether anyone may create an account; warns each time development leaves it open."""
        if self.signup_enabled is not None:
            return self.signup_enabled
        if self.is_production:
            return False
        _warn_shortcut(
            "open sign-up is on because CCLIBS_ENV=development; set CCLIBS_SIGNUP_ENABLED=false "
            "to close it"
        )
        return True

    def resolved_secret_key(self) -> bytes:
        """The server secret. In development an unset key is generated once into the data dir."""
        if self.secret_key is not None and self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value().encode()
        if self.is_production:  # pragma: no cover - refused by the validator above
            raise ConfigError("CCLIBS_SECRET_KEY is required in production")
        path = self.data_dir / _GENERATED_KEY_FILE
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # O_EXCL: two workers starting together must agree on one key.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_urlsafe(48))
        key = path.read_text().strip()
        _warn_shortcut(
            f"CCLIBS_SECRET_KEY is unset; using a development key generated in {path}. "
            "Set CCLIBS_SECRET_KEY before exposing this server."
        )
        return key.encode()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_log = logging.getLogger("cclibs.config")


def _warn_shortcut(message: str) -> None:
    """Development conveniences are announced every time they are taken, never silently."""
    _log.warning("DEVELOPMENT SHORTCUT: %s", message)


def load_settings(**overrides: Any) -> Settings:
    """Build and validate the settings; explicit overrides beat the environment and the file.

    Validation failures become one ConfigError whose message names the ``CCLIBS_*`` variable.
    """
    from pydantic import ValidationError

    clean = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(
                f"{_ENV_PREFIX}{field.upper()}: {message}" if field != "settings" else message
            )
        raise ConfigError("; ".join(lines)) from None


def export_for_workers(settings: Settings) -> None:
    """Put the settings into the environment, so that worker processes rebuild the same object."""
    for name, value in settings.model_dump(exclude_defaults=False).items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, tuple):
            value = ",".join(str(item) for item in value)  # how the lists are written in env
        os.environ[f"{_ENV_PREFIX}{name.upper()}"] = str(value)
