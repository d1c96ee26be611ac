"""Enrollment listens to verification: a review decision re-evaluates the application.

Verification knows nothing about applications; when a document is queued for review,
refused by the check, or decided by a reviewer, the application it is evidence for moves
to the status its requirements now call for (in review, action required, ready).
"""

from django.dispatch import receiver

from verification.signals import document_decided, document_queued, document_refused

from .models import Evidence
from .services.applications import REVIEW_STATES, application_reevaluate


def _reevaluate_for(document, by=None) -> None:
    evidence = (
        Evidence.objects.select_related("application")
        .filter(document=document, application__status__in=REVIEW_STATES)
        .first()
    )
    if evidence is not None:
        application_reevaluate(application=evidence.application, by=by)


@receiver(document_queued, dispatch_uid="enrollment.document_queued")
def on_document_queued(sender, document, **kwargs):
    _reevaluate_for(document)


@receiver(document_refused, dispatch_uid="enrollment.document_refused")
def on_document_refused(sender, document, **kwargs):
    _reevaluate_for(document)


@receiver(document_decided, dispatch_uid="enrollment.document_decided")
def on_document_decided(sender, document, **kwargs):
    _reevaluate_for(document, by=getattr(document, "reviewer", None))
