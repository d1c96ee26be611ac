"""Draws an invoice (a receipt once paid) or a credit note as PDF with reportlab.

Everything comes from the document's frozen content and the payment's state; the fonts
are shipped in enrollment/fonts (DejaVu Sans: names in any Latin, Greek or Cyrillic
script), so nothing is fetched from the network.
"""

import io
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..enums import PaymentDocumentKind, PaymentStatus
from ..rules.fees import format_money

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"


def _register_fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, FONT_DIR / "DejaVuSans.ttf"))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, FONT_DIR / "DejaVuSans-Bold.ttf"))


def document_filename(document) -> str:
    return f"{document.number}.pdf"


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _title(document) -> str:
    if document.kind == PaymentDocumentKind.CREDIT_NOTE:
        return "Credit note"
    paid = document.payment.paid_at is not None and document.payment.status != PaymentStatus.PENDING
    return "Invoice and receipt" if paid else "Invoice"


def render_document_pdf(document) -> bytes:
    """The PDF bytes of a PaymentDocument."""
    _register_fonts()
    content = document.content
    payment = document.payment
    currency = content["currency"]
    sign = -1 if document.kind == PaymentDocumentKind.CREDIT_NOTE else 1

    def money(value) -> str:
        return format_money(Decimal(value) * sign, currency)

    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=12, textColor=colors.grey)
    heading = ParagraphStyle("heading", parent=body, fontName=FONT_BOLD, fontSize=20, leading=26)
    bold = ParagraphStyle("bold", parent=body, fontName=FONT_BOLD)

    seller, buyer = content["seller"], content["buyer"]
    seller_lines = [seller["name"], *seller["address"]]
    if seller["tax_id"]:
        seller_lines.append(f"Tax ID: {seller['tax_id']}")
    if seller["email"]:
        seller_lines.append(seller["email"])
    buyer_lines = [buyer["name"], *buyer["address"]]
    if buyer["vat_id"]:
        buyer_lines.append(f"VAT ID: {buyer['vat_id']}")
    buyer_lines.append(buyer["email"])

    facts = [
        ("Number", document.number),
        ("Date", f"{document.issued_on:%d %B %Y}"),
        ("Reference", content["reference"] or "—"),
    ]
    if content["refers_to"]:
        facts.insert(1, ("Credits invoice", content["refers_to"]))

    story = [
        _p(_title(document), heading),
        Spacer(1, 4 * mm),
        Table(
            [
                [_p("From", bold), _p("Billed to", bold), ""],
                [
                    _p("\n".join(seller_lines), body),
                    _p("\n".join(buyer_lines), body),
                    Table(
                        [[_p(k, small), _p(v, body)] for k, v in facts],
                        colWidths=[28 * mm, 38 * mm],
                    ),
                ],
            ],
            colWidths=[58 * mm, 58 * mm, 66 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]),
        ),
        Spacer(1, 10 * mm),
    ]

    lines = [
        [_p("Description", bold), _p("Amount", bold)],
        [
            _p(f"{content['description']}\nMembership year: {content['period']}", body),
            _p(money(content["amount"]), body),
        ],
    ]
    if content["discount"]:
        lines.append([_p(f"Discount applied: {content['discount']}", small), ""])
    rate = Decimal(content["tax_rate"])
    tax_text = (
        f"{content['tax_label']} {rate.normalize():f}% included"
        if rate > 0
        else f"{content['tax_label']} 0%"
    )
    lines += [
        [_p("Net amount", body), _p(money(content["net_amount"]), body)],
        [_p(tax_text, body), _p(money(content["tax_amount"]), body)],
        [_p("Total", bold), _p(money(content["amount"]), bold)],
    ]
    story.append(
        Table(
            lines,
            colWidths=[140 * mm, 42 * mm],
            style=TableStyle(
                [
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                    ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ]
            ),
        )
    )
    story.append(Spacer(1, 8 * mm))
    if content["tax_note"]:
        story.append(_p(content["tax_note"], small))
    if document.kind == PaymentDocumentKind.CREDIT_NOTE:
        refunded = payment.refunded_at
        story.append(
            _p(
                f"The amount of invoice {content['refers_to']} is credited in full"
                + (f" and was refunded on {refunded:%d %B %Y}." if refunded else "."),
                body,
            )
        )
    elif payment.paid_at is not None:
        story.append(_p(f"Paid on {payment.paid_at:%d %B %Y} via {content['provider']}.", body))
    else:
        story.append(_p("Payment due: please quote the invoice number with your payment.", body))

    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{_title(document)} {document.number}",
        author=seller["name"],
        invariant=1,
    ).build(story)
    return buffer.getvalue()
