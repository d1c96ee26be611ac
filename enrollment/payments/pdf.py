"""Draws an invoice (a receipt once paid) or a credit note as PDF with reportlab.

Everything comes from the document's frozen content and the payment's state, in the
language frozen with it (`content["language"]`, English for documents issued before there
was a choice): a document issued once reads the same whenever it is drawn. The fonts are
shipped in enrollment/fonts (DejaVu Sans: names in any Latin, Greek or Cyrillic script);
Japanese documents use IPAexGothic from the same folder, embedded as a subset
(`enrollment.pdf_fonts`), so they read the same without a Japanese font on the reader's
machine. Nothing is fetched from the network.
"""

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from babel.numbers import format_decimal
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.l10n import babel_locale, format_long_date, supported_language

from ..enums import PaymentDocumentKind, PaymentStatus
from ..pdf_fonts import FONT_DIR, japanese_pdf_font, needs_japanese_font, register_truetype
from ..rules.fees import format_money

FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"


def fonts_for(language: str) -> tuple[str, str]:
    """(regular, bold) font names for a document in `language`; Japanese has no bold cut
    (headings are set larger instead)."""
    if needs_japanese_font(language):
        font = japanese_pdf_font()
        return font, font
    return (
        register_truetype(FONT, FONT_DIR / "DejaVuSans.ttf"),
        register_truetype(FONT_BOLD, FONT_DIR / "DejaVuSans-Bold.ttf"),
    )


def document_language(document) -> str:
    """The language the document was issued in; English for those issued before."""
    return supported_language(document.content.get("language")) or "en"


def document_filename(document) -> str:
    return f"{document.number}.pdf"


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _title(document) -> str:
    if document.kind == PaymentDocumentKind.CREDIT_NOTE:
        return _("Credit note")
    paid = document.payment.paid_at is not None and document.payment.status != PaymentStatus.PENDING
    return _("Invoice and receipt") if paid else _("Invoice")


def render_document_pdf(document) -> bytes:
    """The PDF bytes of a PaymentDocument, in the language it was issued in."""
    language = document_language(document)
    with translation.override(language):
        return _render_document_pdf(document, language)


def _render_document_pdf(document, language: str) -> bytes:
    regular, strong = fonts_for(language)
    content = document.content
    payment = document.payment
    currency = content["currency"]
    sign = -1 if document.kind == PaymentDocumentKind.CREDIT_NOTE else 1

    def money(value) -> str:
        return format_money(Decimal(value) * sign, currency, language)

    def day(value) -> str:
        return format_long_date(value, language)

    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=14)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=12, textColor=colors.grey)
    heading = ParagraphStyle("heading", parent=body, fontName=strong, fontSize=20, leading=26)
    bold = ParagraphStyle("bold", parent=body, fontName=strong)

    seller, buyer = content["seller"], content["buyer"]
    seller_lines = [seller["name"], *seller["address"]]
    if seller["tax_id"]:
        seller_lines.append(_("Tax ID: %(tax_id)s") % {"tax_id": seller["tax_id"]})
    if seller["email"]:
        seller_lines.append(seller["email"])
    buyer_lines = [buyer["name"], *buyer["address"]]
    if buyer["vat_id"]:
        buyer_lines.append(_("VAT ID: %(vat_id)s") % {"vat_id": buyer["vat_id"]})
    buyer_lines.append(buyer["email"])

    facts = [
        (_("Number"), document.number),
        (_("Date"), day(document.issued_on)),
        (_("Reference"), content["reference"] or "—"),
    ]
    if content["refers_to"]:
        facts.insert(1, (_("Credits invoice"), content["refers_to"]))

    story = [
        _p(_title(document), heading),
        Spacer(1, 4 * mm),
        Table(
            [
                [_p(_("From"), bold), _p(_("Billed to"), bold), ""],
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
        [_p(_("Description"), bold), _p(_("Amount"), bold)],
        [
            _p(
                content["description"]
                + "\n"
                + _("Membership year: %(period)s") % {"period": content["period"]},
                body,
            ),
            _p(money(content["amount"]), body),
        ],
    ]
    if content["discount"]:
        lines.append(
            [_p(_("Discount applied: %(discount)s") % {"discount": content["discount"]}, small), ""]
        )
    rate = Decimal(content["tax_rate"])
    tax = {
        "tax": content["tax_label"],
        "rate": format_decimal(rate.normalize(), locale=babel_locale(language)),
    }
    tax_text = _("%(tax)s %(rate)s%% included") % tax if rate > 0 else _("%(tax)s 0%%") % tax
    lines += [
        [_p(_("Net amount"), body), _p(money(content["net_amount"]), body)],
        [_p(tax_text, body), _p(money(content["tax_amount"]), body)],
        [_p(_("Total"), bold), _p(money(content["amount"]), bold)],
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
        if refunded:
            credited = _(
                "The amount of invoice %(invoice)s is credited in full and was refunded on "
                "%(date)s."
            ) % {"invoice": content["refers_to"], "date": day(refunded)}
        else:
            credited = _("The amount of invoice %(invoice)s is credited in full.") % {
                "invoice": content["refers_to"]
            }
        story.append(_p(credited, body))
    elif payment.paid_at is not None:
        paid = {"date": day(payment.paid_at), "provider": content["provider"]}
        story.append(_p(_("Paid on %(date)s via %(provider)s.") % paid, body))
    else:
        story.append(_p(_("Payment due: please quote the invoice number with your payment."), body))

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
