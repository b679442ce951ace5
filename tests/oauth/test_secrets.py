"""Client ids, client secrets and the keyed hash that stores secrets at rest."""

from __future__ import annotations

import hashlib
import re

from cclibs.oauth.clients import SecretHasher, generate_client_id, generate_secret

SERVER_SECRET = b"k" * 32


def test_secrets_carry_at_least_256_bits() -> None:
    secret = generate_secret()
    assert secret.startswith("p8e-")
    body = secret.removeprefix("p8e-")
    # 43 base64url characters carry 258 bits; 256 bits need at least 43.
    assert len(body) >= 43
    assert re.fullmatch(r"[A-Za-z0-9_-]+", body)


def test_secrets_are_unique() -> None:
    made = {generate_secret() for _ in range(1000)}
    assert len(made) == 1000


def test_client_ids_are_32_lower_case_hex_digits() -> None:
    ids = {generate_client_id() for _ in range(1000)}
    assert len(ids) == 1000
    for client_id in ids:
        assert re.fullmatch(r"[0-9a-f]{32}", client_id)


def test_the_hash_is_keyed_by_the_server_secret() -> None:
    secret = generate_secret()
    one = SecretHasher(SERVER_SECRET).hash(secret)
    assert SecretHasher(SERVER_SECRET).hash(secret) == one
    assert SecretHasher(b"j" * 32).hash(secret) != one
    assert SecretHasher(SERVER_SECRET, b"another-purpose").hash(secret) != one


def test_the_hash_is_not_a_plain_digest_of_the_secret() -> None:
    secret = generate_secret()
    stored = SecretHasher(SERVER_SECRET).hash(secret)
    assert stored != hashlib.sha256(secret.encode()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", stored)


def test_matches_only_the_right_secret() -> None:
    hasher = SecretHasher(SERVER_SECRET)
    secret = generate_secret()
    stored = hasher.hash(secret)
    assert hasher.matches(secret, stored)
    assert not hasher.matches(generate_secret(), stored)
    assert not hasher.matches(secret[:-1], stored)
    assert not hasher.matches(secret + "x", stored)
    assert not hasher.matches("", stored)
    assert not hasher.matches(stored, stored)
    assert not SecretHasher(b"j" * 32).matches(secret, stored)


def test_the_stored_hash_does_not_contain_the_secret() -> None:
    secret = generate_secret()
    stored = SecretHasher(SERVER_SECRET).hash(secret)
    assert secret not in stored
    assert secret.removeprefix("p8e-") not in stored
    assert secret.removeprefix("p8e-")[:16] not in stored
