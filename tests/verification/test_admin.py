"""The review queue in Django admin, and the read-only verification records."""

import re
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.verification import corpus
from verification.enums import DocumentKind, DocumentState, EmailState
from verification.models import Document, OutboundEmail

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:verification_document_changelist")
TODAY = timezone.localdate()


def review_url(document):
    return reverse("admin:verification_document_change", args=[document.pk])


def queued(days_due: int, **kwargs):
    return factories.StoredDocumentFactory(
        due_on=TODAY + timedelta(days=days_due), state=DocumentState.QUEUED, **kwargs
    )


def listed_names(response) -> list[str]:
    return re.findall(
        r'<th class="field-file_name"><a href="[^"]+">([^<]+)</a>', response.content.decode()
    )


@pytest.fixture
def reviewer():
    return factories.ReviewerFactory(first_name="Rita", last_name="Reviewer")


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def admin_client_():
    client = Client()
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_migration_creates_the_groups_with_the_least_permissions():
    reviewers = Group.objects.get(name="Reviewers")
    assert sorted(reviewers.permissions.values_list("codename", flat=True)) == [
        "change_document",
        "view_document",
    ]
    assert not Group.objects.get(name="Support").permissions.exists()


def test_the_queue_lists_waiting_documents_oldest_due_first_with_a_dashboard(
    reviewer_client, reviewer
):
    later = queued(3, original_name="later.pdf")
    overdue = queued(-2, original_name="overdue.pdf")
    soon = queued(1, original_name="soon.pdf")
    factories.StoredDocumentFactory(
        original_name="done.pdf",
        state=DocumentState.APPROVED,
        decided_at=timezone.now(),
        reviewer=reviewer,
    )
    factories.StoredDocumentFactory(original_name="checking.pdf", state=DocumentState.CHECKING)

    response = reviewer_client.get(CHANGELIST)

    assert response.status_code == 200
    assert listed_names(response) == [
        overdue.original_name,
        soon.original_name,
        later.original_name,
    ]
    page = response.content.decode()
    assert re.search(r'data-count="pending">3<', page)
    assert re.search(r'data-count="overdue">1<', page)
    assert re.search(r'data-count="decided_today">1<', page)
    assert "overdue</strong>" in page
    # What the queue needs, no more: the trainer's name, not their email.
    assert overdue.owner.get_full_name() in page and overdue.owner.email not in page


def test_filters_by_state_type_and_overdue(reviewer_client, reviewer):
    queued(-1, original_name="late.pdf")
    queued(2, original_name="summary.pdf", kind=DocumentKind.TRAINING_SUMMARY)
    factories.StoredDocumentFactory(
        original_name="rejected.pdf",
        state=DocumentState.REJECTED,
        decided_at=timezone.now(),
        decision_reason="Wrong person",
        reviewer=reviewer,
    )
    factories.StoredDocumentFactory(original_name="refused.pdf", state=DocumentState.REFUSED)

    def names(query):
        return sorted(listed_names(reviewer_client.get(f"{CHANGELIST}?{query}")))

    assert names("overdue=yes") == ["late.pdf"]
    assert names("overdue=no") == ["summary.pdf"]
    assert names("kind=training_summary") == ["summary.pdf"]
    assert names("state=rejected") == ["rejected.pdf"]
    # Reviewers never see files the check refused or is still checking.
    assert names("state=all") == ["late.pdf", "rejected.pdf", "summary.pdf"]


def test_the_queue_runs_the_same_queries_for_1_and_20_documents(
    reviewer_client, django_assert_max_num_queries
):
    queued(1)
    reviewer_client.get(CHANGELIST)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as one:
        reviewer_client.get(CHANGELIST)
    for days in range(19):
        queued(days)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = reviewer_client.get(CHANGELIST)
    assert len(listed_names(response)) == 20


def test_the_review_page_shows_preview_details_and_decision_buttons(reviewer_client):
    document = queued(
        2,
        original_name="CTT certificate.pdf",
        details={"Credential type": "CompTIA CTT+", "Date of certification": "2025-05-01"},
    )
    document.preview.save("preview", ContentFile(corpus.png_bytes()), save=True)

    page = reviewer_client.get(review_url(document)).content.decode()

    preview = reverse("verification:document_preview", args=[document.public_id])
    download = reverse("verification:document_download", args=[document.public_id])
    assert f'<img class="review__image" src="{preview}"' in page
    assert f'href="{download}"' in page
    for text in ("CTT certificate.pdf", "CompTIA CTT+", "2025-05-01", "Credential type"):
        assert text in page
    # The trainer's name is what the decision needs; their contact details are not.
    assert document.owner.get_full_name() in page and document.owner.email not in page
    assert 'value="approve-next"' in page and 'value="reject"' in page


def test_a_document_whose_rendering_failed_says_why_and_offers_the_download(reviewer_client):
    document = queued(2, original_name="transcript.docx")
    document.render_state = "failed"
    document.render_note = "This document could not be read. Download the original to read it."
    document.save()
    page = reviewer_client.get(review_url(document)).content.decode()
    assert "This document could not be read. Download the original to read it." in page
    download = reverse("verification:document_download", args=[document.public_id])
    assert f'href="{download}"' in page


def test_approve_and_next_decides_and_opens_the_next_oldest_due(
    reviewer_client, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    first = queued(1)
    third = queued(5)
    second = queued(2)

    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(review_url(first), {"decision": "approve-next"})

    assert response.status_code == 302 and response["Location"] == review_url(second)
    first.refresh_from_db()
    assert first.state == DocumentState.APPROVED and first.reviewer == reviewer
    assert first.file.name == ""  # retention: deleted once decided
    assert mailoutbox[0].subject == "Your proof of instructional skills is approved"
    assert third.pk != second.pk


def test_the_last_document_sends_the_reviewer_back_to_an_empty_queue(reviewer_client):
    only = queued(1)
    response = reviewer_client.post(review_url(only), {"decision": "approve-next"}, follow=True)
    assert response.redirect_chain[-1][0] == CHANGELIST
    assert "The queue is empty" in response.content.decode()


def test_rejecting_without_a_reason_is_refused_with_a_message(reviewer_client):
    document = queued(1)

    response = reviewer_client.post(review_url(document), {"decision": "reject", "reason": " "})

    assert response.status_code == 200
    assert "Give a reason for the rejection" in response.content.decode()
    document.refresh_from_db()
    assert document.state == DocumentState.QUEUED


def test_rejecting_with_a_reason_emails_it_to_the_trainer(
    reviewer_client, mailoutbox, django_capture_on_commit_callbacks
):
    document = queued(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(
            review_url(document), {"decision": "reject", "reason": "The name does not match."}
        )
    assert response["Location"] == CHANGELIST
    document.refresh_from_db()
    assert document.state == DocumentState.REJECTED
    assert document.decision_reason == "The name does not match."
    assert "The name does not match." in mailoutbox[0].body


def test_a_decided_document_offers_no_decision(reviewer_client, reviewer):
    document = factories.StoredDocumentFactory(
        state=DocumentState.APPROVED, decided_at=timezone.now(), reviewer=reviewer
    )
    page = reviewer_client.get(review_url(document)).content.decode()
    assert 'name="decision"' not in page
    response = reviewer_client.post(
        review_url(document), {"decision": "reject", "reason": "x"}, follow=True
    )
    assert "already approved" in response.content.decode()
    document.refresh_from_db()
    assert document.state == DocumentState.APPROVED


def test_reviewers_cannot_edit_add_or_delete(reviewer_client):
    document = queued(1, original_name="certificate.pdf")

    reviewer_client.post(review_url(document), {"original_name": "edited.pdf", "state": "approved"})
    document.refresh_from_db()
    assert document.original_name == "certificate.pdf" and document.state == DocumentState.QUEUED
    assert reviewer_client.get(reverse("admin:verification_document_add")).status_code == 403
    delete = reverse("admin:verification_document_delete", args=[document.pk])
    assert reviewer_client.get(delete).status_code == 403
    page = reviewer_client.get(CHANGELIST).content.decode()
    assert "delete_selected" not in page and "approve_selected" in page


def test_bulk_approve(reviewer_client, mailoutbox, django_capture_on_commit_callbacks):
    documents = [queued(days) for days in (1, 2, 3)]
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(
            CHANGELIST,
            {"action": "approve_selected", ACTION_CHECKBOX_NAME: [d.pk for d in documents[:2]]},
            follow=True,
        )
    assert "Approved 2 documents" in response.content.decode()
    states = dict(Document.objects.values_list("pk", "state"))
    assert [states[d.pk] for d in documents] == ["approved", "approved", "queued"]
    assert len(mailoutbox) == 2


def test_bulk_reject_asks_for_a_reason_first(
    reviewer_client, mailoutbox, django_capture_on_commit_callbacks
):
    documents = [queued(days) for days in (1, 2)]
    selected = {"action": "reject_selected", ACTION_CHECKBOX_NAME: [d.pk for d in documents]}

    page = reviewer_client.post(CHANGELIST, selected)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Reject the selected documents" in html
    assert 'value="Reject 2 documents"' in html
    for document in documents:
        assert document.original_name in html
        assert f'name="{ACTION_CHECKBOX_NAME}" value="{document.pk}"' in html
    assert set(Document.objects.values_list("state", flat=True)) == {"queued"}

    blank = reviewer_client.post(CHANGELIST, {**selected, "apply": "1", "reason": ""})
    assert "Give a reason" in blank.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        done = reviewer_client.post(
            CHANGELIST,
            {**selected, "apply": "1", "reason": "Not a teaching credential."},
            follow=True,
        )
    assert "Rejected 2 documents" in done.content.decode()
    assert set(Document.objects.values_list("decision_reason", flat=True)) == {
        "Not a teaching credential."
    }
    assert len(mailoutbox) == 2


def test_reviewers_see_only_the_queue_in_admin(reviewer_client):
    index = reviewer_client.get(reverse("admin:index")).content.decode()
    assert "Documents" in index
    model_pages = set(re.findall(r'href="(/admin/\w+/\w+/)"', index))
    assert model_pages == {CHANGELIST}
    for model in ("outboundemail", "passcode", "auditevent"):
        url = reverse(f"admin:verification_{model}_changelist")
        assert url not in index
        assert reviewer_client.get(url).status_code == 403


def test_support_staff_cannot_reach_the_queue(client):
    client.force_login(factories.SupportFactory(is_staff=True))
    assert client.get(CHANGELIST).status_code == 403


def test_outbound_email_admin_lists_searches_and_retries(
    admin_client_, mailoutbox, django_capture_on_commit_callbacks
):
    failed = factories.OutboundEmailFactory(to="ana@example.org", state=EmailState.FAILED)
    factories.OutboundEmailFactory(to="bob@example.org", state=EmailState.SENT)
    url = reverse("admin:verification_outboundemail_changelist")

    assert "ana@example.org" in admin_client_.get(f"{url}?q=ana").content.decode()
    assert "bob@example.org" not in admin_client_.get(f"{url}?q=ana").content.decode()
    assert "bob@example.org" not in admin_client_.get(f"{url}?state=failed").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(
            url, {"action": "retry_selected", ACTION_CHECKBOX_NAME: [failed.pk]}, follow=True
        )
    assert "Queued 1 email(s) again" in response.content.decode()
    failed.refresh_from_db()
    assert failed.state == EmailState.SENT and mailoutbox[0].to == ["ana@example.org"]

    change = admin_client_.get(reverse("admin:verification_outboundemail_change", args=[failed.pk]))
    assert 'name="body_text"' not in change.content.decode()  # read-only


def test_passcode_admin_never_shows_the_hash(admin_client_, django_capture_on_commit_callbacks):
    from verification.passcodes import passcode_issue

    with django_capture_on_commit_callbacks(execute=True):
        passcode = passcode_issue(
            user=factories.UserFactory(), address="ana@microsoft.com", purpose="microsoft_alias"
        )
    for url in (
        reverse("admin:verification_passcode_changelist"),
        reverse("admin:verification_passcode_change", args=[passcode.pk]),
    ):
        page = admin_client_.get(url).content.decode()
        assert "ana@microsoft.com" in page and passcode.code_hash not in page
    assert OutboundEmail.objects.get().role == "passcode"


def test_audit_events_are_for_superusers(admin_client_, reviewer_client, reviewer):
    document = queued(1)
    url = reverse("admin:verification_auditevent_changelist")
    from verification.services import document_decide

    document_decide(document=document, by=reviewer, approve=True)
    assert "document.approved" in admin_client_.get(url).content.decode()
    assert reviewer_client.get(url).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_role_groups_come_back_after_a_flush():
    """A flush (as between transactional tests, or a restore) empties what the data migration
    made; post_migrate puts the groups and the reviewers' permissions back."""
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    reviewers = Group.objects.get(name="Reviewers")
    assert sorted(reviewers.permissions.values_list("codename", flat=True)) == [
        "change_document",
        "view_document",
    ]
    assert Group.objects.filter(name="Support").exists()


def test_a_file_the_check_refused_offers_no_download_even_to_a_superuser(admin_client_):
    refused = factories.StoredDocumentFactory(
        state=DocumentState.REFUSED, refusal_reason="This PDF contains scripts."
    )
    page = admin_client_.get(review_url(refused)).content.decode()

    assert "This PDF contains scripts." in page
    assert reverse("verification:document_download", args=[refused.public_id]) not in page
    assert 'name="decision"' not in page
