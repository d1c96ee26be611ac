"""Idle applications: a reminder after a week without activity, withdrawal after months.

"Idle" means the next move is the trainer's (a draft, evidence to re-upload, or a ready
application to confirm) and nothing has happened since `last_activity_at`.
"""

import datetime
import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.l10n import lazy_long_date
from mct_portal.links import portal_url

from ..enums import APPLICATION_OPEN, ApplicationStatus
from ..models import Application
from ..paths.registry import path_definition, step_url
from .applications import application_withdraw
from .trainers import trainer_mail

WAITING_ON_TRAINER = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.ACTION_REQUIRED,
    ApplicationStatus.READY,
)


def _idle_reminder_cutoff(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(days=settings.DRAFT_IDLE_REMINDER_DAYS)


def _expiry_cutoff(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(days=settings.DRAFT_EXPIRY_DAYS)


def _reminder_not_sent_this_idle_period() -> Q:
    return Q(idle_reminder_sent_at__isnull=True) | Q(
        idle_reminder_sent_at__lt=F("last_activity_at")
    )


def wizard_temp_dir(application: Application) -> Path:
    """Where the wizard keeps an application's not-yet-submitted files."""
    return Path(settings.WIZARD_TEMP_ROOT) / str(application.public_id)


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update()
        .select_related("trainer__user")
        .get(pk=application.pk)
    )


@transaction.atomic
def draft_send_idle_reminder(
    *, application: Application, now: datetime.datetime | None = None
) -> bool:
    """Reminds the trainer of an idle application, once per idle period.

    Returns whether a reminder went out. Coming back (new activity) starts a new period.
    """
    now = now or timezone.now()
    locked = _lock(application)
    idle = locked.status in WAITING_ON_TRAINER and locked.last_activity_at <= _idle_reminder_cutoff(
        now
    )
    already_reminded = (
        locked.idle_reminder_sent_at is not None
        and locked.idle_reminder_sent_at >= locked.last_activity_at
    )
    if not idle or already_reminded:
        return False
    locked.idle_reminder_sent_at = now
    locked.save(update_fields=["idle_reminder_sent_at"])

    expires_on = timezone.localdate(locked.last_activity_at) + datetime.timedelta(
        days=settings.DRAFT_EXPIRY_DAYS
    )
    step = locked.current_step or "profile"
    trainer_mail(
        locked.trainer,
        role="draft_idle_reminder",
        context={
            "path_label": path_definition(locked.path).label,
            "status_label": ApplicationStatus(locked.status).label,
            "last_activity_on": lazy_long_date(timezone.localdate(locked.last_activity_at)),
            "expires_on": lazy_long_date(expires_on),
            "continue_url": portal_url(step_url(locked.path, step)),
            "application_public_id": str(locked.public_id),
        },
    )
    return True


def drafts_remind_idle(*, now: datetime.datetime | None = None) -> int:
    """Reminds every idle application not yet reminded in its idle period; returns how many."""
    now = now or timezone.now()
    candidates = Application.objects.filter(
        _reminder_not_sent_this_idle_period(),
        status__in=WAITING_ON_TRAINER,
        last_activity_at__lte=_idle_reminder_cutoff(now),
        # An application about to expire gets withdrawn instead of reminded.
        last_activity_at__gt=_expiry_cutoff(now),
    )
    sent = 0
    for application in candidates.order_by("last_activity_at", "pk").only("pk"):
        if draft_send_idle_reminder(application=application, now=now):
            sent += 1
    return sent


def _remove_temp_files(folder: Path) -> None:
    root = Path(settings.WIZARD_TEMP_ROOT).resolve()
    folder = folder.resolve()
    if folder.parent == root and folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)


@transaction.atomic
def draft_expire(*, application: Application, now: datetime.datetime | None = None) -> bool:
    """Withdraws an application idle past the expiry period and removes its wizard temp files.

    Evidence documents already uploaded are not touched: verification's retention handles
    them. Returns whether the application expired now (False if the trainer came back).
    """
    now = now or timezone.now()
    locked = _lock(application)
    if locked.status not in WAITING_ON_TRAINER or locked.last_activity_at > _expiry_cutoff(now):
        return False
    application_withdraw(
        application=locked,
        by=None,
        reason=f"Expired after {settings.DRAFT_EXPIRY_DAYS} days without activity.",
    )
    folder = wizard_temp_dir(locked)
    transaction.on_commit(lambda: _remove_temp_files(folder))
    return True


def drafts_expire_idle(*, now: datetime.datetime | None = None) -> int:
    """Expires every application idle past the expiry period; returns how many."""
    now = now or timezone.now()
    candidates = Application.objects.filter(
        status__in=WAITING_ON_TRAINER, last_activity_at__lte=_expiry_cutoff(now)
    )
    expired = 0
    for application in candidates.order_by("last_activity_at", "pk").only("pk"):
        if draft_expire(application=application, now=now):
            expired += 1
    return expired


def wizard_temp_sweep() -> int:
    """Removes the wizard temp folders of applications that are no longer open.

    Catches what expiry does not: applications withdrawn by the trainer, approved or
    cancelled. Folders not named after an application's public id are left alone.
    """
    root = Path(settings.WIZARD_TEMP_ROOT)
    if not root.is_dir():
        return 0
    folders = {}
    for entry in root.iterdir():
        try:
            folders[uuid.UUID(entry.name)] = entry
        except ValueError:
            continue
    if not folders:
        return 0
    closed = (
        Application.objects.filter(public_id__in=folders)
        .exclude(status__in=APPLICATION_OPEN)
        .values_list("public_id", flat=True)
    )
    removed = 0
    for public_id in closed:
        _remove_temp_files(folders[public_id])
        removed += 1
    return removed
