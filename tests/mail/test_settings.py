"""``CCLIBS_SMTP_URL`` and ``CCLIBS_MAIL_FROM``: what they accept, what they refuse, and that
the URL's password shows nowhere (errors, the settings' repr, the sender's repr)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cclibs.config import ConfigError, load_settings
from cclibs.mail.addresses import SmtpTarget, parse_mailbox, parse_smtp_url
from cclibs.mail.eml_files import EmlFileSender
from cclibs.mail.smtp import SmtpSender
from cclibs.services import build_mail_sender

PASSWORD = "hunter2-smtp-secret"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            f"smtp://user:{PASSWORD}@mail.example.com",
            SmtpTarget("mail.example.com", 587, "starttls", "user", PASSWORD),
        ),
        ("smtps://mail.example.com", SmtpTarget("mail.example.com", 465, "tls")),
        ("smtp://relay.internal:25?starttls=false", SmtpTarget("relay.internal", 25, "none")),
        (
            "smtp://mail.example.com:2525?starttls=true",
            SmtpTarget("mail.example.com", 2525, "starttls"),
        ),
        (
            "smtp://me%40example.com:p%2Fw%3Ad@localhost:1025?starttls=false",
            SmtpTarget("localhost", 1025, "none", "me@example.com", "p/w:d"),
        ),
    ],
)
def test_smtp_urls_that_are_understood(url: str, expected: SmtpTarget) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://mail.example.com", "smtp:// or smtps://"),
        ("smtp://", "no host"),
        ("smtp://mail.example.com/inbox", "no path"),
        ("smtp://mail.example.com:99999", "invalid port"),
        ("smtps://mail.example.com?starttls=false", "only with smtp://"),
        ("smtp://mail.example.com?verify=no", "only ?starttls=false"),
        ("smtp://mail.example.com?starttls=maybe", "true or false"),
        (f"smtp://user:{PASSWORD}@mail.example.com?starttls=false", "without TLS"),
    ],
)
def test_smtp_urls_refused_with_a_reason_and_without_the_password(url: str, complaint: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(smtp_url=url)
    assert complaint in str(caught.value)
    assert str(caught.value).startswith("CCLIBS_SMTP_URL: ")
    assert PASSWORD not in str(caught.value)


def test_plain_smtp_may_carry_credentials_to_loopback_only() -> None:
    target = parse_smtp_url(f"smtp://user:{PASSWORD}@127.0.0.1:1025?starttls=false")
    assert (target.security, target.username) == ("none", "user")


def test_the_password_never_shows(tmp_path: Path) -> None:
    url = f"smtp://user:{PASSWORD}@mail.example.com:587"
    settings = load_settings(smtp_url=url, data_dir=tmp_path)
    assert settings.smtp_url is not None
    assert settings.smtp_url.get_secret_value() == url
    assert PASSWORD not in repr(settings)
    assert PASSWORD not in str(settings.model_dump())
    sender = build_mail_sender(settings)
    assert isinstance(sender, SmtpSender)
    assert PASSWORD not in repr(sender)
    assert PASSWORD not in repr(sender.target)
    assert sender.target.describe() == "smtp://mail.example.com:587"


def test_no_smtp_url_means_eml_files_in_the_data_directory(tmp_path: Path) -> None:
    for unset in (None, "", "  "):
        settings = load_settings(smtp_url=unset, data_dir=tmp_path)
        assert settings.smtp_url is None
        sender = build_mail_sender(settings)
        assert isinstance(sender, EmlFileSender)
        assert sender.directory == tmp_path / "outbox"


def test_mail_from() -> None:
    assert load_settings().mail_from == "cclibs <no-reply@localhost>"
    assert str(parse_mailbox("Libraries <libraries@example.com>")) == (
        "Libraries <libraries@example.com>"
    )
    assert load_settings(mail_from="ops@example.com").mail_from == "ops@example.com"
    for bad in ("nobody", "two words@example.com", "<>"):
        with pytest.raises(ConfigError, match="CCLIBS_MAIL_FROM"):
            load_settings(mail_from=bad)
