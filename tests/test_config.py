"""The settings object: production refuses unsafe values by name; development warns."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from cclibs.config import ConfigError, load_settings

GOOD_KEY = "k" * 48


@pytest.mark.parametrize("key", [None, "", "changeme", "secret", "CHANGEME "])
def test_production_refuses_unset_or_placeholder_secret(tmp_path: Path, key: str | None) -> None:
    with pytest.raises(ConfigError, match="CCLIBS_SECRET_KEY"):
        load_settings(
            env="production", secret_key=key, issuer="https://id.example.com", data_dir=tmp_path
        )


def test_production_refuses_a_short_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CCLIBS_SECRET_KEY is shorter than 32"):
        load_settings(
            env="production",
            secret_key="s" * 20,
            issuer="https://id.example.com",
            data_dir=tmp_path,
        )


def test_production_refuses_a_plain_http_public_issuer(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"CCLIBS_ISSUER is http://id\.example\.com"):
        load_settings(
            env="production", secret_key=GOOD_KEY, issuer="http://id.example.com", data_dir=tmp_path
        )


@pytest.mark.parametrize(
    "issuer",
    [
        "http://127.0.0.1:8000",
        "http://localhost:9000",
        "http://[::1]:8000",
        "https://id.example.com/",
    ],
)
def test_production_accepts_https_or_loopback(tmp_path: Path, issuer: str) -> None:
    settings = load_settings(
        env="production", secret_key=GOOD_KEY, issuer=issuer, data_dir=tmp_path
    )
    assert settings.issuer == issuer.rstrip("/")
    assert settings.signup_open() is False
    assert settings.json_logs is True


def test_issuer_must_be_a_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CCLIBS_ISSUER"):
        load_settings(issuer="id.example.com", data_dir=tmp_path)


def test_database_pool_size_is_read_and_bounded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CCLIBS_DATABASE_POOL_SIZE", "7")
    assert load_settings(data_dir=tmp_path).database_pool_size == 7
    monkeypatch.setenv("CCLIBS_DATABASE_POOL_SIZE", "0")
    with pytest.raises(ConfigError, match="CCLIBS_DATABASE_POOL_SIZE"):
        load_settings(data_dir=tmp_path)


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CCLIBS_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("CCLIBS_ISSUER", "https://id.example.com")
    monkeypatch.setenv("CCLIBS_DATABASE_URL", "postgresql://u@db/cclibs")
    settings = load_settings()
    assert settings.data_dir == tmp_path / "d"
    assert settings.issuer == "https://id.example.com"
    assert settings.effective_database_url == "postgresql://u@db/cclibs"
    assert settings.secure_cookies is True


def test_toml_file_is_read_and_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "cclibs.toml"
    config.write_text('issuer = "https://from-file.example.com"\nlog_level = "debug"\n')
    monkeypatch.setenv("CCLIBS_CONFIG_FILE", str(config))
    monkeypatch.setenv("CCLIBS_LOG_LEVEL", "warning")
    settings = load_settings(data_dir=tmp_path)
    assert settings.issuer == "https://from-file.example.com"
    assert settings.log_level == "WARNING"


def test_missing_toml_file_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CCLIBS_CONFIG_FILE", str(tmp_path / "absent.toml"))
    with pytest.raises(ConfigError, match="CCLIBS_CONFIG_FILE"):
        load_settings()


def test_unknown_setting_in_file_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "cclibs.toml"
    config.write_text('isuer = "typo"\n')
    monkeypatch.setenv("CCLIBS_CONFIG_FILE", str(config))
    with pytest.raises(ConfigError, match="CCLIBS_ISUER"):
        load_settings(data_dir=tmp_path)


def test_default_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'cclibs.sqlite3'}"


def test_development_shortcuts_warn_every_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(data_dir=tmp_path)
    with caplog.at_level(logging.WARNING, logger="cclibs.config"):
        key = settings.resolved_secret_key()
        again = settings.resolved_secret_key()
        assert settings.signup_open() is True
    assert key == again and len(key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    shortcuts = [r.getMessage() for r in caplog.records if "DEVELOPMENT SHORTCUT" in r.getMessage()]
    assert sum("CCLIBS_SECRET_KEY is unset" in m for m in shortcuts) == 2
    assert sum("open sign-up" in m for m in shortcuts) == 1


def test_explicit_settings_print_no_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(data_dir=tmp_path, secret_key=GOOD_KEY, signup_enabled=False)
    with caplog.at_level(logging.WARNING, logger="cclibs.config"):
        assert settings.resolved_secret_key() == GOOD_KEY.encode()
        assert settings.signup_open() is False
    assert not caplog.records
