"""Profiles (presets, profiles.toml, environment) and the token cache's file rules."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

import cclibs.sdk
from cclibs.sdk import ConfigurationError, ProfileStore, TokenCache, Tokens

EXPECTED_EXPORTS = {
    "ADOBE", "LOCAL", "PRESETS", "AccessDenied", "ApiAuth", "AuthorizationRequest",
    "AuthorizationResponseError", "ConfigurationError", "DevicePrompt", "Endpoints",
    "IdTokenError", "InvalidClient", "IssuerUnreachable", "LoginRequired", "LoopbackListener",
    "OAuthClient", "OAuthServerError", "Pkce", "Profile", "ProfileStore", "SdkError",
    "TokenCache", "TokenSource", "Tokens", "browser_login", "config_dir", "device_login",
    "discover", "finish_authorization", "unverified_claims", "verify_id_token",
    # The async core (one OAuth client in the codebase) and the one S256.
    "AsyncOAuthClient", "IssuerMetadata", "OAuthExchange", "s256",
    # The Libraries API client.
    "ApiError", "ApiUnreachable", "AsyncClient", "Client",
}  # fmt: skip


def test_the_sdk_exports_what_it_should() -> None:
    assert set(cclibs.sdk.__all__) == EXPECTED_EXPORTS
    assert all(hasattr(cclibs.sdk, name) for name in cclibs.sdk.__all__)


def test_presets_and_a_file_profile_laid_over_them(config_dir: Path) -> None:
    store = ProfileStore()
    assert store.names() == ["local", "adobe"]
    # local needs no set-up: every cclibs ships the command line's credential.
    assert store.load("local").require_client_id() == "cclibs-cli"

    store.save("local", {"client_id": "abc"})
    store.save("work", {"issuer": "https://id.example.com", "scopes": ["openid", "cc_libraries"]})
    local = store.load("local")
    assert (local.issuer, local.client_id) == ("http://127.0.0.1:8000", "abc")
    work = store.load("work")
    assert work.scopes == ("openid", "cc_libraries")
    assert work.api_url == "https://id.example.com"  # the API defaults to the issuer
    assert store.names() == ["local", "adobe", "work"]
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.remove("work") and not store.remove("work")
    with pytest.raises(ConfigurationError, match="no profile named work"):
        store.load("work")


def test_odd_values_survive_the_toml_file(config_dir: Path) -> None:
    secret = 'p8e-"quoted"\\back\tslash é'
    ProfileStore().save("odd", {"issuer": "https://x.example", "client_secret": secret})
    assert ProfileStore().load("odd").client_secret == secret


def test_the_environment_wins(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ProfileStore().save("local", {"client_id": "from-file"})
    monkeypatch.setenv("CCLIBS_PROFILE_CLIENT_ID", "from-env")
    monkeypatch.setenv("CCLIBS_PROFILE_SCOPES", "openid, cc_libraries")
    monkeypatch.setenv("CCLIBS_PROFILE_ISSUER", "https://other.example")
    profile = ProfileStore().load()
    assert profile.client_id == "from-env"
    assert profile.scopes == ("openid", "cc_libraries")
    assert profile.issuer == "https://other.example"
    monkeypatch.setenv("CCLIBS_PROFILE", "adobe")
    adobe = ProfileStore().load()
    assert adobe.name == "adobe"
    assert adobe.endpoints == {}  # another issuer: its endpoints are discovered


def test_a_malformed_profiles_file_is_one_clear_error(config_dir: Path) -> None:
    config_dir.mkdir(parents=True)
    (config_dir / "profiles.toml").write_text("[profiles.x]\nissuer = 3\n")
    with pytest.raises(ConfigurationError, match="profile x: issuer must be a string"):
        ProfileStore().load("x")


def test_the_cache_is_owner_only_and_replaced_whole(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path, "local")
    first = Tokens(access_token="a", expires_at=1.0, refresh_token="r1")
    cache.save(first)
    inode = cache.path.stat().st_ino
    cache.save(Tokens(access_token="b", expires_at=2.0, refresh_token="r2"))
    if sys.platform != "win32":
        assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600
    assert cache.path.stat().st_ino != inode  # a new file renamed over the old one
    assert [p.name for p in cache.path.parent.iterdir()] == ["local.json"]
    loaded = cache.load()
    assert loaded is not None and loaded.refresh_token == "r2"
    cache.path.write_text("{not json")
    assert cache.load() is None
