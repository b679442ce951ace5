"""The library commands as a user runs them: ``cclibs libraries``, ``elements``, ``download``,
``export`` and ``import`` against one live cclibs (uvicorn on 127.0.0.1) for the module.

A user and a Web App are made with the server's services and a token issued for them (as
tests/support/live_api.py does), then handed to the CLI the way a person would:
``cclibs profiles add`` and ``cclibs login --with-token``. Most commands run in-process
(typer's CliRunner, stdin and stdout not terminals); one runs as a real ``python -m cclibs``.
"""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from PIL import Image
from typer.testing import CliRunner

from cclibs.accounts.passwords import PasswordHasher
from cclibs.cli.main import app
from cclibs.sdk import Client
from cclibs.sdk.ase import Group, Swatch, read_ase, write_ase
from cclibs.sdk.swatches import COLOR_REP
from tests.cli._login_support import cclibs, socket_closed
from tests.support import databases
from tests.support.api_auth import ApiCaller
from tests.support.live_api import serving_api
from tests.support.logs import configured_logging

runner = CliRunner()


@dataclass(frozen=True)
class Server:
    url: str
    caller: ApiCaller
    config: Path
    """A config directory whose ``local`` profile is logged in as ``caller``."""

    def run(self, *args: str, stdin: str | None = None, config: Path | None = None) -> Result:
        env = {"CCLIBS_CONFIG_DIR": str(config or self.config), "CCLIBS_PROFILE": None}
        return runner.invoke(app, list(args), input=stdin, env=env)  # type: ignore[dict-item]

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr, result.exception)
        return result.stdout

    def client(self) -> Client:
        return Client.from_token(self.url, self.caller.access_token, self.caller.client_id)


def _log_in(config: Path, url: str, caller: ApiCaller) -> None:
    env = {"CCLIBS_CONFIG_DIR": str(config)}
    add = ["profiles", "add", "local", "--issuer", url, "--client-id", caller.client_id]
    added = runner.invoke(app, [*add, "--api-url", url], env=env)
    assert added.exit_code == 0, added.output
    login = runner.invoke(app, ["login", "--with-token"], input=caller.access_token, env=env)
    assert login.exit_code == 0, login.output


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    password_hasher: PasswordHasher,
) -> Iterator[Server]:
    """One server (SQLite) and one logged-in config directory for the whole module."""
    tmp = tmp_path_factory.mktemp("libraries-cli")
    url = databases.fresh_sqlite(sqlite_template, tmp)
    # Warnings only: the server shares the process, and the runner swaps stdout and stderr
    # under it (structlog's default would print every request into the command's stdout).
    with (
        configured_logging(json=True, level="WARNING"),
        serving_api(tmp, url, password_hasher) as live,
    ):
        _log_in(tmp / "config", live.url, live.caller)
        yield Server(url=live.url, caller=live.caller, config=tmp / "config")


def png(width: int = 40, height: int = 20) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def one_line_failure(result: Result, code: int = 1) -> str:
    """The failure's one line, checked: the exit status, ``cclibs:``, and no traceback."""
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    assert result.stderr.startswith("cclibs: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    return result.stderr.strip()


# libraries ----------------------------------------------------------------------------------


def test_libraries_create_list_show_rename_delete(server: Server) -> None:
    library_id = server.ok("libraries", "create", "Brand kit").strip()

    listed = server.ok("libraries", "list").splitlines()
    assert listed[0].split("\t") == ["Name", "Id", "Elements", "Modified"]
    assert any(line.split("\t")[:3] == ["Brand kit", library_id, "0"] for line in listed[1:])
    as_json = json.loads(server.ok("libraries", "list", "--json"))
    assert library_id in [lib["id"] for lib in as_json["libraries"]]
    assert as_json["total_count"] == len(as_json["libraries"])

    shown = json.loads(server.ok("libraries", "show", "Brand kit", "--json"))
    assert shown["id"] == library_id
    by_urn = server.ok("libraries", "show", shown["library_urn"])
    assert "Name:     Brand kit" in by_urn and f"Id:       {library_id}" in by_urn

    server.ok("libraries", "rename", library_id, "Brand kit 2")
    assert json.loads(server.ok("libraries", "show", library_id, "--json"))["name"] == "Brand kit 2"
    odd = server.ok("libraries", "create", "../a/b?c#d").strip()
    assert json.loads(server.ok("libraries", "show", "../a/b?c#d", "--json"))["id"] == odd

    refused = server.run("libraries", "delete", "Brand kit 2")  # no terminal to ask on
    assert "needs --yes" in one_line_failure(refused, code=2)
    assert server.ok("libraries", "show", library_id)

    server.ok("libraries", "delete", "Brand kit 2", "--yes")
    gone = server.run("libraries", "show", library_id)
    assert one_line_failure(gone) == f"cclibs: no library has the id or name {library_id!r}"


def test_create_json_is_the_api_library(server: Server) -> None:
    created = json.loads(server.ok("libraries", "create", "Json one", "--json"))
    assert created["name"] == "Json one"
    assert created["library_urn"].endswith(created["id"])


# elements -----------------------------------------------------------------------------------


def test_elements_create_list_show_archive_restore_and_download(
    server: Server, tmp_path: Path
) -> None:
    library_id = server.ok("libraries", "create", "Elements").strip()
    red = server.ok("elements", "create-color", library_id, "Red", "#D7373F").strip()
    picture = tmp_path / "logo.png"
    picture.write_bytes(png())
    logo = server.ok("elements", "upload", "Elements", str(picture), "--name", "Logo").strip()

    rows = [line.split("\t") for line in server.ok("elements", "list", "Elements").splitlines()]
    assert rows[0] == ["Name", "Type", "Id", "Modified"]
    assert sorted((r[0], r[1], r[2]) for r in rows[1:]) == [
        ("Logo", "image", logo),
        ("Red", "color", red),
    ]
    colors = json.loads(server.ok("elements", "list", library_id, "--type", "color", "--json"))
    assert [e["id"] for e in colors["elements"]] == [red]

    shown = json.loads(server.ok("elements", "show", library_id, "Red", "--json"))
    [rep] = shown["representations"]
    assert rep["color#data"]["value"] == {"r": 0xD7, "g": 0x37, "b": 0x3F}
    table = server.ok("elements", "show", library_id, red)
    assert "Type:        application/vnd.adobe.element.color+dcx" in table
    assert "primary\tapplication/vnd.adobe.color+json\tRGB" in table

    server.ok("elements", "archive", library_id, "Red")
    assert [
        e["id"] for e in json.loads(server.ok("elements", "list", library_id, "--json"))["elements"]
    ] == [logo]
    archived = json.loads(server.ok("elements", "list", library_id, "--archived", "--json"))
    assert [e["id"] for e in archived["elements"]] == [red]
    server.ok("elements", "restore", library_id, "Red")
    live = json.loads(server.ok("elements", "list", library_id, "--json"))["elements"]
    assert sorted(e["id"] for e in live) == sorted([red, logo])

    copy = tmp_path / "copy.png"
    server.ok("download", library_id, "Logo", "--output", str(copy))
    assert copy.read_bytes() == picture.read_bytes()
    thumb = tmp_path / "thumb.png"
    server.ok("download", library_id, logo, "--size", "10", "--output", str(thumb))
    with Image.open(thumb) as image:
        assert image.format == "PNG" and max(image.size) == 10
    exists = server.run("download", library_id, "Logo", "--output", str(copy))
    assert "exists; use --force" in one_line_failure(exists)


# export and import --------------------------------------------------------------------------


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_folder_export_import_export_is_byte_identical(server: Server, tmp_path: Path) -> None:
    library_id = server.ok("libraries", "create", "Round trip").strip()
    ink = {"mode": "RGB", "value": {"r": 16, "g": 32, "b": 48}, "type": "process"}
    with server.client() as client:
        client.create_element(
            library_id,
            name="Ink",
            type="application/vnd.adobe.element.color+dcx",
            representations=[
                {"type": COLOR_REP, "relationship": "primary", "color#data": ink},
                {"type": COLOR_REP, "color#data": {**ink, "alpha": 0.5}},
            ],
            description="Body text, never on dark",
            groups=[{"id": "brand", "name": "Brand", "classifier": "$default", "order": "a"}],
            source_ref="https://example.com/style-guide",
        )
        client.create_color_theme(
            library_id, "Sunset", ["#FF0000", "#FF8000", "#FFFF00", "#00FF00", "#0000FF"]
        )
        client.create_file_element(
            library_id, "Photo", io.BytesIO(png(30, 60)), content_type="image/png"
        )
    first, second = tmp_path / "first", tmp_path / "second"

    server.ok("export", "Round trip", str(first))
    imported = server.ok("import", str(first)).strip()
    assert imported != library_id
    server.ok("export", imported, str(second))

    assert _tree(first) == _tree(second)
    manifest = json.loads((first / "library.json").read_text())
    assert (manifest["format"], manifest["version"]) == ("cclibs-library", 1)
    assert manifest["library"] == {"name": "Round trip"}
    assert [(e["name"], e["type"].split(".")[-1]) for e in manifest["elements"]] == [
        ("Ink", "color+dcx"),
        ("Sunset", "colortheme+dcx"),
        ("Photo", "image+dcx"),
    ]
    [photo_rep] = manifest["elements"][2]["representations"]
    assert photo_rep == {
        "file": "assets/0003-0.png",
        "relationship": "primary",
        "type": "image/png",
    }
    assert (first / "assets" / "0003-0.png").read_bytes() == png(30, 60)
    assert manifest["elements"][0] == {
        "name": "Ink",
        "type": "application/vnd.adobe.element.color+dcx",
        "description": "Body text, never on dark",
        "groups": [{"id": "brand", "name": "Brand", "classifier": "$default", "order": "a"}],
        "sourceRef": "https://example.com/style-guide",
        "representations": [
            {"type": COLOR_REP, "relationship": "primary", "color#data": ink},
            {"type": COLOR_REP, "relationship": "rendition", "color#data": {**ink, "alpha": 0.5}},
        ],
    }
    text = (first / "library.json").read_text()
    assert text.endswith("}\n") and library_id not in text and "created_date" not in text

    busy = server.run("export", library_id, str(first))
    assert "is not empty; use --force" in one_line_failure(busy)
    server.ok("export", library_id, str(first), "--force")
    assert _tree(first) == _tree(second)
    not_export = server.run("import", str(tmp_path / "first" / "assets"))
    assert one_line_failure(not_export) == (
        f"cclibs: {first / 'assets'} is not a library folder written by cclibs export: "
        "it has no library.json"
    )
    newer = tmp_path / "newer"
    newer.mkdir()
    (newer / "library.json").write_text('{"format": "cclibs-library", "version": 2}')
    assert one_line_failure(server.run("import", str(newer))) == (
        f"cclibs: {newer} has format version 2; this cclibs reads version 1"
    )


def test_ase_export_import_export_round_trip(server: Server, tmp_path: Path) -> None:
    library_id = server.ok("libraries", "create", "Palette").strip()
    with server.client() as client:
        client.create_color_theme(
            library_id, "Sea", ["#003366", "#336699", "#6699CC", "#99CCFF", "#FFFFFF"]
        )
        client.create_color(library_id, "Coral", "#FF7F50")
    first, second = tmp_path / "first.ase", tmp_path / "second.ase"

    server.ok("export", library_id, str(first), "--format", "ase")
    entries = read_ase(first.read_bytes())
    assert [type(e).__name__ for e in entries] == ["Group", "Swatch"]
    theme, coral = entries
    assert isinstance(theme, Group) and theme.name == "Sea"
    assert theme.swatches[0].name == "#003366"
    assert coral == Swatch(
        "Coral", "RGB", struct.unpack(">3f", struct.pack(">3f", 1, 127 / 255, 80 / 255))
    )

    imported = server.ok("import", str(first), "--json")
    library = json.loads(imported)
    assert library["name"] == "first" and library["elements_count"] == 2
    server.ok("export", library["id"], str(second))  # the .ase suffix chooses the format
    assert second.read_bytes() == first.read_bytes()


def test_an_ase_file_with_cmyk_becomes_colors_with_an_rgb_rendition(
    server: Server, tmp_path: Path
) -> None:
    path = tmp_path / "print.ase"
    path.write_bytes(write_ase([Group("Two", (Swatch("Cyan", "CMYK", (1.0, 0.0, 0.0, 0.0)),))]))
    library_id = server.ok("import", str(path), "--name", "Print").strip()
    assert json.loads(server.ok("libraries", "show", library_id, "--json"))["name"] == "Print"
    [element] = json.loads(server.ok("elements", "list", library_id, "--json"))["elements"]
    shown = json.loads(server.ok("elements", "show", library_id, element["id"], "--json"))
    assert [(r["relationship"], r["color#data"]["mode"]) for r in shown["representations"]] == [
        ("primary", "CMYK"),
        ("rendition", "RGB"),
    ]
    assert shown["representations"][1]["color#data"]["value"] == {"r": 0, "g": 255, "b": 255}


# failures -----------------------------------------------------------------------------------


def test_failures_are_one_line(server: Server, tmp_path: Path) -> None:
    unknown = server.run("elements", "list", "No such library")
    assert one_line_failure(unknown) == "cclibs: no library has the id or name 'No such library'"

    first = server.ok("libraries", "create", "Twin").strip()
    second = server.ok("libraries", "create", "Twin").strip()
    ambiguous = one_line_failure(server.run("libraries", "show", "Twin"))
    assert ambiguous.startswith("cclibs: 2 libraries are named 'Twin'; give an id: ")
    assert first in ambiguous and second in ambiguous

    no_element = server.run("elements", "archive", first, "Nothing")
    assert one_line_failure(no_element) == (
        "cclibs: no element has the id or name 'Nothing' in the library"
    )

    blank = one_line_failure(server.run("libraries", "rename", first, "  "))
    assert blank.startswith("cclibs: the Libraries API answered: ")
    assert "(400 " in blank

    bad_color = server.run("elements", "create-color", first, "Red", "red")
    assert '"#RRGGBB"' in one_line_failure(bad_color, code=2)

    unknown_type = tmp_path / "data.bin"
    unknown_type.write_bytes(b"\x00" * 10)
    refused = server.run("elements", "upload", first, str(unknown_type))
    assert one_line_failure(refused, code=2) == (
        "cclibs: cannot tell the type of data.bin from its name; give --content-type"
    )

    broken = tmp_path / "broken.ase"
    broken.write_bytes(b"ASEF" + struct.pack(">HHI", 1, 0, 3))
    malformed = one_line_failure(server.run("import", str(broken)))
    assert malformed.startswith(f"cclibs: {broken} is not a valid .ase file: the file ends")
    names = [
        lib["name"] for lib in json.loads(server.ok("libraries", "list", "--json"))["libraries"]
    ]
    assert "broken" not in names  # nothing was created

    with socket_closed() as url:
        down = tmp_path / "down"
        _log_in(down, url, server.caller)
        refused = server.run("libraries", "list", config=down)
        assert f"the Libraries API at {url} did not answer" in one_line_failure(refused)


def test_ctrl_c_during_a_transfer_is_one_line_and_leaves_nothing_behind(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library_id = server.ok("libraries", "create", "Interrupted").strip()
    picture = tmp_path / "big.png"
    picture.write_bytes(png(400, 400))
    server.ok("elements", "upload", library_id, str(picture))
    exported = tmp_path / "exported"
    server.ok("export", library_id, str(exported))
    libraries_before = server.ok("libraries", "list")

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt  # the user's Ctrl-C, as the bytes move

    monkeypatch.setattr("cclibs.cli._output.TransferBars.file", interrupt)
    monkeypatch.setattr("cclibs.cli._output.TransferBars.bytes", interrupt)
    commands = {
        "export": ("export", library_id, str(tmp_path / "out")),
        "download": ("download", library_id, "big", "--output", str(tmp_path / "copy.png")),
        "import": ("import", str(exported)),
    }
    for name, command in commands.items():
        result = server.run(*command)
        assert one_line_failure(result, code=130) == "cclibs: interrupted", name
        # No folder, no file, and no hidden partial one beside them.
        assert sorted(p.name for p in tmp_path.iterdir()) == ["big.png", "exported"], name
    monkeypatch.undo()
    # The half-imported library was deleted again.
    assert server.ok("libraries", "list") == libraries_before


def test_a_real_process_finds_a_library_by_name(server: Server) -> None:
    library_id = server.ok("libraries", "create", "From a process").strip()
    shown = cclibs(server.config, "libraries", "show", "From a process", "--json")
    assert (shown.returncode, shown.stderr) == (0, "")
    assert json.loads(shown.stdout)["id"] == library_id
