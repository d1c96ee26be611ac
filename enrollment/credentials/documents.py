"""The printable proofs of a membership year: a certificate (PDF, A4 or Letter) and a
wallet-sized membership card (PNG, 85.6 × 54 mm at 300 dpi), each with a QR code to the
public verification page. Fonts come with reportlab (Bitstream Vera): no network."""

import datetime
import io
from dataclasses import dataclass
from pathlib import Path

import reportlab
import segno
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

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
    return f"{day.day} {day:%B %Y}"


def _register_fonts() -> None:
    if REGULAR not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "VeraBd.ttf")))


def certificate_pdf(facts: ProofFacts, *, paper: str) -> bytes:
    width, height = PAGE_SIZES[paper]
    _register_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height), invariant=1)
    pdf.setTitle(f"{facts.program_name} certificate — {facts.holder_name}")
    pdf.setAuthor("Microsoft Certified Trainer program")
    pdf.setStrokeColorRGB(*(c / 255 for c in NAVY))
    pdf.setLineWidth(4)
    pdf.rect(28, 28, width - 56, height - 56)
    centre = width / 2
    pdf.setFillColorRGB(*(c / 255 for c in NAVY))
    pdf.setFont(REGULAR, 16)
    pdf.drawCentredString(centre, height - 120, "This certifies that")
    pdf.setFont(BOLD, 34)
    pdf.drawCentredString(centre, height - 175, facts.holder_name)
    pdf.setFont(REGULAR, 16)
    pdf.drawCentredString(centre, height - 220, "is a member of")
    pdf.setFont(BOLD, 26)
    pdf.drawCentredString(centre, height - 262, facts.program_name)
    pdf.setFont(REGULAR, 14)
    pdf.drawCentredString(
        centre,
        height - 300,
        f"Valid from {_date(facts.valid_from)} to {_date(facts.valid_until)}",
    )
    pdf.setFont(REGULAR, 9)
    pdf.drawString(60, 64, f"Credential {facts.credential_id}")
    pdf.drawString(60, 52, f"Check it at {facts.verify_url}")
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


def membership_card_png(facts: ProofFacts) -> bytes:
    width, height = 1011, 638  # ID-1 card at 300 dpi
    card = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, width, 120), fill=NAVY)

    def font(name: str, size: int):
        return ImageFont.truetype(str(FONT_DIR / f"{name}.ttf"), size)

    draw.text((40, 38), facts.program_name, font=font(BOLD, 44), fill="white")
    draw.text((40, 170), facts.holder_name, font=font(BOLD, 52), fill=NAVY)
    draw.text((40, 250), "Member", font=font(REGULAR, 30), fill=NAVY)
    draw.text((40, 310), f"Valid from {_date(facts.valid_from)}", font=font(REGULAR, 30), fill=NAVY)
    draw.text((40, 355), f"to {_date(facts.valid_until)}", font=font(REGULAR, 30), fill=NAVY)
    draw.text((40, 570), f"Credential {facts.credential_id}", font=font(REGULAR, 18), fill=NAVY)
    # The QR code keeps to the lower right, clear of the text (which ends at x ≈ 560).
    qr = Image.open(io.BytesIO(qr_png(facts.verify_url, scale=7))).convert("RGB")
    qr.thumbnail((270, 270))
    card.paste(qr, (width - qr.width - 30, height - qr.height - 30))
    info = PngImagePlugin.PngInfo()
    info.add_text("Title", f"{facts.program_name} membership card")
    info.add_text(
        "Description",
        f"{facts.holder_name}, {facts.program_name}, valid from {_date(facts.valid_from)} "
        f"to {_date(facts.valid_until)}. Check it at {facts.verify_url}",
    )
    buffer = io.BytesIO()
    card.save(buffer, format="PNG", optimize=True, pnginfo=info)
    return buffer.getvalue()
