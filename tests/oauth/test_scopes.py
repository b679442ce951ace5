"""Scopes: the registry the consent page reads, and parsing IMS (comma) and RFC (space) lists."""

from __future__ import annotations

import pytest

from cclibs.oauth.scopes import (
    IDENTITY_SCOPES,
    LIBRARIES_SCOPES,
    SCOPES,
    format_scopes,
    parse_scopes,
)

IMS_SCOPES = "openid,creative_sdk,profile,address,AdobeID,email,cc_files,cc_libraries"
IMS_ORDER = (
    "openid",
    "creative_sdk",
    "profile",
    "address",
    "AdobeID",
    "email",
    "cc_files",
    "cc_libraries",
)


# --- The registry --------------------------------------------------------------------------


def test_the_registry_holds_exactly_the_supported_scopes() -> None:
    assert set(SCOPES) == {
        "openid",
        "AdobeID",
        "creative_sdk",
        "profile",
        "email",
        "address",
        "offline_access",
        "cc_files",
        "cc_libraries",
    }
    assert len(SCOPES) == 9


@pytest.mark.parametrize("name", sorted(SCOPES))
def test_every_scope_can_be_shown_on_the_consent_page(name: str) -> None:
    scope = SCOPES[name]
    assert scope.name == name
    assert scope.title.strip()
    assert scope.description.strip()


def test_scope_groups_are_in_the_registry() -> None:
    assert set(SCOPES) >= IDENTITY_SCOPES | LIBRARIES_SCOPES
    assert not IDENTITY_SCOPES & LIBRARIES_SCOPES


# --- Parsing -------------------------------------------------------------------------------


def test_ims_comma_style() -> None:
    assert parse_scopes(IMS_SCOPES) == IMS_ORDER


def test_rfc_space_style() -> None:
    assert parse_scopes(IMS_SCOPES.replace(",", " ")) == IMS_ORDER


@pytest.mark.parametrize(
    "raw",
    [
        "openid,creative_sdk profile,address AdobeID email,cc_files cc_libraries",
        "openid, creative_sdk, profile, address, AdobeID, email, cc_files, cc_libraries",
        " openid,,creative_sdk  profile , address,AdobeID email cc_files,cc_libraries, ",
    ],
)
def test_mixtures_of_commas_and_spaces(raw: str) -> None:
    assert parse_scopes(raw) == IMS_ORDER


@pytest.mark.parametrize("raw", [None, "", " ", ",", " , ,"])
def test_nothing_to_parse(raw: str | None) -> None:
    assert parse_scopes(raw) == ()


def test_duplicates_are_removed_keeping_the_first_position() -> None:
    assert parse_scopes("profile openid,profile email openid") == ("profile", "openid", "email")


def test_scopes_are_case_sensitive() -> None:
    parsed = parse_scopes("AdobeID adobeid OPENID openid")
    assert parsed == ("AdobeID", "adobeid", "OPENID", "openid")


def test_unknown_but_well_formed_scopes_are_left_to_the_caller() -> None:
    assert parse_scopes("openid read:libraries x~y") == ("openid", "read:libraries", "x~y")


@pytest.mark.parametrize(
    "raw",
    [
        'openid "profile"',
        'openid,pro"file',
        "openid pro\\file",
        "openid\x00profile",
        "openid pro\x01file",
        "openid pro\x1bfile",
        "openid pro\x7ffile",
        "openid profilé",
        "openid " + "a" * 129,
    ],
)
def test_malformed_scopes_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="malformed scope"):
        parse_scopes(raw)


def test_at_most_fifty_scopes() -> None:
    fifty = " ".join(f"s{n}" for n in range(50))
    assert len(parse_scopes(fifty)) == 50
    with pytest.raises(ValueError, match="too many scopes"):
        parse_scopes(fifty + " s50")
    with pytest.raises(ValueError, match="too many scopes"):
        parse_scopes(",".join(f"s{n}" for n in range(51)))


# --- Formatting ----------------------------------------------------------------------------


def test_format_orders_by_the_registry() -> None:
    assert format_scopes(IMS_ORDER) == (
        "openid AdobeID creative_sdk profile email address cc_files cc_libraries"
    )


def test_format_with_commas_for_ims() -> None:
    assert format_scopes(["cc_libraries", "openid", "AdobeID"], comma=True) == (
        "openid,AdobeID,cc_libraries"
    )


def test_format_removes_duplicates_and_puts_unknown_scopes_last() -> None:
    assert format_scopes(["zeta", "email", "alpha", "openid", "email"]) == (
        "openid email alpha zeta"
    )
    assert format_scopes([]) == ""


def test_format_and_parse_round_trip() -> None:
    for comma in (False, True):
        text = format_scopes(SCOPES, comma=comma)
        assert parse_scopes(text) == tuple(SCOPES)
