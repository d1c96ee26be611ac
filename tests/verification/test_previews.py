import io

import pytest
from PIL import Image

from tests.verification import corpus
from verification.filechecks import FileRefused, Inspection, inspect_upload
from verification.previews import ICON_SIZE, _pdf_page_count, make_preview

ORIENTATION, MAKE, MODEL = 0x0112, 0x010F, 0x0110
SECRET_COMMENT = b"home address: 1 Private Lane"


def preview_of(data: bytes, name: str, **options) -> tuple[bytes, str, Image.Image]:
    fileobj = io.BytesIO(data)
    inspection = inspect_upload(fileobj, name)
    preview, content_type = make_preview(fileobj, inspection, **options)
    assert fileobj.tell() == 0
    image = Image.open(io.BytesIO(preview))
    image.load()
    return preview, content_type, image


def phone_photo(size=(400, 200)) -> bytes:
    """A JPEG with EXIF (camera, rotation), a COM comment and an ICC profile."""
    return corpus.jpeg_bytes(
        size,
        exif={MAKE: "PhoneMaker", MODEL: "Model X", ORIENTATION: 6},
        comment=SECRET_COMMENT,
        icc_profile=corpus.srgb_profile(),
    )


def test_the_input_photo_really_carries_metadata():
    with Image.open(io.BytesIO(phone_photo())) as image:
        assert image.info["comment"] == SECRET_COMMENT
        assert image.getexif()[MAKE] == "PhoneMaker"
        assert "icc_profile" in image.info


def test_photo_preview_has_no_exif_comment_or_profile():
    preview, content_type, image = preview_of(phone_photo(), "photo.jpg")

    assert content_type == "image/jpeg"
    assert image.format == "JPEG"
    assert "exif" not in image.info and not image.getexif()
    assert "comment" not in image.info
    assert "icc_profile" not in image.info
    for trace in (b"Exif", SECRET_COMMENT, b"PhoneMaker", b"ICC_PROFILE", b"\xff\xfe"):
        assert trace not in preview


def test_photo_preview_applies_the_rotation_it_drops():
    _, _, image = preview_of(phone_photo((400, 200)), "photo.jpg")
    assert image.size == (200, 400)


@pytest.mark.parametrize("max_side", [1200, 300, 64])
def test_photo_preview_fits_in_max_side(max_side):
    _, _, image = preview_of(corpus.jpeg_bytes((1800, 1000)), "photo.jpg", max_side=max_side)
    assert max(image.size) == max_side
    assert image.size[1] == pytest.approx(max_side * 1000 / 1800, abs=1)


def test_small_images_are_not_enlarged():
    _, _, image = preview_of(corpus.png_bytes((200, 150)), "shot.png")
    assert image.size == (200, 150)


def test_png_preview_has_no_text_chunks_and_keeps_transparency():
    png = corpus.png_bytes((600, 400), mode="RGBA", text={"Author": "Ana", "GPS": "48.1,11.5"})
    preview, content_type, image = preview_of(png, "shot.png", max_side=300)

    assert content_type == "image/png"
    assert image.mode == "RGBA"
    assert max(image.size) == 300
    assert image.info == {} or set(image.info) <= {"dpi"}
    assert b"tEXt" not in preview and b"iTXt" not in preview and b"Ana" not in preview


@pytest.mark.parametrize("mode", ["1", "L", "P", "LA", "I;16", "CMYK"])
def test_unusual_colour_modes_become_plain_rgb(mode):
    image = corpus._photo((120, 90)).convert(mode if mode != "I;16" else "I").convert(mode)
    buffer = io.BytesIO()
    image_format = "JPEG" if mode == "CMYK" else "PNG"
    image.save(buffer, image_format)
    name = "scan.jpg" if image_format == "JPEG" else "scan.png"

    _, _, preview = preview_of(buffer.getvalue(), name)

    assert preview.mode in ("RGB", "RGBA")
    assert preview.size == (120, 90)


def test_a_palette_png_with_transparency_keeps_it():
    image = Image.new("P", (40, 30), 0)
    image.putpalette([255, 0, 0, 0, 0, 255])
    buffer = io.BytesIO()
    image.save(buffer, "PNG", transparency=0)

    _, _, preview = preview_of(buffer.getvalue(), "badge.png")

    assert preview.mode == "RGBA"
    assert preview.getpixel((0, 0))[3] == 0


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cert.pdf", corpus.pdf_bytes()),
        ("cert.pdf", corpus.good_objstm_pdf()),
        ("cv.docx", corpus.docx_bytes()),
        ("cv.doc", corpus.doc_bytes()),
    ],
)
def test_documents_get_a_png_icon(name, data):
    _, content_type, image = preview_of(data, name)
    assert content_type == "image/png"
    assert image.format == "PNG"
    assert image.size == ICON_SIZE


def test_icons_differ_by_kind_and_page_count():
    icons = {
        preview_of(data, name)[0]
        for name, data in [
            ("a.pdf", corpus.pdf_bytes()),
            ("b.pdf", corpus.pdf_bytes(pages=3)),
            ("c.docx", corpus.docx_bytes()),
        ]
    }
    assert len(icons) == 3


def test_page_count_is_read_from_the_page_tree_root():
    assert _pdf_page_count(io.BytesIO(corpus.pdf_bytes(pages=3))) == 3
    assert _pdf_page_count(io.BytesIO(corpus.big_pdf(200_000))) == 1
    # Inside a compressed object stream: not cheaply known, so not shown.
    assert _pdf_page_count(io.BytesIO(corpus.good_objstm_pdf())) is None


@pytest.mark.parametrize(
    ("name", "data"),
    [("photo.jpg", phone_photo()), ("shot.png", corpus.png_bytes()), ("a.pdf", corpus.pdf_bytes())],
)
def test_previews_are_deterministic(name, data):
    assert preview_of(data, name)[0] == preview_of(data, name)[0]


def test_a_corrupt_image_is_refused_as_damaged():
    data = corpus.truncated_jpeg()
    inspection = Inspection("jpeg", "image/jpeg", len(data), "0" * 64, ".jpg")
    fileobj = io.BytesIO(data)

    with pytest.raises(FileRefused) as refused:
        make_preview(fileobj, inspection)

    assert refused.value.code == "damaged"
    assert fileobj.tell() == 0


def test_an_image_over_the_pixel_limit_gets_no_preview():
    data = corpus.png_bytes((300, 200))
    inspection = inspect_upload(io.BytesIO(data), "a.png")
    with pytest.raises(FileRefused) as refused:
        make_preview(io.BytesIO(data), inspection, max_pixels=300 * 199)
    assert refused.value.code == "image_too_large"
