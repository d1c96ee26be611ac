"""The periodic tasks: each does its work once, however often (or concurrently) it runs."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from enrollment.enums import ApplicationPath, ApplicationStatus, MembershipStatus, Program
from enrollment.models import Application, Membership
from enrollment.tasks import (
    expire_idle_drafts,
    lapse_memberships,
    remind_idle_drafts,
    send_renewal_reminders,
)
from tests import factories
from tests.concurrency import at_once, raised
from tests.conftest import needs_postgres
from verification.models import AuditEvent, Document, OutboundEmail

UTC = datetime.UTC
NOW = datetime.datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
TODAY = NOW.date()

pytestmark = pytest.mark.django_db


def at(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


def membership_due_in(days: int, **kwargs) -> Membership:
    anniversary = TODAY + datetime.timedelta(days=days)
    return factories.MembershipFactory(
        starts_on=anniversary - datetime.timedelta(days=365), anniversary_on=anniversary, **kwargs
    )


def idle_application(days: float, **kwargs) -> Application:
    application = factories.ApplicationFactory(**kwargs)
    idle_since = NOW - datetime.timedelta(days=days)
    Application.objects.filter(pk=application.pk).update(last_activity_at=idle_since)
    application.refresh_from_db()
    return application


def outbound(role: str, to: str | None = None):
    emails = OutboundEmail.objects.filter(role=role)
    return emails.filter(to=to) if to else emails


# --- renewal reminders ---------------------------------------------------------------------


def test_renewal_reminder_is_sent_once_and_delivered(
    django_capture_on_commit_callbacks, mailoutbox
):
    membership = membership_due_in(60, trainer__first_name="Ada")
    with at(NOW):
        with django_capture_on_commit_callbacks(execute=True):
            assert send_renewal_reminders.delay().get() == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert send_renewal_reminders.delay().get() == 0

    membership.refresh_from_db()
    assert membership.reminders_sent == [60]
    email = outbound("renewal_reminder").get()
    assert email.to == membership.trainer.user.email
    assert email.state == "sent"
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [membership.trainer.user.email]
    assert message.subject == "Your Microsoft Certified Trainer membership: 60 days left to renew"
    assert "Hello Ada," in message.body
    assert "3 July 2026" in message.body
    assert "https://testserver/apply/renew/profile/" in message.body
    html = message.alternatives[0][0]
    assert 'href="https://testserver/apply/renew/profile/"' in html


def test_alumni_reminder_links_to_the_alumni_renewal():
    membership_due_in(15, program=Program.ALUMNI)
    with at(NOW):
        send_renewal_reminders.delay()
    email = outbound("renewal_reminder").get()
    assert "MCT Alumni membership: 15 days left" in email.subject
    assert "/apply/alumni-renew/profile/" in email.body_text


@pytest.mark.parametrize(
    ("days", "status", "sent"),
    [
        (91, MembershipStatus.ACTIVE, False),  # window not open yet
        (90, MembershipStatus.ACTIVE, True),
        (45, MembershipStatus.IN_RENEWAL, True),
        (30, MembershipStatus.LAPSED, False),
        (30, MembershipStatus.ENDED, False),  # renewed: the old year is closed
        (30, MembershipStatus.REVOKED, False),
        (0, MembershipStatus.ACTIVE, False),  # the anniversary: it lapses instead
    ],
)
def test_who_gets_a_reminder(days, status, sent):
    membership_due_in(days, status=status)
    with at(NOW):
        send_renewal_reminders.delay()
    assert outbound("renewal_reminder").exists() is sent


def test_reminders_follow_the_configured_days(settings):
    settings.RENEWAL_REMINDER_DAYS = [45, 7]
    on_mark = membership_due_in(45)
    off_mark = membership_due_in(60)
    with at(NOW):
        assert send_renewal_reminders.delay().get() == 1
    on_mark.refresh_from_db()
    off_mark.refresh_from_db()
    assert on_mark.reminders_sent == [45]
    assert off_mark.reminders_sent == []


# --- lapse ---------------------------------------------------------------------------------


def test_lapse_runs_twice_with_one_effect(django_capture_on_commit_callbacks, mailoutbox):
    due = membership_due_in(0)
    overdue = membership_due_in(-3, program=Program.ALUMNI)
    not_yet = membership_due_in(1)
    with at(NOW):
        with django_capture_on_commit_callbacks(execute=True):
            assert lapse_memberships.delay().get() == 2
        with django_capture_on_commit_callbacks(execute=True):
            assert lapse_memberships.delay().get() == 0

    for membership in (due, overdue, not_yet):
        membership.refresh_from_db()
    assert due.status == overdue.status == MembershipStatus.LAPSED
    assert due.status_changed_at == NOW
    assert not_yet.status == MembershipStatus.ACTIVE
    assert AuditEvent.objects.filter(action="membership.lapsed").count() == 2
    assert outbound("membership_lapsed").count() == 2
    assert sorted(m.subject for m in mailoutbox) == [
        "Your MCT Alumni membership has lapsed",
        "Your Microsoft Certified Trainer membership has lapsed",
    ]
    mct_mail = next(m for m in mailoutbox if m.to == [due.trainer.user.email])
    assert "lapsed on 4 May 2026" in mct_mail.body
    assert "https://testserver/apply/rejoin/profile/" in mct_mail.body
    alumni_mail = next(m for m in mailoutbox if m.to == [overdue.trainer.user.email])
    assert "https://testserver/apply/alumni/profile/" in alumni_mail.body


@needs_postgres()
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_send_each_reminder_once():
    """Two workers running the task at the same moment: the row lock lets one send."""
    membership = membership_due_in(30)
    with at(NOW):  # time-machine's clock is process-wide: travel once, around both
        results = at_once(send_renewal_reminders.delay, send_renewal_reminders.delay)
    errors = raised(results)
    assert errors == []
    membership.refresh_from_db()
    assert membership.reminders_sent == [30]
    assert outbound("renewal_reminder").count() == 1


@needs_postgres()
@pytest.mark.django_db(transaction=True)
def test_a_lapse_racing_a_late_invoice_payment_neither_deadlocks_nor_renews():
    """Support marks the invoice paid while the lapse task runs: both lock the application
    before the membership, so one waits for the other; the lapse wins (no grace period)."""
    from enrollment.errors import InvalidTransition
    from enrollment.services.payments import payment_confirm

    membership = membership_due_in(0)
    payment = factories.PaymentFactory(
        application__trainer=membership.trainer, application__path=ApplicationPath.RENEW
    )
    with at(NOW):
        results = at_once(
            lapse_memberships.delay,
            lambda: payment_confirm(payment=payment, reference="BANK", by=None),
        )
    refused = raised(results, InvalidTransition)
    errors = [error for error in raised(results) if error not in refused]
    assert errors == []
    assert len(refused) == 1  # the payment, whichever ran first
    membership.refresh_from_db()
    payment.refresh_from_db()
    assert membership.status == MembershipStatus.LAPSED
    assert payment.status == "cancelled"
    assert Application.objects.get(pk=payment.application_id).status == (
        ApplicationStatus.PAYMENT_CANCELLED
    )
    assert not Membership.objects.filter(
        trainer=membership.trainer, status=MembershipStatus.ACTIVE
    ).exists()


# --- idle drafts ---------------------------------------------------------------------------


def test_idle_draft_reminder_is_sent_once_per_idle_period(
    django_capture_on_commit_callbacks, mailoutbox
):
    draft = idle_application(8, path=ApplicationPath.RENEW, current_step="requirements")
    with at(NOW):
        with django_capture_on_commit_callbacks(execute=True):
            assert remind_idle_drafts.delay().get() == 1
        assert remind_idle_drafts.delay().get() == 0
    with at(NOW + datetime.timedelta(days=3)):
        assert remind_idle_drafts.delay().get() == 0

    draft.refresh_from_db()
    assert draft.idle_reminder_sent_at == NOW
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.subject == "Your application is waiting for you: Renew MCT membership"
    assert "https://testserver/apply/renew/requirements/" in message.body
    assert "23 October 2026" in message.body  # 180 days after the last activity

    # The trainer comes back, then goes idle again: a new idle period, a new reminder.
    back = NOW + datetime.timedelta(days=10)
    Application.objects.filter(pk=draft.pk).update(last_activity_at=back)
    with at(back + datetime.timedelta(days=6)):
        assert remind_idle_drafts.delay().get() == 0
    with at(back + datetime.timedelta(days=7)):
        assert remind_idle_drafts.delay().get() == 1
    assert outbound("draft_idle_reminder").count() == 2


@pytest.mark.parametrize(
    ("idle_days", "status", "reminded"),
    [
        (6.9, ApplicationStatus.DRAFT, False),
        (7, ApplicationStatus.DRAFT, True),
        (30, ApplicationStatus.ACTION_REQUIRED, True),  # the trainer must re-upload
        (30, ApplicationStatus.READY, True),  # the trainer must confirm
        (30, ApplicationStatus.IN_REVIEW, False),  # waiting for a reviewer, not the trainer
        (30, ApplicationStatus.AWAITING_PAYMENT, False),
        (30, ApplicationStatus.WITHDRAWN, False),
        (200, ApplicationStatus.DRAFT, False),  # about to expire instead
    ],
)
def test_which_applications_get_an_idle_reminder(idle_days, status, reminded):
    idle_application(idle_days, status=status)
    with at(NOW):
        remind_idle_drafts.delay()
    assert outbound("draft_idle_reminder").exists() is reminded


def test_idle_draft_expires_once_and_its_temp_files_go(settings):
    draft = idle_application(181, draft_data={"profile": {"profile-employer_type": "other"}})
    document = factories.EvidenceFactory(application=draft).document
    temp_dir = settings.WIZARD_TEMP_ROOT / str(draft.public_id)
    temp_dir.mkdir(parents=True)
    (temp_dir / "upload.pdf").write_bytes(b"%PDF-1.4 draft upload")
    fresh = idle_application(179)
    fresh_dir = settings.WIZARD_TEMP_ROOT / str(fresh.public_id)
    fresh_dir.mkdir(parents=True)

    with at(NOW):
        assert expire_idle_drafts.delay().get() == 1
        assert expire_idle_drafts.delay().get() == 0

    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.WITHDRAWN
    assert draft.draft_data == {}
    assert not temp_dir.exists()
    assert (
        AuditEvent.objects.filter(
            action="application.withdrawn", object_id=str(draft.pk), note__contains="180 days"
        ).count()
        == 1
    )
    # Uploaded evidence stays, under verification's retention rules.
    assert Document.objects.filter(pk=document.pk).exists()
    fresh.refresh_from_db()
    assert fresh.status == ApplicationStatus.DRAFT
    assert fresh_dir.is_dir()


def test_expiry_sweeps_temp_folders_of_closed_applications_only(settings):
    root = settings.WIZARD_TEMP_ROOT
    withdrawn = factories.ApplicationFactory(status=ApplicationStatus.WITHDRAWN)
    approved = factories.ApplicationFactory(status=ApplicationStatus.APPROVED)
    open_draft = factories.ApplicationFactory()
    for application in (withdrawn, approved, open_draft):
        (root / str(application.public_id)).mkdir(parents=True)
    unknown = root / "not-an-application"
    unknown.mkdir()

    with at(NOW):
        expire_idle_drafts.delay()

    assert not (root / str(withdrawn.public_id)).exists()
    assert not (root / str(approved.public_id)).exists()
    assert (root / str(open_draft.public_id)).is_dir()
    assert unknown.is_dir()


def test_idle_periods_follow_the_settings(settings):
    settings.DRAFT_IDLE_REMINDER_DAYS = 3
    settings.DRAFT_EXPIRY_DAYS = 30
    reminded = idle_application(3)
    too_fresh = idle_application(2.9)
    expiring = idle_application(30)
    with at(NOW):
        assert remind_idle_drafts.delay().get() == 1
        assert expire_idle_drafts.delay().get() == 1
    assert list(outbound("draft_idle_reminder").values_list("to", flat=True)) == [
        reminded.trainer.user.email
    ]
    assert "31 May 2026" in outbound("draft_idle_reminder").get().body_text  # 1 May + 30
    statuses = dict(
        Application.objects.filter(pk__in=[reminded.pk, too_fresh.pk, expiring.pk]).values_list(
            "pk", "status"
        )
    )
    assert statuses == {
        reminded.pk: ApplicationStatus.DRAFT,
        too_fresh.pk: ApplicationStatus.DRAFT,
        expiring.pk: ApplicationStatus.WITHDRAWN,
    }


def test_tasks_do_nothing_when_nothing_is_due():
    factories.MembershipFactory(starts_on=timezone.localdate())
    factories.ApplicationFactory()
    assert send_renewal_reminders.delay().get() == 0
    assert lapse_memberships.delay().get() == 0
    assert remind_idle_drafts.delay().get() == 0
    assert expire_idle_drafts.delay().get() == 0
    assert not OutboundEmail.objects.exists()
