"""Device login (RFC 8628) against a live cclibs, approved on the real /ims/device pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from cclibs.sdk import AccessDenied, DevicePrompt, OAuthServerError, Profile, TokenSource
from tests.support.live_cclibs import USER_NAME, Browser, Live


def test_device_login_polls_at_the_interval_handles_slow_down_and_caches_tokens(
    live: Live, native_profile: Profile, config_dir: Path, person: Browser
) -> None:
    prompts: list[DevicePrompt] = []
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        # No real waiting: the first two polls come too soon for the server, so the first is
        # authorization_pending and the second slow_down (+5 s); before the third the user
        # approves on the device page.
        waits.append(seconds)
        if len(waits) == 3:
            done = person.approve_device(live.url, prompts[0].user_code)
            assert "Device connected" in done.text

    source = TokenSource(native_profile)
    tokens = source.login_device(show_prompt=prompts.append, sleep=sleep)

    assert waits == [5, 5, 10]
    assert prompts[0].verification_uri == f"{live.url}/ims/device"
    assert tokens.refresh_token and tokens.id_token
    assert source.cache.load() == tokens
    assert source.userinfo()["name"] == USER_NAME


def test_device_login_denied_on_the_device_page(
    live: Live, native_profile: Profile, config_dir: Path
) -> None:
    denier = Browser(decision="deny")
    prompts: list[DevicePrompt] = []

    def sleep(seconds: float) -> None:
        if prompts:
            denier.approve_device(live.url, prompts.pop().user_code)

    source = TokenSource(native_profile)
    try:
        with pytest.raises(AccessDenied):
            source.login_device(show_prompt=prompts.append, sleep=sleep)
    finally:
        denier.close()
    assert source.cache.load() is None


def test_device_login_refused_for_a_credential_without_the_device_grant(
    live: Live, config_dir: Path
) -> None:
    profile = Profile(
        name="web", issuer=live.url, client_id=live.web_id, client_secret=live.web_secret
    )
    source = TokenSource(profile)
    with pytest.raises(OAuthServerError) as refused:
        source.login_device(sleep=lambda s: None)
    assert refused.value.error == "unauthorized_client"
    assert "Native App" in str(refused.value)
