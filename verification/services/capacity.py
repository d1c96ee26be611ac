"""How many documents one trainer may have waiting for review at once."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from ..enums import DOCUMENT_WAITING
from ..models import Document
from .errors import DomainError


class QueueFull(DomainError):
    """The trainer already has as many documents waiting for review as the portal allows."""


def queue_room_check(*, owner) -> None:
    """Raises QueueFull when the trainer has REVIEW_MAX_WAITING_PER_TRAINER documents waiting.

    Locks the trainer's user row, so two uploads at once cannot both take the last place;
    call it inside the transaction that stores the upload.
    """
    limit = settings.REVIEW_MAX_WAITING_PER_TRAINER
    if limit <= 0:
        return
    get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
    waiting = Document.objects.filter(owner=owner, state__in=DOCUMENT_WAITING).count()
    if waiting >= limit:
        raise QueueFull(
            _(
                "You already have %(count)s documents waiting for review, the most we accept at "
                "once. Wait for our decision on them (we email you), or replace one of them, "
                "before uploading another."
            )
            % {"count": waiting}
        )
