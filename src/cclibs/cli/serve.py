"""``cclibs serve``: migrate, then run the app under uvicorn with one or more workers."""

from __future__ import annotations

import gc
from pathlib import Path

import typer

from cclibs.cli._common import DataDirOption, fail, settings_from


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    data_dir: Path | None = DataDirOption,
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
) -> None:
    """Run the server. Migrations are applied first; the URLs to open are printed."""
    # Start-up makes some 200,000 objects (modules, classes, tables) that live as long as the
    # server, and the cyclic collector would walk them over and over meanwhile: about a tenth
    # of the time to ready. It stays off until the app is built; app_from_environment turns it
    # back on (and freezes what start-up made, so later collections skip it).
    gc.disable()
    import uvicorn

    from cclibs.config import export_for_workers
    from cclibs.storage import migrate

    probe = settings_from(data_dir)
    # The issuer follows --host/--port unless CCLIBS_ISSUER (or the config file) set it.
    issuer = None
    if "issuer" not in probe.model_fields_set:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - a display name
        shown = f"[{shown}]" if ":" in shown else shown
        issuer = f"http://{shown}:{port}"
    settings = settings_from(data_dir, issuer=issuer)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        migrate.prepare(settings.effective_database_url)
    except Exception as exc:  # a database that cannot be reached or migrated stops the start
        fail(f"cannot prepare the database: {exc}")
    # Make the development key (announcing it) once, here, before the workers race for it.
    # Signing keys are made by the app itself, after it is ready (see create_app).
    settings.resolved_secret_key()
    export_for_workers(settings)
    base = settings.issuer
    if workers > 1:
        gc.enable()  # this process only supervises; each worker builds its own app
    typer.echo(
        "\n".join(
            [
                f"cclibs is starting on http://{host}:{port} (data: {settings.data_dir})",
                f"  Sign in:     {base}/signin",
                f"  Console:     {base}/console",
                f"  Playground:  {base}/playground",
            ]
        )
    )
    uvicorn.run(
        "cclibs.web.asgi:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        # httptools, with a response's headers and body in one socket write.
        http="cclibs.web.server_protocol:OneWriteHttpProtocol",
        # X-Forwarded-* are believed only from CCLIBS_TRUSTED_PROXIES, by the app itself
        # (create_app); uvicorn's own default would trust any peer on 127.0.0.1.
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
