"""The review queue as reviewers work it: its title and columns, the review page's context
(shown once), Approve first, keyboard shortcuts from a static script, staff sign-in."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from verification import review_context
from verification.enums import DocumentState
from verification.review_context import ReviewFacts, register_review_context

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:verification_document_changelist")
TODAY = timezone.localdate()


def review_url(document):
    return reverse("admin:verification_document_change", args=[document.pk])


@pytest.fixture
def reviewer_client(client):
    client.force_login(factories.ReviewerFactory())
    return client


def test_the_queue_is_called_review_queue_and_shows_what_a_row_needs(reviewer_client):
    factories.DocumentFactory(
        state=DocumentState.QUEUED,
        due_on=TODAY + timedelta(days=3),
        original_name="later.pdf",
        details={"Application": "Renew MCT"},
    )
    overdue = factories.DocumentFactory(
        state=DocumentState.QUEUED,
        due_on=TODAY - timedelta(days=2),
        original_name="overdue.pdf",
        details={"Application": "Enroll as a new MCT"},
    )
    page = reviewer_client.get(CHANGELIST).content.decode()

    assert "<title>Review queue" in page and "<h1>Review queue</h1>" in page
    assert "Select document to change" not in page
    for column in ("Trainer", "Path", "Kind", "Waiting", "Due"):
        assert f">{column}</a>" in page or f">{column}</span>" in page
    names = re.findall(r'<th class="field-file_name"><a href="[^"]+">([^<]+)</a>', page)
    assert names == ["overdue.pdf", "later.pdf"]
    assert "Enroll as a new MCT" in page and "Renew MCT" in page
    assert overdue.owner.get_full_name() in page


def test_the_review_page_puts_approve_first_and_shows_its_shortcuts(reviewer_client):
    document = factories.DocumentFactory(state=DocumentState.QUEUED, due_on=TODAY)
    following = factories.DocumentFactory(state=DocumentState.QUEUED, due_on=TODAY)
    page = reviewer_client.get(review_url(document)).content.decode()

    buttons = re.findall(r'<button type="submit" name="decision" value="([^"]+)"', page)
    assert buttons[0] == "approve-next"
    assert 'value="approve-next" class="default"' in page
    assert "Keyboard shortcuts:" in page and "<kbd>A</kbd> approve and go to the next" in page
    assert f'href="{review_url(following)}" data-shortcut="next"' in page
    # Scripts come from the portal's static files only: the CSP forbids inline script.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert "verification/admin/review.js" in page


def test_the_context_of_a_provider_is_shown_once_instead_of_the_raw_details(reviewer_client):
    document = factories.DocumentFactory(
        state=DocumentState.QUEUED,
        due_on=TODAY,
        details={"Application": "Enroll as a new MCT", "Credential type": "CompTIA CTT+"},
    )

    def provider(shown):
        if shown.pk != document.pk:
            return []
        return [ReviewFacts(title="From the test", rows=[("Credential type", "CompTIA CTT+")])]

    register_review_context(provider, replaces_details=("Credential type",))
    try:
        page = reviewer_client.get(review_url(document)).content.decode()
    finally:
        review_context._providers[:] = [
            p for p in review_context._providers if p[0] is not provider
        ]

    assert "From the test" in page
    assert page.count("CompTIA CTT+") == 1
    assert "Enroll as a new MCT" in page


def test_earlier_decisions_on_the_trainers_documents_are_listed(reviewer_client):
    document = factories.DocumentFactory(state=DocumentState.QUEUED, due_on=TODAY)
    factories.DocumentFactory(
        owner=document.owner,
        state=DocumentState.REJECTED,
        decided_at=timezone.now() - timedelta(days=30),
        decision_reason="The scan was unreadable",
    )
    factories.DocumentFactory(
        state=DocumentState.REJECTED,
        decided_at=timezone.now(),
        decision_reason="Someone else's document",
    )
    page = reviewer_client.get(review_url(document)).content.decode()

    assert "Earlier decisions on this trainer" in page
    assert "Rejected: The scan was unreadable" in page
    assert "Someone else" not in page


def test_the_admin_sign_in_sends_staff_to_the_portals_sign_in(client):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=%2Fadmin%2Fverification%2Fdocument%2F" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert 'type="email"' in page


def test_a_signed_in_trainer_is_refused_the_admin_not_looped(client):
    client.force_login(factories.UserFactory())
    response = client.get(reverse("admin:login"), follow=False)
    assert response.status_code == 403


def test_the_admin_sign_in_does_not_redirect_elsewhere(client):
    response = client.get(reverse("admin:login") + "?next=https://evil.example/")
    assert "evil.example" not in response["Location"]
