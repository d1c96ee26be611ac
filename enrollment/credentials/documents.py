"""The printable proofs of a membership year: a certificate (PDF, A4 or Letter) and a
wallet-sized membership card (PNG, 85.6 × 54 mm at 300 dpi), each with a QR code to the
public verification page. Fonts come with reportlab (Bitstream Vera) and, for Japanese,
from enrollment/fonts (IPAexGothic, embedded in the PDF as a subset: `enrollment.pdf_fonts`):
no network.

Both are drawn when asked for, in the language asked for (by default the active one: the
trainer's saved choice or the browser's). The card is drawn with Pillow, in the same fonts."""

import datetime
import io
from dataclasses import dataclass
from pathlib import Path

import reportlab
import segno
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.pdfgen import canvas

from core.l10n import format_long_date, supported_language

from ..pdf_fonts import (
    JAPANESE_FONT_FILE,
    japanese_pdf_font,
    needs_japanese_font,
    register_truetype,
)

FONT_DIR = Path(reportlab.__file__).parent / "fonts"
REGULAR, BOLD = "Vera", "VeraBd"
PAGE_SIZES = {"a4": landscape(A4), "letter": landscape(LETTER)}
NAVY = (0x0F, 0x2A, 0x4A)


@dataclass(frozen=True)
class ProofFacts:
    holder_name: str
    program_name: str
    valid_from: datetime.date
    valid_until: datetime.date
    credential_id: str
    verify_url: str


def _date(day: datetime.date) -> str:
    return format_long_date(day)


def _language(language: str | None) -> str:
    return supported_language(language or translation.get_language()) or "en"


def _pdf_fonts(language: str) -> tuple[str, str]:
    """(regular, bold) reportlab font names; Japanese has no bold cut (set larger)."""
    if needs_japanese_font(language):
        font = japanese_pdf_font()
        return font, font
    return (
        register_truetype(REGULAR, FONT_DIR / "Vera.ttf"),
        register_truetype(BOLD, FONT_DIR / "VeraBd.ttf"),
    )


def certificate_pdf(facts: ProofFacts, *, paper: str, language: str | None = None) -> bytes:
    """The A4 or Letter certificate, in `language` (else the active language)."""
    language = _language(language)
    with translation.override(language):
        return _certificate_pdf(facts, paper=paper, language=language)


def _certificate_pdf(facts: ProofFacts, *, paper: str, language: str) -> bytes:
    width, height = PAGE_SIZES[paper]
    regular, bold = _pdf_fonts(language)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height), invariant=1)
    pdf.setTitle(
        _("%(program)s certificate — %(name)s")
        % {"program": facts.program_name, "name": facts.holder_name}
    )
    pdf.setAuthor("Microsoft Certified Trainer program")
    pdf.setStrokeColorRGB(*(c / 255 for c in NAVY))
    pdf.setLineWidth(4)
    pdf.rect(28, 28, width - 56, height - 56)
    centre = width / 2
    pdf.setFillColorRGB(*(c / 255 for c in NAVY))
    pdf.setFont(regular, 16)
    pdf.drawCentredString(centre, height - 120, _("This certifies that"))
    pdf.setFont(bold, 34)
    pdf.drawCentredString(centre, height - 175, facts.holder_name)
    pdf.setFont(regular, 16)
    pdf.drawCentredString(centre, height - 220, _("is a member of"))
    pdf.setFont(bold, 26)
    pdf.drawCentredString(centre, height - 262, facts.program_name)
    pdf.setFont(regular, 14)
    pdf.drawCentredString(
        centre,
        height - 300,
        _("Valid from %(start)s to %(end)s")
        % {"start": _date(facts.valid_from), "end": _date(facts.valid_until)},
    )
    pdf.setFont(regular, 9)
    pdf.drawString(60, 64, _("Credential %(id)s") % {"id": facts.credential_id})
    pdf.drawString(60, 52, _("Check it at %(url)s") % {"url": facts.verify_url})
    size = 110
    widget = QrCodeWidget(facts.verify_url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, width - 60 - size, 48)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def qr_png(url: str, *, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


@dataclass(frozen=True)
class CardLine:
    """One line of text on the membership card: where, what, how large, in which colour."""

    xy: tuple[int, int]
    text: str
    size: int
    bold: bool = False
    fill: str | tuple[int, int, int] = NAVY


def card_font_file(language: str, *, bold: bool = False) -> Path:
    """The TrueType file the card is written with in `language` (Japanese has no bold cut)."""
    if needs_japanese_font(language):
        return JAPANESE_FONT_FILE
    return FONT_DIR / f"{BOLD if bold else REGULAR}.ttf"


def card_lines(facts: ProofFacts, language: str) -> list[CardLine]:
    """The card's text in `language`, placed clear of the QR code (text ends at x ≈ 560)."""
    with translation.override(language):
        return [
            CardLine((40, 38), facts.program_name, 44, bold=True, fill="white"),
            CardLine((40, 170), facts.holder_name, 52, bold=True),
            CardLine((40, 250), _("Member"), 30),
            CardLine((40, 310), _("Valid from %(date)s") % {"date": _date(facts.valid_from)}, 30),
            CardLine((40, 355), _("to %(date)s") % {"date": _date(facts.valid_until)}, 30),
            CardLine((40, 570), _("Credential %(id)s") % {"id": facts.credential_id}, 18),
        ]


def membership_card_png(facts: ProofFacts, *, language: str | None = None) -> bytes:
    """The wallet card, in `language` (else the active one)."""
    language = _language(language)
    with translation.override(language):
        return _membership_card_png(facts, language)


def _membership_card_png(facts: ProofFacts, language: str) -> bytes:
    width, height = 1011, 638  # ID-1 card at 300 dpi
    card = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, width, 120), fill=NAVY)
    # The Japanese font has no bold cut: its bold lines get a stroke as wide as a pixel.
    faux_bold = 1 if needs_japanese_font(language) else 0
    for line in card_lines(facts, language):
        font = ImageFont.truetype(str(card_font_file(language, bold=line.bold)), line.size)
        stroke = faux_bold if line.bold else 0
        draw.text(line.xy, line.text, font=font, fill=line.fill, stroke_width=stroke)
    # The QR code keeps to the lower right, clear of the text.
    qr = Image.open(io.BytesIO(qr_png(facts.verify_url, scale=7))).convert("RGB")
    qr.thumbnail((270, 270))
    card.paste(qr, (width - qr.width - 30, height - qr.height - 30))
    info = PngImagePlugin.PngInfo()
    info.add_text("Title", _("%(program)s membership card") % {"program": facts.program_name})
    info.add_text(
        "Description",
        _("%(name)s, %(program)s, valid from %(start)s to %(end)s. Check it at %(url)s")
        % {
            "name": facts.holder_name,
            "program": facts.program_name,
            "start": _date(facts.valid_from),
            "end": _date(facts.valid_until),
            "url": facts.verify_url,
        },
    )
    buffer = io.BytesIO()
    card.save(buffer, format="PNG", optimize=True, pnginfo=info)
    return buffer.getvalue()
