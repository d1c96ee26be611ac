"""Feedback left on the help page, and support marking it handled (issue 9)."""

from django.db import transaction
from django.utils import timezone

from verification.audit import audit

from ..models import Feedback


@transaction.atomic
def feedback_submit(
    *, user, name: str, email: str, topic: str, message: str, page: str = ""
) -> Feedback:
    """Stores a message; a signed-in sender is known by their account."""
    signed_in = user is not None and user.is_authenticated
    feedback = Feedback.objects.create(
        user=user if signed_in else None,
        name=name.strip(),
        email=(email or (user.email if signed_in else "")).strip(),
        topic=topic,
        message=message.strip(),
        page=page[:200],
    )
    audit(
        actor=user if signed_in else None,
        action="feedback.submitted",
        target=feedback,
        subject_user=user if signed_in else None,
        after={"topic": topic, "signed_in": signed_in},
    )
    return feedback


@transaction.atomic
def feedback_mark_handled(*, feedback: Feedback, by) -> Feedback:
    """Idempotent: a second click (or a second agent) changes nothing."""
    locked = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if locked.handled_at is not None:
        return locked
    locked.handled_at = timezone.now()
    locked.handled_by = by
    locked.save(update_fields=["handled_at", "handled_by"])
    audit(
        actor=by,
        action="feedback.handled",
        target=locked,
        subject_user=locked.user,
        before={"handled": False},
        after={"handled": True},
    )
    return locked
