"""What the portal holds about one trainer, for their data export (docs/personal-data.md).

Every read filters by the trainer (or their user account); nothing here follows a link to
another person. Staff who acted on the record are named by their role, never by name.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db.models import Q

from verification.models import AuditEvent, Document, OutboundEmail, Passcode

from ..enums import DATA_EXPORT_OPEN, ERASURE_OPEN, DataExportState
from ..models import (
    Application,
    DataExport,
    EarnedCertification,
    ErasureRequest,
    ExamResult,
    Feedback,
    McpId,
    McpIdClaimAttempt,
    Membership,
    MembershipCredential,
    Payment,
    PaymentDocument,
    Trainer,
)

EXPORT_FORMAT = "mct-portal-data-export/1"
FILES_FOLDER = "files"


def _value(value):
    """A JSON-ready copy: dates as ISO text, decimals and UUIDs as text."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _fields(instance, names) -> dict:
    return {name: _value(getattr(instance, name)) for name in names}


@dataclass(frozen=True)
class ExportFile:
    """An uploaded file still kept, and where it goes in the zip."""

    document: Document
    arcname: str


def _safe_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "._- " else "_" for c in name).strip(" .")
    return cleaned[:100] or "file"


def export_file_name(document: Document) -> str:
    return f"{FILES_FOLDER}/{document.public_id}/{_safe_name(document.original_name)}"


def trainer_documents(*, trainer: Trainer):
    return Document.objects.filter(owner_id=trainer.user_id).order_by("created_at", "pk")


def trainer_export_files(*, trainer: Trainer) -> list[ExportFile]:
    """The trainer's uploads whose file is still in storage (the others were purged)."""
    return [
        ExportFile(document=d, arcname=export_file_name(d))
        for d in trainer_documents(trainer=trainer)
        if d.file.name
    ]


def _registration(trainer: Trainer) -> dict:
    return {
        **_fields(trainer, Trainer.REGISTRATION_FIELDS),
        **_fields(
            trainer,
            ["area_of_expertise", "mtm_id", "language", "verification_code", "created_at"],
        ),
        "updated_at": _value(trainer.updated_at),
    }


def _account(trainer: Trainer) -> dict:
    user = trainer.user
    return {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": _value(user.date_joined),
        "last_login": _value(user.last_login),
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
    }


def _consent(name: str, given, at, version) -> dict:
    return {
        "consent": name,
        "given": given,
        "at": _value(at),
        "version": version.version if version else None,
        "document": version.get_document_display() if version else None,
        "text": version.text if version else None,
    }


def _consents(trainer: Trainer) -> list[dict]:
    return [
        _consent(
            "nda", trainer.nda_accepted_at is not None, trainer.nda_accepted_at, trainer.nda_version
        ),
        _consent(
            "program_contact",
            trainer.consent_program_contact,
            trainer.consent_program_contact_at,
            trainer.consent_program_contact_version,
        ),
        _consent(
            "partner_contact",
            trainer.consent_partner_contact,
            trainer.consent_partner_contact_at,
            trainer.consent_partner_contact_version,
        ),
    ]


def _mcp_ids(trainer: Trainer) -> list[dict]:
    rows = []
    for mcp_id in McpId.objects.filter(trainer=trainer).order_by("pk"):
        exams = ExamResult.objects.filter(mcp_id=mcp_id).order_by("passed_on", "pk")
        rows.append(
            {
                "value": mcp_id.value,
                "is_primary": mcp_id.is_primary,
                "linked_at": _value(mcp_id.created_at),
                "exam_results": [
                    _fields(
                        e,
                        [
                            "reference_number",
                            "exam_code",
                            "exam_name",
                            "candidate_first_name",
                            "candidate_last_name",
                            "candidate_email",
                            "passed_on",
                        ],
                    )
                    for e in exams
                ],
            }
        )
    return rows


def _certifications(trainer: Trainer) -> list[dict]:
    earned = (
        EarnedCertification.objects.filter(mcp_id__trainer=trainer)
        .select_related("certification", "mcp_id")
        .order_by("earned_on", "pk")
    )
    return [
        {
            "code": e.certification.code,
            "name": e.certification.name,
            "earned_on": _value(e.earned_on),
            "mcp_id": e.mcp_id.value,
            "qualifies_for_mct": e.certification.qualifies_for_mct,
        }
        for e in earned
    ]


def _memberships(trainer: Trainer) -> list[dict]:
    credentials = {
        c.membership_id: c for c in MembershipCredential.objects.filter(membership__trainer=trainer)
    }
    rows = []
    for m in Membership.objects.filter(trainer=trainer).order_by("starts_on", "pk"):
        credential = credentials.get(m.pk)
        rows.append(
            {
                **_fields(
                    m,
                    [
                        "program",
                        "status",
                        "starts_on",
                        "anniversary_on",
                        "status_reason",
                        "status_changed_at",
                        "reminders_sent",
                    ],
                ),
                "credential": {
                    "id": str(credential.public_id),
                    "issued_at": _value(credential.issued_at),
                }
                if credential
                else None,
            }
        )
    return rows


def _document(document: Document | None) -> dict | None:
    if document is None:
        return None
    return {
        **_fields(
            document,
            [
                "public_id",
                "kind",
                "state",
                "original_name",
                "content_type",
                "size",
                "sha256",
                "details",
                "refusal_reason",
                "decision_reason",
                "decided_at",
                "created_at",
                "file_deleted_at",
            ],
        ),
        "file": export_file_name(document) if document.file.name else None,
        "purged": not document.file.name,
    }


def _applications(trainer: Trainer) -> list[dict]:
    rows = []
    applications = (
        Application.objects.filter(trainer=trainer)
        .select_related("partner", "imagine_academy")
        .prefetch_related("accepted_terms")
        .order_by("created_at", "pk")
    )
    for a in applications:
        evidence = a.evidence.select_related("document", "credential_type").order_by(
            "created_at", "pk"
        )
        rows.append(
            {
                **_fields(
                    a,
                    [
                        "public_id",
                        "path",
                        "status",
                        "employer_type",
                        "institution_name",
                        "department_name",
                        "microsoft_alias",
                        "verified_email",
                        "is_microsoft_employee",
                        "area_of_expertise",
                        "primary_audience",
                        "mtm_id",
                        "draft_data",
                        "current_step",
                        "terms_accepted_at",
                        "submitted_at",
                        "decided_at",
                        "created_at",
                    ],
                ),
                "partner": a.partner.partner_id if a.partner else None,
                "imagine_academy": a.imagine_academy.membership_id if a.imagine_academy else None,
                "accepted_terms": [
                    {"document": t.document, "version": t.version} for t in a.accepted_terms.all()
                ],
                "evidence": [
                    {
                        **_fields(
                            e,
                            [
                                "kind",
                                "certified_on",
                                "courses_taught",
                                "course_name",
                                "taught_on",
                                "number_of_students",
                                "organization",
                                "manager_name",
                                "manager_email",
                                "is_current",
                                "created_at",
                            ],
                        ),
                        "credential_type": e.credential_type.name if e.credential_type else None,
                        "document": _document(e.document),
                    }
                    for e in evidence
                ],
            }
        )
    return rows


def _payments(trainer: Trainer) -> list[dict]:
    payments = (
        Payment.objects.filter(application__trainer=trainer)
        .select_related("application", "discount_code")
        .order_by("created_at", "pk")
    )
    documents: dict[int, list[PaymentDocument]] = {}
    for d in PaymentDocument.objects.filter(payment__application__trainer=trainer).order_by("pk"):
        documents.setdefault(d.payment_id, []).append(d)
    return [
        {
            **_fields(
                p,
                [
                    "amount",
                    "currency",
                    "status",
                    "provider",
                    "reference",
                    "billing_name",
                    "billing_address",
                    "billing_vat_id",
                    "created_at",
                    "paid_at",
                    "refunded_at",
                ],
            ),
            "application": str(p.application.public_id),
            "discount_code": p.discount_code.code if p.discount_code else None,
            "documents": [
                _fields(d, ["kind", "number", "issued_on", "content"])
                for d in documents.get(p.pk, [])
            ],
        }
        for p in payments
    ]


def _emails(trainer: Trainer) -> list[dict]:
    emails = OutboundEmail.objects.filter(user_id=trainer.user_id).order_by("created_at", "pk")
    return [
        _fields(
            e, ["role", "to", "subject", "body_text", "state", "created_at", "sent_at", "attempts"]
        )
        for e in emails
    ]


def _passcodes(trainer: Trainer) -> list[dict]:
    # The codes themselves are never kept; what was sent where, and when, is.
    passcodes = Passcode.objects.filter(user_id=trainer.user_id).order_by("created_at", "pk")
    return [
        _fields(p, ["address", "purpose", "created_at", "expires_at", "used_at", "revoked_at"])
        for p in passcodes
    ]


def trainer_audit_events(*, trainer: Trainer):
    """Events about the trainer, and events they caused that concern nobody else."""
    user_id = trainer.user_id
    return AuditEvent.objects.filter(
        Q(subject_user_id=user_id)
        | Q(actor_id=user_id, subject_user__isnull=True)
        | Q(object_type=Trainer._meta.label_lower, object_id=str(trainer.pk))
    ).filter(Q(subject_user__isnull=True) | Q(subject_user_id=user_id))


def _actor(event: AuditEvent, user_id: int) -> str:
    if event.actor_id is None:
        return "the portal"
    if event.actor_id == user_id:
        return "you"
    return "program staff"


def _audit_events(trainer: Trainer) -> list[dict]:
    events = trainer_audit_events(trainer=trainer).order_by("created_at", "pk")
    return [
        {
            "actor": _actor(e, trainer.user_id),
            **_fields(e, ["action", "object_type", "object_id", "before", "after", "note"]),
            "at": _value(e.created_at),
        }
        for e in events
    ]


def _other_records(trainer: Trainer) -> dict:
    return {
        "mcp_id_claim_attempts": [
            _fields(a, ["value", "succeeded", "created_at"])
            for a in McpIdClaimAttempt.objects.filter(trainer=trainer).order_by("pk")
        ],
        "help_messages": [
            _fields(f, ["name", "email", "topic", "message", "page", "created_at"])
            for f in Feedback.objects.filter(user_id=trainer.user_id).order_by("pk")
        ],
        "erasure_requests": [
            _fields(r, ["state", "reason", "created_at", "decided_at", "erased_at"])
            for r in ErasureRequest.objects.filter(trainer=trainer).order_by("pk")
        ],
    }


def trainer_data(*, trainer: Trainer, generated_at: datetime.datetime) -> dict:
    """Everything the portal holds about the trainer, as one JSON-ready document."""
    return {
        "format": EXPORT_FORMAT,
        "generated_at": _value(generated_at),
        "registration": _registration(trainer),
        "account": _account(trainer),
        "consents": _consents(trainer),
        "mcp_ids": _mcp_ids(trainer),
        "certifications": _certifications(trainer),
        "memberships": _memberships(trainer),
        "applications": _applications(trainer),
        "files": [
            {"document": str(d.public_id), "file": export_file_name(d)}
            if d.file.name
            else {"document": str(d.public_id), "file": None, "purged": True}
            for d in trainer_documents(trainer=trainer)
        ],
        "payments": _payments(trainer),
        "emails": _emails(trainer),
        "passcodes": _passcodes(trainer),
        "audit_events": _audit_events(trainer),
        **_other_records(trainer),
    }


# --- The profile page's "Your data" ----------------------------------------------------------


def current_data_export(*, trainer: Trainer) -> DataExport | None:
    """The open request (being prepared or ready), or the last one that failed."""
    return (
        DataExport.objects.filter(trainer=trainer)
        .filter(state__in=(*DATA_EXPORT_OPEN, DataExportState.FAILED))
        .order_by("-created_at", "-pk")
        .first()
    )


def current_erasure_request(*, trainer: Trainer) -> ErasureRequest | None:
    """The open request, or else the last one support refused."""
    return (
        ErasureRequest.objects.filter(trainer=trainer, state__in=ERASURE_OPEN).first()
        or ErasureRequest.objects.filter(trainer=trainer).order_by("-created_at", "-pk").first()
    )


def erased_trainer_years(*, trainer: Trainer) -> list[Membership]:
    """The membership years kept after erasure, for the verification page."""
    return list(Membership.objects.filter(trainer=trainer).order_by("starts_on", "pk"))
