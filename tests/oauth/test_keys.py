"""Signing keys without storage: lifecycle states, JWKS, JWS sign/verify, sealing at rest."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from cclibs.clock import FrozenClock
from cclibs.oauth.keys import (
    DEFAULT_PUBLISH_AHEAD,
    InvalidJwt,
    KeyManager,
    KeyRing,
    KeyState,
    NoSigningKey,
    SealedKeyError,
    SigningKey,
    generate_key,
    key_state,
    open_private_key,
    seal_private_key,
    sealed,
    unsealed,
)

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
SECRET = b"a-server-secret-that-is-long-enough-for-tests"
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


@pytest.fixture(scope="module")
def es() -> SigningKey:
    return generate_key("ES256", T0, publish_ahead=timedelta(0))


@pytest.fixture(scope="module")
def rs() -> SigningKey:
    return generate_key("RS256", T0, publish_ahead=timedelta(0))


def ring(*keys: SigningKey, at: datetime = T0) -> KeyRing:
    return KeyRing(keys, now=at, max_token_lifetime=DAY)


def b64(data: bytes | dict[str, Any]) -> str:
    raw = json.dumps(data).encode() if isinstance(data, dict) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


CLAIMS = {"iss": "http://testserver", "sub": "u1@AdobeID", "exp": 1, "scope": "openid"}


# Generation and states --------------------------------------------------------------------


def test_generated_keys_have_random_urlsafe_kids_and_the_right_shape(
    es: SigningKey, rs: SigningKey
) -> None:
    assert es.kid != rs.kid
    for key in (es, rs):
        assert len(key.kid) >= 16
        assert set(key.kid) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        )
        assert key.key.is_private
    assert es.public_jwk()["crv"] == "P-256"
    assert len(unb64(rs.public_jwk()["n"])) * 8 == 2048


def test_generate_key_pre_publishes_by_publish_ahead() -> None:
    key = generate_key("ES256", T0, publish_ahead=DEFAULT_PUBLISH_AHEAD)
    assert key.created_at == T0
    assert key.not_before == T0 + DEFAULT_PUBLISH_AHEAD
    assert key.state(T0, DAY) is KeyState.PENDING


def test_generate_key_refuses_other_algorithms() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        generate_key("HS256", T0, publish_ahead=timedelta(0))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("at", "state"),
    [
        (T0 - timedelta(seconds=1), KeyState.PENDING),
        (T0, KeyState.ACTIVE),
        (T0 + timedelta(hours=1) - timedelta(microseconds=1), KeyState.ACTIVE),
        (T0 + timedelta(hours=1), KeyState.RETIRED),
        (T0 + timedelta(hours=1) + DAY - timedelta(microseconds=1), KeyState.RETIRED),
        (T0 + timedelta(hours=1) + DAY, KeyState.EXPIRED),
    ],
)
def test_key_state_boundaries(at: datetime, state: KeyState) -> None:
    retired = T0 + timedelta(hours=1)
    assert key_state(not_before=T0, retired_at=retired, now=at, max_token_lifetime=DAY) is state


# JWKS -------------------------------------------------------------------------------------


def test_jwks_holds_public_members_only(es: SigningKey, rs: SigningKey) -> None:
    jwks = ring(es, rs).jwks()
    by_kid = {jwk["kid"]: jwk for jwk in jwks["keys"]}
    assert set(by_kid[rs.kid]) == {"kty", "n", "e", "kid", "alg", "use"}
    assert set(by_kid[es.kid]) == {"kty", "crv", "x", "y", "kid", "alg", "use"}
    for jwk in jwks["keys"]:
        assert not PRIVATE_MEMBERS & set(jwk)
        assert jwk["use"] == "sig"
    assert by_kid[rs.kid]["alg"] == "RS256"
    assert by_kid[es.kid]["alg"] == "ES256"
    assert "'d'" not in repr(jwks) and '"d"' not in json.dumps(jwks)


# Rotation through the ring -----------------------------------------------------------------


def test_a_rotated_key_is_published_before_it_signs_and_the_old_one_after_it_stops(
    es: SigningKey,
) -> None:
    rotated_at = T0 + timedelta(days=3)
    new = generate_key("ES256", rotated_at, publish_ahead=DEFAULT_PUBLISH_AHEAD)
    old = dataclasses.replace(es, retired_at=new.not_before)

    before = ring(old, new, at=rotated_at)
    assert {k["kid"] for k in before.jwks()["keys"]} == {old.kid, new.kid}
    assert before.signing_key("ES256").kid == old.kid
    old_token = before.sign(CLAIMS, alg="ES256", typ="at+jwt")
    assert before.verify(old_token, algs={"ES256"})[0]["kid"] == old.kid

    just_before = ring(old, new, at=new.not_before - timedelta(microseconds=1))
    assert just_before.signing_key("ES256").kid == old.kid
    after = ring(old, new, at=new.not_before)
    assert after.signing_key("ES256").kid == new.kid
    header, _ = after.verify(after.sign(CLAIMS, alg="ES256", typ="at+jwt"), algs={"ES256"})
    assert header["kid"] == new.kid
    assert after.verify(old_token, algs={"ES256"})[1] == CLAIMS

    last_moment = ring(old, new, at=new.not_before + DAY - timedelta(seconds=1))
    assert old.kid in {k["kid"] for k in last_moment.jwks()["keys"]}
    assert last_moment.verify(old_token, algs={"ES256"})[1] == CLAIMS

    gone = ring(old, new, at=new.not_before + DAY)
    assert {k["kid"] for k in gone.jwks()["keys"]} == {new.kid}
    with pytest.raises(InvalidJwt, match="unknown kid"):
        gone.verify(old_token, algs={"ES256"})


def test_signing_needs_an_active_key_of_that_alg(es: SigningKey) -> None:
    pending = generate_key("RS256", T0, publish_ahead=DEFAULT_PUBLISH_AHEAD)
    keyring = ring(es, pending)
    with pytest.raises(NoSigningKey, match="cclibs keys rotate"):
        keyring.sign(CLAIMS, alg="RS256", typ="JWT")
    with pytest.raises(NoSigningKey):
        ring().signing_key("ES256")


def test_the_newest_active_key_signs(es: SigningKey) -> None:
    later = generate_key("ES256", T0 + timedelta(minutes=1), publish_ahead=timedelta(0))
    keyring = ring(es, later, at=T0 + timedelta(minutes=2))
    assert keyring.signing_key("ES256").kid == later.kid


# Signing and verifying ---------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_sign_and_verify_round_trip(es: SigningKey, rs: SigningKey, alg: str) -> None:
    keyring = ring(es, rs)
    token = keyring.sign({**CLAIMS, "name": "Zoë"}, alg=alg, typ="at+jwt")
    header, claims = keyring.verify(token, algs={alg}, typ="at+jwt")
    assert header == {"alg": alg, "kid": keyring.signing_key(alg).kid, "typ": "at+jwt"}
    assert claims == {**CLAIMS, "name": "Zoë"}


def test_typ_is_compared_case_insensitively_without_the_media_prefix(es: SigningKey) -> None:
    keyring = ring(es)
    token = keyring.sign(CLAIMS, alg="ES256", typ="at+jwt")
    assert keyring.verify(token, algs={"ES256"}, typ="application/AT+JWT")
    with pytest.raises(InvalidJwt, match="typ"):
        keyring.verify(token, algs={"ES256"}, typ="JWT")


def test_a_tampered_payload_or_signature_is_refused(es: SigningKey, rs: SigningKey) -> None:
    keyring = ring(es, rs)
    for alg in ("ES256", "RS256"):
        header, _, signature = keyring.sign(CLAIMS, alg=alg, typ="JWT").split(".")
        forged = f"{header}.{b64({**CLAIMS, 'sub': 'admin@AdobeID'})}.{signature}"
        with pytest.raises(InvalidJwt, match="signature"):
            keyring.verify(forged, algs={alg})
        flipped = bytearray(unb64(signature))
        flipped[5] ^= 1
        with pytest.raises(InvalidJwt):
            keyring.verify(f"{header}.{b64(CLAIMS)}.{b64(bytes(flipped))}", algs={alg})


def test_an_unknown_kid_is_refused(es: SigningKey) -> None:
    stranger = generate_key("ES256", T0, publish_ahead=timedelta(0))
    token = ring(stranger).sign(CLAIMS, alg="ES256", typ="JWT")
    with pytest.raises(InvalidJwt, match="unknown kid"):
        ring(es).verify(token, algs={"ES256"})


def test_alg_none_is_refused_even_when_allowed(es: SigningKey) -> None:
    header = b64({"alg": "none", "kid": es.kid, "typ": "JWT"})
    for token in (f"{header}.{b64(CLAIMS)}.", f"{header}.{b64(CLAIMS)}.AAAA"):
        with pytest.raises(InvalidJwt):
            ring(es).verify(token, algs={"ES256", "none"})


def test_hs256_keyed_with_the_rsa_public_key_is_refused(rs: SigningKey) -> None:
    # The classic confusion: a verifier that lets the header pick the algorithm would check
    # this HMAC with the (public!) RSA key as the secret, and accept it (RFC 8725 §2.1).
    public_pem = rs.key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for secret in (public_pem, json.dumps(rs.public_jwk()).encode()):
        signing_input = f"{b64({'alg': 'HS256', 'kid': rs.kid, 'typ': 'JWT'})}.{b64(CLAIMS)}"
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{b64(mac)}"
        for algs in ({"RS256"}, {"RS256", "HS256"}):
            with pytest.raises(InvalidJwt, match="not allowed"):
                ring(rs).verify(token, algs=algs)


def test_an_alg_other_than_the_keys_own_is_refused(es: SigningKey, rs: SigningKey) -> None:
    keyring = ring(es, rs)
    header, payload, signature = keyring.sign(CLAIMS, alg="ES256", typ="JWT").split(".")
    relabelled = b64({"alg": "RS256", "kid": es.kid, "typ": "JWT"})
    with pytest.raises(InvalidJwt, match="is for ES256"):
        keyring.verify(f"{relabelled}.{payload}.{signature}", algs={"ES256", "RS256"})
    with pytest.raises(InvalidJwt, match="not allowed"):
        keyring.verify(f"{header}.{payload}.{signature}", algs={"RS256"})


@pytest.mark.parametrize(
    "token",
    [
        "",
        "a.b",
        "a.b.c.d",
        "!!!.e30.AAAA",
        f"{b64(b'[1]')}.e30.AAAA",
        "x" * 20000,
    ],
)
def test_malformed_tokens_are_refused(es: SigningKey, token: str) -> None:
    with pytest.raises(InvalidJwt):
        ring(es).verify(token, algs={"ES256"})


def test_a_critical_header_is_refused(es: SigningKey) -> None:
    keyring = ring(es)
    _, payload, signature = keyring.sign(CLAIMS, alg="ES256", typ="JWT").split(".")
    header = b64({"alg": "ES256", "kid": es.kid, "crit": ["b64"], "b64": False})
    with pytest.raises(InvalidJwt, match="critical"):
        keyring.verify(f"{header}.{payload}.{signature}", algs={"ES256"})


def test_claims_that_are_not_an_object_are_refused(es: SigningKey) -> None:
    from joserfc import jws

    token = jws.serialize_compact(
        {"alg": "ES256", "kid": es.kid}, b"[1, 2]", es.key, algorithms=["ES256"]
    )
    with pytest.raises(InvalidJwt, match="not a JSON object"):
        ring(es).verify(token, algs={"ES256"})


# Sealing at rest --------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["es", "rs"])
def test_a_sealed_key_opens_with_the_same_secret_and_kid(
    which: str, request: pytest.FixtureRequest
) -> None:
    key: SigningKey = request.getfixturevalue(which)
    blob = seal_private_key(key, SECRET)
    assert blob.startswith("v1.")
    assert key.key.as_dict(private=True)["d"] not in blob
    opened = open_private_key(blob, SECRET, kid=key.kid)
    assert opened.as_dict(private=True) == key.key.as_dict(private=True)
    assert seal_private_key(key, SECRET) != blob  # a fresh nonce each time


def test_a_sealed_key_does_not_open_with_another_secret(es: SigningKey) -> None:
    blob = seal_private_key(es, SECRET)
    with pytest.raises(SealedKeyError, match="CCLIBS_SECRET_KEY"):
        open_private_key(blob, SECRET + b"!", kid=es.kid)


def test_a_sealed_key_does_not_open_under_another_kid(es: SigningKey, rs: SigningKey) -> None:
    blob = seal_private_key(es, SECRET)
    with pytest.raises(SealedKeyError, match=rs.kid):
        open_private_key(blob, SECRET, kid=rs.kid)


def _flip(blob: str, at: int) -> str:
    """One base64 character changed inside the sealed bytes (never a no-op, never padding)."""
    return blob[:at] + ("B" if blob[at] == "A" else "A") + blob[at + 1 :]


@pytest.mark.parametrize(
    "mangle", [lambda b: _flip(b, 40), lambda b: "v9" + b[2:], lambda b: b[:10]]
)
def test_a_damaged_blob_does_not_open(es: SigningKey, mangle: Any) -> None:
    with pytest.raises(SealedKeyError):
        open_private_key(mangle(seal_private_key(es, SECRET)), SECRET, kid=es.kid)


def test_stored_form_round_trips(rs: SigningKey) -> None:
    retired = dataclasses.replace(rs, retired_at=T0 + DAY)
    stored = sealed(retired, SECRET)
    assert stored.public_jwk == rs.public_jwk()
    back = unsealed(stored, SECRET)
    assert (back.kid, back.alg, back.created_at, back.not_before, back.retired_at) == (
        rs.kid,
        "RS256",
        T0,
        T0,
        T0 + DAY,
    )


def test_the_manager_refuses_a_publication_delay_shorter_than_its_cache() -> None:
    with pytest.raises(ValueError, match="publish_ahead"):
        KeyManager(
            None,  # type: ignore[arg-type]
            clock=FrozenClock(T0),
            secret=SECRET,
            publish_ahead=timedelta(seconds=30),
        )


def test_the_keys_module_loads_no_web_framework_or_orm() -> None:
    code = (
        "import sys, cclibs.oauth.keys\n"
        "print(','.join(m for m in ('starlette', 'fastapi', 'sqlalchemy') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
