"""Invoices, credit notes, certificates and cards in the trainer's language (issue 17).

A payment document keeps the language it was issued in; Japanese PDFs embed a subset of the
shipped IPAexGothic (so they read without a Japanese font on the reader's machine, and pypdf
extracts their text); the membership card is drawn in it too."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from core.l10n import format_long_date
from enrollment.credentials.documents import (
    NAVY,
    ProofFacts,
    card_font_file,
    card_lines,
    membership_card_png,
)
from enrollment.enums import ApplicationPath, ApplicationStatus, PaymentDocumentKind, Program
from enrollment.models import PaymentDocument
from enrollment.pdf_fonts import JAPANESE_FONT_FILE, japanese_pdf_font
from enrollment.services.memberships import membership_start
from enrollment.services.payments import Billing, payment_refund, payment_start
from tests.factories import ApplicationFactory, FeeFactory, TrainerFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD_CARD = {"card_number": "4242424242424242", "expiry": datetime.date(2039, 1, 1), "cvc": "123"}
BILLING = Billing("Ana Lima for Contoso", "Rua 1\nLisboa", "PT123456789")


@pytest.fixture(autouse=True)
def _language_reset_after_each_test(settings):
    """A request by a trainer with a saved language leaves that language active in the
    thread (Django's middleware does not deactivate it): later tests must not inherit it."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def seller(settings):
    settings.INVOICE_SELLER_NAME = "MCT Program Office"
    settings.INVOICE_SELLER_ADDRESS = "1 Microsoft Way|Redmond, WA 98052"
    settings.INVOICE_SELLER_TAX_ID = "US-91-1144442"
    settings.INVOICE_TAX_RATE = "19"
    settings.INVOICE_TAX_LABEL = "VAT"
    FeeFactory(currency="EUR", amount=Decimal("357.00"))


def pdf(data: bytes) -> tuple[str, set[str]]:
    """The text of every page, spaces collapsed, and the names of the fonts it uses."""
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    return text, fonts


# A subset embedded by reportlab: six capital letters, "+", the font's name.
EMBEDDED_JAPANESE = re.compile(r"/[A-Z]{6}\+IPAexGothic")


def embedded_fonts(data: bytes) -> dict[str, int]:
    """The fonts whose TrueType program is in the PDF (FontDescriptor/FontFile2), with its
    size in bytes."""
    embedded = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                program = descriptor.get_object()["/FontFile2"].get_object().get_data()
                embedded[str(font["/BaseFont"])] = len(program)
    return embedded


def assert_japanese_font_embedded(data: bytes) -> None:
    subsets = {n: size for n, size in embedded_fonts(data).items() if EMBEDDED_JAPANESE.match(n)}
    assert subsets, embedded_fonts(data)
    # Only the glyphs used: far below the 6 MB font file.
    assert all(size < 300_000 for size in subsets.values()), subsets
    assert len(data) < 500_000


def paid_invoice(trainer):
    application = ApplicationFactory(
        trainer=trainer,
        path=ApplicationPath.NEW,
        status=ApplicationStatus.AWAITING_PAYMENT,
        submitted_at=timezone.now(),
    )
    payment = payment_start(
        application=application,
        currency="EUR",
        provider="test_card",
        by=trainer.user,
        details=GOOD_CARD,
        billing=BILLING,
    )
    invoice = PaymentDocument.objects.get(payment=payment, kind=PaymentDocumentKind.INVOICE)
    return payment, invoice


def download(client, trainer, number: str) -> bytes:
    client.force_login(trainer.user)
    response = client.get(reverse("payment_document", kwargs={"number": number}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_a_german_trainers_invoice_and_credit_note_are_german(client):
    trainer = TrainerFactory(language="de")
    payment, invoice = paid_invoice(trainer)
    assert invoice.content["language"] == "de"

    text, fonts = pdf(download(client, trainer, invoice.number))
    assert "Rechnung und Quittung" in text
    assert "Rechnungsempfänger" in text and "USt-IdNr.: PT123456789" in text
    assert "Beschreibung Betrag" in text
    assert "Mitgliedschaft Microsoft Certified Trainer, ein Jahr" in text
    assert "Gesamtbetrag 357,00 EUR" in text
    assert "Nettobetrag 300,00 EUR" in text and "VAT 19 % enthalten 57,00 EUR" in text
    assert f"Bezahlt am {format_long_date(timezone.localdate(), 'de')}" in text
    assert "Invoice" not in text and "Total" not in text
    assert not any("IPAexGothic" in font or "Heisei" in font for font in fonts)

    payment_refund(payment=payment, by=UserFactory(is_staff=True), reason="Goodwill")
    credit = PaymentDocument.objects.get(payment=payment, kind=PaymentDocumentKind.CREDIT_NOTE)
    text, _ = pdf(download(client, trainer, credit.number))
    assert "Gutschrift" in text and f"Gutschrift zu Rechnung {invoice.number}" in text
    assert "Gesamtbetrag -357,00 EUR" in text


def test_a_japanese_trainers_invoice_and_credit_note_embed_the_japanese_font(client):
    trainer = TrainerFactory(language="ja")
    payment, invoice = paid_invoice(trainer)

    data = download(client, trainer, invoice.number)
    text, fonts = pdf(data)
    assert "請求書兼領収書" in text
    assert "請求先" in text and "合計 EUR 357.00" in text
    assert "メンバーシップ期間" in text and "税抜金額 EUR 300.00" in text
    assert f"{format_long_date(timezone.localdate(), 'ja')} に test_card でお支払い済みです" in text
    assert_japanese_font_embedded(data)
    assert not any("Heisei" in font for font in fonts)

    payment_refund(payment=payment, by=UserFactory(is_staff=True), reason="Goodwill")
    credit = PaymentDocument.objects.get(payment=payment, kind=PaymentDocumentKind.CREDIT_NOTE)
    data = download(client, trainer, credit.number)
    assert invoice.number in pdf(data)[0]
    assert_japanese_font_embedded(data)


def test_an_issued_document_keeps_its_language_when_the_trainer_changes_theirs(client):
    trainer = TrainerFactory(language="de")
    _, invoice = paid_invoice(trainer)
    trainer.language = "ja"
    trainer.save(update_fields=["language"])

    text, _ = pdf(download(client, trainer, invoice.number))
    assert "Rechnung und Quittung" in text and "請求書" not in text


def test_a_document_issued_before_there_was_a_language_stays_english(client):
    trainer = TrainerFactory(language="de")
    _, invoice = paid_invoice(trainer)
    content = dict(invoice.content)
    del content["language"]
    PaymentDocument.objects.filter(pk=invoice.pk).update(content=content)

    text, _ = pdf(download(client, trainer, invoice.number))
    assert "Invoice and receipt" in text and "Total EUR 357.00" in text


@pytest.mark.parametrize(
    ("language", "headings"),
    [
        ("de", ["Hiermit wird bestätigt, dass", "Mitglied ist bei", "Gültig vom"]),
        ("ja", ["以下の者が", "メンバーであることを証明します", "有効期間"]),
    ],
)
def test_the_certificate_is_in_the_trainers_language(client, language, headings):
    trainer = TrainerFactory(first_name="Carmen", last_name="Credential", language=language)
    credential = membership_start(trainer=trainer, program=Program.MCT).credential
    client.force_login(trainer.user)

    response = client.get(reverse("credentials:certificate", args=[credential.public_id, "a4"]))

    text, fonts = pdf(response.content)
    for heading in headings:
        assert heading in text
    assert "This certifies that" not in text
    membership = credential.membership
    assert format_long_date(membership.anniversary_on, language) in text
    assert "Carmen Credential" in text and "Microsoft Certified Trainer" in text
    if language == "ja":
        assert_japanese_font_embedded(response.content)
    else:
        assert not any("IPAexGothic" in font for font in fonts)
    assert not any("Heisei" in font for font in fonts)


def test_the_membership_card_is_german_for_a_german_trainer(client):
    trainer = TrainerFactory(language="de")
    credential = membership_start(trainer=trainer, program=Program.MCT).credential
    client.force_login(trainer.user)

    response = client.get(reverse("credentials:card", args=[credential.public_id]))

    card = Image.open(io.BytesIO(response.content))
    assert "gültig vom" in card.text["Description"]
    assert card.text["Title"] == "Mitgliedsausweis Microsoft Certified Trainer"


def test_the_membership_card_is_japanese_for_a_japanese_trainer(client):
    trainer = TrainerFactory(first_name="Carmen", last_name="Credential", language="ja")
    credential = membership_start(trainer=trainer, program=Program.MCT).credential
    client.force_login(trainer.user)

    response = client.get(reverse("credentials:card", args=[credential.public_id]))

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    card = Image.open(io.BytesIO(response.content))
    assert card.text["Title"] == "Microsoft Certified Trainer メンバーシップ カード"
    description = card.text["Description"]
    assert "Carmen Credential" in description and "有効期間" in description


CARD_FACTS = ProofFacts(
    holder_name="Carmen Credential",
    program_name="Microsoft Certified Trainer",
    valid_from=datetime.date(2026, 5, 4),
    valid_until=datetime.date(2027, 5, 3),
    credential_id="MCT-ABCD-1234",
    verify_url="https://portal.example/verify/abc",
)


def test_the_japanese_card_is_written_in_the_japanese_font_with_japanese_labels():
    assert card_font_file("ja") == card_font_file("ja", bold=True) == JAPANESE_FONT_FILE
    assert card_font_file("de").name == "Vera.ttf" and card_font_file("en", bold=True).name == (
        "VeraBd.ttf"
    )
    texts = [line.text for line in card_lines(CARD_FACTS, "ja")]
    assert "メンバー" in texts
    assert "有効期間：2026年5月4日 から" in texts and "2027年5月3日 まで" in texts
    assert [line.text for line in card_lines(CARD_FACTS, "en")][2:5] == [
        "Member",
        "Valid from 4 May 2026",
        "to 3 May 2027",
    ]
    # Every character on the Japanese card has a glyph in the font (no empty boxes).
    glyphs = pdfmetrics.getFont(japanese_pdf_font()).face.charToGlyph
    missing = {char for text in texts for char in text if ord(char) not in glyphs}
    assert not missing


def test_the_japanese_card_shows_the_japanese_label_drawn_in_the_japanese_font():
    japanese = Image.open(io.BytesIO(membership_card_png(CARD_FACTS, language="ja")))
    english = Image.open(io.BytesIO(membership_card_png(CARD_FACTS, language="en")))
    assert japanese.size == english.size == (1011, 638)
    assert japanese.tobytes() != english.tobytes()

    member = next(line for line in card_lines(CARD_FACTS, "ja") if line.text == "メンバー")
    font = ImageFont.truetype(str(JAPANESE_FONT_FILE), member.size)
    expected = Image.new("RGB", japanese.size, "white")
    draw = ImageDraw.Draw(expected)
    draw.text(member.xy, member.text, font=font, fill=NAVY)
    box = draw.textbbox(member.xy, member.text, font=font)
    region = expected.crop(box)
    assert region.getextrema() != ((255, 255), (255, 255), (255, 255))  # the label has ink
    assert japanese.convert("RGB").crop(box).tobytes() == region.tobytes()
    assert english.convert("RGB").crop(box).tobytes() != region.tobytes()
