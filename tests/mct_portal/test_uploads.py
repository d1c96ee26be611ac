"""Issue 14, point 4: oversized uploads are refused before the body is read or stored.

The trainer's upload is the proof file on the New path's Requirements step. A body over the
limit is refused from its Content-Length without being read (the test body cannot be read
at all); a chunked body sent to a real gunicorn is stopped by the upload handler at the
limit; both answer with the step page and the form's own message, and nothing is stored.
"""

import http.client
import re
import secrets
import urllib.parse
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.urls import reverse
from django.utils import timezone

from enrollment.demo import DEMO_PASSWORD
from enrollment.imports.models import ImportRun
from enrollment.models import CredentialType
from mct_portal.uploads import UploadLimitHandler
from tests.conftest import needs_postgres
from tests.enrollment.wizard.walk import prefix_of, text_of
from tests.live_process import Browser, live_database_url, portal_server
from tests.verification.corpus import pdf_bytes, pdf_stream
from verification.enums import DocumentState
from verification.filechecks import too_large_refusal
from verification.models import Document

NEW = "new@demo.mct"
MIB = 1024 * 1024
REQUIREMENTS = "/apply/new/requirements/"


def too_large_message() -> str:
    return too_large_refusal(settings.UPLOAD_MAX_BYTES).message


def padded_pdf(size: int) -> bytes:
    """A valid one-page PDF of exactly `size` bytes (an unused stream pads it)."""
    bare = pdf_bytes(extra_objects=[pdf_stream(b"")])
    padding = size - len(bare)
    assert padding > 0
    data = pdf_bytes(extra_objects=[pdf_stream(b"0" * padding)])
    # The stream's /Length and the xref offsets grew by a few digits: take them back.
    return pdf_bytes(extra_objects=[pdf_stream(b"0" * (padding - (len(data) - size)))])


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body of an oversized upload was read")

    readline = read


def requirements_fields(prefix: str, proof) -> dict:
    return {
        f"{prefix}-current_step": "requirements",
        "requirements-mtm_id": "nadia.newman",
        "requirements-credential_type": "",
        "requirements-certified_on": "",
        "requirements-proof_file": proof,
        "requirements-proof_consent": "on",
    }


@pytest.fixture
def on_requirements(walker, demo):
    """new@demo.mct signed in, the Profile step done, the Requirements page open."""
    walker.sign_in(NEW)
    response = walker.step(
        "new", "profile", {"employer_type": "freelancer", "primary_audience": "developer"}
    )
    assert response.status_code == 302 and response["Location"] == REQUIREMENTS
    page = walker.get(REQUIREMENTS)
    assert page.status_code == 200 and "Upload your proof" in text_of(page)
    return prefix_of(page)


@pytest.mark.django_db
def test_an_oversized_upload_is_refused_from_its_content_length_before_the_body_is_read(
    walker, on_requirements, _private_media
):
    small = SimpleUploadedFile("certificate.pdf", pdf_bytes(), content_type="application/pdf")
    response = walker.post(
        REQUIREMENTS,
        requirements_fields(on_requirements, small),
        CONTENT_LENGTH=str(11 * MIB),
        **{"wsgi.input": UnreadableBody()},
    )
    assert response.status_code == 413
    page = text_of(response)
    # The same page (the step, its form), with the form's own message.
    assert "Upload your proof" in page
    assert too_large_message() in page
    assert "This file is larger than 10 MB" in page
    assert not Document.objects.exists()
    assert stored_files(_private_media) == []


@pytest.mark.django_db
def test_an_upload_under_the_limit_still_reaches_the_form_and_is_stored(
    walker, on_requirements, _private_media
):
    almost = padded_pdf(settings.UPLOAD_MAX_BYTES - 1024)
    assert len(almost) == settings.UPLOAD_MAX_BYTES - 1024
    proof = SimpleUploadedFile("certificate.pdf", almost, content_type="application/pdf")
    fields = requirements_fields(on_requirements, proof)
    fields["requirements-credential_type"] = str(CredentialType.objects.get(name="CompTIA CTT+").pk)
    fields["requirements-certified_on"] = (timezone.localdate() - timedelta(days=400)).isoformat()
    response = walker.post(REQUIREMENTS, fields)
    assert too_large_message() not in text_of(response)
    document = Document.objects.get()
    assert document.size == len(almost)
    assert document.state == DocumentState.QUEUED


@pytest.mark.django_db
def test_a_file_over_the_limit_in_a_body_under_the_announced_limit_gets_the_form_message(
    walker, on_requirements, _private_media
):
    """The guard leaves room for the form's other fields; the form still checks the file."""
    over = padded_pdf(settings.UPLOAD_MAX_BYTES + 1)
    proof = SimpleUploadedFile("certificate.pdf", over, content_type="application/pdf")
    response = walker.post(REQUIREMENTS, requirements_fields(on_requirements, proof))
    assert response.status_code == 200
    assert too_large_message() in text_of(response)
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_a_post_only_address_refuses_an_oversized_body_with_an_error_page(
    trainer_client, _private_media
):
    response = trainer_client.post(
        "/apply/00000000-0000-0000-0000-000000000000/withdraw/",
        {"x": "y"},
        CONTENT_LENGTH=str(11 * MIB),
        **{"wsgi.input": UnreadableBody()},
    )
    assert response.status_code == 413
    assert too_large_message() in text_of(response)


def _multipart_chunks(fields: dict, file_field: str, content, boundary: str):
    """A multipart body as a browser streams it; `content` yields the file's pieces."""
    for name, value in fields.items():
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        'filename="certificate.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode()
    yield from content
    yield f"\r\n--{boundary}--\r\n".encode()


def _pdf_like_pieces(size: int):
    piece = b"%PDF-1.4\n" + b"0" * (64 * 1024 - 9)
    sent = 0
    while sent < size:
        chunk = piece[: size - sent]
        sent += len(chunk)
        yield chunk


def _post_chunked(base: str, cookies: str, fields: dict, content) -> tuple[int, dict, str]:
    """POSTs the Requirements form with Transfer-Encoding: chunked (no Content-Length)."""
    boundary = secrets.token_hex(12)
    host = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    connection.putrequest("POST", REQUIREMENTS)
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.putheader("Cookie", cookies)
    connection.putheader("Referer", base + REQUIREMENTS)
    connection.endheaders()
    try:
        for chunk in _multipart_chunks(fields, "requirements-proof_file", content, boundary):
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        connection.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and stopped reading: what a refusal does
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response.status, dict(response.getheaders()), body


def _field(page: str, pattern: str) -> str:
    match = re.search(pattern, page)
    assert match, pattern
    return match.group(1)


@needs_postgres()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_chunked_upload_is_stopped_at_the_limit_by_the_upload_handler(demo, tmp_path):
    media = tmp_path / "live-private"
    with portal_server(DATABASE_URL=live_database_url(), PRIVATE_MEDIA_ROOT=str(media)) as base:
        browser = Browser(base)
        status, headers, _ = browser.post_form(
            "/accounts/login/", {"login": NEW, "password": DEMO_PASSWORD}
        )
        assert status == 302, headers
        browser.get("/apply/new/")
        _status, _headers, page = browser.get("/apply/new/profile/")
        prefix = _field(page, r'name="([^"]+)-current_step"')
        status, headers, _ = browser.post_form(
            "/apply/new/profile/",
            {
                f"{prefix}-current_step": "profile",
                "profile-employer_type": "freelancer",
                "profile-primary_audience": "developer",
            },
        )
        assert (status, headers.get("Location")) == (302, REQUIREMENTS)
        _status, _headers, page = browser.get(REQUIREMENTS)
        token = _field(page, r'name="csrfmiddlewaretoken" value="([^"]+)"')
        cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in browser.cookies)

        fields = {
            "csrfmiddlewaretoken": token,
            f"{prefix}-current_step": "requirements",
            "requirements-proof_consent": "on",
        }
        status, _headers, body = _post_chunked(base, cookies, fields, _pdf_like_pieces(11 * MIB))
        refused_documents = Document.objects.count()
        refused_files = stored_files(media / "documents") + stored_files(media / "wizard-tmp")

        # A chunked upload under the limit is parsed and reaches the form as usual.
        credential = CredentialType.objects.get(name="CompTIA CTT+")
        fields["requirements-credential_type"] = str(credential.pk)
        certified_on = timezone.localdate() - timedelta(days=400)
        fields["requirements-certified_on"] = certified_on.isoformat()
        data = pdf_bytes()
        pieces = (data[start : start + 1000] for start in range(0, len(data), 1000))
        accepted = _post_chunked(base, cookies, fields, pieces)

    assert status == 413, re.findall(r"notice__body.{0,300}|errorlist.{0,300}", body, re.S)
    assert "Upload your proof" in body
    assert too_large_message() in body
    assert refused_documents == 0
    assert refused_files == []
    assert accepted[0] == 302, re.findall(r"errorlist.{0,300}", accepted[2], re.S)
    assert accepted[1]["Location"] == "/apply/new/terms/"
    assert Document.objects.get().size == len(data)


def test_the_upload_handler_stops_before_passing_on_the_chunk_past_the_limit(rf):
    request = rf.post("/")
    handler = UploadLimitHandler(request, limit=10)
    assert handler.receive_data_chunk(b"x" * 8, 0) == b"x" * 8
    with pytest.raises(StopUpload) as stopped:
        handler.receive_data_chunk(b"x" * 8, 8)
    assert stopped.value.connection_reset
    assert request.upload_refused is True


@pytest.mark.django_db
def test_an_oversized_import_feed_is_refused_from_its_content_length_before_it_is_read(
    admin_client,
):
    response = admin_client.post(
        reverse("admin:imports_importrun_upload"),
        {"kind": "mtm"},
        CONTENT_LENGTH=str(300 * MIB),
        **{"wsgi.input": UnreadableBody()},
    )
    assert response.status_code == 413
    page = text_of(response)
    assert "Import a file" in page
    assert "The file is larger than 200.0 MB (300.0 MB)" in page
    assert not ImportRun.objects.exists()
