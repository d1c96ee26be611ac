"""What enrollment tells the review page: the application, the trainer's qualifying
certifications and what they declared, each once."""

import datetime

import pytest
from django.urls import reverse

from enrollment.enums import ApplicationPath, ApplicationStatus
from tests import factories
from verification.enums import DocumentState

pytestmark = pytest.mark.django_db


def test_the_review_page_shows_the_application_and_the_certifications_once(client):
    trainer = factories.TrainerFactory(user__first_name="Nadia", user__last_name="Newman")
    mcp = factories.McpIdFactory(trainer=trainer, is_primary=True)
    earned = factories.EarnedCertificationFactory(mcp_id=mcp)
    credential = factories.CredentialTypeFactory(name="CompTIA CTT+")
    application = factories.ApplicationFactory(
        trainer=trainer, path=ApplicationPath.REJOIN, status=ApplicationStatus.IN_REVIEW
    )
    document = factories.DocumentFactory(
        owner=trainer.user,
        state=DocumentState.QUEUED,
        details={
            "Application": application.get_path_display(),
            "Trainer": trainer.full_name,
            "Credential type": "CompTIA CTT+",
            "Date of certification": "3 March 2026",
        },
    )
    factories.EvidenceFactory(
        application=application,
        document=document,
        credential_type=credential,
        certified_on=datetime.date(2026, 3, 3),
    )
    client.force_login(factories.ReviewerFactory())
    page = client.get(reverse("admin:verification_document_change", args=[document.pk]))
    text = page.content.decode()

    assert '<th scope="row">Application state</th><td>In review</td>' in text
    assert text.count(application.get_path_display()) == 1
    assert text.count("CompTIA CTT+") == 1
    assert text.count("3 March 2026") == 1
    assert earned.certification.name in text
    assert text.count(">Nadia Newman<") == 1
