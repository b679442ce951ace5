"""A fresh cclibs and the SDK with no client id configured: the ``local`` profile, pointed at
the server by ``CCLIBS_PROFILE_ISSUER`` alone, logs in with the credential the server ships
and reaches the Libraries API at the same server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest

from cclibs.accounts.passwords import PasswordHasher
from cclibs.config import Settings, load_settings
from cclibs.sdk import DevicePrompt, ProfileStore, TokenSource
from cclibs.services import build_services
from cclibs.storage import migrate
from cclibs.web.app import create_app
from tests.conftest import TEST_SECRET
from tests.support.live_cclibs import USER_EMAIL, USER_NAME, USER_PASSWORD, Browser
from tests.support.servers import free_socket, running


async def _add_person(settings: Settings, hasher: PasswordHasher) -> None:
    services = build_services(settings, password_hasher=hasher)
    try:
        await services.accounts.create_user(
            email=USER_EMAIL, name=USER_NAME, password=USER_PASSWORD
        )
    finally:
        await services.db.dispose()


@pytest.fixture
def fresh_server(tmp_path: Path, password_hasher: PasswordHasher) -> Iterator[str]:
    """What `cclibs serve` makes of an empty data directory: prepare, then the app."""
    sock = free_socket()
    settings = load_settings(
        data_dir=tmp_path / "data",
        secret_key=TEST_SECRET,
        issuer=f"http://127.0.0.1:{sock.getsockname()[1]}",
        env="development",
    )
    settings.data_dir.mkdir()
    assert migrate.prepare(settings.effective_database_url) == "created"
    anyio.run(_add_person, settings, password_hasher)
    with running(create_app(settings, password_hasher=password_hasher), sock) as url:
        yield url


def test_the_local_profile_logs_in_with_no_client_id_configured(
    fresh_server: str, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCLIBS_PROFILE_ISSUER", fresh_server)
    profile = ProfileStore().load("local")
    assert not (config_dir / "profiles.toml").exists()  # nothing was set up
    assert profile.client_id == "cclibs-cli"
    assert profile.api_url == fresh_server  # the API moved with the issuer
    discovered = httpx.get(f"{fresh_server}/.well-known/openid-configuration").json()
    assert discovered["cclibs_cli_client_id"] == profile.client_id

    person = Browser()
    prompts: list[DevicePrompt] = []

    def approve(prompt: DevicePrompt) -> None:
        prompts.append(prompt)
        allowed = person.approve_device(fresh_server, prompt.user_code)
        assert allowed.status_code == 200 and "cclibs command line" in allowed.text

    source = TokenSource(profile)
    try:
        tokens = source.login_device(show_prompt=approve, sleep=lambda _seconds: None)
    finally:
        person.close()
    assert len(prompts) == 1
    assert tokens.refresh_token  # offline_access is among the credential's scopes
    libraries = httpx.get(
        f"{profile.api_url}/api/v1/libraries",
        headers={"authorization": f"Bearer {source.access_token()}", "x-api-key": "cclibs-cli"},
    )
    source.close()
    assert libraries.status_code == 200, libraries.text
    assert libraries.json()["libraries"] == []
