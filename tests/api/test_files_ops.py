"""Files, operation by operation: the multipart upload, downloads from ``storage_href``, and
thumbnails.

Compat reference §1.2 (operation 22), §1.7 (the flat upload answer that clients copy into a
representation, downloads with the same headers, ``:rendition;size=N`` with longest side N
and the full size without the last segment).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.support.api_answers import error_of
from tests.support.api_auth import ApiCaller

pytestmark = pytest.mark.anyio

JSON = dict[str, Any]
LIBRARIES = "/api/v1/libraries"
CLIENT = {"deviceId": "test-device", "device": "pytest", "app": "cclibs-tests"}
MAX_UPLOAD = 64 * 1024
UPLOAD_KEYS = {
    "id",
    "storage_href",
    "asset_id",
    "type",
    "content_length",
    "etag",
    "md5",
    "version",
}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"max_upload_bytes": MAX_UPLOAD}


def image_bytes(
    width: int, height: int, rgb: tuple[int, int, int] = (220, 30, 40), fmt: str = "PNG"
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), rgb).save(out, format=fmt)
    return out.getvalue()


def decoded(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def multipart(*parts: tuple[str, str | None, str | None, bytes]) -> tuple[bytes, str]:
    """A multipart/form-data body with ``parts`` in this order: (name, filename,
    content type, content); and its Content-Type."""
    boundary = "cclibs-test-7d3f0a"
    chunks: list[bytes] = []
    for name, filename, content_type, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        if content_type is not None:
            head += f"Content-Type: {content_type}\r\n"
        chunks.append(head.encode() + b"\r\n" + content + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def file_part(content: bytes, kind: str = "image/png") -> tuple[str, str, str, bytes]:
    return ("Representation-Content", "asset", kind, content)


def data_part(value: object) -> tuple[str, None, None, bytes]:
    text = value if isinstance(value, str) else json.dumps(value)
    return ("Representation-Data", None, None, text.encode())


class Files:
    def __init__(self, client: httpx.AsyncClient, caller: ApiCaller, library: JSON) -> None:
        self.client = client
        self.headers = caller.headers
        self.library = library
        self.href = f"{LIBRARIES}/{library['library_urn']}"

    async def post_parts(self, *parts: tuple[str, str | None, str | None, bytes]) -> httpx.Response:
        body, content_type = multipart(*parts)
        return await self.client.post(
            f"{self.href}/representations/content",
            content=body,
            headers={**self.headers, "Content-Type": content_type},
        )

    async def upload(self, content: bytes, kind: str = "image/png") -> JSON:
        response = await self.post_parts(data_part({"type": kind}), file_part(content, kind))
        assert response.status_code == 200, response.text
        body: JSON = response.json()
        return body

    async def element(self, payload: JSON) -> JSON:
        response = await self.client.post(
            f"{self.href}/elements", json=payload, headers=self.headers
        )
        assert response.status_code == 201, response.text
        element: JSON = response.json()["elements"][0]
        return element

    async def image(self, content: bytes, kind: str = "image/png") -> JSON:
        uploaded = await self.upload(content, kind)
        return await self.file_element(uploaded, "Picture", "image")

    async def file_element(self, uploaded: JSON, name: str, element_kind: str) -> JSON:
        """An element whose primary representation is the ``uploaded`` file."""
        return await self.element(
            {
                "name": name,
                "type": f"application/vnd.adobe.element.{element_kind}+dcx",
                "client": CLIENT,
                "representations": [
                    {
                        "type": uploaded["type"],
                        "relationship": "primary",
                        "storage_href": uploaded["storage_href"],
                    }
                ],
            }
        )

    async def color(self, r: int, g: int, b: int) -> JSON:
        return await self.element(
            {
                "name": "Swatch",
                "type": "application/vnd.adobe.element.color+dcx",
                "client": CLIENT,
                "representations": [
                    {
                        "type": "application/vnd.adobe.color+json",
                        "relationship": "primary",
                        "color#data": {"mode": "RGB", "value": {"r": r, "g": g, "b": b}},
                    }
                ],
            }
        )

    async def get(self, url: str, **headers: str) -> httpx.Response:
        return await self.client.get(url, headers={**self.headers, **headers})


@pytest.fixture
async def files(client: httpx.AsyncClient, api_caller: ApiCaller) -> Files:
    response = await client.post(LIBRARIES, json={"name": "Files"}, headers=api_caller.headers)
    assert response.status_code == 201, response.text
    return Files(client, api_caller, response.json())


# Upload ---------------------------------------------------------------------------------


async def test_upload_answers_the_flat_representation(files: Files) -> None:
    content = image_bytes(30, 10)
    body = await files.upload(content)
    assert set(body) == UPLOAD_KEYS
    assert body["type"] == "image/png"
    assert body["content_length"] == len(content)
    assert (
        body["md5"]
        == base64.b64encode(hashlib.md5(content, usedforsecurity=False).digest()).decode()
    )
    assert body["asset_id"] == body["id"]
    assert body["version"] == "0"
    assert body["etag"].startswith('"') and body["etag"].endswith('"')
    assert body["storage_href"].startswith("http://testserver/api/v1/")
    assert body["id"] in body["storage_href"]
    # The library's storage counts only what elements reference.
    library = (await files.client.get(files.href, headers=files.headers)).json()
    assert library["storage_used"] == 0


async def test_upload_with_httpx_files_and_data(files: Files) -> None:
    """What a client library's multipart helper sends (data before the file)."""
    content = b"%PDF-1.4 not much of a document"
    response = await files.client.post(
        f"{files.href}/representations/content",
        files={"Representation-Content": ("doc.pdf", content, "application/pdf")},
        data={"Representation-Data": json.dumps({"type": "application/pdf"})},
        headers=files.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["type"] == "application/pdf"
    assert response.json()["content_length"] == len(content)


async def test_representation_data_before_or_after_the_file(files: Files) -> None:
    content = image_bytes(8, 8)
    before = await files.post_parts(data_part({"type": "image/png"}), file_part(content))
    after = await files.post_parts(file_part(content), data_part({"type": "image/png"}))
    for response in (before, after):
        assert response.status_code == 200, response.text
        assert response.json()["type"] == "image/png"
        assert response.json()["content_length"] == len(content)
    assert before.json()["id"] != after.json()["id"]
    assert before.json()["md5"] == after.json()["md5"]
    # Without Representation-Data the file part's own type names it.
    untyped = await files.post_parts(file_part(content, "image/png"))
    assert untyped.status_code == 200, untyped.text
    assert untyped.json()["type"] == "image/png"
    # The type in Representation-Data wins over the part's.
    typed = await files.post_parts(
        file_part(b"\x00\x01", "application/octet-stream"), data_part({"type": "image/gif"})
    )
    assert typed.status_code == 200, typed.text
    assert typed.json()["type"] == "image/gif"


async def test_upload_refusals(files: Files) -> None:
    content = image_bytes(8, 8)
    upload = f"{files.href}/representations/content"
    error_of(
        await files.post_parts(data_part({"type": "image/png"})), 400, "Representation-Content"
    )
    error_of(
        await files.post_parts(data_part("{type: image/png"), file_part(content)),
        400,
        "Representation-Data",
    )
    error_of(
        await files.post_parts(data_part(["image/png"]), file_part(content)),
        400,
        "Representation-Data",
    )
    error_of(
        await files.post_parts(data_part({"type": "image/*"}), file_part(content)),
        400,
        "Representation-Data.type",
    )
    error_of(
        await files.post_parts(file_part(content, "application/octet-stream")),
        400,
        "Representation-Data",
    )
    error_of(
        await files.post_parts(
            file_part(content), file_part(content), data_part({"type": "image/png"})
        ),
        400,
    )
    not_multipart = await files.client.post(
        upload, json={"type": "image/png"}, headers=files.headers
    )
    error_of(not_multipart, 415, "multipart/form-data")
    raw = await files.client.post(
        upload, content=content, headers={**files.headers, "Content-Type": "image/png"}
    )
    error_of(raw, 415)
    cut, content_type = multipart(data_part({"type": "image/png"}), file_part(content))
    truncated = await files.client.post(
        upload,
        content=cut[: len(cut) // 2],
        headers={**files.headers, "Content-Type": content_type},
    )
    assert truncated.status_code == 400, truncated.text
    too_large = await files.post_parts(
        data_part({"type": "application/zip"}),
        file_part(b"z" * (MAX_UPLOAD + 1), "application/zip"),
    )
    error_of(too_large, 413)
    missing = f"{LIBRARIES}/00000000-0000-4000-8000-000000000000/representations/content"
    body, content_type = multipart(data_part({"type": "image/png"}), file_part(content))
    elsewhere = await files.client.post(
        missing, content=body, headers={**files.headers, "Content-Type": content_type}
    )
    error_of(elsewhere, 404)


# Download -------------------------------------------------------------------------------


async def test_download_gives_back_the_same_bytes(files: Files) -> None:
    content = image_bytes(50, 40, fmt="JPEG")
    uploaded = await files.upload(content, "image/jpeg")
    response = await files.get(uploaded["storage_href"])
    assert response.status_code == 200, response.text
    assert response.content == content
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["content-length"] == str(len(content))
    assert response.headers["etag"] == uploaded["etag"]

    head = await files.client.head(uploaded["storage_href"], headers=files.headers)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(content))
    assert head.headers["content-type"] == "image/jpeg"

    cached = await files.get(uploaded["storage_href"], **{"If-None-Match": uploaded["etag"]})
    assert cached.status_code == 304

    pdf = await files.upload(b"%PDF-1.4 tiny", "application/pdf")
    document = await files.get(pdf["storage_href"])
    assert document.status_code == 200
    assert document.content == b"%PDF-1.4 tiny"
    assert document.headers["content-type"] == "application/pdf"
    assert document.headers["content-disposition"].startswith("attachment")


async def test_files_and_thumbnails_answer_if_none_match_as_pages_do(files: Files) -> None:
    """A list of tags, a weak tag and ``*`` all match (RFC 9110 §13.1.2), as on libraries
    and elements; another tag gets the file."""
    element = await files.image(image_bytes(80, 60))
    uploaded = element["representations"][0]
    for url in (uploaded["storage_href"], element["thumbnail"]["rendition"]):
        etag = (await files.get(url)).headers["etag"]
        for given in (f'"other", {etag}', f"W/{etag}", "*"):
            answer = await files.get(url, **{"If-None-Match": given})
            assert answer.status_code == 304, (url, given)
            assert answer.headers["etag"] == etag
        head = await files.client.head(url, headers={**files.headers, "If-None-Match": etag})
        assert head.status_code == 304
        fresh = await files.get(url, **{"If-None-Match": '"other"'})
        assert fresh.status_code == 200
        assert fresh.content


async def test_a_file_of_any_type_stays_attached_to_its_representation(files: Files) -> None:
    # A font file or an application/octet-stream upload is not one of §1.6's uploaded types,
    # but the storage_href still names the file: it must be kept, never dropped silently.
    uploaded = await files.upload(b"\x00\x01 binary font data", "application/x-font-otf")
    element = await files.file_element(uploaded, "Brand font", "font")
    [rep] = element["representations"]
    assert rep["content_length"] == len(b"\x00\x01 binary font data")
    response = await files.get(rep["storage_href"])
    assert response.status_code == 200
    assert response.content == b"\x00\x01 binary font data"

    bogus = await files.client.post(
        f"{files.href}/elements",
        json={
            "name": "Nothing",
            "type": "application/vnd.adobe.element.font+dcx",
            "client": CLIENT,
            "representations": [
                {
                    "type": "application/x-font-otf",
                    "storage_href": uploaded["storage_href"].replace("component_id=", "x="),
                }
            ],
        },
        headers=files.headers,
    )
    assert bogus.status_code == 400
    assert "storage_href" in bogus.json()["message"]


async def test_download_of_what_is_not_there(files: Files) -> None:
    uploaded = await files.upload(image_bytes(4, 4))
    base = uploaded["storage_href"].split("?", 1)[0]
    error_of(await files.get(f"{base}?component_id=00000000-0000-4000-8000-000000000000"), 404)
    error_of(await files.get(f"{base}?component_id=nope"), 404)
    error_of(await files.get(base), 400, "component_id")
    # The file of one library is not reachable through another.
    other = await files.client.post(LIBRARIES, json={"name": "Other"}, headers=files.headers)
    other_href = uploaded["storage_href"].replace(
        files.library["library_urn"], other.json()["library_urn"]
    )
    error_of(await files.get(other_href), 404)


async def test_files_survive_their_first_library(files: Files) -> None:
    content = image_bytes(12, 12)
    element = await files.image(content)
    other = (
        await files.client.post(LIBRARIES, json={"name": "Keeper"}, headers=files.headers)
    ).json()
    copied = await files.client.post(
        f"{LIBRARIES}/{other['library_urn']}/elements",
        json={"source": {"elements": [element["id"]], "id": files.library["library_urn"]}},
        headers=files.headers,
    )
    assert copied.status_code == 201, copied.text
    href = copied.json()["elements"][0]["representations"][0]["storage_href"]
    deleted = await files.client.delete(files.href, headers=files.headers)
    assert deleted.status_code == 204
    error_of(await files.get(element["representations"][0]["storage_href"]), 404)
    download = await files.get(href)
    assert download.status_code == 200, download.text
    assert download.content == content


# Renditions -----------------------------------------------------------------------------


async def test_thumbnails_have_the_asked_longest_side(files: Files) -> None:
    content = image_bytes(400, 200)
    element = await files.image(content)
    thumbnail = element["thumbnail"]["rendition"]
    assert thumbnail.endswith("/:rendition;size=200")

    response = await files.get(thumbnail)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert int(response.headers["content-length"]) == len(response.content)
    assert decoded(response.content).format == "PNG"
    assert decoded(response.content).size == (200, 100)

    base = thumbnail.rsplit("/", 1)[0]
    for size, expected in ((64, (64, 32)), (1, (1, 1)), (399, (399, 200)), (2048, (400, 200))):
        sized = await files.get(f"{base}/:rendition;size={size}")
        assert sized.status_code == 200, (size, sized.text)
        assert decoded(sized.content).size == expected, size
    # Other template parameters ride along.
    paged = await files.get(f"{base}/:rendition;page=0;size=50;version=1")
    assert decoded(paged.content).size == (50, 25)
    # The same thumbnail again: same ETag, and If-None-Match is a 304.
    again = await files.get(thumbnail)
    assert again.headers["etag"] == response.headers["etag"]
    assert (
        await files.get(thumbnail, **{"If-None-Match": response.headers["etag"]})
    ).status_code == 304
    head = await files.client.head(thumbnail, headers=files.headers)
    assert head.status_code == 200 and head.content == b""


async def test_full_size_is_the_link_without_its_last_segment(files: Files) -> None:
    content = image_bytes(90, 120, fmt="JPEG")
    element = await files.image(content, "image/jpeg")
    full_href = element["thumbnail"]["rendition"].rsplit("/", 1)[0]
    full = await files.get(full_href)
    assert full.status_code == 200, full.text
    assert full.content == content
    assert full.headers["content-type"] == "image/jpeg"
    # :rendition without a size is the full size too (§1.7 "drop the ;size= part").
    unsized = await files.get(f"{full_href}/:rendition")
    assert unsized.status_code == 200, unsized.text
    assert unsized.headers["content-type"] in ("image/png", "image/jpeg")
    assert decoded(unsized.content).size == (90, 120)
    # A JPEG's thumbnail is a PNG too.
    small = await files.get(f"{full_href}/:rendition;size=60")
    assert decoded(small.content).format == "PNG"
    assert decoded(small.content).size == (45, 60)


async def test_a_color_element_has_a_swatch(files: Files) -> None:
    element = await files.color(10, 200, 30)
    thumbnail = element["thumbnail"]["rendition"]
    response = await files.get(thumbnail.replace("size=200", "size=64"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    swatch = decoded(response.content)
    assert swatch.size == (64, 64)
    assert swatch.convert("RGB").getpixel((32, 32)) == (10, 200, 30)
    full = await files.get(thumbnail.rsplit("/", 1)[0])
    assert full.status_code == 200
    assert full.headers["content-type"] == "image/png"
    assert decoded(full.content).size[0] == decoded(full.content).size[1] > 64


async def test_bad_rendition_segments_are_400(files: Files) -> None:
    element = await files.image(image_bytes(20, 20))
    base = element["thumbnail"]["rendition"].rsplit("/", 1)[0]
    for segment in (
        ":rendition;size=abc",
        ":rendition;size=0",
        ":rendition;size=-5",
        ":rendition;size=99999",
        ":rendition;size=",
        ":rendition;size=10;size=20",
        ":thumbnail;size=10",
        "rendition;size=10",
    ):
        error_of(await files.get(f"{base}/{segment}"), 400)


async def test_renditions_of_what_has_no_image_are_404(files: Files) -> None:
    font = await files.element(
        {
            "name": "Sans",
            "type": "application/vnd.adobe.element.font+dcx",
            "client": CLIENT,
            "representations": [
                {"type": "application/vnd.adobe.font+json", "font#data": {"family": "Sans"}}
            ],
        }
    )
    assert font["thumbnail"] == {}
    base = f"http://testserver/api/v1/storage/assets/adobe-libraries/{files.library['id']}"
    error_of(await files.get(f"{base}/{font['id']}/:rendition;size=100"), 404)
    error_of(await files.get(f"{base}/{font['id']}"), 404)
    error_of(
        await files.get(f"{base}/00000000-0000-4000-8000-000000000000/:rendition;size=100"), 404
    )
    # An uploaded file that is not an image has nothing to show either.
    pdf = await files.upload(b"%PDF-1.4", "application/pdf")
    document = await files.file_element(pdf, "Doc", "template")
    assert document["thumbnail"] == {}
    error_of(await files.get(f"{base}/{document['id']}/:rendition;size=100"), 404)


async def test_an_image_that_cannot_be_decoded_is_not_a_500(files: Files) -> None:
    element = await files.image(b"\x89PNG\r\n\x1a\n but not really", "image/png")
    response = await files.get(element["thumbnail"]["rendition"])
    assert response.status_code in (400, 415), response.text
    error_of(response, response.status_code)
    # Its bytes still download as they were uploaded.
    full = await files.get(element["thumbnail"]["rendition"].rsplit("/", 1)[0])
    assert full.status_code == 200
    assert full.content == b"\x89PNG\r\n\x1a\n but not really"
