"""Proof Key for Code Exchange (RFC 7636), and the downgrade it must not allow (RFC 9700 §4.8)."""

from __future__ import annotations

import secrets

import pytest

from cclibs.oauth.errors import InvalidGrant, InvalidRequest
from cclibs.oauth.pkce import check_challenge, verify
from cclibs.sdk.pkce import s256

# RFC 7636 Appendix B.
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def _refused_grant(verifier: str | None, challenge: str | None, method: str | None) -> None:
    with pytest.raises(InvalidGrant) as caught:
        verify(verifier, challenge, method)
    assert caught.value.error == "invalid_grant"
    assert caught.value.status == 400


def _refused_request(challenge: str | None, method: str | None, *, allow_plain: bool) -> str:
    with pytest.raises(InvalidRequest) as caught:
        check_challenge(challenge, method, allow_plain=allow_plain)
    assert caught.value.error == "invalid_request"
    return caught.value.description


# --- The authorization request -------------------------------------------------------------


def test_the_rfc_test_vector() -> None:
    assert s256(RFC_VERIFIER) == RFC_CHALLENGE
    assert check_challenge(RFC_CHALLENGE, "S256", allow_plain=False) == "S256"
    verify(RFC_VERIFIER, RFC_CHALLENGE, "S256")


@pytest.mark.parametrize("allow_plain", [True, False])
def test_no_challenge_means_no_pkce(allow_plain: bool) -> None:
    assert check_challenge(None, None, allow_plain=allow_plain) is None
    assert check_challenge("", None, allow_plain=allow_plain) is None
    assert check_challenge("", "", allow_plain=allow_plain) is None


@pytest.mark.parametrize("method", ["S256", "plain", "bogus"])
def test_a_method_without_a_challenge_is_refused(method: str) -> None:
    description = _refused_request(None, method, allow_plain=True)
    assert "without code_challenge" in description
    _refused_request("", method, allow_plain=True)


def test_plain_is_refused_unless_allowed() -> None:
    challenge = RFC_VERIFIER
    assert "S256" in _refused_request(challenge, "plain", allow_plain=False)
    assert check_challenge(challenge, "plain", allow_plain=True) == "plain"


def test_the_default_method_is_plain() -> None:
    # RFC 7636 §4.3: an omitted method means plain, so it is refused where plain is.
    _refused_request(RFC_CHALLENGE, None, allow_plain=False)
    _refused_request(RFC_CHALLENGE, "", allow_plain=False)
    assert check_challenge(RFC_CHALLENGE, None, allow_plain=True) == "plain"


@pytest.mark.parametrize("allow_plain", [True, False])
@pytest.mark.parametrize("method", ["s256", "S512", "SHA256", "Plain", "none", "S256 "])
def test_unknown_methods_are_refused(method: str, allow_plain: bool) -> None:
    _refused_request(RFC_CHALLENGE, method, allow_plain=allow_plain)


@pytest.mark.parametrize(
    "challenge",
    [
        "a" * 42,
        "a" * 129,
        RFC_CHALLENGE[:-1] + "=",
        RFC_CHALLENGE[:-1] + "+",
        RFC_CHALLENGE[:-1] + "/",
        RFC_CHALLENGE[:-1] + " ",
        RFC_CHALLENGE + "\n",
        RFC_CHALLENGE + "\x00",
        RFC_CHALLENGE[:-1] + "é",
    ],
)
def test_malformed_challenges_are_refused(challenge: str) -> None:
    _refused_request(challenge, "S256", allow_plain=True)


# --- The token request ---------------------------------------------------------------------


def test_a_wrong_verifier_is_refused() -> None:
    _refused_grant(RFC_VERIFIER[:-1] + "Y", RFC_CHALLENGE, "S256")
    _refused_grant(secrets.token_urlsafe(32), RFC_CHALLENGE, "S256")


def test_sending_the_challenge_as_the_verifier_is_refused() -> None:
    _refused_grant(RFC_CHALLENGE, RFC_CHALLENGE, "S256")


def test_a_verifier_without_a_stored_challenge_is_refused() -> None:
    # A code issued without PKCE cannot be passed off as protected (downgrade, RFC 9700 §4.8).
    _refused_grant(RFC_VERIFIER, None, None)
    _refused_grant(RFC_VERIFIER, None, "S256")


def test_no_verifier_and_no_challenge_passes() -> None:
    verify(None, None, None)


@pytest.mark.parametrize("verifier", [None, ""])
def test_a_stored_challenge_needs_a_verifier(verifier: str | None) -> None:
    _refused_grant(verifier, RFC_CHALLENGE, "S256")
    _refused_grant(verifier, RFC_VERIFIER, "plain")


@pytest.mark.parametrize(
    "verifier",
    [
        "a" * 42,
        "a" * 129,
        "a" * 42 + "+",
        "a" * 42 + "/",
        "a" * 42 + "=",
        "a" * 42 + " ",
        "a" * 42 + "%",
        "a" * 42 + "é",
        "a" * 43 + "\n",
        "a" * 43 + "\x00",
    ],
)
def test_malformed_verifiers_are_refused_even_when_they_match(verifier: str) -> None:
    # The challenge is computed from the verifier itself, so only the format can refuse it.
    try:
        challenge = s256(verifier)
    except UnicodeEncodeError:
        challenge = RFC_CHALLENGE
    _refused_grant(verifier, challenge, "S256")
    _refused_grant(verifier, verifier, "plain")


@pytest.mark.parametrize("length", [43, 64, 128])
def test_verifiers_of_43_to_128_unreserved_characters_pass(length: int) -> None:
    alphabet = "ABCXYZabcxyz0189-._~"
    verifier = "".join(alphabet[i % len(alphabet)] for i in range(length))
    verify(verifier, s256(verifier), "S256")
    verify(verifier, verifier, "plain")


def test_plain_compares_the_verifier_itself() -> None:
    verify(RFC_VERIFIER, RFC_VERIFIER, "plain")
    _refused_grant(RFC_VERIFIER, RFC_CHALLENGE, "plain")
    _refused_grant(RFC_VERIFIER, RFC_VERIFIER, "S256")
