"""Membership services beyond start/extend: lapse and revoke; the transcript include."""

import datetime

import pytest
import time_machine
from django.template.loader import render_to_string

from enrollment.enums import (
    MEMBERSHIP_OPEN,
    ApplicationPath,
    ApplicationStatus,
    MembershipStatus,
    PaymentStatus,
    Program,
)
from enrollment.errors import DomainError, InvalidTransition
from enrollment.models import Membership, Payment
from enrollment.selectors.memberships import membership_history
from enrollment.services.membership_ends import membership_lapse, membership_revoke
from enrollment.services.memberships import membership_extend, membership_start
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


# --- A lapse while a renewal is still open -----------------------------------------------

GOOD_CARD = {"card_number": "4242424242424242", "expiry": D(2030, 1, 1), "cvc": "123"}


def due_today(**kwargs):
    """A year whose anniversary is today (NOW): it lapses at the next run of the task."""
    return factories.MembershipFactory(
        starts_on=D(2025, 5, 4), anniversary_on=D(2026, 5, 4), **kwargs
    )


def awaiting_renewal(trainer, path=ApplicationPath.RENEW):
    return factories.ApplicationFactory(
        trainer=trainer,
        path=path,
        status=ApplicationStatus.AWAITING_PAYMENT,
        submitted_at=NOW,
    )


def test_a_lapse_cancels_a_renewal_awaiting_payment_and_its_invoice_cannot_be_paid():
    from enrollment.services.payments import payment_confirm, payment_start
    from enrollment.tasks import lapse_memberships

    factories.FeeFactory(currency="USD")
    membership = due_today(trainer__first_name="Ada")
    trainer = membership.trainer
    renewal = awaiting_renewal(trainer)
    with time_machine.travel(NOW - datetime.timedelta(days=1), tick=False):
        # The day before the anniversary: an invoice is asked for but not paid in time.
        invoice = payment_start(
            application=renewal, currency="USD", provider="invoice", by=trainer.user
        )
    assert invoice.status == PaymentStatus.PENDING

    assert lapse_memberships.delay().get() == 1

    membership.refresh_from_db()
    renewal.refresh_from_db()
    invoice.refresh_from_db()
    assert membership.status == MembershipStatus.LAPSED
    assert renewal.status == ApplicationStatus.PAYMENT_CANCELLED
    assert invoice.status == PaymentStatus.CANCELLED
    assert AuditEvent.objects.filter(
        action="application.payment_cancelled",
        object_id=str(renewal.pk),
        note__contains="membership lapsed on 2026-05-04",
    ).exists()
    # One email tells the whole story: the lapse, the closed renewal, the way back.
    lapsed = OutboundEmail.objects.get(role="membership_lapsed")
    text = " ".join(lapsed.body_text.split())
    assert (
        'Your application "Renew MCT membership" (awaiting payment) has been closed with it' in text
    )
    assert "Its payment has been cancelled and will not be taken." in text
    assert "/apply/rejoin/profile/" in text
    assert "payment has been cancelled" in " ".join(lapsed.body_html.split())
    assert not OutboundEmail.objects.filter(role="application_payment_cancelled").exists()

    # Nothing can revive the renewal: not the invoice, not a card, not a second run.
    with pytest.raises(InvalidTransition, match="cancelled and cannot be marked paid"):
        payment_confirm(payment=invoice, reference="BANK-1", by=None)
    with pytest.raises(InvalidTransition, match="Only an application awaiting payment"):
        payment_start(
            application=renewal,
            currency="USD",
            provider="test_card",
            by=trainer.user,
            details=GOOD_CARD,
        )
    assert lapse_memberships.delay().get() == 0
    assert not Membership.objects.filter(trainer=trainer, status__in=MEMBERSHIP_OPEN).exists()
    assert OutboundEmail.objects.filter(role="membership_lapsed").count() == 1


@pytest.mark.parametrize(
    ("program", "path", "status"),
    [
        (Program.MCT, ApplicationPath.RENEW, ApplicationStatus.DRAFT),
        (Program.MCT, ApplicationPath.RENEW, ApplicationStatus.IN_REVIEW),
        (Program.MCT, ApplicationPath.RENEW, ApplicationStatus.READY),
        (Program.ALUMNI, ApplicationPath.ALUMNI_RENEW, ApplicationStatus.ACTION_REQUIRED),
        (Program.ALUMNI, ApplicationPath.UPGRADE, ApplicationStatus.READY),
    ],
)
def test_a_lapse_withdraws_an_unfinished_renewal(program, path, status):
    membership = due_today(program=program)
    renewal = factories.ApplicationFactory(
        trainer=membership.trainer, path=path, status=status, draft_data={"profile": {"x": 1}}
    )
    membership_lapse(membership=membership)
    renewal.refresh_from_db()
    assert renewal.status == ApplicationStatus.WITHDRAWN
    assert renewal.draft_data == {}
    text = " ".join(OutboundEmail.objects.get(role="membership_lapsed").body_text.split())
    assert f'Your application "{renewal.get_path_display()}"' in text
    assert "payment has been cancelled" not in text
    assert not OutboundEmail.objects.filter(role="application_withdrawn").exists()


def test_a_lapse_leaves_applications_of_other_paths_alone():
    membership = due_today()
    trainer = membership.trainer
    alumni = factories.ApplicationFactory(trainer=trainer, path=ApplicationPath.ALUMNI)
    earlier = factories.ApplicationFactory(
        trainer=trainer, path=ApplicationPath.RENEW, status=ApplicationStatus.APPROVED
    )
    membership_lapse(membership=membership)
    alumni.refresh_from_db()
    earlier.refresh_from_db()
    assert alumni.status == ApplicationStatus.DRAFT
    assert earlier.status == ApplicationStatus.APPROVED
    assert "closed with it" not in OutboundEmail.objects.get(role="membership_lapsed").body_text


def test_paying_a_renewal_on_the_anniversary_is_refused_before_the_task_lapses_it():
    """No grace period, even in the hour before the lapse task runs."""
    from enrollment.services.payments import payment_start

    factories.FeeFactory(currency="USD")
    membership = due_today()
    renewal = awaiting_renewal(membership.trainer)
    payments_before = Payment.objects.filter(application=renewal).count()
    with pytest.raises(InvalidTransition) as refused:
        payment_start(
            application=renewal,
            currency="USD",
            provider="test_card",
            by=membership.trainer.user,
            details=GOOD_CARD,
        )
    assert refused.value.message == (
        "This Microsoft Certified Trainer membership reached its anniversary on 4 May 2026 "
        "without being renewed, so it has lapsed and can no longer be renewed. "
        "Rejoin the program instead."
    )
    # Rolled back whole: nothing paid, nothing approved, no new year.
    renewal.refresh_from_db()
    assert renewal.status == ApplicationStatus.AWAITING_PAYMENT
    assert not Payment.objects.filter(status=PaymentStatus.PAID).exists()
    assert list(Membership.objects.filter(trainer=membership.trainer)) == [membership]
    # Refused before any provider was asked to charge the card.
    assert Payment.objects.filter(application=renewal).count() == payments_before


def test_renewal_on_the_last_day_before_the_anniversary_still_extends():
    membership = factories.MembershipFactory(starts_on=D(2025, 5, 5), anniversary_on=D(2026, 5, 5))
    renewed = membership_extend(trainer=membership.trainer, program=Program.MCT)
    assert (renewed.starts_on, renewed.anniversary_on) == (D(2026, 5, 5), D(2027, 5, 5))


def test_revoking_closes_an_open_renewal_so_it_cannot_be_paid(program_admin):
    membership = current_year()
    payment = factories.PaymentFactory(
        application__trainer=membership.trainer, application__path=ApplicationPath.RENEW
    )
    membership_revoke(membership=membership, by=program_admin, reason="Misconduct.")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    payment.application.refresh_from_db()
    assert payment.application.status == ApplicationStatus.PAYMENT_CANCELLED
    assert AuditEvent.objects.filter(
        action="application.payment_cancelled", note="Closed because the membership was revoked."
    ).exists()
    # The revocation email does not name it, so the trainer is told of the closed renewal.
    assert OutboundEmail.objects.filter(role="application_payment_cancelled").exists()
