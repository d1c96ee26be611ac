"""How fast the worker draws a document's pages for reviewers (verification.rendering).

    .venv/bin/python benchmarks/render.py [--seconds 10] [--dpi 110]

Builds two one-page PDFs of about 1 MB, as trainers upload them: a scanned certificate (a
JPEG image filling the page) and a text certificate padded with an embedded font-sized
stream, then renders each over and over in this one process (what one worker process does)
and prints documents per second and the size of the page image. Timings only: the tests
assert correctness. The target (issue 14) is at least 20 one-page 1 MB PDFs a second.
"""

import argparse
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw

from verification.rendering import RenderLimits, render_file

MIB = 1024 * 1024


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _stream(data: bytes, dictionary: bytes = b"") -> bytes:
    return b"<< /Length %d%s >>\nstream\n" % (len(data), dictionary) + data + b"\nendstream"


def scanned_certificate(target: int = MIB) -> bytes:
    """A4 at 150 dpi, a photo-like scan as JPEG, about `target` bytes."""
    size = (1240, 1754)
    image = Image.effect_noise(size, 60).convert("RGB")
    draw = ImageDraw.Draw(image)
    for line in range(40):
        draw.text((120, 200 + line * 36), "Certificate of completion " * 3, fill=(0, 0, 0))
    quality, data = 95, b""
    while quality > 20:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        data = buffer.getvalue()
        if len(data) <= target:
            break
        quality -= 5
    content = b"q 595 0 0 842 0 0 cm /Im1 Do Q"
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /XObject << /Im1 5 0 R >> >> >>",
            _stream(content),
            _stream(
                data,
                b" /Type /XObject /Subtype /Image /Width %d /Height %d"
                b" /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode" % size,
            ),
        ]
    )


def text_certificate(target: int = MIB) -> bytes:
    """Vector text, padded to `target` with an unused embedded stream (as fonts do)."""
    lines = b" ".join(
        b"BT /F1 14 Tf 72 %d Td (Certificate of completion, line %d) Tj ET" % (780 - 18 * i, i)
        for i in range(40)
    )
    padding = random.Random(3).randbytes(target)
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            _stream(lines),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            _stream(padding),
        ]
    )


def measure(label: str, data: bytes, limits: RenderLimits, seconds: float) -> None:
    render_file(io.BytesIO(data), "pdf", limits=limits)  # warm-up
    timings = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        rendering = render_file(io.BytesIO(data), "pdf", limits=limits)
        timings.append(time.perf_counter() - started)
    page = rendering.pages[0]
    rate = len(timings) / sum(timings)
    base = baseline_rate(page.data, seconds / 2)
    print(
        f"{label:<22} {len(data) / MIB:5.2f} MB  {rate:6.1f} docs/s  "
        f"median {statistics.median(timings) * 1000:6.1f} ms  "
        f"page {page.width}x{page.height} {len(page.data) // 1024} KiB; "
        f"baseline {base:.1f}/s, {rate / base:.2f}× the baseline"
    )


def baseline_rate(image: bytes, seconds: float) -> float:
    """The baseline of the same run: Pillow decoding the page image the renderer made."""
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        with Image.open(io.BytesIO(image)) as decoded:
            decoded.load()
        count += 1
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--dpi", type=int, default=int(os.environ.get("RENDER_DPI", 110)))
    args = parser.parse_args()
    limits = RenderLimits(dpi=args.dpi)
    print(f"One process, {args.dpi} dpi, {args.seconds:g} s per document:")
    measure("scanned certificate", scanned_certificate(), limits, args.seconds)
    measure("text certificate", text_certificate(), limits, args.seconds)


if __name__ == "__main__":
    main()
