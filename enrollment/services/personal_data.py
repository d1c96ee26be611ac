"""A trainer's data: a copy to take away (the data export) and erasure (docs/personal-data.md).

Export: data_export_request → (worker) data_export_build → ready → data_export_expire.
Erasure: erasure_request → support's erasure_confirm or erasure_refuse → (worker)
erasure_carry_out. Each transition locks its row, checks the map in enrollment.enums,
writes an audit row and enqueues its task after commit; the tasks are idempotent and
sweep_personal_data (enrollment.tasks) re-enqueues what a lost message or a killed worker
left behind.
"""

import json
import logging
import tempfile
import zipfile
from datetime import timedelta
from functools import partial

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from celery import shared_task
from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.transitions import check_transition
from verification.audit import audit
from verification.models import AuditEvent, Document, DocumentPage, OutboundEmail, Passcode
from verification.services.rendering import render_names

from ..enums import (
    APPLICATION_OPEN,
    DATA_EXPORT_OPEN,
    DATA_EXPORT_TRANSITIONS,
    ERASURE_OPEN,
    ERASURE_TRANSITIONS,
    MEMBERSHIP_OPEN,
    ApplicationStatus,
    DataExportState,
    ErasureState,
)
from ..errors import DomainError
from ..models import (
    Application,
    DataExport,
    ErasureRequest,
    Evidence,
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
from ..selectors.personal_data import trainer_audit_events, trainer_data, trainer_export_files
from .applications import application_withdraw
from .memberships import membership_end
from .payments import payment_abandon

logger = logging.getLogger(__name__)

# A request the worker has not finished by then is taken to be lost (a killed worker, a lost
# message) and enqueued again; after MAX_EXPORT_ATTEMPTS it fails.
STUCK_AFTER = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
MAX_EXPORT_ATTEMPTS = 3
ERASED = "(erased)"
# The search vocabulary of migration 0002_support_search (enrollment/support/selectors.py).
NAME_WORD_TABLE = "enrollment_search_name_word"


def export_storage():
    return DataExport._meta.get_field("file").storage


def export_file_path(export: DataExport) -> str:
    # One name per request: a second run overwrites, so a request never makes two files.
    return f"exports/{export.public_id}.zip"


def _move(row, transitions, to: str) -> None:
    label = row.get_state_display().lower()
    check_transition(
        transitions, row.state, to, message=f"This request is {label}: it cannot be changed now."
    )
    row.state = to


# --- The data export -----------------------------------------------------------------------


def data_export_request(*, trainer: Trainer, by) -> tuple[DataExport, bool]:
    """Asks for a copy of the trainer's data; one open request at a time, so a double click
    (or two tabs) gives one. Returns the request and whether it is new."""
    existing = DataExport.objects.filter(trainer=trainer, state__in=DATA_EXPORT_OPEN).first()
    if existing is not None and existing.expires_at and existing.expires_at <= timezone.now():
        data_export_expire(export_id=existing.pk)  # past its time; the sweep is not by yet
        existing = None
    if existing is not None:
        return existing, False
    export, created = _open_request(
        DataExport, DATA_EXPORT_OPEN, trainer=trainer, by=by, action="data_export.requested"
    )
    if created:
        build_data_export.delay_on_commit(export.pk)
    return export, created


def _open_request(model, open_states, *, trainer: Trainer, by, action: str) -> tuple:
    """Creates the trainer's one open request of `model` (a unique constraint keeps it one),
    audited; when another click's request won the race, returns that one. (row, created)."""
    try:
        with transaction.atomic():
            row = model.objects.create(trainer=trainer)
            audit(actor=by, action=action, target=row, subject_user=trainer.user)
    except IntegrityError:  # the other click's request won the race
        return model.objects.get(trainer=trainer, state__in=open_states), False
    return row, True


def _write_zip(export: DataExport, target) -> None:
    now = timezone.now()
    data = trainer_data(trainer=export.trainer, generated_at=now)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        for item in trainer_export_files(trainer=export.trainer):
            storage = item.document.file.storage
            try:
                source = storage.open(item.document.file.name, "rb")
            except FileNotFoundError:
                logger.warning(
                    "Export %s: file of document %s is gone", export.pk, item.document.pk
                )
                continue
            # Streamed in chunks through the storage API: local disk and S3 alike.
            with source, archive.open(item.arcname, "w") as entry:
                for chunk in iter(partial(source.read, 1024 * 1024), b""):
                    entry.write(chunk)


def data_export_build(*, export_id: int) -> DataExport | None:
    """Builds the zip (data.json and the files still kept) and offers it until expires_at.
    Idempotent: a second run waits for the row lock, then finds the request built."""
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update()
            .select_related("trainer__user")
            .filter(pk=export_id)
            .first()
        )
        if export is None or export.state != DataExportState.REQUESTED:
            return export
        storage = export_storage()
        with tempfile.TemporaryFile() as target:
            _write_zip(export, target)
            target.seek(0)
            name = export_file_path(export)
            storage.delete(name)  # what a killed run may have left
            export.file.name = storage.save(name, File(target, name=name))
            export.size = storage.size(export.file.name)
        now = timezone.now()
        _move(export, DATA_EXPORT_TRANSITIONS, DataExportState.READY)
        export.ready_at = now
        export.expires_at = now + timedelta(days=settings.DATA_EXPORT_DAYS)
        export.save(update_fields=["state", "file", "size", "ready_at", "expires_at", "updated_at"])
        audit(
            actor=None,
            action="data_export.ready",
            target=export,
            subject_user=export.trainer.user,
            after={"size": export.size, "expires_at": export.expires_at.isoformat()},
        )
    return export


def data_export_downloaded(*, export: DataExport, by) -> None:
    audit(actor=by, action="data_export.downloaded", target=export, subject_user=by)


def data_export_expire(*, export_id: int) -> DataExport | None:
    """Deletes the zip of a request past its time (or one the trainer's erasure ends)."""
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update()
            .select_related("trainer__user")
            .filter(pk=export_id)
            .first()
        )
        if export is None or export.state not in DATA_EXPORT_OPEN:
            return export
        name = export.file.name
        _move(export, DATA_EXPORT_TRANSITIONS, DataExportState.EXPIRED)
        export.file.name = ""
        export.save(update_fields=["state", "file", "updated_at"])
        audit(
            actor=None,
            action="data_export.expired",
            target=export,
            subject_user=export.trainer.user,
            note="The file was deleted.",
        )
        if name:
            transaction.on_commit(partial(export_storage().delete, name))
    return export


def _data_export_fail(*, export_id: int, reason: str) -> None:
    with transaction.atomic():
        export = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.state != DataExportState.REQUESTED:
            return
        _move(export, DATA_EXPORT_TRANSITIONS, DataExportState.FAILED)
        export.failure_reason = reason
        export.save(update_fields=["state", "failure_reason", "updated_at"])
        audit(
            actor=None,
            action="data_export.failed",
            target=export,
            subject_user=export.trainer.user,
            note=reason,
        )


def data_exports_sweep(*, now=None) -> dict:
    """Expires the exports past their time, and enqueues again (or fails, after
    MAX_EXPORT_ATTEMPTS) the requests no worker finished."""
    now = now or timezone.now()
    expired = list(
        DataExport.objects.filter(state=DataExportState.READY, expires_at__lte=now).values_list(
            "pk", flat=True
        )[:500]
    )
    for export_id in expired:
        data_export_expire(export_id=export_id)
    stuck = DataExport.objects.filter(
        state=DataExportState.REQUESTED, updated_at__lt=now - STUCK_AFTER
    ).order_by("pk")[:500]
    requeued = 0
    for export in stuck:
        if export.attempts + 1 >= MAX_EXPORT_ATTEMPTS:
            _data_export_fail(
                export_id=export.pk, reason="The copy could not be prepared; please ask again."
            )
            continue
        DataExport.objects.filter(pk=export.pk).update(
            attempts=export.attempts + 1, updated_at=timezone.now()
        )
        build_data_export.enqueue_now(args=(export.pk,))
        requeued += 1
    return {"expired": len(expired), "requeued": requeued}


@shared_task(name="enrollment.tasks.build_data_export", bind=True)
def build_data_export(self, export_id: int) -> str | None:
    export = data_export_build(export_id=export_id)
    return export.state if export else None


# --- Erasure ---------------------------------------------------------------------------------


class ErasureError(DomainError):
    pass


def erasure_request(*, trainer: Trainer, by) -> tuple[ErasureRequest, bool]:
    """The trainer asks support to delete their account; one open request at a time."""
    existing = ErasureRequest.objects.filter(trainer=trainer, state__in=ERASURE_OPEN).first()
    if existing is not None:
        return existing, False
    return _open_request(
        ErasureRequest, ERASURE_OPEN, trainer=trainer, by=by, action="erasure.requested"
    )


def _locked_request(request_id: int) -> ErasureRequest:
    return (
        ErasureRequest.objects.select_for_update()
        .select_related("trainer__user")
        .get(pk=request_id)
    )


@transaction.atomic
def erasure_confirm(*, request: ErasureRequest, by, note: str = "") -> ErasureRequest:
    """Support confirms: the erasure runs in a worker. Confirming twice erases once."""
    locked = _locked_request(request.pk)
    if locked.state in (ErasureState.CONFIRMED, ErasureState.ERASED):
        return locked
    _decide(locked, ErasureState.CONFIRMED, by=by, reason=note.strip(), action="erasure.confirmed")
    erase_trainer.delay_on_commit(locked.pk)
    return locked


@transaction.atomic
def erasure_refuse(*, request: ErasureRequest, by, reason: str) -> ErasureRequest:
    """Support refuses, saying why (the trainer sees the reason on their profile)."""
    reason = reason.strip()
    if not reason:
        raise ErasureError("Say why the request is refused.")
    locked = _locked_request(request.pk)
    _decide(locked, ErasureState.REFUSED, by=by, reason=reason, action="erasure.refused")
    return locked


def _decide(locked: ErasureRequest, to: str, *, by, reason: str, action: str) -> None:
    """Support's decision on a locked request: its state, who, when and why, audited."""
    _move(locked, ERASURE_TRANSITIONS, to)
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.reason = reason
    locked.save(update_fields=["state", "decided_by", "decided_at", "reason", "updated_at"])
    audit(actor=by, action=action, target=locked, subject_user=locked.trainer.user, note=reason)


def erasure_carry_out(*, request_id: int) -> ErasureRequest | None:
    """Erases or pseudonymises the trainer's personal data in one transaction, keeping what
    the law and the program must keep without the personal fields (docs/personal-data.md).
    Idempotent: a request not (or no longer) confirmed is left alone."""
    with transaction.atomic():
        request = (
            ErasureRequest.objects.select_for_update()
            .select_related("trainer__user")
            .filter(pk=request_id)
            .first()
        )
        if request is None or request.state != ErasureState.CONFIRMED:
            return request
        trainer = request.trainer
        by = request.decided_by
        _erase_mail_and_audit(trainer)
        _close_open_work(trainer, by=by)
        names = _erase_trainer_records(trainer)
        file_names = _erase_documents(trainer)
        _erase_account(trainer)
        now = timezone.now()
        _move(request, ERASURE_TRANSITIONS, ErasureState.ERASED)
        request.erased_at = now
        request.save(update_fields=["state", "erased_at", "updated_at"])
        audit(
            actor=by,
            action="erasure.completed",
            target=request,
            subject_user=trainer.user,
            after={"files_deleted": len(file_names)},
            note="Personal data erased; payments, invoices, decisions and membership years "
            "kept without personal fields.",
        )
        _forget_search_words(names)
        # Storage last, after the commit: if a delete fails, the orphan sweep finds the file.
        storage = Document._meta.get_field("file").storage
        for name in file_names:
            transaction.on_commit(partial(_delete_quietly, storage, name))
    return request


def _delete_quietly(storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:  # the orphan sweep (verification) deletes it later
        logger.exception("Could not delete %s after an erasure", name)


def _close_open_work(trainer: Trainer, *, by) -> None:
    """Open applications are withdrawn (quietly) and open membership years ended; exports
    are expired (their zips deleted)."""
    for application in Application.objects.filter(trainer=trainer, status__in=APPLICATION_OPEN):
        if application.status != ApplicationStatus.AWAITING_PAYMENT:
            application_withdraw(
                application=application, by=by, reason="Account erased.", notify=False
            )
            continue
        try:
            with transaction.atomic():
                payment_abandon(
                    application=application, by=by, reason="Account erased.", notify=False
                )
        except DomainError:  # already paid: the payment and its application stay as they are
            logger.warning("Erasure: application %s is paid, left as it is", application.pk)
    for membership in Membership.objects.filter(trainer=trainer, status__in=MEMBERSHIP_OPEN):
        membership_end(
            membership=membership, by=by, reason="Account erased at the member's request."
        )
    for export_id in DataExport.objects.filter(
        trainer=trainer, state__in=DATA_EXPORT_OPEN
    ).values_list("pk", flat=True):
        data_export_expire(export_id=export_id)


def _erase_trainer_records(trainer: Trainer) -> list[str]:
    """Registration data, consents, MCP IDs, applications, evidence and payments lose their
    personal fields. Returns the old name words (for the search vocabulary)."""
    names = [trainer.first_name.lower(), trainer.middle_name.lower(), trainer.last_name.lower()]
    old_email = trainer.email
    pseudonym = f"erased-{trainer.pk}@invalid"
    for name in Trainer.REGISTRATION_FIELDS:
        setattr(trainer, name, "")
    trainer.email = pseudonym
    trainer.mtm_id = ""
    trainer.area_of_expertise = ""
    trainer.language = ""
    trainer.consent_program_contact = False
    trainer.consent_partner_contact = False
    trainer.erased_at = timezone.now()
    trainer.save()

    mcp_ids = McpId.objects.filter(trainer=trainer)
    ExamResult.objects.filter(mcp_id__in=mcp_ids).update(
        candidate_first_name="", candidate_last_name="", candidate_email=""
    )
    # The MCP IDs stay (exams and certifications hang on them) but no longer lead here.
    mcp_ids.update(
        trainer=None,
        is_primary=False,
        access_code_hash="",
        access_code_issued_at=None,
        claim_locked_at=None,
    )
    McpIdClaimAttempt.objects.filter(trainer=trainer).delete()
    Application.objects.filter(trainer=trainer).update(
        institution_name="",
        department_name="",
        microsoft_alias="",
        verified_email="",
        mtm_id="",
        draft_data={},
    )
    Evidence.objects.filter(application__trainer=trainer).update(
        course_name="", organization="", manager_name="", manager_email=""
    )
    Payment.objects.filter(application__trainer=trainer).update(
        billing_name="", billing_address="", billing_vat_id="", redirect_url=""
    )
    from_them = Q(user=trainer.user) | (Q(email__iexact=old_email) if old_email else Q())
    Feedback.objects.filter(from_them).update(name="", email="", message=ERASED)
    MembershipCredential.objects.filter(membership__trainer=trainer).update(token="")
    return [n for n in names if n]


def _erase_documents(trainer: Trainer) -> list[str]:
    """Uploaded files go (names returned, deleted after commit); the review decision stays."""
    names: list[str] = []
    documents = Document.objects.select_for_update().filter(owner=trainer.user)
    for document in documents:
        names += [f.name for f in (document.file, document.preview) if f.name]
        names += render_names(document)
    DocumentPage.objects.filter(document__owner=trainer.user).delete()
    documents.update(
        file="",
        preview="",
        rendered_text="",
        original_name=ERASED,
        details={},
        file_deleted_at=timezone.now(),
    )
    return names


def _erase_mail_and_audit(trainer: Trainer) -> None:
    user = trainer.user
    addressed = Q(user=user)
    for address in {user.email, trainer.email} - {""}:
        addressed |= Q(to__iexact=address)
    OutboundEmail.objects.filter(addressed).update(
        to=f"erased-{trainer.pk}@invalid", subject=ERASED, body_text="", body_html="", last_error=""
    )
    Passcode.objects.filter(user=user).delete()
    # Decisions stay (who did what, when, the states); the personal text in them goes.
    for event in trainer_audit_events(trainer=trainer).iterator():
        event.before = _blank(event.before)
        event.after = _blank(event.after)
        event.note = ERASED if event.note else ""
        event.save(update_fields=["before", "after", "note"])
    if connection.vendor == "postgresql":
        # Support searches that found the trainer kept the words typed (a name, an address).
        AuditEvent.objects.filter(
            action="support.search", after__trainer_ids__contains=[trainer.pk]
        ).update(note=ERASED)


# Keys of audit before/after values that hold personal data (the rest are states, dates, ids).
PERSONAL_KEYS = frozenset(
    [
        *Trainer.REGISTRATION_FIELDS,
        "name",
        "full_name",
        "to",
        "address",
        "mtm_id",
        "microsoft_alias",
        "verified_email",
        "institution_name",
        "department_name",
        "organization",
        "manager_name",
        "manager_email",
        "original_name",
        "billing_name",
        "billing_address",
        "billing_vat_id",
        "area_of_expertise",
    ]
)


def _blank(values):
    """The same dictionary with the values of personal keys replaced."""
    if isinstance(values, list):
        return [_blank(v) for v in values]
    if not isinstance(values, dict):
        return values
    return {
        key: ERASED if key in PERSONAL_KEYS and value not in (None, "", [], {}) else _blank(value)
        for key, value in values.items()
    }


def _erase_account(trainer: Trainer) -> None:
    """The sign-in account is kept (audit rows point at it) but cannot be used or found."""
    user = trainer.user
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.username = f"erased-{trainer.pk}"
    user.email = f"erased-{trainer.pk}@invalid"
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()


def _forget_search_words(words: list[str]) -> None:
    """Names nobody else holds leave the support search's vocabulary (migration 0002)."""
    if connection.vendor != "postgresql" or not words:
        return
    table = connection.ops.quote_name(Trainer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {NAME_WORD_TABLE} w WHERE w.word = ANY(%s) AND NOT EXISTS ("  # noqa: S608
            f"SELECT 1 FROM {table} t WHERE lower(t.first_name) = w.word "
            "OR lower(t.last_name) = w.word)",
            [words],
        )


def erasures_sweep(*, now=None) -> int:
    """Enqueues again the confirmed erasures no worker finished."""
    now = now or timezone.now()
    stuck = ErasureRequest.objects.filter(
        state=ErasureState.CONFIRMED, updated_at__lt=now - STUCK_AFTER
    ).values_list("pk", flat=True)[:500]
    count = 0
    for request_id in stuck:
        ErasureRequest.objects.filter(pk=request_id).update(updated_at=timezone.now())
        erase_trainer.enqueue_now(args=(request_id,))
        count += 1
    return count


def erased_records_retention_sweep(*, today=None) -> dict:
    """Past their retention after an erasure: invoices lose their buyer fields
    (ERASURE_KEEP_INVOICES_YEARS after issue) and membership years are deleted
    (ERASURE_KEEP_MEMBERSHIP_YEARS after the erasure)."""
    today = today or timezone.localdate()
    invoice_cutoff = today.replace(year=today.year - settings.ERASURE_KEEP_INVOICES_YEARS)
    cleared = 0
    old_documents = PaymentDocument.objects.filter(
        payment__application__trainer__erased_at__isnull=False, issued_on__lt=invoice_cutoff
    ).exclude(content__buyer__name=ERASED)
    for document in old_documents.select_related("payment__application__trainer__user")[:500]:
        with transaction.atomic():
            locked = PaymentDocument.objects.select_for_update().get(pk=document.pk)
            buyer = locked.content.get("buyer") or {}
            locked.content = {
                **locked.content,
                "buyer": {**buyer, "name": ERASED, "address": [], "email": "", "vat_id": ""},
            }
            locked.save(update_fields=["content"])
            audit(
                actor=None,
                action="payment_document.buyer_erased",
                target=locked,
                subject_user=document.payment.application.trainer.user,
                note="Retention after erasure ended: the buyer's details were cleared.",
            )
        cleared += 1
    membership_cutoff = timezone.now() - timedelta(
        days=365 * settings.ERASURE_KEEP_MEMBERSHIP_YEARS
    )
    deleted = 0
    for trainer in Trainer.objects.filter(
        erased_at__lt=membership_cutoff, memberships__isnull=False
    ).distinct()[:500]:
        with transaction.atomic():
            count, _ = Membership.objects.filter(trainer=trainer).delete()
            audit(
                actor=None,
                action="membership.history_deleted",
                target=trainer,
                subject_user=trainer.user,
                after={"rows": count},
                note="Retention after erasure ended.",
            )
        deleted += 1
    return {"invoices_cleared": cleared, "trainers_history_deleted": deleted}


@shared_task(name="enrollment.tasks.erase_trainer", bind=True)
def erase_trainer(self, request_id: int) -> str | None:
    request = erasure_carry_out(request_id=request_id)
    return request.state if request else None
