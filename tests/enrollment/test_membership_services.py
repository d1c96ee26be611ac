"""Membership services beyond start/extend: lapse and revoke; the transcript include."""

import datetime

import pytest
import time_machine
from django.template.loader import render_to_string

from enrollment.enums import MembershipStatus, Program
from enrollment.errors import DomainError, InvalidTransition
from enrollment.selectors.memberships import membership_history
from enrollment.services.memberships import (
    membership_lapse,
    membership_revoke,
    membership_start,
)
from tests import factories
from verification.models import AuditEvent, OutboundEmail

D = datetime.date
NOW = datetime.datetime(2026, 5, 4, 10, 0, tzinfo=datetime.UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def program_admin():
    return factories.UserFactory(is_staff=True, is_superuser=True)


def current_year(**kwargs):
    return factories.MembershipFactory(
        starts_on=D(2025, 9, 1), anniversary_on=D(2026, 9, 1), **kwargs
    )


def test_revoke_is_audited_emailed_and_idempotent(program_admin):
    membership = current_year(trainer__first_name="Alan")
    membership_revoke(membership=membership, by=program_admin, reason="Shared exam content.")
    again = membership_revoke(membership=membership, by=program_admin, reason="Twice.")

    membership.refresh_from_db()
    assert again.status == membership.status == MembershipStatus.REVOKED
    assert membership.status_reason == "Shared exam content."
    assert membership.status_changed_at == NOW
    event = AuditEvent.objects.get(action="membership.revoked")
    assert event.actor == program_admin
    assert event.subject_user == membership.trainer.user
    assert event.before["status"] == "active"
    assert event.after["status"] == "revoked"
    assert event.note == "Shared exam content."
    email = OutboundEmail.objects.get(role="membership_revoked")
    assert email.to == membership.trainer.user.email
    assert email.subject == "Your Microsoft Certified Trainer membership has been revoked"
    assert "Hello Alan," in email.body_text
    assert "on 4 May 2026" in email.body_text
    assert "Shared exam content." in email.body_text


@pytest.mark.parametrize("reason", ["", "   "])
def test_revoke_needs_a_reason(program_admin, reason):
    membership = current_year()
    with pytest.raises(DomainError, match="reason"):
        membership_revoke(membership=membership, by=program_admin, reason=reason)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


@pytest.mark.parametrize("status", [MembershipStatus.LAPSED, MembershipStatus.ENDED])
def test_only_a_current_membership_can_be_revoked(program_admin, status):
    membership = current_year(status=status)
    with pytest.raises(InvalidTransition, match="Only a current membership"):
        membership_revoke(membership=membership, by=program_admin, reason="Misconduct.")
    assert not OutboundEmail.objects.exists()


def test_a_membership_cannot_lapse_before_its_anniversary():
    membership = current_year()
    with pytest.raises(InvalidTransition, match="cannot lapse yet"):
        membership_lapse(membership=membership)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def test_lapse_leaves_a_closed_year_alone():
    membership = factories.MembershipFactory(
        status=MembershipStatus.ENDED, starts_on=D(2025, 1, 1), anniversary_on=D(2026, 1, 1)
    )
    assert membership_lapse(membership=membership).status == MembershipStatus.ENDED
    assert not AuditEvent.objects.exists()


def test_a_lapsed_member_can_rejoin_and_the_transcript_shows_the_gap():
    trainer = factories.TrainerFactory()
    factories.MembershipFactory(
        trainer=trainer,
        status=MembershipStatus.ENDED,
        status_reason="Renewed for another year.",
        starts_on=D(2023, 3, 1),
        anniversary_on=D(2024, 3, 1),
    )
    lapsed = factories.MembershipFactory(
        trainer=trainer, starts_on=D(2024, 3, 1), anniversary_on=D(2025, 3, 1)
    )
    membership_lapse(membership=lapsed)
    membership_start(trainer=trainer, program=Program.MCT)

    html = " ".join(
        render_to_string(
            "enrollment/includes/transcript.html",
            {"memberships": membership_history(trainer=trainer)},
        ).split()
    )
    assert html.count('class="timeline__item') == 4
    assert (
        'Not a member from <time datetime="2025-03-01">1 March 2025</time> '
        'to <time datetime="2026-05-04">4 May 2026</time>'
    ) in html
    assert "Lapsed on 1 March 2025, not renewed." in html
    assert "Renewed for another year." in html
    assert 'badge--active">Active<' in html
    # Oldest first.
    assert html.index("1 March 2023") < html.index("Not a member") < html.index("4 May 2027")


def test_the_transcript_shows_a_running_gap_after_a_revocation(program_admin):
    trainer = factories.TrainerFactory()
    membership = current_year(trainer=trainer)
    membership_revoke(membership=membership, by=program_admin, reason="Misconduct.")
    html = " ".join(
        render_to_string(
            "enrollment/includes/transcript.html",
            {"memberships": membership_history(trainer=trainer)},
        ).split()
    )
    assert "Revoked on 4 May 2026: Misconduct." in html
    assert 'Not a member since <time datetime="2026-05-04">4 May 2026</time>' in html


def test_an_empty_transcript_says_so():
    trainer = factories.TrainerFactory()
    html = render_to_string(
        "enrollment/includes/transcript.html",
        {"memberships": membership_history(trainer=trainer)},
    )
    assert "No membership yet" in html
