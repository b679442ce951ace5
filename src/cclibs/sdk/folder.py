"""A library as a folder of JSON and files, and back: ``export_library`` and ``import_library``.

The folder (format version 1)::

    DIR/
      library.json          the library and its elements, in order
      assets/0001-0.png     the file of element 1's representation 0 (the type's extension)
      assets/0003-1.pdf     ...

``library.json``::

    {"format": "cclibs-library", "version": 1,
     "library": {"name": "Brand"},
     "elements": [
       {"name": "Red", "type": "application/vnd.adobe.element.color+dcx",
        "description": "...", "groups": [...], "sourceRef": "...",
        "representations": [
          {"type": "application/vnd.adobe.color+json", "relationship": "primary",
           "color#data": {...}},                                  <- inline: kept verbatim
          {"type": "image/png", "relationship": "rendition", "width": 200,
           "file": "assets/0001-1.png"}]},                        <- uploaded: the file's path
       ...]}

Lossless for what a client can give back: each element's name, type, description, groups and
``sourceRef``, and every representation with every key, except what the server assigns (ids,
dates, ETags, links, ``storage_href``, and an uploaded file's length, MD5 and version, which
the server takes from the file). Archived elements are not exported.

Deterministic, so that export, import and export again give byte-identical folders (there
are no ids in it): JSON with sorted keys, two-space indents, UTF-8 and a final newline;
elements in the order they were created (``orderBy=created_date``), which import keeps by
creating them one by one in the file's order (see ``create_in_order``); files named by
position. Export writes beside ``DIR`` and moves in only when complete.

Import refuses a folder without ``library.json``, of another ``format`` or of another
``version`` (``NotAnExport``), and checks every file it names before it creates anything.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cclibs.sdk._targets import staged_directory
from cclibs.sdk.errors import SdkError

if TYPE_CHECKING:
    from cclibs.sdk.api import Client
    from cclibs.sdk.api.types import Element, Library

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "FolderProgress",
    "NotAnExport",
    "create_in_order",
    "delete_quietly",
    "dump_json",
    "export_library",
    "import_library",
    "read_manifest",
]

FORMAT = "cclibs-library"
FORMAT_VERSION = 1
MANIFEST = "library.json"
ASSETS = "assets"

_ELEMENT_KEYS = ("name", "type", "description", "groups", "sourceRef")
"""What a client gives an element besides its representations (compat §1.6), and so what an
import can give back; everything else about an element the server sets."""
_REP_SERVER_KEYS = frozenset({"id", "_links", "state", "is_component"})
_FILE_SERVER_KEYS = frozenset(
    {"storage_href", "asset_id", "path", "etag", "md5", "content_length", "version"}
)
"""What an uploaded file's representation gets from the server and the file itself."""
_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/gif": ".gif",
    "image/svg+xml": ".svg",
    "image/webp": ".webp",
    "image/tiff": ".tif",
    "application/pdf": ".pdf",
    "application/photoshop": ".psd",
    "image/vnd.adobe.photoshop": ".psd",
    "application/ai": ".ai",
    "application/postscript": ".eps",
    "application/zip": ".zip",
    "application/json": ".json",
    "text/plain": ".txt",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "audio/mpeg": ".mp3",
    "audio/wav": ".wav",
}
"""A fixed table (not ``mimetypes``, which reads the system's files): the same names on every
machine."""


class NotAnExport(SdkError):
    """A folder that ``export_library`` did not write, or of a format version unknown here."""


class FolderProgress(Protocol):
    """What an export or import reports as it goes: elements done, and bytes of files."""

    def elements(self, done: int, total: int) -> None: ...

    def bytes(self, done: int, total: int) -> None: ...


def dump_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _is_file_rep(rep: Mapping[str, Any]) -> bool:
    """An uploaded file's representation: the server names its file by ``storage_href``."""
    return isinstance(rep.get("storage_href"), str) and bool(rep["storage_href"])


def _extension(content_type: str) -> str:
    return _EXTENSIONS.get(content_type.split(";", 1)[0].strip().lower(), ".bin")


def _element_record(element: Mapping[str, Any]) -> dict[str, Any]:
    record = {k: element[k] for k in _ELEMENT_KEYS if element.get(k) is not None}
    details = element.get("details")
    described = isinstance(details, Mapping) and isinstance(details.get("description"), str)
    if "description" not in record and described:
        record["description"] = details["description"]  # type: ignore[index]
    record["representations"] = [
        {k: v for k, v in rep.items() if k not in _REP_SERVER_KEYS}
        for rep in element.get("representations") or ()
    ]
    return record


# Export -------------------------------------------------------------------------------------


class _Bytes:
    """Cumulative bytes over several files, for one progress bar."""

    def __init__(self, progress: FolderProgress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def file(self, done: int, _total: int | None) -> None:
        if self.progress is not None:
            self.progress.bytes(self.done + done, max(self.total, self.done + done))

    def finished(self, size: int) -> None:
        self.done += size
        self.file(0, None)


def export_library(
    client: Client,
    library_id: str,
    directory: str | Path,
    *,
    force: bool = False,
    progress: FolderProgress | None = None,
) -> Path:
    """Write the library as a folder (the module docstring); ``force`` replaces an export
    already in ``directory``, which must otherwise be empty or new."""
    target = Path(directory)
    with staged_directory(target, (MANIFEST, ASSETS), force=force) as staging:
        library = client.library(library_id)
        elements = list(client.elements(library["id"], order_by="created_date", selector="full"))
        files = [
            rep for e in elements for rep in e.get("representations") or () if _is_file_rep(rep)
        ]
        counted = _Bytes(progress, sum(int(rep.get("content_length") or 0) for rep in files))
        width = max(4, len(str(len(elements))))
        records = []
        for index, element in enumerate(elements, start=1):
            record = _element_record(element)
            for position, rep in enumerate(record["representations"]):
                if not _is_file_rep(rep):
                    continue
                name = f"{ASSETS}/{index:0{width}d}-{position}{_extension(str(rep.get('type')))}"
                (staging / ASSETS).mkdir(exist_ok=True)
                size = client.download(
                    str(rep["storage_href"]), staging / name, progress=counted.file
                )
                counted.finished(size)
                for key in _FILE_SERVER_KEYS:
                    rep.pop(key, None)
                rep["file"] = name
            records.append(record)
            if progress is not None:
                progress.elements(index, len(elements))
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "library": {"name": library["name"]},
            "elements": records,
        }
        (staging / MANIFEST).write_text(dump_json(manifest), encoding="utf-8")
    return target


# Import -------------------------------------------------------------------------------------


def _fail(directory: Path, why: str) -> NotAnExport:
    return NotAnExport(f"{directory} is not a library folder written by cclibs export: {why}")


def _check_file_ref(directory: Path, where: str, ref: object) -> Path:
    root = directory.resolve()
    if not isinstance(ref, str) or not ref or Path(ref).is_absolute():
        raise _fail(directory, f"{where}.file must be a path inside the folder")
    path = (root / ref).resolve()
    if not path.is_relative_to(root):
        raise _fail(directory, f"{where}.file ({ref}) points outside the folder")
    if not path.is_file():
        raise _fail(directory, f"{where}.file ({ref}) is missing")
    return path


def read_manifest(directory: str | Path) -> dict[str, Any]:
    """``library.json``, checked: its format and version, and every element and file it
    names (before anything is created)."""
    folder = Path(directory)
    manifest_path = folder / MANIFEST
    if not folder.is_dir():
        raise NotAnExport(f"{folder} is not a directory")
    if not manifest_path.is_file():
        raise _fail(folder, f"it has no {MANIFEST}")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _fail(folder, f"{MANIFEST} is not JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _fail(folder, f'{MANIFEST} has no "format": "{FORMAT}"')
    version = manifest.get("version")
    if version != FORMAT_VERSION:
        raise NotAnExport(
            f"{folder} has format version {version!r}; this cclibs reads version {FORMAT_VERSION}"
        )
    library = manifest.get("library")
    if not isinstance(library, dict) or not isinstance(library.get("name"), str):
        raise _fail(folder, "library.name is missing")
    elements = manifest.get("elements")
    if not isinstance(elements, list):
        raise _fail(folder, "elements is not a list")
    for index, element in enumerate(elements):
        where = f"elements[{index}]"
        if not isinstance(element, dict):
            raise _fail(folder, f"{where} is not an object")
        if not isinstance(element.get("name"), str) or not isinstance(element.get("type"), str):
            raise _fail(folder, f"{where} needs a name and a type")
        reps = element.get("representations")
        if not isinstance(reps, list) or not all(isinstance(rep, dict) for rep in reps):
            raise _fail(folder, f"{where}.representations is not a list of objects")
        for position, rep in enumerate(reps):
            if "file" in rep:
                _check_file_ref(folder, f"{where}.representations[{position}]", rep["file"])
    return manifest


def _file_size(folder: Path, element: Mapping[str, Any]) -> int:
    return sum(
        (folder / rep["file"]).stat().st_size for rep in element["representations"] if "file" in rep
    )


def _representations(
    client: Client, library_id: str, folder: Path, element: Mapping[str, Any], counted: _Bytes
) -> list[dict[str, Any]]:
    """The element's representations, each file uploaded and named by its ``storage_href``
    (with the facts of the upload answer, as Adobe's samples send them, compat §1.7)."""
    reps: list[dict[str, Any]] = []
    for rep in element["representations"]:
        out = {k: v for k, v in rep.items() if k != "file"}
        if "file" in rep:
            path = folder / rep["file"]
            uploaded = client.upload(
                library_id,
                path,
                content_type=str(rep.get("type") or "") or None,
                progress=counted.file,
            )
            counted.finished(path.stat().st_size)
            for key in ("storage_href", "content_length", "etag", "md5", "version"):
                if key in uploaded:
                    out[key] = uploaded[key]
        reps.append(out)
    return reps


def _create(
    client: Client, library_id: str, element: Mapping[str, Any], reps: list[dict[str, Any]]
) -> Element:
    return client.create_element(
        library_id,
        name=element["name"],
        type=element["type"],
        representations=reps,
        description=element.get("description"),
        groups=element.get("groups"),
        source_ref=element.get("sourceRef"),
    )


def create_in_order(
    client: Client,
    library_id: str,
    element: Mapping[str, Any],
    reps: list[dict[str, Any]],
    after_ms: int,
) -> int:
    """Create the element later than ``after_ms`` (the one before it): the order of an
    export is creation order, and two elements made in the same millisecond would be
    ordered by their ids, which are random. So in that rare case it is made again, and the
    first one archived and purged."""
    created = _create(client, library_id, element, reps)
    while True:
        created_ms = int(created.get("created_date") or 0)
        if created_ms > after_ms or not created_ms:
            return created_ms
        again = _create(client, library_id, element, reps)
        client.archive_element(library_id, str(created["id"]))
        client.purge_element(library_id, str(created["id"]))
        created = again


def import_library(
    client: Client,
    directory: str | Path,
    *,
    name: str | None = None,
    progress: FolderProgress | None = None,
) -> Library:
    """Create a new library from a folder ``export_library`` wrote, its files uploaded;
    returns the library. On any failure (or Ctrl-C) the new library is deleted again."""
    folder = Path(directory)
    manifest = read_manifest(folder)
    elements: list[dict[str, Any]] = manifest["elements"]
    counted = _Bytes(progress, sum(_file_size(folder, e) for e in elements))
    library = client.create_library(name or manifest["library"]["name"])
    try:
        last_ms = 0
        for index, element in enumerate(elements, start=1):
            reps = _representations(client, library["id"], folder, element, counted)
            last_ms = create_in_order(client, library["id"], element, reps, last_ms)
            if progress is not None:
                progress.elements(index, len(elements))
    except BaseException:
        delete_quietly(client, library["id"])
        raise
    return client.library(library["id"])


def delete_quietly(client: Client, library_id: str) -> None:
    # The first failure is the one to report; a second one (the server gone) is not news.
    with contextlib.suppress(Exception):
        client.delete_library(library_id)
