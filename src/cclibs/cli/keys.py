"""``cclibs keys``: the authorization server's signing keys, for administrators.

A running server re-reads the keys within a minute, and a rotated key only starts signing
after ``publish_ahead`` (10 minutes), so ``rotate`` is safe on a live system.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import anyio
import typer

from cclibs.cli._common import DataDirOption, existing_database, fail
from cclibs.clock import SystemClock
from cclibs.oauth.keys import (
    ALGS,
    DEFAULT_MAX_TOKEN_LIFETIME,
    Alg,
    KeyManager,
    KeyState,
    Rotation,
    SealedKeyError,
    StoredKey,
)

if TYPE_CHECKING:
    from cclibs.config import Settings

app = typer.Typer(help="Signing keys (JWKS).", no_args_is_help=True)

T = TypeVar("T")

# The server signs nothing that lives longer (24 h access tokens); keys stay published as long.
_LIFETIME = DEFAULT_MAX_TOKEN_LIFETIME
_ALG: dict[str, Alg] = {alg: alg for alg in ALGS}


class AlgChoice(StrEnum):
    ES256 = "ES256"
    RS256 = "RS256"


AlgOption = typer.Option(None, "--alg", help="Rotate only this algorithm (default: every one).")


@app.command("list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """List every signing key with its state: pending, active, retired or expired."""
    settings = existing_database(data_dir)
    keys = _run(settings, lambda manager: manager.list_keys())
    if as_json:
        for key, state in keys:
            unpublished = key.retired_at + _LIFETIME if key.retired_at else None
            record = {
                "kid": key.kid,
                "alg": key.alg,
                "state": state.value,
                "created_at": key.created_at.isoformat(),
                "not_before": key.not_before.isoformat(),
                "retired_at": key.retired_at.isoformat() if key.retired_at else None,
                "unpublished_at": unpublished.isoformat() if unpublished else None,
            }
            typer.echo(json.dumps(record))
        return
    header = ("Kid", "Alg", "State", "Created", "Signs from", "Stops signing", "Unpublished")
    rows = [_row(key, state) for key, state in keys]
    if not sys.stdout.isatty():
        for row in (header, *rows):
            typer.echo("\t".join(row))
        return
    from rich.console import Console  # only for a terminal
    from rich.table import Table

    table = Table(*header)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


@app.command()
def rotate(
    alg: AlgChoice | None = AlgOption,
    data_dir: Path | None = DataDirOption,
) -> None:
    """Add a new key that signs after a publication delay; retire the current one then.

    On an empty database this creates the first keys, which sign at once.
    """
    settings = existing_database(data_dir)

    async def work(manager: KeyManager) -> tuple[list[Rotation], list[str]]:
        return await manager.rotate(_ALG[alg] if alg else None), await manager.prune()

    rotations, pruned = _run(settings, work)
    for done in rotations:
        if not done.retired_kids:
            typer.echo(f"{done.alg}: created key {done.new_kid}; it signs from now on")
            continue
        typer.echo(
            f"{done.alg}: added key {done.new_kid}, published now, signs from "
            f"{_when(done.signs_from)}"
        )
        for kid in done.retired_kids:
            typer.echo(
                f"{done.alg}: key {kid} stops signing at {_when(done.signs_from)} and leaves the "
                f"JWKS at {_when(done.unpublished_at)}"
            )
    for kid in pruned:
        typer.echo(f"removed expired key {kid}")


def _run(settings: Settings, work: Callable[[KeyManager], Awaitable[T]]) -> T:
    from sqlalchemy.exc import SQLAlchemyError

    from cclibs.storage import Database
    from cclibs.storage.keys import SqlKeyTransactions

    secret = settings.resolved_secret_key()

    async def run() -> T:
        db = Database(settings.effective_database_url)
        try:
            manager = KeyManager(
                SqlKeyTransactions(db),
                clock=SystemClock(),
                secret=secret,
                max_token_lifetime=_LIFETIME,
            )
            return await work(manager)
        finally:
            await db.dispose()

    try:
        return anyio.run(run)
    except SealedKeyError as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:  # unreachable or unmigrated database: one line, not a trace
        fail(f"cannot use the signing keys table: {exc.__cause__ or exc}; try `cclibs db upgrade`")


def _row(key: StoredKey, state: KeyState) -> tuple[str, ...]:
    unpublished = key.retired_at + _LIFETIME if key.retired_at else None
    return (
        key.kid,
        key.alg,
        state.value,
        _when(key.created_at),
        _when(key.not_before),
        _when(key.retired_at),
        _when(unpublished),
    )


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""
