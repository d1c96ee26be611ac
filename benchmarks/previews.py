"""How many documents one worker process checks and draws a second (issue 14, point 5).

    .venv/bin/python benchmarks/previews.py [--seconds 5]

For each document, the worker's steps in this one process, from bytes in memory: the check
(verification.filechecks.inspect_upload, as services.documents._run_checks calls it: size,
SHA-256, type, markup and structure checks; a photo's pixels are left to its preview), the
preview (verification.previews.make_preview) and the page images for reviewers (a photo's
page is its preview; a PDF's pages are drawn by verification.rendering.render_file). The
virus scan (clamd, another process) is left out. The database and storage are left out too.

Documents: a 5 MP JPEG photo (2592 x 1944, as a phone takes a certificate) and two
one-page ~1 MB PDFs from benchmarks/render.py (vector text padded with an embedded stream,
and a full-page scanned JPEG of noise, the worst case for decoding). The baseline, measured
in the same run, is Pillow's plain full decode of the same JPEG (Image.open + load), as the
issue's table has it; the target is 20 documents a second. Timings only: tests assert.
"""

import argparse
import inspect
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from PIL import Image, ImageDraw, ImageFilter
from render import scanned_certificate, text_certificate

from verification import rendering
from verification.filechecks import inspect_upload
from verification.previews import make_preview
from verification.rendering import RenderLimits, render_file

TARGET = 20.0
PREVIEW_MAX_SIDE = 1200  # verification.services.documents.PREVIEW_MAX_SIDE
MAKE = 0x010F
# Run against an older checkout (PYTHONPATH), the script measures the steps that code took.
CHECK_DECODES = "decode_images" not in inspect.signature(inspect_upload).parameters
PHOTO_PAGE_IS_PREVIEW = hasattr(rendering, "page_from_drawing")


def phone_photo(size=(2592, 1944)) -> bytes:
    """A photo-like 5 MP JPEG: soft light, a document with lines of text, sensor noise."""
    photo = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(photo)
    width, height = size
    draw.rectangle(
        [(width // 8, height // 10), (width * 7 // 8, height * 9 // 10)], fill=(236, 232, 220)
    )
    for line in range(60):
        top = height // 10 + 80 + line * 26
        draw.text((width // 8 + 60, top), "Certificate of completion  " * 6, fill=(30, 30, 40))
    photo = photo.filter(ImageFilter.GaussianBlur(1))
    noise = Image.effect_noise(size, 24).convert("RGB")
    photo = Image.blend(photo, noise, 0.12)
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=90, exif=exif.tobytes())
    return buffer.getvalue()


def check_and_draw(data: bytes, name: str, limits: RenderLimits) -> int:
    """The worker's check, preview and pages for one document; returns the pages' bytes."""
    fileobj = io.BytesIO(data)
    if CHECK_DECODES:
        inspection = inspect_upload(fileobj, name)
    else:
        inspection = inspect_upload(fileobj, name, decode_images=False)
    preview, _content_type = make_preview(fileobj, inspection, max_side=PREVIEW_MAX_SIDE)
    if inspection.kind in ("jpeg", "png") and PHOTO_PAGE_IS_PREVIEW:
        pages = [rendering.page_from_drawing(preview)]
    else:
        pages = render_file(io.BytesIO(data), inspection.kind, limits=limits).pages
    return sum(len(page.data) for page in pages)


def full_decode(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.width


def rate(work, seconds: float) -> float:
    """Calls a second over `seconds`, after one warm-up call."""
    work()
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        work()
        count += 1
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    args = parser.parse_args()
    limits = RenderLimits()
    photo = phone_photo()
    documents = [
        ("5 MP JPEG photo", photo, "photo.jpg"),
        ("1 MB PDF, text", text_certificate(), "certificate.pdf"),
        ("1 MB PDF, scan", scanned_certificate(), "scan.pdf"),
    ]
    print(
        f"One process, {args.seconds:g} s per figure; virus scan excluded; "
        f"check decodes photos: {'yes (old code)' if CHECK_DECODES else 'no (the preview does)'}."
    )
    baseline = rate(lambda: full_decode(photo), args.seconds)
    print(f"baseline: Pillow full decode of the 5 MP JPEG  {baseline:6.1f} /s")
    print(f"{'document':<18} {'size':>8} {'check+draw':>12} {'baseline':>10} {'ratio':>7}  target")
    for label, data, name in documents:
        figure = rate(lambda data=data, name=name: check_and_draw(data, name, limits), args.seconds)
        print(
            f"{label:<18} {len(data) / 1024 / 1024:6.2f}MB {figure:8.1f} /s {baseline:8.1f} /s "
            f"{figure / baseline:6.2f}x  {'met' if figure >= TARGET else 'not met'} "
            f"(>= {TARGET:g}/s)"
        )


if __name__ == "__main__":
    main()
