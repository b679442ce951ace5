"""The signing process: JWS signatures made in a process of their own.

``cclibs.oauth.signing`` starts it (``python -I`` on this file) and is its only user: frames
come in on its stdin, answers go out on its stdout. It signs what one read brought, answering
every ``BATCH`` signatures in one write, and reads again. It ends when its stdin closes (its
parent ended, or let it go); SIGINT and SIGTERM, which reach a whole process group, are left
to the parent, which stops serving first and then closes the pipe.

Frames (little-endian):

- in: ``REQUEST`` (kind, request number, kid length, payload length), the kid, the payload.
  ``LOAD_KEY``: the payload is the private key (PKCS #8 DER), the algorithm's name, and the
  name's length as one byte; no answer. ``SIGN``: the payload is a JWS signing input, to be
  signed with the kid's key.
- out: ``ANSWER`` (request number, 1 for a signature or 0 for an error, payload length), then
  the signature or the error's text.

It imports nothing of cclibs (so it starts in a fraction of the server's time and runs from
this file alone) and holds nothing but the keys it was sent.
"""

from __future__ import annotations

import os
import signal
import struct
import sys
from collections.abc import Callable
from contextlib import suppress
from typing import Any, Final

REQUEST: Final = struct.Struct("<BIHI")
ANSWER: Final = struct.Struct("<IBI")
LOAD_KEY: Final = 1
SIGN: Final = 2
BATCH: Final = 16
"""Signatures answered per write: the first of a long read need not wait for the last."""


def signer(der: bytes, alg: str) -> Callable[[bytes], bytes]:
    """The JWS signature of ``alg`` with the private key ``der``: RS256/384/512 and
    PS256/384/512 (RFC 7518 §3.3, §3.5), ES256/384/512 (§3.4: R and S, each as long as the
    curve's order)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    digests: dict[str, Any] = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
    family, bits = alg[:2], alg[2:]
    if family not in ("RS", "PS", "ES") or bits not in digests:
        raise ValueError(f"the signing process signs RSA and ECDSA algorithms, not {alg!r}")
    # The parent sends keys it holds as key objects, checked when they were made or loaded
    # there; checking an RSA key again costs some 30 ms, which the first signature would wait.
    key = load_der_private_key(der, password=None, unsafe_skip_rsa_key_validation=True)
    digest = digests[bits]()
    if family == "ES":
        curve = {"256": "secp256r1", "384": "secp384r1", "512": "secp521r1"}[bits]
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != curve:
            raise ValueError(f"{alg} needs a {curve} key")
        size = (key.curve.key_size + 7) // 8
        ecdsa = ec.ECDSA(digest)

        def sign_ec(data: bytes) -> bytes:
            r, s = decode_dss_signature(key.sign(data, ecdsa))
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")

        return sign_ec
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{alg} needs an RSA key, not {type(key).__name__}")
    pad: Any = (
        padding.PKCS1v15()
        if family == "RS"
        else padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
    )

    def sign_rsa(data: bytes) -> bytes:
        return key.sign(data, pad, digest)

    return sign_rsa


def _refusing(reason: str) -> Callable[[bytes], bytes]:
    def sign(_data: bytes) -> bytes:
        raise ValueError(reason)

    return sign


def _answer(number: int, ok: bool, payload: bytes) -> bytes:
    return ANSWER.pack(number, 1 if ok else 0, len(payload)) + payload


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def serve(read_fd: int, write_fd: int) -> None:
    """Answer the frames read from ``read_fd`` on ``write_fd`` until ``read_fd`` ends."""
    signers: dict[bytes, Callable[[bytes], bytes]] = {}
    pending = bytearray()
    while chunk := os.read(read_fd, 1 << 20):
        pending += chunk
        answers: list[bytes] = []
        at = 0
        while len(pending) - at >= REQUEST.size:
            kind, number, kid_len, size = REQUEST.unpack_from(pending, at)
            start = at + REQUEST.size
            end = start + kid_len + size
            if len(pending) < end:
                break
            kid, payload = bytes(pending[start : start + kid_len]), pending[start + kid_len : end]
            at = end
            if kind == LOAD_KEY:
                n = payload[-1]
                try:
                    signers[kid] = signer(bytes(payload[: -1 - n]), payload[-1 - n : -1].decode())
                except Exception as exc:  # every signature with it says why
                    signers[kid] = _refusing(f"the key {kid.decode()!r} did not load: {exc}")
                continue
            try:
                if kind != SIGN:
                    raise ValueError(f"unknown frame kind {kind}")
                sign = signers.get(kid) or _refusing(f"no key {kid.decode()!r} was loaded")
                answers.append(_answer(number, True, sign(bytes(payload))))
            except Exception as exc:  # the answer to the request that asked
                answers.append(_answer(number, False, f"{exc}".encode()))
            if len(answers) >= BATCH:
                _write_all(write_fd, b"".join(answers))
                answers.clear()
        del pending[:at]
        if answers:
            _write_all(write_fd, b"".join(answers))


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with suppress(BrokenPipeError):  # the parent is gone
        serve(sys.stdin.fileno(), sys.stdout.fileno())


if __name__ == "__main__":
    main()
