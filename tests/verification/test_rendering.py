"""Render, don't download: the worker draws each accepted document once, within limits, and
reviewers read it in the page from the authorising file view, never the trainer's bytes."""

import io
import re
import resource
import struct
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests import factories
from tests.verification import corpus
from verification.enums import DocumentKind, DocumentState, RenderState
from verification.models import DocumentPage
from verification.rendering import RenderLimits, RenderRefused, doc_blocks, render_file
from verification.services import document_decide, document_receive, document_render
from verification.services import rendering as rendering_service

pytestmark = pytest.mark.django_db

SKILLS = DocumentKind.INSTRUCTIONAL_SKILLS
GPS_IFD = 0x8825
MAKE = 0x010F
SECRET_COMMENT = b"taken at home, Elm Street 5"


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def reviewer_client(client):
    client.force_login(factories.ReviewerFactory())
    return client


@pytest.fixture
def receive(django_capture_on_commit_callbacks):
    owner = factories.UserFactory(first_name="Ana", last_name="Lima")

    def do_receive(name: str, data: bytes):
        with django_capture_on_commit_callbacks(execute=True):
            document = document_receive(
                owner=owner, kind=SKILLS, uploaded_file=SimpleUploadedFile(name, data)
            )
        document.refresh_from_db()
        return document

    return do_receive


def review_page(client, document) -> str:
    response = client.get(reverse("admin:verification_document_change", args=[document.pk]))
    assert response.status_code == 200
    return response.content.decode()


def gps_photo() -> bytes:
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", (48.0, 8.0, 30.0), "E", (11.0, 34.0, 0.0)
    buffer = io.BytesIO()
    photo = Image.linear_gradient("L").resize((640, 480)).convert("RGB")
    photo.save(buffer, "JPEG", exif=exif.tobytes(), comment=SECRET_COMMENT, quality=90)
    return buffer.getvalue()


def word97_doc(paragraphs: list[str]) -> bytes:
    """A Word 97 file whose text sits in one uncompressed (cp1252) piece of the piece table."""
    text = ("\r".join(paragraphs) + "\r").encode("cp1252")
    text_at = 0x800
    word = bytearray(struct.pack("<HH", 0xA5EC, 0x00C1).ljust(0x1000, b"\0"))
    struct.pack_into("<H", word, 0x000A, 0x0200)  # fWhichTblStm: the table stream is 1Table
    struct.pack_into("<i", word, 0x004C, len(text))  # ccpText
    word[text_at : text_at + len(text)] = text
    plc = struct.pack("<ii", 0, len(text)) + struct.pack("<HIH", 0, (text_at * 2) | 0x40000000, 0)
    clx = b"\x02" + struct.pack("<I", len(plc)) + plc
    table = bytearray(4096)
    table[0 : len(clx)] = clx
    struct.pack_into("<II", word, 0x01A2, 0, len(clx))  # fcClx, lcbClx
    return corpus.ole_file(
        {"WordDocument": bytes(word), "1Table": bytes(table)},
        root_clsid=corpus.WORD_DOCUMENT_CLSID,
    )


# --- What reviewers see -------------------------------------------------------------------


def test_a_three_page_pdf_shows_three_page_images_and_none_of_its_bytes_inline(
    receive, reviewer_client
):
    original = corpus.pdf_bytes(pages=3)
    document = receive("ctt.pdf", original)
    assert document.state == DocumentState.QUEUED
    assert document.render_state == RenderState.READY

    page = review_page(reviewer_client, document)
    sources = re.findall(r'<img class="review__image" src="([^"]+)"', page)
    assert sources == [
        reverse("verification:document_page", args=[document.public_id, number])
        for number in (1, 2, 3)
    ]
    assert 'alt="Page 2 of 3 of ctt.pdf"' in page
    download = reverse("verification:document_download", args=[document.public_id])
    assert download not in sources

    for source in sources:
        response = reviewer_client.get(source)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"].startswith("inline")
        assert response["X-Content-Type-Options"] == "nosniff"
        data = body(response)
        assert b"%PDF" not in data and original not in data
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            assert image.format == "JPEG" and image.height > image.width > 600
    assert reviewer_client.get(source.replace("/3/", "/4/")).status_code == 404


def test_a_photo_with_gps_and_a_comment_is_shown_and_downloaded_without_them(
    receive, reviewer_client
):
    original = gps_photo()
    with Image.open(io.BytesIO(original)) as source:
        assert source.getexif().get_ifd(GPS_IFD)[1] == "N"
        assert source.info["comment"] == SECRET_COMMENT
    document = receive("selfie-with-certificate.jpg", original)

    page = review_page(reviewer_client, document)
    shown = re.findall(r'<img class="review__image" src="([^"]+)"', page)
    assert len(shown) == 1
    download = reverse("verification:document_download", args=[document.public_id])
    assert "a copy without its hidden details" in page

    for url in (shown[0], download):
        response = reviewer_client.get(url)
        assert response.status_code == 200
        data = body(response)
        assert SECRET_COMMENT not in data and b"Exif" not in data and b"PhoneMaker" not in data
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            assert image.size == (640, 480)
            assert not image.getexif() and "comment" not in image.info
    response = reviewer_client.get(download)
    assert response["Content-Disposition"] == ('attachment; filename="selfie-with-certificate.jpg"')
    # The trainer still gets back exactly what they uploaded.
    reviewer_client.force_login(document.owner)
    assert body(reviewer_client.get(download)) == original


def test_a_word_document_is_shown_as_its_text(receive, reviewer_client):
    document = receive("transcript.docx", corpus.docx_bytes(text="Certified Technical Trainer"))
    assert document.render_state == RenderState.READY
    page = review_page(reviewer_client, document)
    assert '<article class="review__text"' in page
    assert "<p>Certified Technical Trainer</p>" in page


def test_a_legacy_word_document_gives_its_paragraphs():
    blocks = doc_blocks(word97_doc(["Certificate of completion", "Ana Lima — 2025"]))
    assert blocks == [
        {"type": "paragraph", "text": "Certificate of completion"},
        {"type": "paragraph", "text": "Ana Lima — 2025"},
    ]


# --- Limits: a hostile PDF costs its pages, never the worker ---------------------------------


def _grows_memory_by_less_than(megabytes: int, action) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    action()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert (after - before) / 1024 < megabytes


def test_a_pdf_of_ten_thousand_pages_is_refused_before_any_page_is_drawn():
    data = corpus.pdf_bytes(pages=10_000)

    def render():
        with pytest.raises(RenderRefused) as refused:
            render_file(io.BytesIO(data), "pdf", limits=RenderLimits())
        assert refused.value.code == "too_many_pages"
        assert "10,000 pages" in refused.value.message

    _grows_memory_by_less_than(200, render)


def test_a_page_of_100000_by_100000_is_refused_by_the_pixel_limit():
    data = corpus.pdf_bytes().replace(b"/MediaBox [0 0 595 842]", b"/MediaBox [0 0 100000 100000]")

    def render():
        with pytest.raises(RenderRefused) as refused:
            render_file(io.BytesIO(data), "pdf", limits=RenderLimits())
        assert refused.value.code == "page_too_large"

    _grows_memory_by_less_than(200, render)


def test_the_time_limit_stops_drawing_a_slow_pdf():
    with pytest.raises(RenderRefused) as refused:
        render_file(io.BytesIO(corpus.pdf_bytes(pages=3)), "pdf", limits=RenderLimits(seconds=0))
    assert refused.value.code == "too_slow"


@pytest.mark.parametrize(
    "setting, value, words",
    [
        ("RENDER_MAX_PAGES", 2, "3 pages"),
        ("RENDER_MAX_PIXELS", 1000, "too large to draw"),
        ("RENDER_SECONDS", 0, "longer than 0 seconds"),
    ],
)
def test_a_document_that_cannot_be_drawn_stays_reviewable_through_its_download(
    settings, receive, reviewer_client, _private_media, setting, value, words
):
    setattr(settings, setting, value)
    original = corpus.pdf_bytes(pages=3)
    document = receive("long.pdf", original)

    assert document.state == DocumentState.QUEUED
    assert document.render_state == RenderState.FAILED
    assert words in document.render_note and "Download the original" in document.render_note
    assert not DocumentPage.objects.filter(document=document).exists()
    assert not (_private_media / "renders").exists() or not any(
        (_private_media / "renders").iterdir()
    )
    page = review_page(reviewer_client, document)
    assert document.render_note in page
    response = reviewer_client.get(
        reverse("verification:document_download", args=[document.public_id])
    )
    assert response["Content-Disposition"].startswith("attachment")
    assert body(response) == original


# --- Once, idempotent, and nothing left behind -----------------------------------------------


def test_rendering_twice_draws_once(receive, _private_media):
    document = receive("ctt.pdf", corpus.pdf_bytes(pages=2))
    files = stored_files(_private_media)

    document_render(document_id=document.pk)
    document.render_state = RenderState.PENDING
    document.save(update_fields=["render_state"])
    document_render(document_id=document.pk)  # a replayed message after a lost update

    assert DocumentPage.objects.filter(document=document).count() == 2
    assert len(stored_files(_private_media)) == len(files)


def test_pages_drawn_for_a_document_decided_meanwhile_are_deleted(
    receive, monkeypatch, _private_media, django_capture_on_commit_callbacks
):
    document = receive("ctt.pdf", corpus.pdf_bytes())
    DocumentPage.objects.filter(document=document).delete()
    document.render_state = RenderState.PENDING
    document.save(update_fields=["render_state"])
    before = stored_files(_private_media)
    reviewer = factories.ReviewerFactory()
    real_render = rendering_service.render_file

    def decided_while_drawing(*args, **kwargs):
        result = real_render(*args, **kwargs)
        with django_capture_on_commit_callbacks(execute=False):
            document_decide(document=document, by=reviewer, approve=True)
        return result

    monkeypatch.setattr(rendering_service, "render_file", decided_while_drawing)
    document_render(document_id=document.pk)

    assert not DocumentPage.objects.filter(document=document).exists()
    assert stored_files(_private_media) == before


def test_the_decision_purge_deletes_the_pages_too(
    receive, reviewer_client, _private_media, django_capture_on_commit_callbacks
):
    document = receive("ctt.pdf", corpus.pdf_bytes(pages=2))
    page_url = reverse("verification:document_page", args=[document.public_id, 1])
    with django_capture_on_commit_callbacks(execute=True):
        document_decide(document=document, by=factories.ReviewerFactory(), approve=True)

    assert stored_files(_private_media) == []
    assert not DocumentPage.objects.filter(document=document).exists()
    assert reviewer_client.get(page_url).status_code == 410


def test_nobody_else_sees_a_page(receive, client):
    document = receive("ctt.pdf", corpus.pdf_bytes())
    url = reverse("verification:document_page", args=[document.public_id, 1])
    client.force_login(factories.UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(document.owner)
    assert client.get(url).status_code == 200
