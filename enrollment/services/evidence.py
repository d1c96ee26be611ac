"""Evidence for an application's requirements: uploads (through verification) and waivers."""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.formats import date_format

from verification.audit import audit
from verification.enums import DocumentState
from verification.services import (
    QueueFull,
    document_receive,
    document_supersede,
    document_withdraw,
    inspect_evidence,
)

from ..enums import ApplicationStatus, EvidenceKind
from ..errors import DomainError
from ..models import Application, CredentialType, Evidence

# A document in these states still stands: the same file uploaded again is not queued again.
SAME_FILE_KEEPS = (
    DocumentState.RECEIVED,
    DocumentState.CHECKING,
    DocumentState.QUEUED,
    DocumentState.APPROVED,
)


class UploadNotAccepted(DomainError):
    """The upload cannot be taken now (the trainer's review queue is full)."""


def _day(value: datetime.date | None) -> str:
    return date_format(value, "j F Y") if value else ""


def evidence_retire(*, application: Application, kinds, by, new_name: str = "") -> int:
    """Marks the current evidence of these kinds as replaced; it stays for the record.

    Its document leaves the review queue at once and its file is deleted (one live document
    per piece of evidence); a decision already made on it is kept.
    """
    retired = list(
        Evidence.objects.filter(application=application, kind__in=list(kinds), is_current=True)
    )
    for evidence in retired:
        evidence.is_current = False
        evidence.save(update_fields=["is_current"])
        audit(
            actor=by,
            action="evidence.replaced",
            target=evidence,
            subject_user=application.trainer.user,
            before={"is_current": True},
            after={"is_current": False},
        )
        if evidence.document_id is not None:
            document_supersede(document=evidence.document, by=by, new_name=new_name)
    return len(retired)


def _same_upload(evidence, sha256: str, credential_type, certified_on) -> bool:
    """The slot's current document is this very file, declared the same way, and counts."""
    if evidence is None or evidence.document_id is None or not sha256:
        return False
    document = evidence.document
    return (
        document.sha256 == sha256
        and document.state in SAME_FILE_KEEPS
        and evidence.credential_type_id == (credential_type.pk if credential_type else None)
        and evidence.certified_on == certified_on
    )


@transaction.atomic
def evidence_upload(
    *,
    application: Application,
    kind: str,
    uploaded_file,
    by,
    credential_type: CredentialType | None = None,
    certified_on: datetime.date | None = None,
) -> Evidence:
    """Hands the file to verification (check, then the review queue) and records it as the
    current evidence of its kind; the previous one of that kind is kept but no longer counts.
    """
    trainer = application.trainer
    name = getattr(uploaded_file, "name", "") or ""
    inspection = getattr(uploaded_file, "inspection", None) or inspect_evidence(uploaded_file, name)
    current = (
        Evidence.objects.select_related("document")
        .filter(application=application, kind=kind, is_current=True)
        .first()
    )
    if _same_upload(current, inspection.sha256, credential_type, certified_on):
        # The same file again (Back, then Next; a second tab): it is already being reviewed.
        audit(
            actor=by,
            action="evidence.same_file_again",
            target=current,
            subject_user=trainer.user,
            note=f"Identical to the current document (SHA-256 {inspection.sha256[:16]}…).",
        )
        return current
    with translation.override("en"):  # the reviewers' pages are English
        path_label = str(application.get_path_display())
    details = {"Application": path_label, "Trainer": trainer.full_name}
    if kind == EvidenceKind.INSTRUCTIONAL_SKILLS:
        details["Credential type"] = credential_type.name if credential_type else ""
        details["Date of certification"] = _day(certified_on)
    elif kind == EvidenceKind.TRAINING_SUMMARY:
        details["MTM ID"] = application.mtm_id or trainer.mtm_id or "none given"
    evidence_retire(application=application, kinds=[kind], by=by, new_name=name)
    try:
        document = document_receive(
            owner=trainer.user, kind=kind, uploaded_file=uploaded_file, details=details
        )
    except QueueFull as full:
        raise UploadNotAccepted(full.message) from full
    evidence = Evidence.objects.create(
        application=application,
        kind=kind,
        document=document,
        credential_type=credential_type,
        certified_on=certified_on,
    )
    audit(
        actor=by,
        action="evidence.uploaded",
        target=evidence,
        subject_user=trainer.user,
        after={"kind": kind, "document": str(document.public_id), **details},
    )
    return evidence


def withdraw_documents(*, application: Application, by, reason: str = "") -> int:
    """Its application withdrawn or expired: every uploaded document leaves the review queue
    and its file is deleted; the rows (and any decisions) stay."""
    documents = [
        evidence.document
        for evidence in Evidence.objects.select_related("document").filter(
            application=application, document__isnull=False
        )
    ]
    note = "Its application was withdrawn" + (f": {reason}" if reason else ".")
    for document in documents:
        document_withdraw(document=document, by=by, reason=note)
    return len(documents)


WAIVER_FIELDS = (
    "courses_taught",
    "course_name",
    "taught_on",
    "number_of_students",
    "organization",
    "manager_name",
    "manager_email",
)


@transaction.atomic
def evidence_declare_waiver(*, application: Application, by, **declared) -> Evidence:
    """Records the training waiver form; declared, counts as met, subject to audit.

    Saving the same answers again keeps the current declaration.
    """
    values = {name: declared[name] for name in WAIVER_FIELDS}
    current = Evidence.objects.filter(
        application=application, kind=EvidenceKind.TRAINING_WAIVER, is_current=True
    ).first()
    if current is not None and all(getattr(current, k) == v for k, v in values.items()):
        return current
    evidence_retire(application=application, kinds=[EvidenceKind.TRAINING_WAIVER], by=by)
    evidence = Evidence.objects.create(
        application=application, kind=EvidenceKind.TRAINING_WAIVER, **values
    )
    audit(
        actor=by,
        action="evidence.waiver_declared",
        target=evidence,
        subject_user=application.trainer.user,
        after={k: str(v) for k, v in values.items()},
    )
    return evidence


def carried_over_evidence(*, trainer, path: str):
    """The evidence a new draft on `path` would take over (see `evidence_carry_over`): the
    approved or declared current evidence of the trainer's latest cancelled application on
    the same path. A query only; nothing moves."""
    previous = (
        Application.objects.filter(
            trainer=trainer, path=path, status=ApplicationStatus.PAYMENT_CANCELLED
        )
        .order_by("-updated_at")
        .values("pk")[:1]
    )
    return Evidence.objects.filter(application__in=previous, is_current=True).filter(
        Q(document__isnull=True) | Q(document__state=DocumentState.APPROVED)
    )


def evidence_would_carry_over(*, trainer, path: str) -> dict[str, Evidence]:
    """What a wizard shows before its draft exists: the evidence that would carry over, by
    kind, with its document (read-only; the first POST moves it)."""
    if trainer.pk is None:
        return {}
    rows = carried_over_evidence(trainer=trainer, path=path).select_related(
        "document", "credential_type"
    )
    return {row.kind: row for row in rows}


@transaction.atomic
def evidence_carry_over(*, application: Application, by) -> int:
    """A re-application after a cancelled payment keeps what was already approved.

    The approved (or declared) evidence of the trainer's latest cancelled application on
    the same path moves to the new draft, so nobody waits for a second review of the same
    proof. Returns how many rows moved; a draft that already has evidence takes none.
    """
    if Evidence.objects.filter(application=application).exists():
        return 0
    rows = carried_over_evidence(trainer=application.trainer, path=application.path)
    moved = 0
    for evidence in rows.select_related("application").select_for_update(of=("self",)):
        previous = evidence.application
        evidence.application = application
        evidence.save(update_fields=["application"])
        audit(
            actor=by,
            action="evidence.carried_over",
            target=evidence,
            subject_user=application.trainer.user,
            before={"application": str(previous.public_id)},
            after={"application": str(application.public_id)},
        )
        moved += 1
    return moved
