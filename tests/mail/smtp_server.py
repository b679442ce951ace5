"""A real SMTP server on 127.0.0.1 (aiosmtpd, in a thread of its own) that keeps what it
receives, optionally with STARTTLS and AUTH, and that can be told to refuse."""

from __future__ import annotations

import datetime
import email
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.servers import free_port

USER, PASSWORD = "mailer", "smtp-password-not-for-logs"


@dataclass(frozen=True, slots=True)
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    authenticated_as: str | None
    over_tls: bool


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    answer: str | None = None
    """Set to an SMTP reply (``554 ...``) to refuse every message."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.arrived = threading.Condition(self.lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.answer is not None:
            return self.answer
        parsed = email.message_from_bytes(bytes(envelope.content or b""), policy=default)
        assert isinstance(parsed, EmailMessage)
        login = session.auth_data.login.decode() if session.authenticated else None
        with self.arrived:
            self.received.append(
                Received(
                    str(envelope.mail_from),
                    list(envelope.rcpt_tos),
                    parsed,
                    login,
                    session.ssl is not None,
                )
            )
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, handler: _Handler, port: int) -> None:
        self._handler = handler
        self.port = port

    @property
    def received(self) -> list[Received]:
        with self._handler.lock:
            return list(self._handler.received)

    def refuse(self, answer: str | None) -> None:
        self._handler.answer = answer

    def wait_for(self, count: int, seconds: float = 15) -> list[Received]:
        with self._handler.arrived:
            if not self._handler.arrived.wait_for(
                lambda: len(self._handler.received) >= count, seconds
            ):
                raise AssertionError(f"{len(self._handler.received)} of {count} messages arrived")
            return list(self._handler.received)


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    good = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=good, handled=False, auth_data=data if good else None)


@contextmanager
def smtp_server(
    *, port: int | None = None, tls: ssl.SSLContext | None = None
) -> Iterator[SmtpServer]:
    """Plain SMTP, or with ``tls`` STARTTLS required and AUTH (``USER``/``PASSWORD``)."""
    handler = _Handler()
    extra: dict[str, Any] = {}
    if tls is not None:
        extra = {
            "tls_context": tls,
            "require_starttls": True,
            "authenticator": _authenticate,
            "auth_required": True,
        }
    chosen = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=chosen, **extra)
    controller.start()
    try:
        yield SmtpServer(handler, chosen)
    finally:
        controller.stop()


@dataclass(frozen=True, slots=True)
class Certificate:
    server: ssl.SSLContext
    client: ssl.SSLContext
    """Trusts the server's certificate only."""


def self_signed(directory: Path) -> Certificate:
    """A certificate for 127.0.0.1, made now, and the contexts of both ends."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (directory / "cert.pem").write_bytes(cert_pem)
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    client = ssl.create_default_context(cadata=cert_pem.decode())
    return Certificate(server, client)
