"""What the review page shows about a document's application and trainer.

Registered with verification (which does not import enrollment) when the app is ready.
"""

from django.utils.formats import date_format

from verification.review_context import ReviewFacts, register_review_context

from .models import Evidence
from .selectors.applications import qualifying_certifications

# The document's own details that these sections already show (not shown twice).
COVERED_DETAILS = ("Application", "Trainer", "Credential type", "Date of certification")


def _day(value) -> str:
    return date_format(value, "j F Y") if value else "—"


def application_review_context(document) -> list[ReviewFacts]:
    evidence = (
        Evidence.objects.select_related("application__trainer", "credential_type")
        .filter(document=document)
        .first()
    )
    if evidence is None:
        return []
    application = evidence.application
    trainer = application.trainer
    rows = [
        ("Trainer", trainer.full_name or document.owner.email),
        ("Application", application.get_path_display()),
        ("Application state", application.get_status_display()),
    ]
    if evidence.credential_type_id or evidence.certified_on:
        rows.append(
            (
                "Declared credential",
                evidence.credential_type.name if evidence.credential_type else "—",
            )
        )
        rows.append(("Declared date of certification", _day(evidence.certified_on)))
    certifications = [
        f"{row.certification.name} (earned {_day(row.earned_on)})"
        for row in qualifying_certifications(trainer=trainer)
    ]
    return [
        ReviewFacts(title="Application", rows=rows),
        ReviewFacts(
            title="Qualifying certifications",
            items=certifications,
            empty="None on record.",
        ),
    ]


def register() -> None:
    register_review_context(application_review_context, replaces_details=COVERED_DETAILS)
