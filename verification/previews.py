"""Previews a reviewer can look at without opening the trainer's file.

Photos and screenshots are redrawn from their pixels alone, so no EXIF (location, device),
ICC profile, text chunk or JPEG comment survives. Documents get a generated icon instead:
a reviewer downloads the original to read it. Output is deterministic for a given input.
"""

import io
import re
import warnings
from functools import lru_cache
from typing import BinaryIO

from PIL import Image, ImageCms, ImageDraw, ImageFont, ImageOps

from .filechecks import CHUNK_SIZE, FileRefused, Inspection
from .rendering import fitted_size

PHOTO_QUALITY = 85
ICON_SIZE = (240, 320)
ICON_COLOURS = {"pdf": (196, 43, 28), "doc": (43, 87, 154), "docx": (43, 87, 154)}
ICON_LABELS = {"pdf": "PDF", "doc": "DOC", "docx": "DOCX"}
PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG"}
_SRGB = ImageCms.createProfile("sRGB")


def make_preview(
    fileobj: BinaryIO,
    inspection: Inspection,
    *,
    max_side: int = 1200,
    max_pixels: int = 40_000_000,
) -> tuple[bytes, str]:
    """Return (preview bytes, content type) for a file that inspect_upload accepted."""
    try:
        if inspection.kind in PILLOW_FORMATS:
            return _image_preview(fileobj, inspection, max_side=max_side, max_pixels=max_pixels)
        pages = _pdf_page_count(fileobj) if inspection.kind == "pdf" else None
        return _document_icon(inspection.kind, pages), "image/png"
    except FileRefused:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_large_to_preview() from None
    except Exception as error:
        raise FileRefused(
            "damaged",
            "We could not make a preview of this file because it seems damaged. Save a fresh "
            "copy (or a PDF) and upload that.",
        ) from error
    finally:
        fileobj.seek(0)


# The size libjpeg decodes to directly (1/2, 1/4, 1/8) is kept when it is at most this much
# larger than the box: a 5 MP photo's half-size decode is 1296 x 972 for a 1200 box, and
# shrinking it by 7 % would cost more than decoding it did, for no difference on screen (the
# page scales the preview to its column anyway).
DECODED_SIZE_SLACK = 1.1


def _image_preview(
    fileobj: BinaryIO, inspection: Inspection, *, max_side: int, max_pixels: int
) -> tuple[bytes, str]:
    fileobj.seek(0)
    pillow_format = PILLOW_FORMATS[inspection.kind]
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(fileobj, formats=[pillow_format]) as source:
            width, height = source.size
            if width * height > max_pixels:
                raise _too_large_to_preview()
            # libjpeg decodes at 1/2, 1/4 or 1/8 scale when the photo is that much larger than
            # the preview will be (a 5 MP photo at half its size for a 1200-pixel preview).
            source.draft("RGB", fitted_size(source.size, (max_side, max_side)))
            # Phones store rotation in EXIF; apply it now, since the EXIF is about to go.
            try:
                image = ImageOps.exif_transpose(source)
            except Exception:
                # A broken EXIF block costs the rotation, not the preview.
                image = source.copy()
            image = _to_srgb(image)
            if max(image.size) > max_side * DECODED_SIZE_SLACK:
                # A step under 2:1 (always, after a reduced decode) is shrunk by area averaging
                # (BOX, OpenCV's INTER_AREA): no ringing, at a third of the cost of bicubic.
                gentle = max(image.size) < 2 * max_side
                resample = Image.Resampling.BOX if gentle else Image.Resampling.LANCZOS
                image.thumbnail((max_side, max_side), resample)
            # A new image from raw pixels carries none of the source's metadata.
            clean = Image.frombytes(image.mode, image.size, image.tobytes())

    buffer = io.BytesIO()
    if inspection.kind == "jpeg" and clean.mode == "RGB":
        clean.save(buffer, "JPEG", quality=PHOTO_QUALITY)
        return buffer.getvalue(), "image/jpeg"
    clean.save(buffer, "PNG", optimize=True)
    return buffer.getvalue(), "image/png"


def _too_large_to_preview() -> FileRefused:
    return FileRefused(
        "image_too_large",
        "This image is too large to preview. Upload a smaller photo or a PDF scan.",
    )


def _to_srgb(image: Image.Image) -> Image.Image:
    """Plain 8-bit RGB or RGBA, with colours converted from an embedded profile if any."""
    profile = image.info.get("icc_profile")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        # 16-bit and float greyscale: scale down to 8 bits instead of clipping at 255.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    target = "RGBA" if has_alpha else "RGB"
    if profile and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source_profile = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            output_mode = target if image.mode != "CMYK" else "RGB"
            image = ImageCms.profileToProfile(image, source_profile, _SRGB, outputMode=output_mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            # A broken profile is no reason to refuse a preview: use the pixels as they are.
            pass
    return image if image.mode == target else image.convert(target)


# A page tree node's dictionary, when it has no nested dictionaries (the usual case).
_PAGE_TREE_NODE = re.compile(rb"<<([^<>]{0,4096}?/Type\s*/Pages\b[^<>]{0,4096}?)>>")
_PAGE_COUNT = re.compile(rb"/Count\s+(\d{1,6})\b")
_PARENT = re.compile(rb"/Parent\b")


def _pdf_page_count(fileobj: BinaryIO) -> int | None:
    """The page count when the page tree's root is readable without inflating anything.

    The root is the /Pages node without a /Parent; after incremental updates, the last one.
    """
    roots: dict[int, int] = {}
    tail = b""
    offset = 0
    fileobj.seek(0)
    while chunk := fileobj.read(CHUNK_SIZE):
        window = tail + chunk
        for node in _PAGE_TREE_NODE.finditer(window):
            count = _PAGE_COUNT.search(node.group(1))
            if count and not _PARENT.search(node.group(1)):
                roots[offset + node.start()] = int(count.group(1))
        tail = window[-9000:]
        offset += len(window) - len(tail)
    return roots[max(roots)] if roots else None


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


# The icon is the same for every document of a kind and page count: drawn once per process.
@lru_cache(maxsize=256)
def _document_icon(kind: str, pages: int | None) -> bytes:
    """A sheet of paper with a folded corner, the document type and, for PDFs, its pages."""
    width, height = ICON_SIZE
    colour = ICON_COLOURS[kind]
    icon = Image.new("RGB", ICON_SIZE, (255, 255, 255))
    draw = ImageDraw.Draw(icon)
    fold = 56
    margin = 20
    outline = (120, 120, 120)
    sheet = [
        (margin, margin),
        (width - margin - fold, margin),
        (width - margin, margin + fold),
        (width - margin, height - margin),
        (margin, height - margin),
    ]
    draw.polygon(sheet, fill=(248, 248, 248), outline=outline, width=3)
    corner = [
        (width - margin - fold, margin),
        (width - margin - fold, margin + fold),
        (width - margin, margin + fold),
    ]
    draw.polygon(corner, fill=(225, 225, 225), outline=outline, width=3)
    for row in range(4):
        top = margin + fold + 24 + row * 22
        draw.line([(margin + 24, top), (width - margin - 24, top)], fill=(210, 210, 210), width=6)
    band_top = height // 2 + 10
    draw.rectangle([(margin, band_top), (width - margin, band_top + 72)], fill=colour)
    draw.text(
        (width // 2, band_top + 36),
        ICON_LABELS[kind],
        fill=(255, 255, 255),
        font=_font(44),
        anchor="mm",
    )
    if pages is not None:
        label = "1 page" if pages == 1 else f"{pages} pages"
        draw.text(
            (width // 2, height - margin - 30),
            label,
            fill=(60, 60, 60),
            font=_font(24),
            anchor="mm",
        )
    buffer = io.BytesIO()
    icon.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
