"""Support's queue of account-deletion requests: staff only, confirm erases, refuse needs a
reason (docs/personal-data.md)."""

import pytest
from django.urls import reverse

from enrollment.enums import ErasureState
from enrollment.models import ErasureRequest, Trainer
from enrollment.services.personal_data import erasure_request
from enrollment.support.selectors import trainer_search
from tests import factories
from verification.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting():
    trainer = factories.TrainerFactory(
        first_name="Philippa", last_name="Wrenfield", email="philippa.w@example.org"
    )
    request, _created = erasure_request(trainer=trainer, by=trainer.user)
    return request


@pytest.fixture
def support_client(client):
    client.force_login(factories.SupportFactory())
    return client


def test_trainers_and_reviewers_are_refused(client, waiting):
    urls = [
        ("get", reverse("support:erasure_requests")),
        ("post", reverse("support:erasure_confirm", args=[waiting.pk])),
        ("post", reverse("support:erasure_refuse", args=[waiting.pk])),
    ]
    for user in (waiting.trainer.user, factories.ReviewerFactory()):
        client.force_login(user)
        for method, url in urls:
            assert getattr(client, method)(url).status_code == 403, (user, url)
    client.logout()
    assert client.get(urls[0][1]).status_code == 302
    waiting.refresh_from_db()
    assert waiting.state == ErasureState.REQUESTED


def test_support_sees_the_request_and_confirming_erases(
    support_client, waiting, django_capture_on_commit_callbacks
):
    page = support_client.get(reverse("support:erasure_requests")).content.decode()
    assert "Wrenfield" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = support_client.post(
            reverse("support:erasure_confirm", args=[waiting.pk]), {"note": "Checked."}
        )

    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.state == ErasureState.ERASED
    assert Trainer.objects.get(pk=waiting.trainer_id).last_name == ""
    assert not trainer_search(query="Philippa Wrenfield").hits
    assert not trainer_search(query="philippa.w@example.org").hits
    page = support_client.get(reverse("support:erasure_requests")).content.decode()
    assert "Wrenfield" not in page


def test_refusing_needs_a_reason_and_changes_nothing(support_client, waiting):
    support_client.post(reverse("support:erasure_refuse", args=[waiting.pk]), {"reason": ""})
    waiting.refresh_from_db()
    assert waiting.state == ErasureState.REQUESTED

    support_client.post(
        reverse("support:erasure_refuse", args=[waiting.pk]), {"reason": "Invoice unpaid."}
    )

    waiting.refresh_from_db()
    assert waiting.state == ErasureState.REFUSED
    assert Trainer.objects.get(pk=waiting.trainer_id).last_name == "Wrenfield"
    assert AuditEvent.objects.filter(action="erasure.refused", note="Invoice unpaid.").exists()
    # A refused request cannot then be confirmed.
    response = support_client.post(reverse("support:erasure_confirm", args=[waiting.pk]))
    assert response.status_code == 302
    assert ErasureRequest.objects.get(pk=waiting.pk).state == ErasureState.REFUSED
