"""A profile's API URL moves with its issuer when the API lived at the issuer (a cclibs
serves both) and no API URL was given: ``cclibs profiles add local --issuer URL`` or
``CCLIBS_PROFILE_ISSUER`` alone point the whole profile at another server."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cclibs.cli import profiles as profiles_cli
from cclibs.sdk import ProfileStore

OTHER = "http://127.0.0.1:9123"


def test_a_new_issuer_takes_the_api_along(config_dir: Path) -> None:
    store = ProfileStore()
    local = store.save("local", {"issuer": OTHER})
    assert (local.issuer, local.api_url, local.client_id) == (OTHER, OTHER, "cclibs-cli")
    assert "api_url" not in store.path.read_text()  # derived, not written down

    explicit = store.save("local", {"issuer": OTHER, "api_url": "http://127.0.0.1:9999"})
    assert explicit.api_url == "http://127.0.0.1:9999"  # given, so kept
    work = store.save("work", {"issuer": "https://id.example.com"})
    assert work.api_url == "https://id.example.com"


def test_adobe_keeps_its_api_host(config_dir: Path) -> None:
    # IMS and the Libraries API are different hosts: a new IMS does not move the API.
    adobe = ProfileStore().save("adobe", {"issuer": "https://ims-na1-stg1.adobelogin.com"})
    assert adobe.api_url == "https://cc-libraries.adobe.io"


def test_the_environment_moves_it_too(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCLIBS_PROFILE_ISSUER", OTHER)
    assert ProfileStore().load("local").api_url == OTHER
    monkeypatch.setenv("CCLIBS_PROFILE_API_URL", "http://127.0.0.1:7000")
    assert ProfileStore().load("local").api_url == "http://127.0.0.1:7000"
    monkeypatch.delenv("CCLIBS_PROFILE_API_URL")
    assert ProfileStore().load("adobe").api_url == "https://cc-libraries.adobe.io"


def test_profiles_add_says_where_the_api_is(config_dir: Path) -> None:
    result = CliRunner().invoke(profiles_cli.app, ["add", "local", "--issuer", OTHER + "/"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"profile local: {OTHER} client cclibs-cli API {OTHER}"
    assert ProfileStore().load("local").api_url == OTHER
