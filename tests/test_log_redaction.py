"""``scrub_text`` first asks whether a text could hold anything its rules mask, and returns the
texts that cannot as they are; of a plain text (a path: no white space, quote, ':', '=', '['
or '(') it applies the dotted-token rules alone. Those quick tests must never change an
answer: over texts holding every kind of secret, and over texts built at random from the
pieces the rules look for, the answer equals applying every rule.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cclibs import log_redaction
from cclibs.log_redaction import REDACTED, scrub_text


def every_rule(text: str) -> str:
    for pattern, replacement in log_redaction._TEXT_RULES:
        text = pattern.sub(replacement, text)
    return text


SECRETS = [
    "(psycopg.errors.UniqueViolation) [parameters: ('a@example.com', '$argon2id$v=19$x')]",
    "[SQL parameters hidden due to hide_parameters=True]",
    "DETAIL:  Key (token_hash)=(5f3a9c) already exists.",
    "Authorization: Basic dXNlcjpwYXNz",
    "proxy-authorization: secret-value",
    "Set-Cookie: cclibs_session=abc123; HttpOnly",
    "sent Bearer abcdef0123456789 to the API",
    "DPoP eyJhbGciOiJFUzI1NiJ9abcdef",
    "token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    "opaque aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbb.cccccccccccccccc",
    "{'password': 'hunter2', 'name': 'Ann'}",
    '{"client_secret": "s3cr3t"}',
    "(b'cookie', b'a=b')",
    "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&code_verifier=abc",
    "POST /ims/token/v3 refresh_token=rt_123&client_id=app",
    "pwd=x&otp=1",
    "X-API-KEY: key-1",
    "device_code: GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS",
]


@pytest.mark.parametrize("text", SECRETS)
def test_every_kind_of_secret_is_still_masked(text: str) -> None:
    masked = scrub_text(text)
    assert masked == every_rule(text)
    assert masked != text
    assert REDACTED in masked


@pytest.mark.parametrize(
    "text",
    [
        "GET",
        "/api/v1/libraries/urn:aaid:sc:US:e278668b-1547-4181-a6d8-5f3cf26374d6/elements",
        "203.0.113.9",
        "request",
        "cclibs.access",
    ],
)
def test_an_ordinary_access_log_value_is_left_as_it_is(text: str) -> None:
    assert log_redaction._MAY_HOLD_SECRET.search(text) is None
    assert scrub_text(text) == text


# Pieces the rules look for, with ordinary ones between them: joined at random they make
# texts that sit on the edge of every rule (a name without a value, a JWT without its
# signature, a segment one character short, a case the rule does not fold...).
PIECES = [
    "password",
    "PassWord",
    "secret",
    "Token",
    "code",
    "CODE",
    "pwd",
    "api-key",
    "authorization",
    "Cookie",
    "set-cookie",
    "bearer",
    "Basic",
    "dpop",
    "eyJ",
    "EYJ",
    "Key (",
    "key (",
    ")",
    "(",
    "[parameters: ",
    "[SQL parameters hidden",
    "]",
    "=",
    ":",
    ": ",
    ",",
    "&",
    "'",
    '"',
    "b'",
    "\\",
    " ",
    "\n",
    ".",
    "x",
    "abc",
    "a" * 15,
    "b" * 16,
    "0123456789abcdef",
    "already exists",
    "ok",
    "/api/v1/libraries",
    "/ims/token/v3",
    "eyJhbGciOiJIUzI1NiJ9.",
    "é",
]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
def test_the_quick_test_changes_no_answer(text: str) -> None:
    assert scrub_text(text) == every_rule(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=120))
def test_any_text_gets_the_answer_of_every_rule(text: str) -> None:
    assert scrub_text(text) == every_rule(text)
