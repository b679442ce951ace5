"""``cclibs mail test`` and ``cclibs mail outbox``, in process through Typer's runner, on
SQLite and PostgreSQL: the test message goes through the outbox, and the listing shows state,
attempts, last error, recipient and subject, never a body."""

from __future__ import annotations

import email
import json
from pathlib import Path

from typer.testing import CliRunner

from cclibs.cli.main import app
from tests.mail.smtp_server import smtp_server

runner = CliRunner()


def _env(database_url: str, **more: str) -> dict[str, str]:
    return {
        "CCLIBS_SECRET_KEY": "cli-test-secret-" + "x" * 32,
        "CCLIBS_DATABASE_URL": database_url,
        "CCLIBS_SMTP_URL": "",
        **more,
    }


def _outbox(database_url: str, data: Path, **env: str) -> list[dict[str, object]]:
    listed = runner.invoke(
        app, ["mail", "outbox", "--json", "--data-dir", str(data)], env=_env(database_url, **env)
    )
    assert listed.exit_code == 0, listed.output
    return [json.loads(line) for line in listed.output.splitlines()]


def test_mail_test_queues_and_outbox_lists(database_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    args = ["mail", "test", "--to", "Ada@Example.com", "--data-dir", str(data)]
    queued = runner.invoke(app, args, env=_env(database_url))
    assert queued.exit_code == 0, queued.output
    assert "queued <" in queued.output and "to Ada@Example.com" in queued.output
    assert "a running cclibs serve sends it" in queued.output
    [entry] = _outbox(database_url, data)
    assert entry["state"] == "pending" and entry["attempts"] == 0
    assert (entry["to"], entry["subject"]) == ("Ada@Example.com", "cclibs test message")
    assert entry["last_error"] is None
    assert str(entry["message_id"]) in queued.output
    assert not ({"text", "html", "text_body", "html_body"} & set(entry))

    # --send with no SMTP server configured: the worker's round writes the .eml files.
    sent = runner.invoke(app, [*args, "--send"], env=_env(database_url))
    assert sent.exit_code == 0, sent.output
    assert f"written to {data / 'outbox'}" in sent.output
    files = sorted((data / "outbox").glob("*.eml"))
    assert len(files) == 2  # the first message was due too
    parsed = email.message_from_bytes(files[0].read_bytes())
    assert parsed["Subject"] == "cclibs test message"
    assert {e["state"] for e in _outbox(database_url, data)} == {"sent"}

    table = runner.invoke(app, ["mail", "outbox", "--data-dir", str(data)], env=_env(database_url))
    assert table.exit_code == 0, table.output
    lines = [line.split("\t") for line in table.output.splitlines()]
    assert lines[0] == ["Queued", "State", "Attempts", "Next try", "To", "Subject", "Last error"]
    assert [(row[1], row[2], row[4]) for row in lines[1:]] == [("sent", "1", "Ada@Example.com")] * 2
    assert "This is a test message" not in table.output


def test_mail_test_send_through_smtp_and_a_refusal(database_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    args = ["mail", "test", "--to", "ada@example.com", "--send", "--data-dir", str(data)]
    with smtp_server() as server:
        env = _env(
            database_url,
            CCLIBS_SMTP_URL=f"smtp://127.0.0.1:{server.port}?starttls=false",
            CCLIBS_MAIL_FROM="Ops <ops@example.com>",
        )
        sent = runner.invoke(app, args, env=env)
        assert sent.exit_code == 0, sent.output
        assert "sent: the SMTP server accepted it" in sent.output
        [got] = server.wait_for(1)
        assert got.message["From"] == "Ops <ops@example.com>"
        assert got.message["To"] == "ada@example.com"
        server.refuse("554 5.7.1 No thanks")
        refused = runner.invoke(app, args, env=env)
    assert refused.exit_code == 1
    assert "not sent (pending after 1 attempt(s)): the server answered 554" in refused.output
    newest = _outbox(database_url, data)[0]
    assert newest["state"] == "pending" and "554" in str(newest["last_error"])


def test_mail_test_refuses_a_bad_address(database_url: str, tmp_path: Path) -> None:
    args = ["mail", "test", "--to", "not an address", "--data-dir", str(tmp_path)]
    refused = runner.invoke(app, args, env=_env(database_url))
    assert refused.exit_code == 2
    assert "to:" in refused.output and "not an email address" in refused.output
    assert _outbox(database_url, tmp_path) == []
