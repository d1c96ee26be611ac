"""Issue 14, point 5: previews and pages drawn at the size shown, from a reduced decode, once.

- A JPEG is decoded at 1/2–1/8 scale (Image.draft to the size the picture will have, not to
  a square box a 4:3 photo never fits), and the check decodes it at 1/8 or not at all.
- What is the same for every document (the PDF icon, its fonts) is drawn once per process.
- A photo's page is the preview the check drew: the render task neither reads nor decodes
  the original again, and a render run twice draws once.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, JpegImagePlugin

from tests import factories
from tests.verification import corpus
from verification import previews
from verification.enums import DocumentKind, DocumentState, RenderState
from verification.filechecks import inspect_upload
from verification.models import DocumentPage
from verification.previews import make_preview
from verification.rendering import RenderLimits, fitted_size, render_pdf
from verification.services import document_receive
from verification.services import rendering as rendering_service
from verification.tasks import render_document

FIVE_MP = (2592, 1944)
MAKE, ORIENTATION = 0x010F, 0x0112
SECRET_COMMENT = b"taken at home"


def five_mp_photo(**options) -> bytes:
    return corpus.jpeg_bytes(
        FIVE_MP, exif={MAKE: "PhoneMaker"}, comment=SECRET_COMMENT, quality=80, **options
    )


@pytest.fixture
def draft_calls(monkeypatch):
    """Every JpegImageFile.draft call: the size asked for and the size decoded."""
    calls = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = original(self, mode, size)
        calls.append({"asked": size, "decoded": self.size})
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    return calls


def test_the_draft_size_is_the_fitted_size_not_the_box():
    assert fitted_size(FIVE_MP, (1200, 1200)) == (1200, 900)
    assert fitted_size((1944, 2592), (1200, 1200)) == (900, 1200)
    assert fitted_size((640, 480), (1200, 1200)) == (640, 480)


def test_a_5_mp_jpeg_preview_is_drawn_at_its_half_size_decode_without_exif(draft_calls):
    data = five_mp_photo()
    fileobj = io.BytesIO(data)
    inspection = inspect_upload(fileobj, "photo.jpg")
    preview, content_type = make_preview(fileobj, inspection, max_side=1200)

    assert content_type == "image/jpeg"
    with Image.open(io.BytesIO(preview)) as image:
        # Decoded at half size, not 2592 x 1944; within 10 % of the box, so kept as decoded.
        assert image.size == (1296, 972)
        assert not image.getexif() and "comment" not in image.info
    assert b"PhoneMaker" not in preview and SECRET_COMMENT not in preview
    assert {"asked": (1200, 900), "decoded": (1296, 972)} in draft_calls


def test_a_photo_whose_reduced_decode_is_well_over_the_box_is_fitted_to_it(draft_calls):
    data = corpus.jpeg_bytes((3200, 2400))
    fileobj = io.BytesIO(data)
    preview, _ = make_preview(fileobj, inspect_upload(fileobj, "photo.jpg"), max_side=1200)
    with Image.open(io.BytesIO(preview)) as image:
        assert image.size == (1200, 900)
    assert draft_calls[-1]["decoded"] == (1600, 1200)


def test_a_rotated_5_mp_photo_is_decoded_at_half_size_too(draft_calls):
    data = corpus.jpeg_bytes(FIVE_MP, exif={ORIENTATION: 6})
    fileobj = io.BytesIO(data)
    preview, _ = make_preview(fileobj, inspect_upload(fileobj, "photo.jpg"), max_side=1200)
    with Image.open(io.BytesIO(preview)) as image:
        assert image.size == (972, 1296)
    assert draft_calls[-1]["decoded"] == (1296, 972)


def test_the_check_decodes_a_jpeg_at_an_eighth_and_the_worker_check_not_at_all(
    draft_calls, monkeypatch
):
    data = five_mp_photo()
    inspect_upload(io.BytesIO(data), "photo.jpg")
    assert draft_calls == [{"asked": (324, 243), "decoded": (324, 243)}]

    loads = []
    original_load = JpegImagePlugin.JpegImageFile.load
    monkeypatch.setattr(
        JpegImagePlugin.JpegImageFile,
        "load",
        lambda self: loads.append(self.size) or original_load(self),
    )
    inspection = inspect_upload(io.BytesIO(data), "photo.jpg", decode_images=False)
    assert inspection.kind == "jpeg"
    assert loads == []


def test_a_damaged_jpeg_still_fails_the_reduced_check():
    data = five_mp_photo()
    cut = data[: len(data) // 2]
    with pytest.raises(Exception) as refused:
        inspect_upload(io.BytesIO(cut), "photo.jpg")
    assert getattr(refused.value, "code", "") == "damaged"


def test_the_pdf_icon_is_drawn_once_per_kind_and_page_count(monkeypatch):
    previews._document_icon.cache_clear()
    sheets = []
    original = Image.new
    monkeypatch.setattr(
        previews.Image, "new", lambda *a, **k: sheets.append(a) or original(*a, **k)
    )
    icons = []
    for text in (b"One", b"Two", b"Three"):
        data = corpus.pdf_bytes(page_text=text)
        fileobj = io.BytesIO(data)
        icons.append(make_preview(fileobj, inspect_upload(fileobj, "c.pdf")))
    fileobj = io.BytesIO(corpus.pdf_bytes(pages=2))
    two_pages = make_preview(fileobj, inspect_upload(fileobj, "c.pdf"))

    assert icons[0] == icons[1] == icons[2] != two_pages
    assert [sheet for sheet in sheets if sheet[:2] == ("RGB", previews.ICON_SIZE)] == [
        ("RGB", previews.ICON_SIZE, (255, 255, 255))
    ] * 2


def test_a_pdf_page_is_drawn_at_the_width_it_is_shown():
    portrait = render_pdf(corpus.pdf_bytes(), limits=RenderLimits(page_width=600, dpi=300))
    assert portrait.pages[0].width == 600
    # Never wider than shown, never past the DPI cap: an A4 page at 110 dpi is 909–910 wide.
    capped = render_pdf(corpus.pdf_bytes(), limits=RenderLimits(page_width=2000, dpi=110))
    assert capped.pages[0].width in (909, 910)


# --- The render task: once, from the check's drawing ------------------------------------------


@pytest.fixture
def receive(django_capture_on_commit_callbacks):
    owner = factories.UserFactory()

    def do_receive(name: str, data: bytes):
        with django_capture_on_commit_callbacks(execute=True):
            document = document_receive(
                owner=owner,
                kind=DocumentKind.INSTRUCTIONAL_SKILLS,
                uploaded_file=SimpleUploadedFile(name, data),
            )
        document.refresh_from_db()
        return document

    return do_receive


@pytest.mark.django_db
def test_a_photo_page_is_its_preview_and_the_original_is_not_read_again(receive, monkeypatch):
    def no_second_drawing(*args, **kwargs):
        raise AssertionError("the photo was decoded again for its page")

    monkeypatch.setattr(rendering_service, "render_file", no_second_drawing)
    document = receive("photo.jpg", five_mp_photo())

    assert document.state == DocumentState.QUEUED
    assert document.render_state == RenderState.READY
    page = DocumentPage.objects.get(document=document)
    with page.image.open("rb") as drawn, document.preview.open("rb") as preview:
        data = drawn.read()
        assert data == preview.read()
    assert (page.width, page.height, page.content_type) == (1296, 972, "image/jpeg")
    assert b"PhoneMaker" not in data and SECRET_COMMENT not in data


@pytest.mark.django_db
def test_the_render_task_run_twice_draws_once(receive, monkeypatch):
    drawings = []
    original = rendering_service.render_file
    monkeypatch.setattr(
        rendering_service,
        "render_file",
        lambda *args, **kwargs: drawings.append(1) or original(*args, **kwargs),
    )
    document = receive("ctt.pdf", corpus.pdf_bytes(pages=2))
    assert document.render_state == RenderState.READY
    assert len(drawings) == 1

    render_document.apply(args=(document.pk,))
    render_document.apply(args=(document.pk,))

    assert len(drawings) == 1
    assert DocumentPage.objects.filter(document=document).count() == 2
