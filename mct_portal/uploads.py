"""Oversized request bodies are refused before they are read, stored or parsed.

Django reads and spools a whole multipart body (the CSRF check reads request.POST before
any view runs) and only then can a form say the file is too large. This middleware runs
before anything touches request.POST or request.FILES:

- A body whose Content-Length passes the limit of its URL is never read. The page is shown
  again (the view runs as a GET, without the body) with the message the form gives for a
  file over the size limit, and status 413.
- A chunked body (no Content-Length; the server de-chunks it and ends `wsgi.input`, as
  gunicorn does) is parsed here, with `UploadLimitHandler` first among the upload handlers:
  it stops the upload with StopUpload once a file passes the limit, before a later handler
  stores that chunk, and the answer is the same page and message.

Limits are per URL name (`UPLOAD_PATH_LIMITS`, fnmatch patterns such as
"admin:imports_importrun_upload"); every other URL gets `UPLOAD_DEFAULT_LIMIT_BYTES` (the
document limit plus `UPLOAD_FORM_OVERHEAD_BYTES` for the form's other fields). A front proxy
should cap bodies too; this guard keeps the portal right without one.
"""

import sys
from collections.abc import Callable
from fnmatch import fnmatchcase

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse, QueryDict
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.datastructures import MultiValueDict

from enrollment.imports.reading import too_big_message
from verification.filechecks import too_large_refusal

IMPORT_UPLOAD_URL_NAME = "admin:imports_importrun_upload"
REFUSED_STATUS = 413
# Methods whose body a view may read.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
CHUNK_SIZE = 64 * 1024


def limit_for(view_name: str) -> int:
    """The most bytes a request body to this URL name may hold."""
    for pattern, limit in settings.UPLOAD_PATH_LIMITS.items():
        if fnmatchcase(view_name, pattern):
            return limit
    return settings.UPLOAD_DEFAULT_LIMIT_BYTES


def refusal_message(view_name: str, size: int | None) -> str:
    """The sentence the page's own form gives for a file over its size limit."""
    if view_name == IMPORT_UPLOAD_URL_NAME:
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        # A chunked body has no size to tell: the message names the limit only.
        return too_big_message(size or limit, limit)
    return too_large_refusal(settings.UPLOAD_MAX_BYTES).message


def _view_name(request: HttpRequest) -> str:
    try:
        return resolve(request.path_info).view_name or ""
    except Resolver404:
        return ""


def _announced_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def _is_chunked(request: HttpRequest) -> bool:
    """A body without Content-Length that the server ends for us (WSGI's input_terminated)."""
    return (
        _announced_length(request) is None
        and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        and bool(request.META.get("wsgi.input_terminated"))
        and request.content_type == "multipart/form-data"
    )


class UploadLimitHandler(FileUploadHandler):
    """Counts the bytes of every file in the body and stops the upload once they pass the
    limit, before the handlers after it (memory, temporary file) receive that chunk."""

    def __init__(self, request: HttpRequest, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.upload_refused = True
            # The rest of the body stays unread; the server closes the connection after the answer.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class _CappedInput(LimitedStream):
    """The de-chunked body, stopped once it passes `cap` bytes: a body of form fields alone
    (no file part for the handler to count) cannot run on either."""

    def __init__(self, stream, cap: int, request: HttpRequest):
        # Read through to the body's end (the server marks it); the cap is checked per read.
        super().__init__(stream, sys.maxsize)
        self.cap = cap
        self.request = request

    def read(self, size=-1, /):
        data = super().read(size if size not in (-1, None) else CHUNK_SIZE)
        self._check()
        return data

    def readline(self, size=-1, /):
        data = super().readline(size if size not in (-1, None) else CHUNK_SIZE)
        self._check()
        return data

    @property
    def received(self) -> int:
        return self._pos

    def _check(self) -> None:
        if self._pos > self.cap:
            self.request.upload_refused = True
            raise StopUpload(connection_reset=True)


class UploadLimitMiddleware:
    """Place after the session, authentication and message middleware (the refusal page is
    the signed-in page with a message); it runs before the CSRF check reads request.POST."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in BODY_METHODS:
            return self.get_response(request)
        length = _announced_length(request)
        if length is not None and length <= self._smallest_limit():
            return self.get_response(request)
        chunked = length is None and _is_chunked(request)
        if length is None and not chunked:
            return self.get_response(request)
        view_name = _view_name(request)
        limit = limit_for(view_name)
        if length is not None:
            if length > limit:
                return self._refuse(request, view_name, length)
            return self.get_response(request)
        if self._parse_chunked(request, limit):
            return self._refuse(request, view_name, None)
        return self.get_response(request)

    @staticmethod
    def _smallest_limit() -> int:
        return min([settings.UPLOAD_DEFAULT_LIMIT_BYTES, *settings.UPLOAD_PATH_LIMITS.values()])

    @staticmethod
    def _parse_chunked(request: HttpRequest, limit: int) -> bool:
        """Parses a chunked multipart body under the limit; True when it passed the limit."""
        request.upload_refused = False
        # Files are counted by the handler; the whole body may hold the form's fields besides.
        cap = limit + settings.UPLOAD_FORM_OVERHEAD_BYTES
        request._stream = _CappedInput(request.environ["wsgi.input"], cap, request)
        # The parser needs a length; this is the most it will read (the stream ends sooner).
        request.META["CONTENT_LENGTH"] = str(cap + 1)
        request.upload_handlers.insert(0, UploadLimitHandler(request, limit))
        request.POST  # noqa: B018 -- parsed now, under the limit, before any view reads it
        # From here on the body's length is known: what was read.
        request.META["CONTENT_LENGTH"] = str(request._stream.received)
        return request.upload_refused

    def _refuse(self, request: HttpRequest, view_name: str, size: int | None) -> HttpResponse:
        _drop_body(request)
        message = refusal_message(view_name, size)
        # The same page, shown as it was before the submit, with the form's message.
        request.method = "GET"
        request.META["REQUEST_METHOD"] = "GET"
        messages.error(request, message)
        response = self.get_response(request)
        if response.status_code == 200:
            response.status_code = REFUSED_STATUS
            return response
        if 300 <= response.status_code < 400:
            return response  # sign-in or an earlier step first; the message goes along
        # A URL that has no page to show again (a POST-only action): an error page, never bare.
        content = render_to_string("400.html", {"reason": message}, request=request)
        return HttpResponse(content, status=REFUSED_STATUS)


def _drop_body(request: HttpRequest) -> None:
    """Nothing of the body is read from here on; whatever a partial parse kept is closed."""
    files = getattr(request, "_files", None)
    if files is not None:
        for _name, uploads in files.lists():
            for upload in uploads:
                upload.close()
    request._post = QueryDict()
    request._files = MultiValueDict()
    request._stream = LimitedStream(request.environ["wsgi.input"], 0)
    request.META["CONTENT_LENGTH"] = "0"
