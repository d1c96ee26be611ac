"""The printable proofs of a membership year: a certificate (PDF, A4 or Letter) and a
wallet-sized membership card (PNG, 85.6 × 54 mm at 300 dpi), each with a QR code to the
public verification page. Fonts come with reportlab (Bitstream Vera; for Japanese its
built-in CID font Heisei Kaku Gothic): no network.

Both are drawn when asked for, in the language asked for (by default the active one: the
trainer's saved choice or the browser's). The card is drawn with Pillow, which cannot use
the CID font and has no Japanese font here, so a Japanese card keeps its English wording."""

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
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from core.l10n import format_long_date, supported_language

FONT_DIR = Path(reportlab.__file__).parent / "fonts"
REGULAR, BOLD = "Vera", "VeraBd"
CJK_FONT = "HeiseiKakuGo-W5"
CJK_LANGUAGES = frozenset({"ja"})
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


def _register_fonts() -> None:
    if REGULAR not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "VeraBd.ttf")))
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def certificate_pdf(facts: ProofFacts, *, paper: str, language: str | None = None) -> bytes:
    """The A4 or Letter certificate, in `language` (else the active language)."""
    language = _language(language)
    with translation.override(language):
        return _certificate_pdf(facts, paper=paper, language=language)


def _certificate_pdf(facts: ProofFacts, *, paper: str, language: str) -> bytes:
    width, height = PAGE_SIZES[paper]
    _register_fonts()
    regular, bold = (CJK_FONT, CJK_FONT) if language in CJK_LANGUAGES else (REGULAR, BOLD)
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


def membership_card_png(facts: ProofFacts, *, language: str | None = None) -> bytes:
    """The wallet card, in `language` (else the active one) where its font can write it."""
    language = _language(language)
    with translation.override("en" if language in CJK_LANGUAGES else language):
        return _membership_card_png(facts)


def _membership_card_png(facts: ProofFacts) -> bytes:
    width, height = 1011, 638  # ID-1 card at 300 dpi
    card = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, width, 120), fill=NAVY)

    def font(name: str, size: int):
        return ImageFont.truetype(str(FONT_DIR / f"{name}.ttf"), size)

    draw.text((40, 38), facts.program_name, font=font(BOLD, 44), fill="white")
    draw.text((40, 170), facts.holder_name, font=font(BOLD, 52), fill=NAVY)
    regular, small = font(REGULAR, 30), font(REGULAR, 18)
    draw.text((40, 250), _("Member"), font=regular, fill=NAVY)
    valid_from = _("Valid from %(date)s") % {"date": _date(facts.valid_from)}
    draw.text((40, 310), valid_from, font=regular, fill=NAVY)
    valid_to = _("to %(date)s") % {"date": _date(facts.valid_until)}
    draw.text((40, 355), valid_to, font=regular, fill=NAVY)
    credential = _("Credential %(id)s") % {"id": facts.credential_id}
    draw.text((40, 570), credential, font=small, fill=NAVY)
    # The QR code keeps to the lower right, clear of the text (which ends at x ≈ 560).
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
