"""Emails in the recipient's language (issue 17): written when queued, in the recipient's saved
language, else the language active then, else English; the row keeps the language."""

import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.html import strip_tags

from tests import factories
from verification.mail import email_language, mail_queue, render_email
from verification.models import OutboundEmail

pytestmark = pytest.mark.django_db

REJECTION = {
    "trainer_name": "Ana",
    "kind_label": "proof of instructional skills",
    "original_name": "ctt.pdf",
    "reason": "The certificate names someone else.",
    "profile_url": "https://portal.example/profile/",
}

# What each language's document_rejected email says, in subject, text and HTML.
REJECTED = {
    "en": ("needs another look", "A reviewer could not accept the file", "Hello Ana,"),
    "de": ("Bitte noch einmal ansehen", "konnte die Datei", "Guten Tag Ana,"),
    "ja": ("再提出をお願いします", "審査担当者により受理されませんでした", "Ana 様"),
}


@pytest.mark.parametrize("language", ["en", "de", "ja"])
def test_an_email_is_rendered_in_each_language(language):
    subject, text, html = render_email("document_rejected", REJECTION, language=language)

    subject_words, body_words, greeting = REJECTED[language]
    assert subject_words in subject
    assert greeting in text and body_words in text
    assert greeting in html and body_words in html
    assert f'<html lang="{language}">' in html
    # The shared layout's footer is translated too.
    footer = {"en": "This mailbox is not read", "de": "Postfach", "ja": "送信専用"}[language]
    assert footer in html
    # What the trainer typed or a reviewer wrote is never translated.
    assert "The certificate names someone else." in text


def test_the_recipients_saved_language_wins_over_the_active_one(mailoutbox):
    trainer = factories.TrainerFactory(language="ja")
    with translation.override("de"):
        email = mail_queue(
            role="document_rejected", to=trainer.user.email, user=trainer.user, context=REJECTION
        )
    assert email.language == "ja"
    assert "再提出をお願いします" in email.subject


def test_without_a_saved_choice_the_language_active_when_queued_is_used():
    trainer = factories.TrainerFactory(language="")
    with translation.override("de"):
        email = mail_queue(
            role="document_rejected", to=trainer.user.email, user=trainer.user, context=REJECTION
        )
    email.refresh_from_db()
    assert email.language == "de"
    assert email.subject.startswith("Bitte noch einmal ansehen")


def test_the_language_the_caller_names_comes_first():
    trainer = factories.TrainerFactory(language="ja")
    email = mail_queue(
        role="document_rejected",
        to=trainer.user.email,
        user=trainer.user,
        context=REJECTION,
        language="de",
    )
    assert email.language == "de"


def test_an_unknown_active_language_falls_back_to_english():
    with translation.override("fr"):
        assert email_language(user=None) == "en"
    assert email_language(user=None, language="de-at") == "de"


def test_rendering_leaves_the_active_language_as_it_was():
    with translation.override("de"):
        render_email("document_rejected", REJECTION, language="ja")
        assert translation.get_language() == "de"


def test_the_email_sent_by_the_worker_is_the_one_written_when_queued(
    django_capture_on_commit_callbacks, mailoutbox
):
    trainer = factories.TrainerFactory(language="ja")
    with django_capture_on_commit_callbacks(execute=True):
        mail_queue(
            role="document_rejected", to=trainer.user.email, user=trainer.user, context=REJECTION
        )
    [message] = mailoutbox
    row = OutboundEmail.objects.get()
    assert message.subject == row.subject and "再提出をお願いします" in message.subject
    assert "審査担当者により受理されませんでした" in message.body


EMAIL_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "emails"
ROLES = sorted(p.name.removesuffix("_subject.txt") for p in EMAIL_TEMPLATES.glob("*_subject.txt"))
# What may stay in Latin letters inside a Japanese email: program terms, file types, codes.
KEPT_TERMS = re.compile(
    r"https?://\S+|Microsoft Certified Trainer|MCT Portal|MCT Alumni|MCP ID|MCT|"
    r"PDF|JPEG|PNG|DOCX?|MB|EUR"
)
JAPANESE_CONTEXT = {
    "trainer_name": "佐藤",
    "path_label": "新規申請",
    "status_label": "支払い待ち",
    "kind_label": "指導スキルの証明",
    "purpose_label": "勤務先アドレス",
    "original_name": "証明書.pdf",
    "new_name": "新しい証明書.pdf",
    "reason": "別の方の証明書です。",
    "program_label": "MCT",
    "days_left": 30,
    "anniversary_on": "2027年3月5日",
    "lapsed_on": "2027年3月5日",
    "revoked_on": "2027年3月5日",
    "last_activity_on": "2027年3月5日",
    "expires_on": "2027年3月5日",
    "closed_applications": [
        {"path_label": "更新", "status_label": "支払い待ち", "was_awaiting_payment": True}
    ],
    "amount": "EUR 357.00",
    "document_number": "INV-2026-00001",
    "invoice_number": "INV-2026-00001",
    "address": "sato@example.jp",
    "mcp_id": "123456",
    "access_code": "ABCD2345",
    "code": "ABCD2345",
    "valid_days": 120,
    "max_attempts": 5,
    "instructions": "",
    **dict.fromkeys(
        ("profile_url", "help_url", "continue_url", "payment_url", "renew_url", "rejoin_url"),
        "https://portal.example/x/",
    ),
    "invoice_url": "https://portal.example/x/",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "variant",
    [
        {"is_alumni": False, "linked": False, "program": "MCT"},
        {"is_alumni": True, "linked": True, "program": "MCT Alumni", "new_name": ""},
    ],
)
def test_no_english_sentence_is_left_in_a_japanese_email(role, variant):
    """Fails on any email string without a Japanese translation: with every value in the
    context Japanese, only program terms, file types and links may remain in Latin letters."""
    subject, text, html = render_email(role, {**JAPANESE_CONTEXT, **variant}, language="ja")

    for part in (subject, text, strip_tags(html)):
        leftover = KEPT_TERMS.sub(" ", part)
        english = re.findall(r"[A-Za-z]{2,}(?:[\s,.'’:;-]+[A-Za-z]{2,}){2,}", leftover)
        assert not english, f"untranslated in {role}: {english}"
