"""Redirect URIs: what may be registered, and which requested URI matches (RFC 9700 §2.1)."""

from __future__ import annotations

import re

import pytest

from cclibs.oauth.errors import InvalidRedirectTarget
from cclibs.oauth.redirects import (
    MAX_PATTERN_LENGTH,
    MAX_URI_LENGTH,
    RedirectPolicy,
    RegistrationError,
    check_pattern,
    check_redirect_uri,
    resolve_redirect_uri,
)

CLIENT_TYPES = ("web", "spa", "native", "server")


def _refused_at_registration(uri: str, client_type: str) -> RegistrationError:
    with pytest.raises(RegistrationError) as caught:
        check_redirect_uri(uri, client_type)
    assert caught.value.field == "redirect_uris"
    assert caught.value.message
    return caught.value


def _refused_pattern(pattern: str) -> RegistrationError:
    with pytest.raises(RegistrationError) as caught:
        check_pattern(pattern)
    assert caught.value.field == "redirect_uri_pattern"
    assert caught.value.message
    return caught.value


def _refused_at_authorization(requested: str | None, policy: RedirectPolicy) -> None:
    with pytest.raises(InvalidRedirectTarget) as caught:
        resolve_redirect_uri(requested, policy)
    # Shown as a page: an unverified redirect URI is never redirected to (RFC 9700 §4.11).
    assert caught.value.redirectable is False
    assert caught.value.error == "invalid_request"


# --- Registration: one URI ----------------------------------------------------------------


@pytest.mark.parametrize("client_type", CLIENT_TYPES)
@pytest.mark.parametrize(
    "uri",
    [
        "https://example.com/cb",
        "https://example.com:8443/oauth/callback?tenant=a",
        "http://127.0.0.1/cb",
        "http://127.0.0.1:8080/cb",
        "http://[::1]/cb",
        "http://[::1]:8080/cb",
        "http://localhost:3000/cb",
    ],
)
def test_https_and_loopback_http_are_accepted(uri: str, client_type: str) -> None:
    assert check_redirect_uri(uri, client_type) == uri


@pytest.mark.parametrize("client_type", CLIENT_TYPES)
@pytest.mark.parametrize(
    "uri",
    [
        "http://example.com/cb",
        "http://localhost.example.com/cb",
        "http://127.0.0.1.example.com/cb",
        "http://192.168.1.10/cb",
        # RFC 8252 §8.3 names 127.0.0.1; the rule (and the error message) allow only
        # 127.0.0.1, [::1] and localhost, not the rest of 127.0.0.0/8.
        "http://127.0.0.2/cb",
    ],
)
def test_http_is_refused_except_for_loopback(uri: str, client_type: str) -> None:
    error = _refused_at_registration(uri, client_type)
    assert "http" in error.message


def test_plain_http_on_a_web_app_is_refused_with_an_explanation() -> None:
    error = _refused_at_registration("http://example.com/cb", "web")
    assert str(error) == error.message
    assert "use https" in error.message
    assert "127.0.0.1, [::1] and localhost" in error.message


@pytest.mark.parametrize("client_type", CLIENT_TYPES)
@pytest.mark.parametrize(
    ("uri", "words"),
    [
        ("https://example.com/cb#section", "fragment"),
        ("https://example.com/cb#", "fragment"),
        ("https://user@example.com/cb", "user name or password"),
        ("https://user:pass@example.com/cb", "user name or password"),
        # An empty userinfo is still a userinfo (RFC 3986 §3.2.1: present when "@" is).
        ("https://@example.com/cb", "user name or password"),
        ("https://:@example.com/cb", "user name or password"),
        ("https://*.example.com/cb", "Wildcards"),
        ("https://example.com/*", "Wildcards"),
        ("https://example.com/a b", "spaces or control characters"),
        (" https://example.com/cb", "spaces or control characters"),
        ("https://example.com/cb\t", "spaces or control characters"),
        ("https://example.com/cb\n", "spaces or control characters"),
        ("https://example.com/\x00cb", "spaces or control characters"),
        ("https://example.com/\x1bcb", "spaces or control characters"),
        ("https://example.com/cb\x7f", "spaces or control characters"),  # DEL is a control
        ("https://example.com/cb\x80", "spaces or control characters"),  # so is C1
        ("", "1 to 2048"),
        ("https:///cb", "no host"),
        ("https://example.com:99999/cb", "not a valid URI"),
        ("https://example.com:port/cb", "not a valid URI"),
    ],
)
def test_malformed_uris_are_refused(uri: str, words: str, client_type: str) -> None:
    assert words in _refused_at_registration(uri, client_type).message


def test_at_most_2048_characters() -> None:
    base = "https://example.com/"
    longest = base + "a" * (MAX_URI_LENGTH - len(base))
    assert MAX_URI_LENGTH == 2048
    assert check_redirect_uri(longest, "web") == longest
    assert "1 to 2048" in _refused_at_registration(longest + "a", "web").message


@pytest.mark.parametrize(
    "uri", ["com.example.app:/callback", "com.example.app:/oauth2redirect", "io.cclibs.desk:/cb"]
)
def test_native_apps_may_use_private_use_schemes_in_reverse_domain_form(uri: str) -> None:
    # RFC 8252 §7.1.
    assert check_redirect_uri(uri, "native") == uri


@pytest.mark.parametrize("client_type", ["web", "spa", "server"])
def test_private_use_schemes_are_for_native_apps_only(client_type: str) -> None:
    error = _refused_at_registration("com.example.app:/callback", client_type)
    assert "must be an https URI" in error.message


@pytest.mark.parametrize(
    "uri",
    [
        "myapp:/cb",
        "javascript:alert(1)",
        "javascript://example.com/%0aalert(1)",
        "data:text/html,hello",
        "file:///etc/passwd",
        "ftp://example.com/cb",
    ],
)
def test_native_apps_refuse_other_schemes(uri: str) -> None:
    error = _refused_at_registration(uri, "native")
    assert "reverse domain form" in error.message


@pytest.mark.parametrize("client_type", ["web", "spa", "server"])
@pytest.mark.parametrize("uri", ["javascript:alert(1)", "data:text/html,hello", "myapp:/cb"])
def test_web_clients_refuse_other_schemes(uri: str, client_type: str) -> None:
    assert "must be an https URI" in _refused_at_registration(uri, client_type).message


# --- Registration: patterns ----------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        r"https://example\.com/.*",
        r"https://example\.com/cb/.*",
        r"https://example\.com",
        r"https://example\.com$",
        r"https://example\.com:8443/cb/[a-z]+",
        r"^https://app\.example\.com/callback(\?.*)?$",
        r"https://my-app\.example\.co\.uk/.*",
        r"https://example\.com/.*,https://www\.example\.com/cb",
        r"https://example\.com/.*, https://example\.org/.*",
    ],
)
def test_adobe_style_patterns_with_a_literal_escaped_host_are_accepted(pattern: str) -> None:
    assert check_pattern(pattern) == pattern


@pytest.mark.parametrize(
    "pattern",
    [
        r"https://.*",
        r"https://.*\.example\.com/.*",
        r"https://example.com/.*",
        r"https://app.example.com/.*",
        r"https://example\.com.*",
        r"https://example\.com\..*",
        r"https://example\.com(/.*)?",
        r"http://example\.com/.*",
        r"https://[a-z]+\.example\.com/.*",
        r"https://example\.com/.*,https://.*",
        r"https://example\.com/|.*",
        r"example\.com/.*",
        r"https://example\.com/(",
        r"https://example\.com/[a-z",
        r"https://example\.com/a{1,3}",  # the comma splits it into two patterns
    ],
)
def test_patterns_that_are_not_anchored_to_one_literal_host_are_refused(pattern: str) -> None:
    _refused_pattern(pattern)


def test_unescaped_dots_are_refused_because_they_match_other_hosts() -> None:
    # Why the rule exists: an unescaped dot matches any character, so the host part of such a
    # pattern matches hosts the owner does not control.
    assert re.fullmatch(r"https://app.example.com/.*", "https://appxexample.com/cb")
    assert re.fullmatch(r"https://example.com.*", "https://example.com.evil.io/cb")
    assert re.fullmatch(r"https://example\.com.*", "https://example.com.evil.io/cb")
    for pattern in (
        r"https://app.example.com/.*",
        r"https://example.com/.*",
        r"https://example.com.*",
        r"https://example\.com.*",
    ):
        _refused_pattern(pattern)


def test_an_escaped_host_must_be_followed_by_a_path() -> None:
    error = _refused_pattern(r"https://example\.com.*")
    assert "followed by /" in error.message


def test_invalid_regular_expressions_are_refused() -> None:
    error = _refused_pattern(r"https://example\.com/(cb")
    assert "is not a pattern this server can match (missing )" in error.message


def test_an_alternative_cannot_name_another_host() -> None:
    # Each alternative of a top-level "|" is matched on its own, so this pattern as written
    # also lets https://evil.io/... through; the literal host must bind the whole pattern.
    pattern = r"https://example\.com/|https://evil\.io/.*"
    assert re.fullmatch(pattern, "https://evil.io/steal")
    _refused_pattern(pattern)
    _refused_pattern(r"https://example\.com/.*|https://[^/]*\.evil\.io/.*")


def test_at_most_512_characters() -> None:
    base = "https://example\\.com/"
    longest = base + "a" * (MAX_PATTERN_LENGTH - len(base))
    assert MAX_PATTERN_LENGTH == 512
    assert check_pattern(longest) == longest
    error = _refused_pattern(longest + "a")
    assert "512" in error.message


def test_pattern_length_counts_the_whole_list() -> None:
    one = "https://example\\.com/" + "a" * 200
    assert check_pattern(f"{one},{one}") == f"{one},{one}"
    _refused_pattern(f"{one},{one},{one}")


# --- Authorization: exact match ------------------------------------------------------------

WEB = RedirectPolicy(
    client_type="web",
    uris=("https://example.com/cb", "https://example.com/other?x=1"),
    default_uri=None,
    pattern=None,
)


@pytest.mark.parametrize("requested", WEB.uris)
def test_a_registered_uri_matches_exactly(requested: str) -> None:
    assert resolve_redirect_uri(requested, WEB) == requested


@pytest.mark.parametrize(
    "requested",
    [
        "https://EXAMPLE.com/cb",
        "HTTPS://example.com/cb",
        "https://example.com/CB",
        "https://example.com/cb/",
        "https://example.com/cb?",
        "https://example.com/cb?extra=1",
        "https://example.com/cb/more",
        "https://example.com/cbmore",
        "https://example.com/cb#",
        "https://example.com/cb#frag",
        "https://example.com:443/cb",
        "https://example.com/other",
        "https://example.com/other?x=1&y=2",
        "https://example.com/./cb",
        "https://example.com/%63b",
        "http://example.com/cb",
        "https://example.com.evil.io/cb",
        "https://evil.io/https://example.com/cb",
        " https://example.com/cb",
        "https://example.com/cb ",
    ],
)
def test_anything_but_the_exact_string_is_refused(requested: str) -> None:
    # RFC 9700 §2.1: simple string comparison (RFC 3986 §6.2.1); no normalisation.
    _refused_at_authorization(requested, WEB)


def test_absent_redirect_uri_uses_the_default() -> None:
    policy = RedirectPolicy(
        "web", ("https://example.com/a", "https://example.com/b"), "https://example.com/b", None
    )
    assert resolve_redirect_uri(None, policy) == "https://example.com/b"
    assert resolve_redirect_uri("", policy) == "https://example.com/b"


def test_absent_redirect_uri_uses_the_only_registered_uri() -> None:
    policy = RedirectPolicy("web", ("https://example.com/a",), None, None)
    assert resolve_redirect_uri(None, policy) == "https://example.com/a"
    assert resolve_redirect_uri("", policy) == "https://example.com/a"


def test_absent_redirect_uri_is_refused_when_several_are_registered() -> None:
    _refused_at_authorization(None, WEB)
    _refused_at_authorization("", WEB)
    _refused_at_authorization(None, RedirectPolicy("web", (), None, None))


def test_the_default_uri_matches_exactly() -> None:
    policy = RedirectPolicy("web", (), "https://example.com/home", r"https://example\.com/cb/.*")
    assert resolve_redirect_uri("https://example.com/home", policy) == "https://example.com/home"
    _refused_at_authorization("https://example.com/home/", policy)


def test_an_overlong_redirect_uri_is_refused() -> None:
    long_uri = "https://example.com/" + "a" * MAX_URI_LENGTH
    policy = RedirectPolicy("web", (long_uri,), None, None)
    _refused_at_authorization(long_uri, policy)


# --- Authorization: native loopback (RFC 8252 §7.3) ----------------------------------------

NATIVE = RedirectPolicy(
    client_type="native",
    uris=(
        "http://127.0.0.1/cb",
        "http://[::1]/cb?app=desk",
        "http://localhost/done",
        "com.example.app:/callback",
    ),
    default_uri=None,
    pattern=None,
)


@pytest.mark.parametrize(
    "requested",
    [
        "http://127.0.0.1/cb",
        "http://127.0.0.1:1/cb",
        "http://127.0.0.1:51004/cb",
        "http://127.0.0.1:65535/cb",
        "http://[::1]:51004/cb?app=desk",
        "http://[::1]/cb?app=desk",
        "http://localhost/done",
        "com.example.app:/callback",
    ],
)
def test_native_loopback_uris_match_on_any_port(requested: str) -> None:
    assert resolve_redirect_uri(requested, NATIVE) == requested


@pytest.mark.parametrize(
    "requested",
    [
        "http://127.0.0.1:51004/cb/",
        "http://127.0.0.1:51004/other",
        "http://127.0.0.1:51004/cb?x=1",
        "http://127.0.0.1:51004/",
        "http://[::1]:51004/cb",
        "http://[::1]:51004/cb?app=other",
        "http://127.0.0.1:51004/cb?app=desk",
        "https://127.0.0.1:51004/cb",
        "https://127.0.0.1/cb",
        # localhost was registered for /done, but only as localhost: no swapping the host.
        "http://127.0.0.1:51004/done",
        "http://[::1]:51004/done",
        "http://localhost:51004/cb",
        "http://127.0.0.2:51004/cb",
        "http://127.0.0.1.evil.io:51004/cb",
        "com.example.app:/callback/x",
        "com.example.app:/callback#x",
        # A redirect URI never carries a fragment (RFC 6749 §3.1.2), on any port.
        "http://127.0.0.1:51004/cb#frag",
        "http://127.0.0.1:51004/cb#",
        # Not a port at all.
        "http://127.0.0.1:port/cb",
        "http://127.0.0.1:99999/cb",
    ],
)
def test_native_loopback_needs_the_same_host_path_and_query(requested: str) -> None:
    _refused_at_authorization(requested, NATIVE)


def test_localhost_with_a_port_matches_only_as_registered() -> None:
    policy = RedirectPolicy("native", ("http://localhost:8080/cb",), None, None)
    assert resolve_redirect_uri("http://localhost:8080/cb", policy) == "http://localhost:8080/cb"
    _refused_at_authorization("http://localhost:8081/cb", policy)
    _refused_at_authorization("http://127.0.0.1:8080/cb", policy)


@pytest.mark.parametrize("client_type", ["web", "spa"])
def test_any_port_is_for_native_apps_only(client_type: str) -> None:
    policy = RedirectPolicy(client_type, ("http://127.0.0.1/cb", "http://[::1]/cb"), None, None)
    assert resolve_redirect_uri("http://127.0.0.1/cb", policy) == "http://127.0.0.1/cb"
    _refused_at_authorization("http://127.0.0.1:51004/cb", policy)
    _refused_at_authorization("http://[::1]:51004/cb", policy)


# --- Authorization: patterns ---------------------------------------------------------------

PATTERNED = RedirectPolicy(
    client_type="web",
    uris=(),
    default_uri="https://example.com/home",
    pattern=r"https://example\.com/cb/.*,https://www\.example\.com/app",
)


@pytest.mark.parametrize("client_type", ["web", "spa"])
@pytest.mark.parametrize(
    "requested",
    [
        "https://example.com/cb/x",
        "https://example.com/cb/",
        "https://example.com/cb/a/b?c=d",
        "https://www.example.com/app",
    ],
)
def test_a_pattern_matches_the_whole_uri(requested: str, client_type: str) -> None:
    policy = RedirectPolicy(client_type, (), PATTERNED.default_uri, PATTERNED.pattern)
    assert resolve_redirect_uri(requested, policy) == requested


@pytest.mark.parametrize(
    "requested",
    [
        "https://example.com.evil.io/cb/",
        "https://example.com.evil.io/cb/x",
        "https://evil.io/https://example.com/cb/x",
        "https://example.com/cb/x#frag",
        "https://example.com/cb/#",
        "https://example.com/cb",
        "https://example.com/cbx",
        "https://www.example.com/app/",
        "https://www.example.com/app?x=1",
        "https://wwwxexample.com/app",
        "http://example.com/cb/x",
        "https://EXAMPLE.com/cb/x",
        "https://user@example.com/cb/x",
        "https://example.com@evil.io/cb/x",
        "https://example.com:8443/cb/x",
        "https://example.com/cb/x\nLocation: https://evil.io/",
    ],
)
def test_a_pattern_refuses_everything_else(requested: str) -> None:
    _refused_at_authorization(requested, PATTERNED)


def test_patterns_are_matched_in_linear_time_so_backtracking_shapes_are_harmless() -> None:
    # With Python's backtracking engine (a+)+x, or .*.*.*x, takes seconds on a long URI; RE2
    # matches in time linear in the URI, so such patterns are accepted and mean what they say.
    pattern = r"https://example\.com/(a+)+x,https://example\.com/cb/.*.*.*x"
    assert check_pattern(pattern) == pattern
    policy = RedirectPolicy("web", (), "https://example.com/cb", pattern)
    assert resolve_redirect_uri("https://example.com/aaax", policy) == "https://example.com/aaax"
    assert resolve_redirect_uri("https://example.com/cb/1/2/x", policy)
    with pytest.raises(InvalidRedirectTarget):
        resolve_redirect_uri("https://example.com/" + "a" * 2000, policy)


@pytest.mark.parametrize(
    "pattern", [r"https://example\.com/(?=x).*", r"https://example\.com/(a)\1"]
)
def test_what_cannot_be_matched_in_linear_time_is_refused(pattern: str) -> None:
    with pytest.raises(RegistrationError) as caught:
        check_pattern(pattern)
    assert "lookarounds and back-references are not supported" in caught.value.message
    assert caught.value.field == "redirect_uri_pattern"
