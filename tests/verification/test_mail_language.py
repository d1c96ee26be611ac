"""Emails in the recipient's language (issue 17): written when queued, in the recipient's saved
language, else the language active then, else English; the row keeps the language."""

import pytest
from django.utils import translation

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
