"""What a reviewer reads in the page instead of the trainer's file: pure functions, bytes in.

- PDF: every page drawn by PDFium as a JPEG, within a page count, a pixel count per page
  and a time budget, all checked before the expensive part wherever they can be.
- JPEG and PNG: redrawn from their pixels alone, so no EXIF (location, device), ICC
  profile, text chunk or JPEG comment survives.
- DOCX and DOC: their text, paragraph by paragraph (headings and tables kept), to lay out
  as HTML; the portal keeps no Word converter that could draw pages.

Runs in the Celery worker only (the web process never opens a PDF with PDFium).
"""

import io
import re
import struct
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.etree import ElementTree

from PIL import Image, ImageOps

PAGE_QUALITY = 80
# Word text beyond this is cut, with a note: a proof of skills is a page or two.
MAX_TEXT_CHARS = 200_000
MAX_BLOCKS = 5_000


@dataclass(frozen=True)
class RenderLimits:
    max_pages: int = 30
    # Pixels of one page at `dpi`, before it is fitted to `max_side`.
    max_pixels: int = 40_000_000
    seconds: float = 60.0
    # The most dots per inch a page is drawn at (a small page is not blown up past it).
    dpi: int = 110
    max_side: int = 2000
    # The width the review page shows a page at (fit to width): a PDF page is drawn at the
    # DPI that gives this width, never wider; a photo is drawn to fit a square of this side.
    page_width: int = 900
    photo_side: int = 1200


def fitted_size(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """The size Image.thumbnail(box) gives an image of `size` (never larger than it is).

    This, not the box, is what Image.draft needs: draft keeps both sides at least as large as
    asked, so a square box never lets a 4:3 photo decode at a reduced scale.
    """
    width, height = size
    scale = min(box[0] / width, box[1] / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


@dataclass(frozen=True)
class RenderedPage:
    data: bytes
    content_type: str
    width: int
    height: int


def page_from_drawing(data: bytes) -> RenderedPage:
    """A page made of a picture drawn already (a photo's preview): its header gives the size."""
    with Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as drawn:
        content_type = "image/jpeg" if drawn.format == "JPEG" else "image/png"
        return RenderedPage(data, content_type, drawn.width, drawn.height)


@dataclass
class Rendering:
    pages: list[RenderedPage] = field(default_factory=list)
    # Word files: [{"type": "heading"|"paragraph", "text": ...} | {"type": "table", "rows": ...}]
    text_blocks: list[dict] | None = None
    note: str = ""


class RenderRefused(Exception):
    """The file cannot be shown in the page; .message tells the reviewer what to do."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self):
        return (type(self), (self.code, self.message))


def kind_for_content_type(content_type: str) -> str | None:
    return {
        "application/pdf": "pdf",
        "image/jpeg": "jpeg",
        "image/png": "png",
        "application/msword": "doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    }.get(content_type)


def render_file(fileobj: BinaryIO, kind: str, *, limits: RenderLimits) -> Rendering:
    """Renders one accepted file; raises RenderRefused with a note for the reviewer."""
    fileobj.seek(0)
    if kind == "pdf":
        return render_pdf(fileobj.read(), limits=limits)
    if kind in ("jpeg", "png"):
        return Rendering(pages=[render_image(fileobj, kind, limits=limits)])
    if kind == "docx":
        return Rendering(**_text_result(docx_blocks(fileobj)))
    if kind == "doc":
        return Rendering(**_text_result(doc_blocks(fileobj.read())))
    raise RenderRefused("unsupported", "This type of file is not shown in the page.")


# --- PDF --------------------------------------------------------------------------------------


def _download_instead(reason: str) -> str:
    return f"{reason} Download the original to read it."


def render_pdf(data: bytes, *, limits: RenderLimits) -> Rendering:
    import pypdfium2 as pdfium

    started = time.monotonic()
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise RenderRefused(
            "unreadable", _download_instead("PDFium could not open this PDF.")
        ) from error
    try:
        count = len(pdf)
        if count == 0:
            raise RenderRefused("no_pages", _download_instead("This PDF has no pages."))
        if count > limits.max_pages:
            raise RenderRefused(
                "too_many_pages",
                _download_instead(
                    f"This PDF has {count:,} pages; pages are shown for PDFs of up to "
                    f"{limits.max_pages}."
                ),
            )
        native = limits.dpi / 72
        sizes = []
        for index in range(count):
            page = pdf[index]
            try:
                width, height = page.get_size()
            finally:
                page.close()
            if width <= 0 or height <= 0:
                raise RenderRefused(
                    "bad_page", _download_instead(f"Page {index + 1} has no area to draw.")
                )
            if (width * native) * (height * native) > limits.max_pixels:
                raise RenderRefused(
                    "page_too_large",
                    _download_instead(
                        f"Page {index + 1} is {width / 72:,.0f} × {height / 72:,.0f} inches, "
                        "too large to draw."
                    ),
                )
            sizes.append((width, height))
        pages = []
        for index, (width, height) in enumerate(sizes):
            # The DPI that gives the width the page is shown at; within the DPI and side caps.
            scale = min(native, limits.page_width / width, limits.max_side / max(width, height))
            page = pdf[index]
            try:
                # RGB byte order straight from PDFium: no channel swap afterwards.
                bitmap = page.render(scale=scale, may_draw_forms=False, rev_byteorder=True)
                image = bitmap.to_pil()
                if image.mode != "RGB":
                    image = image.convert("RGB")
            finally:
                page.close()
            pages.append(_encode_jpeg(image))
            if time.monotonic() - started > limits.seconds:
                raise RenderRefused(
                    "too_slow",
                    _download_instead(
                        f"Drawing this PDF took longer than {limits.seconds:g} seconds."
                    ),
                )
        return Rendering(pages=pages)
    finally:
        pdf.close()


def _encode_jpeg(image: Image.Image) -> RenderedPage:
    buffer = io.BytesIO()
    # The image is new, so it carries no metadata. Chroma subsampling costs colour detail
    # only: black print stays sharp, and encoding is several times faster than 4:4:4.
    image.save(buffer, "JPEG", quality=PAGE_QUALITY)
    return RenderedPage(buffer.getvalue(), "image/jpeg", image.width, image.height)


# --- Images -----------------------------------------------------------------------------------


PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG"}


def render_image(fileobj: BinaryIO, kind: str, *, limits: RenderLimits) -> RenderedPage:
    """The photo or screenshot redrawn from its pixels: nothing else of the file survives."""
    fileobj.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(fileobj, formats=[PILLOW_FORMATS[kind]]) as source:
                if source.width * source.height > limits.max_pixels:
                    raise RenderRefused(
                        "image_too_large", _download_instead("This image is too large to show.")
                    )
                box = min(limits.photo_side, limits.max_side)
                # libjpeg decodes at 1/2, 1/4 or 1/8 scale when the photo is that much larger.
                source.draft("RGB", fitted_size(source.size, (box, box)))
                try:
                    # Phones store rotation in EXIF; apply it now, since the EXIF goes.
                    image = ImageOps.exif_transpose(source)
                except Exception:
                    image = source.copy()
                has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
                    image = image.convert("I").point(lambda value: value / 256).convert("L")
                image = image.convert("RGBA" if has_alpha else "RGB")
                image.thumbnail((box, box), Image.Resampling.LANCZOS)
                clean = Image.frombytes(image.mode, image.size, image.tobytes())
        except RenderRefused:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
            raise RenderRefused(
                "image_too_large", _download_instead("This image is too large to show.")
            ) from error
        except Exception as error:
            raise RenderRefused(
                "unreadable", _download_instead("This image could not be read.")
            ) from error
    if clean.mode == "RGB" and kind == "jpeg":
        return _encode_jpeg(clean)
    buffer = io.BytesIO()
    clean.save(buffer, "PNG")
    return RenderedPage(buffer.getvalue(), "image/png", clean.width, clean.height)


# --- Word -------------------------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"^(?:heading|berschrift|titre)\s*(\d)$|^title$", re.IGNORECASE)
_DOCX_BODY = "word/document.xml"
_DOCX_BODY_MAX = 16 * 1024 * 1024


def _text_result(blocks: list[dict]) -> dict:
    total, kept, note = 0, [], ""
    for block in blocks:
        size = len(block.get("text", "")) + sum(len(c) for r in block.get("rows", []) for c in r)
        if total + size > MAX_TEXT_CHARS or len(kept) >= MAX_BLOCKS:
            note = "Only the beginning of this document is shown: download it to read the rest."
            break
        total += size
        kept.append(block)
    if not kept:
        raise RenderRefused("no_text", _download_instead("No text was found in this document."))
    return {"text_blocks": kept, "note": note}


def docx_blocks(fileobj: BinaryIO) -> list[dict]:
    """Paragraphs, headings and tables of the document body, in order."""
    try:
        with zipfile.ZipFile(fileobj) as package:
            info = package.getinfo(_DOCX_BODY)
            if info.file_size > _DOCX_BODY_MAX:
                raise RenderRefused("too_large", _download_instead("This document is too long."))
            xml = package.read(info)
    except RenderRefused:
        raise
    except (KeyError, zipfile.BadZipFile, OSError) as error:
        raise RenderRefused(
            "unreadable", _download_instead("This document could not be read.")
        ) from error
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise RenderRefused("unreadable", _download_instead("This document could not be read."))
    try:
        root = ElementTree.fromstring(xml)  # noqa: S314 -- DTDs refused above
    except ElementTree.ParseError as error:
        raise RenderRefused(
            "unreadable", _download_instead("This document could not be read.")
        ) from error
    body = root.find(f"{W}body")
    if body is None:
        return []
    blocks: list[dict] = []
    for element in body:
        if element.tag == f"{W}p":
            text = _docx_paragraph_text(element)
            if not text.strip():
                continue
            style = element.find(f"{W}pPr/{W}pStyle")
            name = style.get(f"{W}val", "") if style is not None else ""
            match = _HEADING_STYLE.match(name.replace("Heading", "heading "))
            blocks.append({"type": "heading" if match else "paragraph", "text": text})
        elif element.tag == f"{W}tbl":
            rows = []
            for row in element.iter(f"{W}tr"):
                cells = [
                    "\n".join(_docx_paragraph_text(p) for p in cell.iter(f"{W}p")).strip()
                    for cell in row.findall(f"{W}tc")
                ]
                if any(cells):
                    rows.append(cells)
            if rows:
                blocks.append({"type": "table", "rows": rows})
    return blocks


def _docx_paragraph_text(paragraph) -> str:
    parts = []
    for node in paragraph.iter():
        if node.tag == f"{W}t" and node.text:
            parts.append(node.text)
        elif node.tag == f"{W}tab":
            parts.append("\t")
        elif node.tag in (f"{W}br", f"{W}cr"):
            parts.append("\n")
    return "".join(parts)


# Word 97-2003 (.doc): the text lives in the WordDocument stream, in pieces listed by the
# piece table (the Clx) of the table stream. Offsets are those of the FIB of Word 97.
_FIB_MAGIC = 0xA5EC
_FIB_FLAGS = 0x000A
_FIB_CCP_TEXT = 0x004C
_FIB_FC_CLX = 0x01A2
_FIB_LCB_CLX = 0x01A6


def doc_blocks(data: bytes) -> list[dict]:
    try:
        text = _doc_text(data)
    except RenderRefused:
        raise
    except Exception as error:
        raise RenderRefused(
            "unreadable", _download_instead("This document could not be read.")
        ) from error
    return _doc_text_blocks(text)


def _doc_text(data: bytes) -> str:
    import olefile

    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        word = ole.openstream("WordDocument").read()
        (magic,) = struct.unpack_from("<H", word, 0)
        if magic != _FIB_MAGIC:
            raise RenderRefused("unreadable", _download_instead("This document could not be read."))
        (flags,) = struct.unpack_from("<H", word, _FIB_FLAGS)
        if flags & 0x0100:
            raise RenderRefused(
                "encrypted", _download_instead("This document is protected with a password.")
            )
        table_name = "1Table" if flags & 0x0200 else "0Table"
        table = ole.openstream(table_name).read()
    (ccp_text,) = struct.unpack_from("<i", word, _FIB_CCP_TEXT)
    fc_clx, lcb_clx = struct.unpack_from("<II", word, _FIB_FC_CLX)
    clx = table[fc_clx : fc_clx + lcb_clx]
    position = 0
    while position < len(clx) and clx[position] == 0x01:  # Prc: property modifiers, skipped
        (size,) = struct.unpack_from("<H", clx, position + 1)
        position += 3 + size
    if position >= len(clx) or clx[position] != 0x02:
        raise RenderRefused("unreadable", _download_instead("This document could not be read."))
    (lcb,) = struct.unpack_from("<I", clx, position + 1)
    plc = clx[position + 5 : position + 5 + lcb]
    pieces = (lcb - 4) // 12
    cps = struct.unpack_from(f"<{pieces + 1}i", plc, 0)
    out: list[str] = []
    remaining = min(max(ccp_text, 0), MAX_TEXT_CHARS)
    for index in range(pieces):
        if remaining <= 0:
            break
        length = min(cps[index + 1] - cps[index], remaining)
        if length <= 0:
            continue
        (fc_value,) = struct.unpack_from("<I", plc, 4 * (pieces + 1) + 8 * index + 2)
        if fc_value & 0x40000000:
            start = (fc_value & 0x3FFFFFFF) // 2
            out.append(word[start : start + length].decode("cp1252", errors="replace"))
        else:
            start = fc_value & 0x3FFFFFFF
            out.append(word[start : start + 2 * length].decode("utf-16-le", errors="replace"))
        remaining -= length
    return "".join(out)


def _doc_text_blocks(text: str) -> list[dict]:
    # Field codes: keep a field's result (between 0x14 and 0x15), drop its instructions.
    text = re.sub(r"\x13[^\x13\x14\x15]*\x14", "", text)
    text = re.sub(r"\x13[^\x13\x14\x15]*\x15", "", text)
    text = text.replace("\x15", "").replace("\x0b", "\n").replace("\x0c", "\r")
    blocks: list[dict] = []
    for line in text.split("\r"):
        if "\x07" in line:
            # Cells end with 0x07 and a row with one more.
            rows = [
                [cell.strip() for cell in row.split("\x07")]
                for row in line.split("\x07\x07")
                if row.strip("\x07 ")
            ]
            if blocks and blocks[-1]["type"] == "table":
                blocks[-1]["rows"].extend(rows)
            elif rows:
                blocks.append({"type": "table", "rows": rows})
            continue
        clean = "".join(ch for ch in line if ch >= " " or ch in "\n\t").strip()
        if clean:
            blocks.append({"type": "paragraph", "text": clean})
    return blocks
