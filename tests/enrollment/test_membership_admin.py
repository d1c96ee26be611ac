"""The admin's revoke action: an intermediate page asks for the reason, then revokes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment.enums import MembershipStatus
from tests import factories
from verification.models import AuditEvent, OutboundEmail

D = datetime.date

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


def changelist():
    return reverse("admin:enrollment_membership_changelist")


def current_year(**kwargs):
    today = timezone.localdate()
    return factories.MembershipFactory(
        starts_on=today - datetime.timedelta(days=100),
        anniversary_on=today + datetime.timedelta(days=265),
        **kwargs,
    )


def test_revoke_asks_for_the_reason_first(admin_client):
    membership = current_year(trainer__last_name="Lovelace")
    response = admin_client.post(
        changelist(), {"action": "revoke_selected", "_selected_action": [membership.pk]}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Revoke memberships" in html
    assert "Lovelace" in html
    assert 'name="reason"' in html
    assert f'name="_selected_action" value="{membership.pk}"' in html
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def test_revoke_without_a_reason_shows_the_page_again(admin_client):
    membership = current_year()
    response = admin_client.post(
        changelist(),
        {
            "action": "revoke_selected",
            "_selected_action": [membership.pk],
            "apply": "Revoke",
            "reason": "",
        },
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def test_revoke_with_a_reason_revokes_audits_emails_and_shows_on_the_verify_page(
    admin_client, client
):
    membership = current_year()
    lapsed = factories.MembershipFactory(
        status=MembershipStatus.LAPSED, starts_on=D(2023, 1, 1), anniversary_on=D(2024, 1, 1)
    )
    response = admin_client.post(
        changelist(),
        {
            "action": "revoke_selected",
            "_selected_action": [membership.pk, lapsed.pk],
            "apply": "Revoke",
            "reason": "Certification obtained by fraud.",
        },
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Revoked 1 membership(s); each trainer was emailed." in html
    assert "Only a current membership can be revoked" in html

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.REVOKED
    assert membership.status_reason == "Certification obtained by fraud."
    assert AuditEvent.objects.filter(action="membership.revoked").count() == 1
    assert OutboundEmail.objects.filter(role="membership_revoked").count() == 1

    page = client.get(reverse("verify", args=[membership.trainer.verification_code]))
    assert "This membership was revoked on" in page.content.decode()


def test_status_cannot_be_edited_by_hand(admin_client):
    membership = current_year()
    response = admin_client.get(reverse("admin:enrollment_membership_change", args=[membership.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="status"' not in html
    assert 'name="reminders_sent"' not in html
