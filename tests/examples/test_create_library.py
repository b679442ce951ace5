"""examples/create_library.py, run as a user runs it: a process of its own, logged in with the
profile ``local`` pointed at a real cclibs. What it made is then read back through the API."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from cclibs.sdk import Client, Profile, ProfileStore
from tests.sdk.conftest import config_dir, native_profile, person
from tests.sdk.helpers import signed_in
from tests.support.live_cclibs import Browser, Live, live

__all__ = ["config_dir", "live", "native_profile", "person"]

_ROOT = Path(__file__).resolve().parents[2]


def _run_script(config_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCLIBS_")}
    env["CCLIBS_CONFIG_DIR"] = str(config_dir)
    return subprocess.run(
        [sys.executable, "-m", "examples.create_library", *args],
        cwd=_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _png(path: Path) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), (215, 55, 63)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def test_the_script_makes_a_library_with_a_color_and_an_image(
    live: Live, config_dir: Path, native_profile: Profile, person: Browser, tmp_path: Path
) -> None:
    ProfileStore(config_dir).save(
        "local", {"issuer": live.url, "api_url": live.url, "client_id": live.native_id}
    )
    source = signed_in(native_profile, person)  # the token cache `cclibs login` leaves
    image = tmp_path / "logo.png"
    content = _png(image)

    done = _run_script(config_dir, "Brand", str(image), "--color", "#0A64C8")
    assert done.returncode == 0, done.stderr
    library_id, *listing = done.stdout.splitlines()
    assert listing == [
        "  Brand color #0A64C8\tapplication/vnd.adobe.element.color+dcx",
        "  logo\tapplication/vnd.adobe.element.image+dcx",
    ]
    assert "uploading logo.png: 100%" in done.stderr

    with Client(live.url, auth=source.auth()) as api:
        assert api.library(library_id)["name"] == "Brand"
        color, logo = api.elements(library_id, order_by="created_date", selector="full")
        [swatch] = [r for r in color["representations"] if "color#data" in r]
        assert swatch["color#data"]["mode"] == "RGB"
        assert swatch["color#data"]["value"] == {"r": 10, "g": 100, "b": 200}
        [primary] = [r for r in logo["representations"] if r.get("relationship") == "primary"]
        assert primary["type"] == "image/png"
        saved = io.BytesIO()
        api.download(primary["storage_href"], saved)
        assert saved.getvalue() == content


def test_the_script_says_what_is_wrong_in_one_line(config_dir: Path, tmp_path: Path) -> None:
    # Never logged in: one line naming the fix, no traceback.
    ProfileStore(config_dir).save(
        "local", {"issuer": "http://127.0.0.1:9", "api_url": "http://127.0.0.1:9", "client_id": "x"}
    )
    done = _run_script(config_dir, "Brand", str(tmp_path / "none.png"))
    assert done.returncode == 1
    assert done.stderr.startswith("create_library: not logged in with profile local")
    assert "Traceback" not in done.stderr
