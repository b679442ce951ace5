"""ES256 or RS256 for access tokens: the cost of signing and verifying one, on one core.

Signing happens once per token, at the token endpoint; verifying happens on every API request
that carries it (tokens live 24 h). So the cheaper algorithm overall depends on how many times
a token is verified: RS256 signs slowly and verifies fast, ES256 the other way round. This
measures both through the server's own path (``cclibs.oauth.keys.KeyRing.sign`` and
``verify``, which is joserfc plus the kid/alg checks) and through joserfc alone, then prints
the break-even number of verifications per token.

The process is pinned to one CPU; each figure is the median of ``--rounds`` rounds of ``-n``
operations, after a warm-up round.

    .venv/bin/python bench/jwt_algs.py [-n 2000] [--rounds 7] [--cpu 0] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import cryptography
import joserfc
from joserfc import jws

from cclibs.oauth.keys import ALGS, KeyRing, generate_key

NOW = datetime.now(UTC)


def access_token_claims() -> dict[str, object]:
    """The claims of a typical cclibs access token (RFC 9068 §2.2 plus IMS-style extras)."""
    iat = int(NOW.timestamp())
    return {
        "iss": "https://ims.example.com",
        "sub": "3F2A1B0C9D8E7F6A5B4C3D2E@AdobeID",
        "aud": "https://cc-api.example.com",
        "client_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "scope": "openid AdobeID creative_sdk cc_libraries offline_access",
        "iat": iat,
        "exp": iat + 24 * 3600,
        "jti": secrets.token_urlsafe(16),
        "as": "ims-na1",
        "type": "access_token",
        "user_id": "3F2A1B0C9D8E7F6A5B4C3D2E@AdobeID",
        "state": '{"session":"https://ims.example.com/ims/session/v1/abc"}',
    }


def per_op_us(op: Callable[[], object], n: int, rounds: int) -> float:
    """Median microseconds per call over ``rounds`` rounds of ``n`` calls (one warm-up round)."""
    for _ in range(n):
        op()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        for _ in range(n):
            op()
        samples.append((time.perf_counter_ns() - start) / n / 1000)
    return statistics.median(samples)


def measure(alg: str, n: int, rounds: int) -> dict[str, float | int]:
    key = generate_key(alg, NOW, publish_ahead=timedelta(0))  # type: ignore[arg-type]
    ring = KeyRing([key], now=NOW, max_token_lifetime=timedelta(hours=24))
    claims = access_token_claims()
    token = ring.sign(claims, alg=alg, typ="at+jwt")
    assert ring.verify(token, algs={alg})[1] == claims
    payload = json.dumps(claims, separators=(",", ":")).encode()
    header = {"alg": alg, "kid": key.kid, "typ": "at+jwt"}
    return {
        "token_bytes": len(token),
        "sign_us": per_op_us(lambda: ring.sign(claims, alg=alg, typ="at+jwt"), n, rounds),
        "verify_us": per_op_us(lambda: ring.verify(token, algs={alg}), n, rounds),
        "joserfc_sign_us": per_op_us(
            lambda: jws.serialize_compact(header, payload, key.key, algorithms=[alg]), n, rounds
        ),
        "joserfc_verify_us": per_op_us(
            lambda: jws.deserialize_compact(token, key.key, algorithms=[alg]), n, rounds
        ),
    }


def break_even(es: dict[str, float | int], rs: dict[str, float | int]) -> float | None:
    """Verifications per token above which RS256 costs less CPU than ES256 in total.

    sign_rs + v * verify_rs < sign_es + v * verify_es  <=>  v > (sign_rs - sign_es) /
    (verify_es - verify_rs); None when RS256 never wins (it does not verify faster).
    """
    saving_per_verify = es["verify_us"] - rs["verify_us"]
    if saving_per_verify <= 0:
        return None
    return max(0.0, (rs["sign_us"] - es["sign_us"]) / saving_per_verify)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="operations per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cpu", type=int, default=0, help="the one CPU to run on")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})

    results = {alg: measure(alg, args.n, args.rounds) for alg in ALGS}
    even = break_even(results["ES256"], results["RS256"])
    if args.json:
        print(json.dumps({"results": results, "break_even_verifications": even}, indent=2))
        return
    print(
        f"{platform.python_implementation()} {platform.python_version()}, joserfc "
        f"{joserfc.__version__}, cryptography {cryptography.__version__}, "
        f"{platform.machine()}, pinned to CPU {args.cpu}; n={args.n} x {args.rounds} rounds"
    )
    print(
        f"{'':8}{'sign µs':>10}{'sign/s':>10}{'verify µs':>11}{'verify/s':>10}"
        f"{'joserfc sign':>14}{'joserfc verify':>16}{'bytes':>7}"
    )
    for alg, r in results.items():
        print(
            f"{alg:8}{r['sign_us']:10.1f}{1e6 / r['sign_us']:10.0f}{r['verify_us']:11.1f}"
            f"{1e6 / r['verify_us']:10.0f}{r['joserfc_sign_us']:14.1f}"
            f"{r['joserfc_verify_us']:16.1f}{r['token_bytes']:7}"
        )
    if even is None:
        print("RS256 never costs less: it does not verify faster than ES256 here.")
    else:
        print(
            f"break-even: RS256 costs less CPU overall when a token is verified more than "
            f"{even:.1f} times"
        )
        for v in (1, 10, 100, 1000):
            costs = {a: r["sign_us"] + v * r["verify_us"] for a, r in results.items()}
            line = ", ".join(f"{a} {c / 1000:.2f} ms" for a, c in costs.items())
            print(f"  {v:>5} verifications per token: {line}")


if __name__ == "__main__":
    main()
