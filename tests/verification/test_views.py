"""Files are served only through the authorising views; everyone else gets 404."""

import uuid

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests import factories
from tests.verification import corpus
from verification.enums import DocumentState
from verification.models import AuditEvent
from verification.services import document_purge_file

pytestmark = pytest.mark.django_db

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def document():
    document = factories.StoredDocumentFactory(original_name="CTT+ certificate.pdf")
    document.preview.save("preview", ContentFile(corpus.png_bytes()), save=True)
    return document


def download_url(document):
    return reverse("verification:document_download", args=[document.public_id])


def preview_url(document):
    return reverse("verification:document_preview", args=[document.public_id])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_owner_downloads_their_file_as_an_attachment(client, document):
    client.force_login(document.owner)
    response = client.get(download_url(document))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="CTT+ certificate.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    assert "sandbox" in response["Content-Security-Policy"]
    assert body(response) == corpus.pdf_bytes()
    assert not AuditEvent.objects.filter(action="document.downloaded").exists()


def test_the_owner_sees_the_preview_in_place(client, document):
    client.force_login(document.owner)
    response = client.get(preview_url(document))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert body(response).startswith(PNG_SIGNATURE)


def test_a_reviewer_downloads_and_the_download_is_audited(client, document):
    reviewer = factories.ReviewerFactory()
    client.force_login(reviewer)

    assert client.get(download_url(document)).status_code == 200
    assert client.get(preview_url(document)).status_code == 200
    event = AuditEvent.objects.get(action="document.downloaded")
    assert event.actor == reviewer and event.subject_user == document.owner


@pytest.mark.parametrize(
    "who", ["other trainer", "support", "staff without the queue", "reviewer not staff"]
)
def test_anyone_else_gets_404_for_file_and_preview(client, document, who):
    stranger = {
        "other trainer": factories.UserFactory,
        "support": factories.SupportFactory,
        "staff without the queue": lambda: factories.UserFactory(is_staff=True),
        "reviewer not staff": lambda: factories.ReviewerFactory(is_staff=False),
    }[who]()
    client.force_login(stranger)

    for url in (download_url(document), preview_url(document)):
        response = client.get(url)
        assert response.status_code == 404
        assert b"%PDF" not in response.content and PNG_SIGNATURE not in response.content


@pytest.mark.parametrize(
    "state", [DocumentState.RECEIVED, DocumentState.CHECKING, DocumentState.REFUSED]
)
def test_reviewers_never_get_a_file_the_check_has_not_passed(client, document, state):
    document.state = state
    document.save(update_fields=["state"])
    for reviewer in (
        factories.ReviewerFactory(),
        factories.UserFactory(is_staff=True, is_superuser=True),
    ):
        client.force_login(reviewer)
        for url in (download_url(document), preview_url(document)):
            response = client.get(url)
            assert response.status_code == 404
            assert b"%PDF" not in response.content and PNG_SIGNATURE not in response.content
    # The trainer who sent it still may.
    client.force_login(document.owner)
    assert body(client.get(download_url(document))) == corpus.pdf_bytes()
    assert not AuditEvent.objects.filter(action="document.downloaded").exists()


def test_an_unknown_file_is_404_like_someone_elses(client, document):
    client.force_login(document.owner)
    document.public_id = uuid.uuid4()
    assert client.get(download_url(document)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, document):
    response = client.get(download_url(document))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_purged_file_is_gone_with_a_clear_page(client, document):
    document.state = DocumentState.APPROVED
    document.decided_at = document.created_at
    document.save()
    document_purge_file(document_id=document.pk)
    client.force_login(document.owner)

    for url in (download_url(document), preview_url(document)):
        response = client.get(url)
        assert response.status_code == 410
        assert "This file has been deleted" in response.content.decode()


def test_only_get_is_allowed(client, document):
    client.force_login(document.owner)
    assert client.post(download_url(document)).status_code == 405


def test_a_reviewer_cannot_open_support_pages(client):
    trainer = factories.TrainerFactory(
        first_name="Zelda", last_name="Quist", email="zelda.quist@example.org"
    )
    other = factories.TrainerFactory()
    client.force_login(factories.ReviewerFactory())
    person = {"trainer_id": trainer.pk}
    pages = [
        reverse("support:search") + "?q=Quist",
        reverse("support:person", kwargs=person),
        reverse("support:registration", kwargs=person),
        reverse("support:merge_start", kwargs=person),
        reverse("support:merge", kwargs={**person, "absorb_id": other.pk}),
    ]
    changes = [
        reverse("support:registration", kwargs=person),
        reverse("support:mcp_id_generate", kwargs=person),
        reverse("support:mcp_id_link", kwargs=person),
    ]

    responses = [client.get(url) for url in pages] + [client.post(url) for url in changes]

    for response in responses:
        page = response.content.decode()
        assert response.status_code == 403
        assert "You cannot open this page" in page
        assert "Quist" not in page and "zelda.quist@example.org" not in page
    trainer.refresh_from_db()
    assert trainer.last_name == "Quist" and not trainer.mcp_ids.exists()
