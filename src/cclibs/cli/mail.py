"""``cclibs mail``: the outbox, for administrators.

``test`` queues a message as the server's features do, so that a running ``cclibs serve``
sends it through the configured SMTP server (or writes it to ``DATA_DIR/outbox/``);
``--send`` also tries it at once from this command. ``outbox`` lists the newest messages:
their state, attempts and last error, never their bodies.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import typer

from cclibs.cli._common import DataDirOption, existing_database, fail
from cclibs.cli._output import print_table, when

if TYPE_CHECKING:
    from cclibs.config import Settings
    from cclibs.mail.ports import OutboxEntry

app = typer.Typer(help="Mail: a test message, and the outbox.", no_args_is_help=True)

_SUBJECT = "cclibs test message"
_TEXT = (
    "This is a test message from cclibs.\n\nIf you can read it, the server's mail settings work.\n"
)
_HTML = (
    "<!doctype html><html><body><p>This is a test message from <strong>cclibs</strong>.</p>"
    "<p>If you can read it, the server's mail settings work.</p></body></html>"
)


@app.command("test")
def send_test(
    to: str = typer.Option(..., "--to", help="Who receives the test message."),
    send: bool = typer.Option(
        False, "--send", help="Also try to send it now, from this command, and say how it went."
    ),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Queue a test message to ADDRESS in the outbox."""
    settings = existing_database(data_dir)
    from cclibs.mail.message import MailMessage
    from cclibs.mail.service import InvalidMail

    message = MailMessage(to=to, subject=_SUBJECT, text=_TEXT, html=_HTML)

    async def run() -> tuple[str, str, OutboxEntry | None]:
        from cclibs.services import build_services

        services = build_services(settings)
        try:
            queued = await services.mail.mailer.queue(message, transaction=None)
            if not send:
                return queued.message_id, queued.to, None
            await services.mail.worker.run_once()
            entries = await services.mail.mailer.recent(100)
            mine = next((entry for entry in entries if entry.id == queued.id), None)
            return queued.message_id, queued.to, mine
        finally:
            await services.db.dispose()

    try:
        message_id, address, entry = anyio.run(run)
    except InvalidMail as exc:
        fail(str(exc), code=2)
    typer.echo(f"queued {message_id} to {address}")
    if not send:
        typer.echo("a running cclibs serve sends it; cclibs mail outbox shows how it went")
        return
    _report(settings, entry)


def _report(settings: Settings, entry: OutboxEntry | None) -> None:
    if entry is None or (entry.state == "pending" and entry.attempts == 0):
        typer.echo("not tried yet: other messages were due first; a running server sends it")
        return
    if entry.state == "sent" and settings.smtp_url is None:
        typer.echo(f"written to {settings.data_dir / 'outbox'} (CCLIBS_SMTP_URL is not set)")
        return
    if entry.state == "sent":
        typer.echo("sent: the SMTP server accepted it")
        return
    fail(f"not sent ({entry.state} after {entry.attempts} attempt(s)): {entry.last_error}")


@app.command()
def outbox(
    limit: int = typer.Option(20, "--limit", min=1, max=1000, help="How many messages."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """List the newest messages of the outbox: state, attempts, last error, recipient and
    subject (never the bodies)."""
    settings = existing_database(data_dir)

    async def run() -> list[OutboxEntry]:
        from cclibs.services import build_services

        services = build_services(settings)
        try:
            return await services.mail.mailer.recent(limit)
        finally:
            await services.db.dispose()

    entries = anyio.run(run)
    if as_json:
        for entry in entries:
            typer.echo(json.dumps(asdict(entry)))
        return
    header = ("Queued", "State", "Attempts", "Next try", "To", "Subject", "Last error")
    rows = [
        (
            when(entry.created_ms),
            entry.state,
            str(entry.attempts),
            when(entry.next_attempt_ms) if entry.state == "pending" else "",
            entry.to,
            entry.subject,
            entry.last_error or "",
        )
        for entry in entries
    ]
    print_table(header, rows)
