"""The command line's first run, as a new user lives it, every command a real process.

`cclibs serve` on an empty data directory, a fresh config directory, `cclibs profiles add
local --issuer URL` (only because the test's server is not on port 8000), `cclibs login
--device` approved in Chromium by a person who signs up on the server's own sign-up page
(open by default in development). No command sets up a credential: the server ships the
command line's one. Then a library with a color and a 20 MB image, export, delete, import,
export again, and the two folders compared byte for byte.

The export format carries no ids (library.json holds names, types and representations; files
are named by position). To stay honest should ids ever appear, every library and element id
the test saw is replaced by its position before the comparison (``_without_ids``); the
asset files are compared as raw bytes.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from tests.cli._login_support import cclibs_env
from tests.support.servers import CCLIBS, cclibs_serve

pytestmark = pytest.mark.browser

TIMEOUT = 120
PERSON = {"name": "Ada Lovelace", "email": "ada@example.com", "password": "analytical engine"}
IMAGE_BYTES = 20 * 1024 * 1024
_COMPLETE_URI = re.compile(r"^\(or open (?P<url>http\S+)\)$")


def _run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [CCLIBS, *args],
        env=cclibs_env(config),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, (args, done.stderr)
    assert "Traceback" not in done.stderr
    return done


def _noise_png(path: Path, size: int) -> None:
    """A valid RGB PNG of about ``size`` bytes: random pixels, stored without compression
    (zlib level 0), so its size is known and nothing in it repeats."""
    side = int((size / 3) ** 0.5) + 1
    rows = b"".join(b"\x00" + os.urandom(side * 3) for _ in range(side))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 0))
        + chunk(b"IEND", b"")
    )


def _sign_up_and_allow(complete_uri: str) -> str:
    """A person in Chromium: the device link, sign-up instead of sign-in, Continue, Allow.
    Runs in a thread of its own (Playwright's sync API marks its thread's loop as running)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(complete_uri)
            expect(page).to_have_url(re.compile(r"/signin\?"))
            page.get_by_role("link", name="Create one").click()
            page.get_by_label("Name").fill(PERSON["name"])
            page.get_by_label("Email").fill(PERSON["email"])
            page.get_by_label("Password").fill(PERSON["password"])
            page.get_by_role("button", name="Create account").click()
            # The address is to confirm later; sign in now (the email is filled in).
            page.get_by_role("main").get_by_role("link", name="Sign in").click()
            expect(page.get_by_label("Email")).to_have_value(PERSON["email"])
            page.get_by_label("Password").fill(PERSON["password"])
            page.get_by_role("button", name="Sign in").click()
            # Back on the device page, the code already filled in from the link.
            page.get_by_role("button", name="Continue").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("cclibs command line")
            page.get_by_role("button", name="Allow").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Device connected")
            return page.content()
        finally:
            browser.close()


def _log_in_with_device(config: Path) -> str:
    process = subprocess.Popen(
        [CCLIBS, "login", "--device"],
        env=cclibs_env(config),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        complete_uri = None
        shown = []
        for line in process.stderr:
            shown.append(line)
            found = _COMPLETE_URI.match(line.strip())
            if found:
                complete_uri = found.group("url")
            if line.startswith("Waiting for approval"):
                break
        assert complete_uri, "".join(shown)
        with ThreadPoolExecutor(max_workers=1) as thread:
            thread.submit(_sign_up_and_allow, complete_uri).result(TIMEOUT)
        _stdout, stderr = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    return "".join(shown) + stderr


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _without_ids(tree: dict[str, bytes], ids: list[str]) -> dict[str, bytes]:
    """Each id replaced by its position in ``ids`` (the same position in both runs)."""
    cleaned = {}
    for name, data in tree.items():
        for index, known in enumerate(ids):
            data = data.replace(known.encode(), f"<id {index}>".encode())
        cleaned[name] = data
    return cleaned


def _ids(config: Path, library: str) -> list[str]:
    """The library's id and its elements' ids, in the order the API lists them."""
    listed = json.loads(_run(config, "elements", "list", library, "--json").stdout)
    return [library, *(str(element["id"]) for element in listed["elements"])]


def test_first_run_login_then_export_delete_import_export(tmp_path: Path) -> None:
    data, config = tmp_path / "data", tmp_path / "config"
    image = tmp_path / "poster.png"
    _noise_png(image, IMAGE_BYTES)
    assert image.stat().st_size >= IMAGE_BYTES
    with cclibs_serve(["--data-dir", str(data)], {}) as (url, _server):
        added = _run(config, "profiles", "add", "local", "--issuer", url)
        assert added.stdout.strip() == f"profile local: {url} client cclibs-cli API {url}"

        said = _log_in_with_device(config)
        assert "Logged in with profile local" in said
        whoami = _run(config, "whoami")
        assert PERSON["email"] in whoami.stdout

        assert _run(config, "libraries", "list", "--json").returncode == 0
        first = _run(config, "libraries", "create", "First run").stdout.strip()
        _run(config, "elements", "create-color", first, "Signal red", "#E4002B")
        uploaded = _run(config, "elements", "upload", first, str(image), "--name", "Poster")
        assert uploaded.stdout.strip()
        first_ids = _ids(config, first)
        assert len(first_ids) == 3

        _run(config, "export", first, str(tmp_path / "one"))
        _run(config, "libraries", "delete", first, "--yes")
        assert first not in _run(config, "libraries", "list", "--json").stdout
        second = _run(config, "import", str(tmp_path / "one")).stdout.strip()
        assert second and second != first
        second_ids = _ids(config, second)
        _run(config, "export", second, str(tmp_path / "two"))

    one, two = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert sorted(one) == sorted(two)
    assert "library.json" in one and len(one) >= 2  # the manifest and the image at least
    assert image.read_bytes() in one.values()  # the 20 MB file came back unchanged
    assert _without_ids(one, first_ids) == _without_ids(two, second_ids)
