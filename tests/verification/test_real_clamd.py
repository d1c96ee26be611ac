"""The virus scan against Debian's real clamd (started by the tests, EICAR-only database)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.real_services import EICAR
from tests.verification import corpus
from tests.verification import test_services as _services
from verification.enums import DocumentState
from verification.scanning import ClamdScanner, get_scanner

# The upload fixtures of the service tests, shared.
committed = _services.committed
owner = _services.owner
receive = _services.receive
stored_files = _services.stored_files

pytestmark = [pytest.mark.django_db, pytest.mark.clamd]


@pytest.fixture
def clamd(settings, real_clamd):
    settings.VIRUS_SCANNER_URL = real_clamd.url
    return real_clamd


def test_clamd_finds_the_eicar_test_file_and_passes_a_clean_one(clamd):
    scanner = get_scanner(clamd.url)
    found = scanner.scan(io.BytesIO(EICAR))
    assert not found.clean
    assert found.verdict.startswith("FOUND eicar")
    clean = scanner.scan(io.BytesIO(corpus.pdf_bytes()))
    assert clean == (True, "OK")


def test_an_upload_carrying_eicar_is_refused_end_to_end(clamd, receive, mailoutbox, _private_media):
    # A well-formed DOCX (it passes the file checks) with the EICAR file inside.
    infected = corpus.docx_bytes(extra_parts={"word/media/image1.bin": EICAR})

    document = receive(SimpleUploadedFile("certificate.docx", infected))

    assert document.state == DocumentState.REFUSED
    assert document.scan_verdict.startswith("FOUND eicar")
    assert "did not pass our virus check" in document.refusal_reason
    assert stored_files(_private_media) == []
    assert "did not pass our virus check" in mailoutbox[0].body


def test_a_clean_upload_is_queued_for_review(clamd, receive):
    document = receive(SimpleUploadedFile("certificate.pdf", corpus.pdf_bytes()))
    assert document.state == DocumentState.QUEUED
    assert document.scan_verdict == "OK"


def test_with_clamd_down_the_upload_is_held_not_passed(settings, real_clamd, receive):
    from tests.real_services import free_port

    settings.VIRUS_SCANNER_URL = f"tcp://127.0.0.1:{free_port()}"  # nobody listens there
    document = receive(SimpleUploadedFile("certificate.pdf", corpus.pdf_bytes()))
    assert document.state == DocumentState.RECEIVED
    assert document.scan_verdict.startswith("ERROR")
    # The same file passes once the scanner answers again.
    assert ClamdScanner("127.0.0.1", real_clamd.port).scan(io.BytesIO(corpus.pdf_bytes())).clean
