"""Files over HTTP: the multipart upload, downloads from ``storage_href``, and renditions.

The upload is parsed as it arrives: the file part streams straight into the blob store (hashes
computed on the way), and the small ``Representation-Data`` field is kept aside, whichever
comes first. Nothing of a 1 GB file is ever held in memory, in either direction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from cclibs.libraries.chunked import MAX_PART, MAX_PARTS
from cclibs.libraries.errors import BadRequest, NotFound, UnsupportedMedia
from cclibs.libraries.files import UNFINISHED_UPLOAD_MS, Rendition
from cclibs.libraries.models import Upload, UploadPart
from cclibs.libraries.renditions import parse_rendition_segment
from cclibs.libraries.representations import asset_etag
from cclibs.libraries.wire import Links, asset_view
from cclibs.logs import get_logger
from cclibs.web.api.auth import api_caller
from cclibs.web.api.http import json_body, json_response, operation, without_body
from cclibs.web.bodies import BodyCutOff, stream_body
from cclibs.web.state import app_state

__all__ = ["rendition_response"]

_log = get_logger("cclibs.api.storage")
_FILE_FIELD = "representation-content"
_DATA_FIELD = "representation-data"
_MAX_FIELDS = 64 * 1024
"""All non-file fields together."""
_MULTIPART_OVERHEAD = 256 * 1024
_FILES = "Files"


class _UploadParser:
    """Feeds a multipart body through python-multipart; ``feed`` returns the file bytes the
    chunk carried, and collects the other fields (bounded)."""

    def __init__(self, boundary: bytes) -> None:
        self.fields: dict[str, bytearray] = {}
        self.file_type: str | None = None
        self.file_parts = 0
        self.complete = False
        self._out: list[bytes] = []
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, bytes] = {}
        self._name: str | None = None
        self._is_file = False
        self._field_bytes = 0
        self._parser = MultipartParser(
            boundary,
            callbacks={
                "on_part_begin": self._part_begin,
                "on_part_data": self._part_data,
                "on_header_field": self._header_field_data,
                "on_header_value": self._header_value_data,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_end": self._end,
            },
        )

    def feed(self, chunk: bytes) -> list[bytes]:
        try:
            self._parser.write(chunk)
        except BadRequest:
            raise
        except Exception as exc:  # python-multipart's parse errors
            raise BadRequest(f"The multipart body could not be read: {exc}") from None
        out, self._out = self._out, []
        return out

    def _part_begin(self) -> None:
        self._headers = {}
        self._name = None
        self._is_file = False

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_field.decode("latin-1").lower()] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition"))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        self._name = name.lower()
        self._is_file = self._name == _FILE_FIELD or (
            b"filename" in options and self._name != _DATA_FIELD
        )
        if self._is_file:
            self.file_parts += 1
            if self.file_parts > 1:
                raise BadRequest("Send one file per upload (one Representation-Content part).")
            part_type = self._headers.get("content-type")
            self.file_type = part_type.decode("latin-1") if part_type else None
        else:
            self.fields.setdefault(self._name, bytearray())

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            self._out.append(bytes(data[start:end]))
            return
        self._field_bytes += end - start
        if self._field_bytes > _MAX_FIELDS:
            raise BadRequest(f"The form fields besides the file exceed {_MAX_FIELDS} bytes.")
        assert self._name is not None
        self.fields[self._name] += data[start:end]

    def _end(self) -> None:
        self.complete = True


def _boundary(request: Request) -> bytes:
    kind, options = parse_options_header(request.headers.get("content-type"))
    if kind.lower() != b"multipart/form-data" or not options.get(b"boundary"):
        raise UnsupportedMedia(
            "Upload as multipart/form-data with the parts Representation-Content (the file) "
            'and Representation-Data (JSON such as {"type": "image/png"}).'
        )
    return options[b"boundary"]


@operation(
    "POST",
    "/libraries/{libraryId}/representations/content",
    "postLibraryComponent",
    "Upload a file; the answer goes into an element's representation",
    tag=_FILES,
    body="multipart",
    responses={200: "UploadedRepresentation"},
)
async def upload(request: Request) -> Response:
    state = app_state(request)
    caller = await api_caller(request)
    files = state.library_files
    library = await files.writable(caller, request.path_params["libraryId"])
    parser = _UploadParser(_boundary(request))

    async def file_bytes() -> AsyncIterator[bytes]:
        async for chunk in stream_body(request, files.max_upload + _MULTIPART_OVERHEAD):
            for piece in parser.feed(chunk):
                yield piece
        # Raised inside the stream, so the blob store discards the bytes: an incomplete
        # upload never becomes a blob, not even for a moment.
        if not parser.complete:
            raise BodyCutOff("The multipart body ended before its closing boundary.")
        if parser.file_parts == 0:
            raise BadRequest("The upload has no Representation-Content part (the file).")

    def kind() -> str:
        data = parser.fields.get(_DATA_FIELD)
        text = data.decode("utf-8", "replace") if data is not None else None
        return files.upload_type(text, parser.file_type)

    asset = await files.upload(caller, library.id, file_bytes(), kind)
    return json_response(asset_view(asset, library, Links(state.settings.issuer)))


async def _primed(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The stream with its first chunk already read, so that a missing blob fails before the
    response starts."""
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        first = b""
    except KeyError:
        _log.error("an uploaded file's blob is missing")
        raise NotFound("The file's content is missing from storage.") from None

    async def rest() -> AsyncIterator[bytes]:
        if first:
            yield first
        async for chunk in chunks:
            yield chunk

    return rest()


def _file_headers(content_type: str, length: int, etag: str) -> dict[str, str]:
    headers = {
        "Content-Length": str(length),
        "ETag": etag,
        "Cache-Control": "private, no-cache",
        # An uploaded HTML or SVG file must not run as a page of this origin.
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    }
    if not content_type.startswith("image/") or content_type == "image/svg+xml":
        headers["Content-Disposition"] = "attachment"
    return headers


@operation(
    "GET",
    "/storage/id/{libraryId}",
    "getStoredFile",
    "Download an uploaded file (the storage_href of a representation)",
    tag=_FILES,
    query=("component_id",),
    responses={200: "File", 304: None},
    produces="*/*",
)
async def download(request: Request) -> Response:
    state = app_state(request)
    caller = await api_caller(request)
    component = request.query_params.get("component_id")
    if not component:
        raise BadRequest("component_id names the file (as in the storage_href an upload answered).")
    asset, chunks = await state.library_files.file(
        caller, request.path_params["libraryId"], component
    )
    file = Rendition(asset.type, asset.content_length, asset_etag(asset), chunks=chunks)
    return await rendition_response(request, file)


async def rendition_response(request: Request, rendition: Rendition) -> Response:
    """A file or rendition: streamed when it is a stored file, else from memory."""
    headers = _file_headers(rendition.content_type, rendition.length, rendition.etag)
    early = without_body(request, rendition.etag, headers, rendition.content_type)
    if early is not None:
        return early
    if rendition.chunks is not None:
        body = await _primed(rendition.chunks)
        return StreamingResponse(body, headers=headers, media_type=rendition.content_type)
    return Response(rendition.body, headers=headers, media_type=rendition.content_type)


@operation(
    "GET",
    "/storage/assets/adobe-libraries/{libraryId}/{elementId}",
    "getElementFile",
    "An element's full-size file (its thumbnail link without the last segment)",
    tag=_FILES,
    responses={200: "File", 304: None},
    produces="*/*",
)
async def full_rendition(request: Request) -> Response:
    return await _element_rendition(request, None)


@operation(
    "GET",
    "/storage/assets/adobe-libraries/{libraryId}/{elementId}/{rendition}",
    "getElementRendition",
    "An element's thumbnail: :rendition;size=N gives a PNG whose longest side is N",
    tag=_FILES,
    responses={200: "PNG", 304: None},
    produces="image/png",
)
async def sized_rendition(request: Request) -> Response:
    return await _element_rendition(request, request.path_params["rendition"])


async def _element_rendition(request: Request, segment: str | None) -> Response:
    state = app_state(request)
    caller = await api_caller(request)
    size = parse_rendition_segment(segment) if segment is not None else None
    rendition = await state.library_files.rendition(
        caller, request.path_params["libraryId"], request.path_params["elementId"], size
    )
    return await rendition_response(request, rendition)


# Chunked uploads (cclibs.libraries.chunked) -------------------------------------------------

_UPLOADS = "/libraries/{libraryId}/representations/uploads"


def _upload_view(request: Request, upload: Upload, parts: list[UploadPart]) -> dict[str, object]:
    href = (
        f"/api/v1/libraries/{request.path_params['libraryId']}/representations/uploads/{upload.id}"
    )
    return {
        "upload_id": upload.id,
        "type": upload.type,
        "created_date": upload.created_ms,
        "expires_date": upload.created_ms + UNFINISHED_UPLOAD_MS,
        "max_part_size": MAX_PART,
        "max_parts": MAX_PARTS,
        "parts": [{"part_number": p.number, "size": p.size, "md5": p.md5} for p in parts],
        "_links": {
            "self": {"href": href, "type": "application/json"},
            "part": {"href": f"{href}/parts/{{partNumber}}", "templated": True},
            "finalize": {"href": href, "type": "application/json"},
        },
    }


@operation(
    "POST",
    _UPLOADS,
    "initiateUpload",
    "Start a chunked upload (for large files): then PUT its parts and finalize it",
    tag=_FILES,
    body="InitiateUploadPayload",
    responses={201: "ChunkedUpload"},
)
async def initiate_upload(request: Request) -> Response:
    state = app_state(request)
    caller = await api_caller(request)
    _library, upload = await state.chunked_uploads.initiate(
        caller, request.path_params["libraryId"], await json_body(request)
    )
    view = _upload_view(request, upload, [])
    return json_response(view, 201, location=str(view["_links"]["self"]["href"]))  # type: ignore[index]


@operation(
    "GET",
    _UPLOADS + "/{uploadId}",
    "getUpload",
    "The parts of a chunked upload received so far (to resume it)",
    tag=_FILES,
    responses={200: "ChunkedUpload"},
)
async def upload_status(request: Request) -> Response:
    state = app_state(request)
    caller = await api_caller(request)
    _library, upload, parts = await state.chunked_uploads.status(
        caller, request.path_params["libraryId"], request.path_params["uploadId"]
    )
    return json_response(_upload_view(request, upload, parts))


@operation(
    "PUT",
    _UPLOADS + "/{uploadId}/parts/{partNumber}",
    "putUploadPart",
    "Send one part of a chunked upload (the raw bytes; again to replace it)",
    tag=_FILES,
    body="binary",
    responses={200: "UploadedPart"},
)
async def upload_part(request: Request) -> Response:
    state = app_state(request)
    caller = await api_caller(request)
    part = await state.chunked_uploads.put_part(
        caller,
        request.path_params["libraryId"],
        request.path_params["uploadId"],
        request.path_params["partNumber"],
        stream_body(request, MAX_PART),
    )
    return json_response({"part_number": part.number, "size": part.size, "md5": part.md5})


@operation(
    "POST",
    _UPLOADS + "/{uploadId}",
    "finalizeUpload",
    "Finish a chunked upload: its parts, in order, become one file",
    tag=_FILES,
    body="FinalizeUploadPayload",
    responses={200: "UploadedRepresentation"},
)
async def finalize_upload(request: Request) -> Response:
    state = app_state(request)
    caller = await api_caller(request)
    library, asset = await state.chunked_uploads.finalize(
        caller,
        request.path_params["libraryId"],
        request.path_params["uploadId"],
        await json_body(request, optional=True),
    )
    return json_response(asset_view(asset, library, Links(state.settings.issuer)))


@operation(
    "DELETE",
    _UPLOADS + "/{uploadId}",
    "abortUpload",
    "Abandon a chunked upload and its parts",
    tag=_FILES,
    responses={204: None},
)
async def abort_upload(request: Request) -> Response:
    state = app_state(request)
    caller = await api_caller(request)
    await state.chunked_uploads.abort(
        caller, request.path_params["libraryId"], request.path_params["uploadId"]
    )
    return Response(status_code=204)
