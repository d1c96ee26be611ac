"""Periodic membership and draft work (CELERY_BEAT_SCHEDULE). Thin wrappers over services.

Each task is idempotent: the services lock every row they change and skip work already
done, so running a task twice, or twice at once, has one effect.
"""

from celery import shared_task

from .services import drafts, membership_ends, memberships, payments, personal_data
from .services.personal_data import build_data_export, erase_trainer

# The per-row tasks of personal data live beside their services; re-exported here.
__all__ = [
    "build_data_export",
    "erase_trainer",
    "expire_idle_drafts",
    "lapse_memberships",
    "remind_idle_drafts",
    "send_renewal_reminders",
    "sweep_personal_data",
    "sync_stale_card_payments",
]


@shared_task
def send_renewal_reminders() -> int:
    """Sends the renewal reminders due today (90, 60, 30 and 15 days before by default)."""
    return memberships.membership_send_due_reminders()


@shared_task
def lapse_memberships() -> int:
    """Lapses every membership whose anniversary came without a renewal."""
    return membership_ends.membership_lapse_due()


@shared_task
def remind_idle_drafts() -> int:
    """Reminds trainers of applications idle for a week, once per idle period."""
    return drafts.drafts_remind_idle()


@shared_task
def expire_idle_drafts() -> int:
    """Withdraws applications idle past the expiry period and removes wizard temp files."""
    expired = drafts.drafts_expire_idle()
    drafts.wizard_temp_sweep()
    return expired


@shared_task
def sync_stale_card_payments() -> int:
    """Asks the card provider about checkouts no webhook has settled (a lost event)."""
    return payments.payment_sync_stale()


@shared_task
def sweep_personal_data() -> dict:
    """Data exports past their time are deleted, lost export and erasure runs enqueued
    again, and records kept after an erasure cleared when their retention ends."""
    return {
        **personal_data.data_exports_sweep(),
        "erasures_requeued": personal_data.erasures_sweep(),
        **personal_data.erased_records_retention_sweep(),
    }
