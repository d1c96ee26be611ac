import hashlib
import io
import os
import pickle
import tempfile
import unicodedata

import magic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.verification import corpus
from verification import filechecks
from verification.filechecks import (
    ALLOWED_KINDS,
    BIDI_CONTROLS,
    CHUNK_SIZE,
    CONTENT_TYPES,
    EXTENSIONS,
    HEAD_SIZE,
    MAX_NAME_LENGTH,
    FileRefused,
    Inspection,
    clean_filename,
    inspect_upload,
)

GOOD = corpus.good_samples()
BAD = corpus.bad_samples()


def label(sample: corpus.Sample) -> str:
    return sample.label


class RecordingFile:
    """A binary file that remembers how much each read() returned."""

    def __init__(self, inner, *, size: int | None = None):
        self.inner = inner
        self.reads: list[int] = []
        if size is not None:
            self.size = size

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.reads.append(len(data))
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self.inner.seek(offset, whence)

    def tell(self) -> int:
        return self.inner.tell()

    def seekable(self) -> bool:
        return True


# --- The corpus ------------------------------------------------------------------------


def test_the_corpus_covers_at_least_25_kinds_of_bad_file():
    assert len({sample.label for sample in BAD}) == len(BAD) >= 25
    assert {sample.code for sample in BAD} >= {
        "too_large",
        "empty",
        "type_not_allowed",
        "extension_mismatch",
        "bad_name",
        "macros",
        "pdf_active_content",
        "damaged",
        "image_too_large",
        "zip_bomb",
        "polyglot",
    }


@pytest.mark.parametrize("sample", BAD, ids=label)
def test_bad_file_is_refused_with_its_own_code(sample):
    with sample.open() as fileobj:
        with pytest.raises(FileRefused) as refused:
            inspect_upload(fileobj, sample.name)
        assert fileobj.tell() == 0
    assert refused.value.code == sample.code
    assert refused.value.message == str(refused.value)
    assert len(refused.value.message) > 30 and refused.value.message.endswith(".")
    # The catch-all turns parser failures into 'damaged'; it must not be hiding a bug of ours.
    assert not isinstance(refused.value.__cause__, NameError | AttributeError | UnboundLocalError)


# What each refusal must tell the trainer, in words they understand.
WHY_BY_CODE = {
    "too_large": "larger than 10 MB",
    "empty": "This file is empty",
    "type_not_allowed": "We accept PDF, JPEG, PNG, DOC and DOCX files",
    "extension_mismatch": "but its name ends in",
    "polyglot": "also contains web page or script code",
    "damaged": "seems damaged or incomplete",
    "image_too_large": "This image is too large",
    "macros": "contains macros",
    "active_content": "which we do not accept",
    "zip_bomb": "more than any certificate needs",
    "pdf_active_content": "contains scripts, automatic actions or attached files",
    "encrypted": "encrypted or password-protected",
    "bad_name": "The file name",
}
# Where the content itself is named, the trainer learns what they actually sent.
WHY_BY_LABEL = {
    "elf_executable": "This file is a program.",
    "pe_executable": "This file is a Windows program.",
    "html_as_jpeg": "This file is a web page.",
    "svg_as_png": "This file is an SVG image.",
    "gif": "This file is a GIF image.",
    "random_bytes": "We could not recognise this file.",
    "zip_as_docx": "not a Word document",
    "excel_as_doc": "not a Word document",
    "png_over_pixel_limit": "(8000 x 6000 pixels)",
    "docx_activex": "ActiveX controls",
    "docx_remote_template": "loaded from the internet",
    "doc_packaged_program": "an embedded file or program",
    "docx_packaged_program": "an embedded file or program",
    "docx_zip_bomb": "unpacks to more than 100 MB",
    "docx_too_many_entries": "has 1005 parts",
    "pdf_as_docx": "This file is a PDF file, but its name ends in .docx",
    "jpeg_as_png": "Rename it to end in .jpg",
    "docx_as_pdf": "This file is a Word file",
    "name_path_traversal": "folder path",
    "name_absolute_path": "folder path",
    "name_windows_path": "folder path",
    "name_right_to_left_override": "hidden characters that change how it is displayed",
    "name_bidi_isolate": "hidden characters that change how it is displayed",
    "name_nul_byte": "hidden null character",
    "name_double_extension_exe": "more than one extension, including .exe",
    "name_double_extension_php": "more than one extension, including .php",
    "name_html_after_pdf": "more than one extension, including .html",
    "name_without_extension": "no extension",
    "name_empty": "no extension",
    "name_hidden_dotfile": "starts with a dot",
    "name_only_extension": "starts with a dot",
}


@pytest.mark.parametrize("sample", BAD, ids=label)
def test_each_refusal_says_why_in_words_a_trainer_understands(sample):
    with sample.open() as fileobj, pytest.raises(FileRefused) as refused:
        inspect_upload(fileobj, sample.name)

    message = refused.value.message
    assert WHY_BY_CODE[sample.code] in message
    assert WHY_BY_LABEL.get(sample.label, "") in message
    # No jargon from the parsers leaks into what the trainer reads.
    for jargon in ("Error", "zipfile", "olefile", "Pillow", "magic", "Traceback", "None"):
        assert jargon not in message


def test_a_pillow_decompression_bomb_warning_is_an_error_even_under_our_own_limit():
    # 90 M pixels: above Pillow's own limit (where it only warns), below the one we pass in.
    assert Image.MAX_IMAGE_PIXELS < 10_000 * 9_000 < 2 * Image.MAX_IMAGE_PIXELS
    bomb = corpus.huge_blank_png(10_000, 9_000)

    with pytest.raises(FileRefused) as refused:
        inspect_upload(io.BytesIO(bomb), "scan.png", max_pixels=500_000_000)

    assert refused.value.code == "image_too_large"


@pytest.mark.parametrize("sample", GOOD, ids=label)
def test_good_file_passes_with_kind_size_and_hash(sample):
    data = sample.build()
    fileobj = io.BytesIO(data)

    inspection = inspect_upload(fileobj, sample.name)

    assert inspection == Inspection(
        kind=sample.kind,
        content_type=CONTENT_TYPES[sample.kind],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        extension=os.path.splitext(sample.name)[1].lower(),
    )
    assert inspection.extension in EXTENSIONS[inspection.kind]
    assert fileobj.tell() == 0


@pytest.mark.parametrize("sample", GOOD, ids=label)
def test_a_file_can_be_inspected_twice_from_any_position(sample):
    fileobj = io.BytesIO(sample.build())
    first = inspect_upload(fileobj, sample.name)
    fileobj.seek(0, os.SEEK_END)

    assert inspect_upload(fileobj, sample.name) == first
    assert fileobj.tell() == 0


# --- Reading: bounded, in chunks -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("big.pdf", corpus.big_pdf),
        ("big.jpg", lambda: corpus.jpeg_bytes((2400, 1800), quality=95)),
        ("big.png", lambda: corpus.png_bytes((700, 500))),
        (
            "big.docx",
            lambda: corpus.docx_bytes(
                extra_parts={"word/media/image1.jpeg": corpus.jpeg_bytes((1600, 1200))}
            ),
        ),
    ],
)
def test_a_big_good_file_is_read_in_chunks_not_whole(name, build):
    data = build()
    assert len(data) > 4 * CHUNK_SIZE
    fileobj = RecordingFile(io.BytesIO(data))

    inspect_upload(fileobj, name)

    assert max(fileobj.reads) <= CHUNK_SIZE + HEAD_SIZE
    # Hash once, scan once, plus the parser's own look: never many passes.
    assert sum(fileobj.reads) <= 4 * len(data)


def test_an_oversized_file_is_refused_after_reading_just_past_the_limit():
    sample = next(s for s in BAD if s.label == "over_10_mb")
    with sample.open() as disk_file:
        assert disk_file.seek(0, os.SEEK_END) == corpus.TEN_MB + 1
        fileobj = RecordingFile(disk_file)

        with pytest.raises(FileRefused) as refused:
            inspect_upload(fileobj, "big.pdf")

    assert refused.value.code == "too_large"
    assert "10 MB" in refused.value.message
    assert max(fileobj.reads) <= CHUNK_SIZE
    assert sum(fileobj.reads) <= corpus.TEN_MB + CHUNK_SIZE


def test_a_declared_size_over_the_limit_is_refused_without_reading():
    fileobj = RecordingFile(io.BytesIO(corpus.pdf_bytes()), size=corpus.TEN_MB + 1)

    with pytest.raises(FileRefused) as refused:
        inspect_upload(fileobj, "cert.pdf")

    assert refused.value.code == "too_large"
    assert fileobj.reads == []


def test_a_declared_size_that_understates_is_not_trusted():
    with tempfile.TemporaryFile() as disk_file:
        corpus.write_oversized_pdf(disk_file)
        fileobj = RecordingFile(disk_file, size=1000)

        with pytest.raises(FileRefused) as refused:
            inspect_upload(fileobj, "cert.pdf")

    assert refused.value.code == "too_large"


def test_limits_are_parameters():
    pdf = corpus.pdf_bytes()
    with pytest.raises(FileRefused, match=r"larger than 0\.5 MB") as refused:
        inspect_upload(io.BytesIO(pdf + b"%" * 600_000), "cert.pdf", max_bytes=512 * 1024)
    assert refused.value.code == "too_large"
    assert inspect_upload(io.BytesIO(pdf), "cert.pdf", max_bytes=len(pdf)).size == len(pdf)

    with pytest.raises(FileRefused) as refused:
        inspect_upload(io.BytesIO(corpus.png_bytes((200, 150))), "a.png", max_pixels=200 * 149)
    assert refused.value.code == "image_too_large"

    docx = corpus.docx_bytes()
    with pytest.raises(FileRefused) as refused:
        inspect_upload(io.BytesIO(docx), "cv.docx", max_zip_entries=3)
    assert refused.value.code == "zip_bomb"
    with pytest.raises(FileRefused) as refused:
        inspect_upload(io.BytesIO(docx), "cv.docx", max_zip_uncompressed=500)
    assert refused.value.code == "zip_bomb"


# --- Why some checks look the way they do ----------------------------------------------


def test_libmagic_names_a_doc_only_from_the_whole_file():
    # Why a generic OLE answer is accepted for .doc names: the directory is past the head.
    doc = corpus.doc_bytes()
    assert magic.from_buffer(doc, mime=True) == "application/msword"
    assert magic.from_buffer(doc[:HEAD_SIZE], mime=True) == "application/x-ole-storage"


def test_libmagic_names_a_reordered_docx_a_zip():
    docx = corpus.docx_bytes(content_types_first=False)
    assert magic.from_buffer(docx[:HEAD_SIZE], mime=True) == "application/zip"
    with pytest.raises(FileRefused) as refused:
        inspect_upload(io.BytesIO(docx), "cv.pdf")
    assert refused.value.code == "type_not_allowed"


def test_the_corpus_macro_is_real_vba_that_oletools_extracts():
    # Imported here, after filechecks has imported oletools with its deprecation noise muted.
    from oletools.olevba import VBA_Parser

    for data in (corpus.doc_bytes(macro=True), corpus.docx_with_hidden_vba()):
        parser = VBA_Parser("sample", data=data, relaxed=False)
        try:
            assert parser.detect_vba_macros()
            sources = [code for _, _, _, code in parser.extract_macros()]
        finally:
            parser.close()
        assert any("Sub AutoOpen()" in source for source in sources)


def test_javascript_hidden_in_an_object_stream_is_found_by_inflating_it():
    pdf = corpus.hidden_javascript_pdf()
    assert b"JavaScript" not in pdf and b"OpenAction" not in pdf

    with pytest.raises(FileRefused) as refused:
        inspect_upload(io.BytesIO(pdf), "cert.pdf")

    assert refused.value.code == "pdf_active_content"


PAGE_TREE = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]


def test_javascript_at_the_end_of_a_big_object_stream_is_found():
    filler = [b"<< /Title (%s) >>" % (b"x" * 1000) for _ in range(3000)]
    pdf = corpus.pdf_with_object_stream(
        [*PAGE_TREE, *filler, b"<< /S /JavaScript /JS (app.alert(1)) >>"]
    )
    assert len(pdf) < 100_000

    with pytest.raises(FileRefused) as refused:
        inspect_upload(io.BytesIO(pdf), "cert.pdf")

    assert refused.value.code == "pdf_active_content"


def test_an_object_stream_that_inflates_without_end_is_a_bomb(monkeypatch):
    monkeypatch.setattr(filechecks, "MAX_PDF_INFLATED", 1024 * 1024)
    filler = [b"<< /Title (%s) >>" % (b"x" * 1000) for _ in range(2000)]
    pdf = corpus.pdf_with_object_stream([*PAGE_TREE, *filler])

    with pytest.raises(FileRefused) as refused:
        inspect_upload(io.BytesIO(pdf), "cert.pdf")

    assert refused.value.code == "zip_bomb"


def test_a_macos_printed_pdf_is_not_mistaken_for_additional_actions():
    pdf = corpus.pdf_bytes(trailer_extra=b" /Info << /AAPL:Keywords [(x)] /AA#50L:Title (y) >>")
    assert inspect_upload(io.BytesIO(pdf), "cert.pdf").kind == "pdf"


@pytest.mark.parametrize(
    "name", ["/JavaScript", "/J#61vaScript", "/#4a#61vaScript", "/JS ", "/J#53("]
)
def test_pdf_names_are_found_in_every_spelling(name):
    pdf = corpus.pdf_bytes(catalog_extra=b" " + name.encode())
    with pytest.raises(FileRefused) as refused:
        inspect_upload(io.BytesIO(pdf), "cert.pdf")
    assert refused.value.code == "pdf_active_content"


def test_a_pdf_name_split_across_two_reads_is_found():
    unpadded = corpus.pdf_bytes(catalog_extra=b" /OpenAction 3 0 R")
    # A comment line after the header moves '/OpenAction' across the first 64 KiB boundary.
    padding = CHUNK_SIZE - 5 - unpadded.index(b"/OpenAction")
    pdf = corpus.pdf_bytes(
        catalog_extra=b" /OpenAction 3 0 R", after_header=b"%" + b"x" * (padding - 2) + b"\n"
    )
    assert pdf.index(b"/OpenAction") == CHUNK_SIZE - 5

    with pytest.raises(FileRefused) as refused:
        inspect_upload(io.BytesIO(pdf), "cert.pdf")
    assert refused.value.code == "pdf_active_content"


def test_extension_mismatch_says_what_the_file_is():
    with pytest.raises(FileRefused) as refused:
        inspect_upload(io.BytesIO(corpus.jpeg_bytes()), "photo.png")
    assert "JPEG" in refused.value.message and ".jpg" in refused.value.message


def test_refusals_survive_pickling():
    refused = FileRefused("empty", "This file is empty.")
    copy = pickle.loads(pickle.dumps(refused))  # noqa: S301 -- our own object, round-tripped
    assert (copy.code, copy.message) == ("empty", "This file is empty.")


# --- File names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Certificate.pdf", "Certificate.pdf"),
        ("My CV (final).PDF", "My CV (final).PDF"),
        ("J.R.R. Tolkien.pdf", "J.R.R. Tolkien.pdf"),
        ("cv.pdf.pdf", "cv.pdf.pdf"),
        ("Zeugnis Müller.docx", "Zeugnis Müller.docx"),
        ("履歴書.pdf", "履歴書.pdf"),
        ("cv.pdf. ", "cv.pdf"),
        ("two\tlines\n2024.pdf", "two lines 2024.pdf"),
        ("zero\u200bwidth.pdf", "zerowidth.pdf"),
        ("ｃｖ．ｐｄｆ", "cv.pdf"),
    ],
)
def test_clean_filename_keeps_ordinary_names_readable(name, expected):
    assert clean_filename(name) == expected


def test_clean_filename_caps_the_length_and_keeps_the_extension():
    cleaned = clean_filename("a" * 500 + ".jpeg")
    assert len(cleaned) == MAX_NAME_LENGTH
    assert cleaned.endswith("a.jpeg")


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.pdf",
        "..\\..\\boot.ini.pdf",
        "/etc/cert.pdf",
        "..／etc／cert.pdf",
        "invoice\u202efdp.exe",
        "cert\u200f.pdf",
        "cert.pdf\x00.exe",
        "cv.exe.pdf",
        "cv.exe\uff0epdf",
        "a.php.jpg",
        "a.PHP5.png",
        "x.pdf.html",
        "shell.php.",
        "setup.exe",
        "certificate",
        "certificate.",
        "Report.final version of 2023",
        "x" * 300,
        ".htaccess",
        ".pdf",
        "",
        " . ",
    ],
)
def test_clean_filename_refuses_hostile_names(name):
    with pytest.raises(FileRefused) as refused:
        clean_filename(name)
    assert refused.value.code == "bad_name"
    assert refused.value.message.endswith(".")


@settings(max_examples=300, database=None, deadline=None)
@given(st.text(max_size=300))
def test_clean_filename_returns_only_safe_names(name):
    try:
        cleaned = clean_filename(name)
    except FileRefused as refused:
        assert refused.code == "bad_name"
        return
    assert 0 < len(cleaned) <= MAX_NAME_LENGTH
    assert "/" not in cleaned and "\\" not in cleaned
    assert not cleaned.startswith(".")
    stem, _, extension = cleaned.rpartition(".")
    assert stem.strip() and 0 < len(extension) <= 10 and " " not in extension
    assert not any(character in BIDI_CONTROLS for character in cleaned)
    assert not any(unicodedata.category(character) in ("Cc", "Cf") for character in cleaned)


# --- Anything at all -------------------------------------------------------------------

ALLOWED_NAMES = st.sampled_from(
    ["cert.pdf", "photo.jpg", "photo.jpeg", "scan.png", "old.doc", "cv.docx"]
)
SEED_FILES = [
    corpus.pdf_bytes(),
    corpus.good_objstm_pdf(),
    corpus.jpeg_bytes((48, 32)),
    corpus.png_bytes((48, 32)),
    corpus.docx_bytes(),
    corpus.docx_bytes(content_types_first=False),
    corpus.doc_bytes(),
    corpus.doc_bytes(macro=True),
]


@st.composite
def damaged_documents(draw) -> bytes:
    """A real document with some bytes changed and perhaps its end cut off."""
    data = bytearray(draw(st.sampled_from(SEED_FILES)))
    for _ in range(draw(st.integers(0, 6))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


@settings(
    max_examples=250,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.one_of(st.binary(max_size=2048), damaged_documents()), name=ALLOWED_NAMES)
def test_any_bytes_with_an_allowed_name_only_ever_raise_file_refused(data, name):
    fileobj = io.BytesIO(data)
    try:
        inspection = inspect_upload(fileobj, name)
    except FileRefused as refused:
        assert refused.code and refused.message
    else:
        assert inspection.kind in ALLOWED_KINDS
        assert inspection.size == len(data)
    assert fileobj.tell() == 0
