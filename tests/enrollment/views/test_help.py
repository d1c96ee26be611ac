"""The help page and the feedback form, over plain HTTP (no JavaScript) (issue 9)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from enrollment.models import Feedback

pytestmark = pytest.mark.django_db

HELP_URL = reverse("help")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_the_help_page_says_what_to_have_ready_and_links_the_program(client, settings):
    settings.SUPPORT_EMAIL = ""
    settings.SUPPORT_PHONE = ""
    text = client.get(HELP_URL).content.decode()
    for thing in ("MTM ID", "partner ID", "credential file", "qualifying certification"):
        assert thing in text
    assert f'href="{settings.PROGRAM_HOME_URL}"' in text
    assert f'href="{settings.PROGRAM_GUIDE_URL}"' in text
    for path in (
        "Enroll as a new MCT",
        "Renew your MCT membership",
        "MCT Alumni",
        "Upgrade from Alumni",
        "Rejoin the MCT program",
    ):
        assert path in text
    assert "mailto:" not in text and "tel:" not in text


def test_support_contact_shows_only_what_is_set(client, settings):
    settings.SUPPORT_EMAIL = "mct@example.org"
    settings.SUPPORT_PHONE = ""
    text = client.get(HELP_URL).content.decode()
    assert 'href="mailto:mct@example.org"' in text and "tel:" not in text
    settings.SUPPORT_PHONE = "1-888-456-7077"
    assert 'href="tel:1-888-456-7077"' in client.get(HELP_URL).content.decode()


def test_every_page_links_to_help(client):
    for url in (reverse("home"), reverse("account_login")):
        assert f'href="{HELP_URL}"' in client.get(url).content.decode()


def test_anonymous_feedback_is_stored(client):
    response = client.post(
        HELP_URL,
        {
            "topic": "portal",
            "message": "The stepper is lovely.",
            "name": "Grace",
            "email": "grace@example.org",
        },
        follow=True,
    )
    assert "your message has reached the support team" in response.content.decode()
    feedback = Feedback.objects.get()
    assert (feedback.user, feedback.name, feedback.email, feedback.topic) == (
        None,
        "Grace",
        "grace@example.org",
        "portal",
    )


def test_signed_in_feedback_knows_the_sender(trainer_client, trainer):
    page = trainer_client.get(HELP_URL)
    assert "name" not in page.context["form"].fields
    trainer_client.post(HELP_URL, {"topic": "mcp_id", "message": "My code is lost."})
    feedback = Feedback.objects.get()
    assert feedback.user == trainer.user and feedback.email == trainer.user.email


def test_bad_feedback_shows_why_and_stores_nothing(client):
    response = client.post(HELP_URL, {"topic": "", "message": ""})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Choose a topic." in text and "Write your message." in text
    assert not Feedback.objects.exists()


def test_feedback_is_rate_limited(client, settings):
    settings.FEEDBACK_RATE_LIMIT = "2/h"
    for _ in range(2):
        client.post(HELP_URL, {"topic": "other", "message": "Hello there"})
    response = client.post(HELP_URL, {"topic": "other", "message": "Hello again"})
    assert response.status_code == 429
    assert "Wait an hour" in response.content.decode()
    assert Feedback.objects.count() == 2


def test_support_lists_feedback_and_marks_it_handled(client, support_user):
    client.post(HELP_URL, {"topic": "other", "message": "Where is my certificate?"})
    feedback = Feedback.objects.get()
    client.force_login(support_user)
    assert "Where is my certificate?" in client.get(reverse("support:inbox")).content.decode()
    client.post(reverse("support:feedback_handled", args=[feedback.pk]))
    client.post(reverse("support:feedback_handled", args=[feedback.pk]))  # double click
    feedback.refresh_from_db()
    assert feedback.handled_by == support_user and feedback.handled_at
    assert "Where is my certificate?" not in client.get(reverse("support:inbox")).content.decode()
    handled = client.get(reverse("support:inbox") + "?show=handled").content.decode()
    assert "Where is my certificate?" in handled and "Handled" in handled


def test_a_trainer_cannot_mark_feedback_handled(trainer_client):
    feedback = Feedback.objects.create(message="x" * 10)
    assert (
        trainer_client.post(reverse("support:feedback_handled", args=[feedback.pk])).status_code
        == 403
    )
    feedback.refresh_from_db()
    assert feedback.handled_at is None
