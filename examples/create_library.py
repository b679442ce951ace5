"""A script that makes a library with a color and an uploaded image (``cclibs.sdk.Client``).

Log in once with the CLI (``cclibs login``), then::

    python -m examples.create_library "Brand" logo.png --color "#D7373F"

It prints the new library's id and its elements. The profile is ``local`` unless
``CCLIBS_PROFILE`` names another (``adobe`` works the same against Adobe's API). The upload
streams from disk, in parts for a large file, and reports its progress on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cclibs.sdk import Client, SdkError

__all__ = ["create_library", "main"]


def create_library(client: Client, name: str, image: Path, color: str) -> str:
    """The new library's id: a library named ``name`` holding a color and the image."""
    library = client.create_library(name)
    client.create_color(library["id"], f"Brand color {color}", color)

    def progress(done: int, total: int | None) -> None:
        if total:
            print(f"\ruploading {image.name}: {100 * done // total}%", end="", file=sys.stderr)

    client.create_file_element(library["id"], image.stem, image, progress=progress)
    print(file=sys.stderr)
    return library["id"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the new library's name")
    parser.add_argument("image", type=Path, help="an image file to upload (PNG, JPEG, SVG...)")
    parser.add_argument("--color", default="#D7373F", help="a color as #RRGGBB")
    options = parser.parse_args(argv)
    try:
        with Client.from_profile() as client:
            library_id = create_library(client, options.name, options.image, options.color)
            print(library_id)
            for element in client.elements(library_id, order_by="created_date"):
                print(f"  {element['name']}\t{element['type']}")
    except (SdkError, OSError) as exc:
        print(f"create_library: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
