"""The SDK's tests run against a live cclibs (tests/support/live_cclibs.py), config in tmp."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cclibs.sdk import LOCAL, Profile
from tests.support.live_cclibs import Browser, Live, live

__all__ = ["live"]


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The SDK's config directory for this test (profiles.toml and the token cache)."""
    directory = tmp_path / "config"
    monkeypatch.setenv("CCLIBS_CONFIG_DIR", str(directory))
    for name in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET", "SCOPES", "API_URL"):
        monkeypatch.delenv(f"CCLIBS_PROFILE_{name}", raising=False)
    monkeypatch.delenv("CCLIBS_PROFILE", raising=False)
    return directory


@pytest.fixture
def native_profile(live: Live) -> Profile:
    return Profile(
        name="local",
        issuer=live.url,
        client_id=live.native_id,
        scopes=LOCAL.scopes,
        api_url=live.url,
    )


@pytest.fixture
def person() -> Iterator[Browser]:
    browser = Browser()
    yield browser
    browser.close()
