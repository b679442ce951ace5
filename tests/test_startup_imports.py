"""What a start imports: a command loads its own modules, the server only what serving needs.

Start-up time itself is measured by bench/startup.py, never here. These tests hold what made
it short: ``cclibs --version`` and ``cclibs token`` load no server and no other command,
``cclibs serve`` loads no SDK command, and the app is built (and an empty database created)
without Alembic, Pillow, Jinja2 or the OpenAPI description, which load on first use. Each case
runs in a fresh interpreter: this one has imported everything already.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

SERVER = ("sqlalchemy", "starlette", "uvicorn", "pydantic_settings", "argon2", "alembic")
LATER = ("PIL", "jinja2", "alembic", "cclibs.web.api.openapi.document")
"""Loaded by the first rendition, page, migration from an old schema, or API description."""
SDK = ("httpx", "joserfc", "cryptography")
COMMANDS = (
    "cclibs.cli.backup",
    "cclibs.cli.clients",
    "cclibs.cli.db",
    "cclibs.cli.elements",
    "cclibs.cli.keys",
    "cclibs.cli.libraries",
    "cclibs.cli.login",
    "cclibs.cli.profiles",
    "cclibs.cli.serve",
    "cclibs.cli.transfer",
    "cclibs.cli.users",
)

_PROBE = """
import json, sys
print("\\n@@modules", json.dumps(sorted(sys.modules)))
"""

_COMMAND = """
import sys
from cclibs.cli.main import main
sys.argv = ["cclibs", *{args!r}]
try:
    main()
except SystemExit as exc:
    print("\\n@@exit", exc.code if isinstance(exc.code, int) else 1)
"""


def _run(code: str, env: dict[str, str]) -> tuple[str, dict[str, object]]:
    """Run ``code``, then list the modules loaded; returns the other output and the values
    printed on ``@@name json`` lines (with ``stderr``)."""
    done = subprocess.run(
        [sys.executable, "-c", code + _PROBE],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("CCLIBS_")} | env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    marks: dict[str, object] = {}
    shown = []
    for line in done.stdout.splitlines():
        if line.startswith("@@"):
            name, _, value = line[2:].partition(" ")
            marks[name] = json.loads(value)
        else:
            shown.append(line)
    return "\n".join(shown).strip(), marks | {"stderr": done.stderr.strip()}


def _loaded(modules: object, watched: tuple[str, ...]) -> list[str]:
    assert isinstance(modules, list)
    return [w for w in watched if any(m == w or m.startswith(w + ".") for m in modules)]


def _command(args: list[str], env: dict[str, str]) -> tuple[str, dict[str, object], list[str]]:
    out, marks = _run(_COMMAND.format(args=args), env)
    modules = marks["modules"]
    assert isinstance(modules, list)
    return out, marks, modules


def test_version_loads_no_command_server_or_sdk(tmp_path: Path) -> None:
    out, marks, modules = _command(["--version"], {"CCLIBS_CONFIG_DIR": str(tmp_path)})
    assert out.startswith("cclibs ") and marks["exit"] == 0
    assert _loaded(modules, (*SERVER, *SDK, *LATER, "pydantic", *COMMANDS)) == []


def test_token_loads_its_command_and_the_sdk_but_no_server(tmp_path: Path) -> None:
    # Nobody logged in with this empty config dir: the one-line refusal, without a network call.
    out, marks, modules = _command(["token"], {"CCLIBS_CONFIG_DIR": str(tmp_path)})
    assert out == "" and marks["exit"] == 1
    assert marks["stderr"] == "cclibs: not logged in with profile local: run cclibs login"
    assert "cclibs.cli.login" in modules and "httpx" in modules
    others = tuple(c for c in COMMANDS if c != "cclibs.cli.login")
    server = ("cclibs.config", "cclibs.storage", "cclibs.web", "cclibs.oauth")
    assert _loaded(modules, (*SERVER, *LATER, *server, *others)) == []


def test_serve_loads_its_command_without_the_sdk_commands(tmp_path: Path) -> None:
    out, marks, modules = _command(["serve", "--help"], {"CCLIBS_CONFIG_DIR": str(tmp_path)})
    assert marks["exit"] == 0 and "--workers" in out
    others = tuple(c for c in COMMANDS if c != "cclibs.cli.serve")
    assert _loaded(modules, (*SERVER, *SDK, *LATER, *others)) == []


_SERVER_START = """
import asyncio, gc, json, sys
import httpx

gc.disable()  # as `cclibs serve` does while it starts

def loaded(stage):
    watched = {watched!r}
    found = [w for w in watched if any(m == w or m.startswith(w + ".") for m in sys.modules)]
    print("@@" + stage, json.dumps(found))

import cclibs.web.asgi
loaded("import")
from cclibs.config import load_settings
from cclibs.storage import migrate
url = load_settings().effective_database_url
print("@@created", json.dumps(migrate.prepare(url)))
print("@@again", json.dumps(migrate.prepare(url)))
loaded("migrated")
app = cclibs.web.asgi.app_from_environment()
loaded("built")
print("@@collector", json.dumps([gc.isenabled(), gc.get_freeze_count() > 0]))
frozen = gc.get_freeze_count()
cclibs.web.asgi.app_from_environment()  # a server that never turned it off: left as it was
print("@@collector_again", json.dumps([gc.isenabled(), gc.get_freeze_count() <= frozen]))

async def first_use():
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        page = await http.get("/signin")
        print("@@page", json.dumps([page.status_code, "<form" in page.text]))
        described = await http.get("/api/v1/openapi.json")
        print("@@described", json.dumps([described.status_code, described.json()["openapi"]]))

asyncio.run(first_use())
loaded("used")
"""


def test_the_server_starts_without_what_only_some_requests_need(tmp_path: Path) -> None:
    watched = ("typer", "cclibs.cli", *LATER)
    env = {
        "CCLIBS_DATA_DIR": str(tmp_path / "data"),
        "CCLIBS_SECRET_KEY": secrets.token_urlsafe(48),
        "CCLIBS_ISSUER": "http://127.0.0.1:8000",
    }
    (tmp_path / "data").mkdir()
    _, marks = _run(_SERVER_START.format(watched=watched), env)
    assert marks["created"] == "created" and marks["again"] == "current"
    assert marks["import"] == [] and marks["migrated"] == [] and marks["built"] == []
    # The collector, off while starting, runs again once the app is built.
    assert marks["collector"] == [True, True] and marks["collector_again"] == [True, True]
    # First use loads them, and the page and the description still work.
    assert marks["page"] == [200, True]
    assert marks["described"] == [200, "3.1.0"]
    assert marks["used"] == ["jinja2", "cclibs.web.api.openapi.document"]
