"""The signing process's side of the pipe: frames in, signatures (or reasons) out, whatever
way the frames are cut by the reads; it ends when its input does, and not on the signals that
reach the server's whole process group."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from cclibs.oauth import _signer_process as wire

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def der(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load(kid: bytes, key_der: bytes, alg: str) -> bytes:
    payload = key_der + alg.encode() + bytes([len(alg)])
    return wire.REQUEST.pack(wire.LOAD_KEY, 0, len(kid), len(payload)) + kid + payload


def sign(number: int, kid: bytes, data: bytes, kind: int = wire.SIGN) -> bytes:
    return wire.REQUEST.pack(kind, number, len(kid), len(data)) + kid + data


@dataclass
class Answer:
    number: int
    ok: bool
    payload: bytes


def answers(data: bytes) -> list[Answer]:
    found, at = [], 0
    while at < len(data):
        number, ok, size = wire.ANSWER.unpack_from(data, at)
        at += wire.ANSWER.size
        found.append(Answer(number, bool(ok), data[at : at + size]))
        at += size
    assert at == len(data)
    return found


def served(*chunks: bytes) -> list[Answer]:
    """What ``serve`` answers when its input comes in these writes, then ends."""
    in_read, in_write = os.pipe()
    out_read, out_write = os.pipe()
    thread = threading.Thread(target=wire.serve, args=(in_read, out_write))
    thread.start()
    collected = bytearray()
    reader = threading.Thread(target=lambda: collected.extend(b"".join(_read_all(out_read))))
    reader.start()
    for chunk in chunks:
        os.write(in_write, chunk)
    os.close(in_write)
    thread.join(30)
    assert not thread.is_alive(), "serve did not end with its input"
    os.close(out_write)
    reader.join(30)
    for fd in (in_read, out_read):
        os.close(fd)
    return answers(bytes(collected))


def _read_all(fd: int) -> Iterator[bytes]:
    while chunk := os.read(fd, 1 << 16):
        yield chunk


def verifies(signature: bytes, data: bytes, pad: padding.AsymmetricPadding) -> bool:
    try:
        RSA_KEY.public_key().verify(signature, data, pad, hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def test_a_loaded_key_signs_each_request_under_its_number() -> None:
    got = served(load(b"k1", der(RSA_KEY), "RS256"), sign(7, b"k1", b"a.b"), sign(9, b"k1", b"c.d"))
    assert [(a.number, a.ok) for a in got] == [(7, True), (9, True)]
    assert verifies(got[0].payload, b"a.b", padding.PKCS1v15())
    assert verifies(got[1].payload, b"c.d", padding.PKCS1v15())
    assert not verifies(got[0].payload, b"c.d", padding.PKCS1v15())


def test_ps256_signs_with_pss_and_a_salt_as_long_as_the_hash() -> None:
    (got,) = served(load(b"p", der(RSA_KEY), "PS256"), sign(1, b"p", b"x.y"))
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    assert got.ok and verifies(got.payload, b"x.y", pss)


def test_frames_cut_anywhere_by_the_reads_are_answered_alike() -> None:
    stream = load(b"k1", der(RSA_KEY), "RS256") + b"".join(
        sign(n, b"k1", b"input-%d" % n) for n in range(1, 40)
    )
    got = served(*(stream[i : i + 7] for i in range(0, len(stream), 7)))
    assert [a.number for a in got] == list(range(1, 40))
    assert all(
        a.ok and verifies(a.payload, b"input-%d" % a.number, padding.PKCS1v15()) for a in got
    )


def test_refusals_carry_their_reason_and_spare_the_other_requests() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    got = served(
        load(b"good", der(RSA_KEY), "RS256"),
        load(b"ec", der(ec_key), "RS256"),
        load(b"junk", b"not a key", "RS256"),
        load(b"hs", der(RSA_KEY), "HS256"),
        sign(1, b"ec", b"a"),
        sign(2, b"nobody", b"a"),
        sign(3, b"junk", b"a"),
        sign(4, b"hs", b"a"),
        sign(5, b"good", b"a", kind=9),
        sign(6, b"good", b"a"),
    )
    reasons = {a.number: a.payload.decode() for a in got if not a.ok}
    assert "RS256 needs an RSA key, not" in reasons[1]
    assert reasons[2] == "no key 'nobody' was loaded"
    assert reasons[3].startswith("the key 'junk' did not load:")
    assert "signs RSA and ECDSA algorithms, not 'HS256'" in reasons[4]
    assert reasons[5] == "unknown frame kind 9"
    assert [a.number for a in got if a.ok] == [6]


def test_it_answers_a_long_read_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first signatures of a long read go back (one write) before the last are made."""
    writes: list[int] = []
    write_all = wire._write_all

    def counted(fd: int, data: bytes) -> None:
        writes.append(len(answers(data)))
        write_all(fd, data)

    monkeypatch.setattr(wire, "_write_all", counted)
    requests = b"".join(sign(n, b"k", b"d") for n in range(1, wire.BATCH * 2 + 2))
    got = served(load(b"k", der(RSA_KEY), "RS256") + requests)
    assert [a.number for a in got] == list(range(1, wire.BATCH * 2 + 2))
    assert writes == [wire.BATCH, wire.BATCH, 1]


def test_the_process_ignores_group_signals_and_ends_with_its_input() -> None:
    process = subprocess.Popen(
        [sys.executable, "-I", wire.__file__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(load(b"k", der(RSA_KEY), "RS256") + sign(1, b"k", b"before"))
        process.stdin.flush()
        header = process.stdout.read(wire.ANSWER.size)
        assert wire.ANSWER.unpack(header)[:2] == (1, 1)
        process.stdout.read(wire.ANSWER.unpack(header)[2])
        for sig in (signal.SIGINT, signal.SIGTERM):  # what Ctrl-C and a service stop send
            process.send_signal(sig)
        process.stdin.write(sign(2, b"k", b"after"))
        process.stdin.flush()
        number, ok, size = wire.ANSWER.unpack(process.stdout.read(wire.ANSWER.size))
        assert (number, ok) == (2, 1)
        assert verifies(process.stdout.read(size), b"after", padding.PKCS1v15())
        process.stdin.close()
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()


@pytest.mark.parametrize("alg", ["RS384", "RS512"])
def test_the_larger_rsa_hashes(alg: str) -> None:
    (got,) = served(load(b"k", der(RSA_KEY), alg), sign(1, b"k", b"m"))
    digest = hashes.SHA384() if alg == "RS384" else hashes.SHA512()
    RSA_KEY.public_key().verify(got.payload, b"m", padding.PKCS1v15(), digest)


@pytest.mark.parametrize(
    ("alg", "curve", "digest", "size"),
    [
        ("ES256", ec.SECP256R1(), hashes.SHA256(), 32),
        ("ES384", ec.SECP384R1(), hashes.SHA384(), 48),
        ("ES512", ec.SECP521R1(), hashes.SHA512(), 66),
    ],
)
def test_ecdsa_signatures_are_r_and_s_of_the_curves_size(
    alg: str, curve: ec.EllipticCurve, digest: hashes.HashAlgorithm, size: int
) -> None:
    key = ec.generate_private_key(curve)
    got = served(load(b"e", der(key), alg), *(sign(n, b"e", b"m%d" % n) for n in range(1, 21)))
    for answer in got:  # R or S with leading zero bytes keeps its length
        assert answer.ok and len(answer.payload) == 2 * size
        r = int.from_bytes(answer.payload[:size], "big")
        s = int.from_bytes(answer.payload[size:], "big")
        data = b"m%d" % answer.number
        key.public_key().verify(encode_dss_signature(r, s), data, ec.ECDSA(digest))


def test_an_ecdsa_key_of_another_curve_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    (got,) = served(load(b"e", der(key), "ES256"), sign(1, b"e", b"m"))
    assert not got.ok and "ES256 needs a secp256r1 key" in got.payload.decode()
