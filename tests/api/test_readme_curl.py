"""The README's "The Libraries API" section, run as written against a live server.

Its ``sh`` blocks are run, in order, in one POSIX shell, as a reader would paste them: the
token comes from ``cclibs token`` (cached by ``cclibs login --with-token``, as a playground
token would be), curl is the real binary, and only ``BASE`` points at the test's server. A
wrapper around curl notes each call's arguments and exit status, so every command must
succeed on its own, and the ids the commands capture must chain into the next ones.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.support.live_api import LiveApi, live_api

__all__ = ["live_api"]

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SECTION = "## The Libraries API"
README_BASE = "http://127.0.0.1:8000"
SCRIPT_TIMEOUT = 60.0
_FENCE = re.compile(r"^```sh\n(.*?)^```$", re.S | re.M)

# Wraps the real curl: one record per call, its exit status and its arguments, one a line.
_CURL_WRAPPER = """#!/bin/sh
{real} "$@"
status=$?
{{ printf 'status=%s\\n' "$status"; for arg in "$@"; do printf 'arg=%s\\n' "$arg"; done
   printf 'end\\n'; }} >> "$CURL_LOG"
exit $status
"""


def section_blocks() -> list[str]:
    """The ``sh`` blocks of the README's Libraries API section, in order."""
    text = README.read_text()
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return _FENCE.findall(text[start : end if end != -1 else None])


def curl_calls(log: Path) -> list[dict[str, Any]]:
    """The logged calls: status, method (as curl chooses it) and URL."""
    calls: list[dict[str, Any]] = []
    args: list[str] = []
    status = -1
    for line in log.read_text().splitlines():
        if line.startswith("status="):
            status, args = int(line.removeprefix("status=")), []
        elif line.startswith("arg="):
            args.append(line.removeprefix("arg="))
        elif line == "end":
            method = args[args.index("-X") + 1] if "-X" in args else "GET"
            [url] = [arg for arg in args if arg.startswith("http")]
            calls.append({"status": status, "method": method, "url": url, "args": args})
    return calls


def json_documents(text: str) -> list[Any]:
    """The JSON answers curl printed one after the other."""
    decoder = json.JSONDecoder()
    documents, position = [], 0
    while (position := _skip_space(text, position)) < len(text):
        document, position = decoder.raw_decode(text, position)
        documents.append(document)
    return documents


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def test_the_section_has_the_setup_and_the_examples() -> None:
    setup, examples = section_blocks()

    assert "cclibs token" in setup
    assert setup.count(README_BASE) == 1
    commands = examples.count("curl ")
    assert commands == 9
    assert examples.count("--fail-with-body") == commands, "every curl must fail on an error"
    assert examples.count('-H "x-api-key: $API_KEY"') == commands
    assert examples.count('-H "Authorization: Bearer $TOKEN"') == commands


def test_the_curl_examples_run_as_written(live_api: LiveApi, tmp_path: Path) -> None:
    real_curl = shutil.which("curl")
    if real_curl is None:
        pytest.fail("curl is not on PATH: this test runs the README's curl commands.")
    setup, examples = section_blocks()
    work = tmp_path / "work"
    work.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "curl"
    wrapper.write_text(_CURL_WRAPPER.format(real=real_curl))
    wrapper.chmod(0o755)
    (bin_dir / "cclibs").symlink_to(Path(sys.executable).parent / "cclibs")
    swatch = Image.new("RGB", (400, 300), (217, 201, 98))
    swatch.save(work / "swatch.png")
    log = tmp_path / "curl.log"
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "CURL_LOG": str(log),
        "CCLIBS_CONFIG_DIR": str(tmp_path / "config"),
        "CCLIBS_PROFILE_ISSUER": live_api.url,
        "CCLIBS_PROFILE_CLIENT_ID": live_api.caller.client_id,
        "CCLIBS_PROFILE_API_URL": live_api.url,
    }
    # What "cclibs login" leaves behind: the profile's token in the cache.
    login = subprocess.run(
        ["cclibs", "login", "--with-token"],
        input=live_api.caller.access_token + "\n",
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT,
        check=False,
    )
    assert login.returncode == 0, login.stderr
    script = "\n".join(
        [
            "set -eu",
            setup.replace(README_BASE, live_api.url),
            examples,
            'printf \'%s\\n\' "$LIBRARY" "$ELEMENT" > chained.txt',
        ]
    )

    done = subprocess.run(
        ["sh", "-c", script],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT,
        check=False,
    )

    calls = curl_calls(log) if log.exists() else []
    assert done.returncode == 0, (done.stderr, [(c["method"], c["url"]) for c in calls])
    assert [c["status"] for c in calls] == [0] * 9, done.stderr
    library, element = (work / "chained.txt").read_text().split()
    with httpx.Client(base_url=live_api.url, headers=live_api.headers, timeout=10) as http:
        got = http.get(f"/api/v1/libraries/{library}/elements/{element}")
        named = http.get(f"/api/v1/libraries/{library}")
    assert got.status_code == 200, got.text
    thumbnail = got.json()["thumbnail"]["rendition"]
    api = f"{live_api.url}/api/v1/libraries"
    assert [(c["method"], c["url"]) for c in calls] == [
        ("GET", api),
        ("POST", api),
        ("POST", f"{api}/{library}/representations/content"),
        ("POST", f"{api}/{library}/elements"),
        ("GET", f"{api}/{library}/elements"),
        ("GET", thumbnail),
        ("PUT", f"{api}/{library}/elements/metadata"),
        ("DELETE", f"{api}/{library}/elements/{element}"),
        ("POST", f"{api}/{library}/archive"),
    ]

    # What the reader saw: the empty list, the new element, the restore's answer.
    listed, elements, restored = json_documents(done.stdout)
    assert (listed["total_count"], listed["libraries"]) == (0, [])
    assert elements["total_count"] == 1
    assert [(e["id"], e["name"]) for e in elements["elements"]] == [(element, "Swatch")]
    assert restored["status"] == "OK"
    # The end state: renamed, back among the live elements, in the named library.
    final = got.json()
    assert final["name"] == "Sunflower"
    assert "archived_date" not in final
    assert named.json()["name"] == "My Test Library"
    assert final["parent_id"] == named.json()["library_urn"]
    upload = json.loads((work / "upload.json").read_text())
    assert upload["content_length"] == (work / "swatch.png").stat().st_size
    with Image.open(io.BytesIO((work / "thumbnail.png").read_bytes())) as image:
        assert (image.format, image.size) == ("PNG", (200, 150))
