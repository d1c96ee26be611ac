"""The application lifecycle (docs/spec.md §4). Every status change goes through `_transition`."""

import copy

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mct_portal.links import portal_url
from verification.audit import audit, changed_fields

from ..enums import APPLICATION_OPEN, APPLICATION_TRANSITIONS, ApplicationStatus, EvidenceKind
from ..errors import InvalidTransition
from ..models import Application, Trainer
from ..paths.registry import path_definition, start_url
from ..rules.drafts import merge_draft
from ..rules.requirements import review_status
from ..selectors.applications import application_requirements, profile_complete
from .evidence import (
    evidence_carry_over,
    evidence_declare_waiver,
    evidence_retire,
    evidence_upload,
    withdraw_documents,
)
from .memberships import membership_extend, membership_start
from .trainers import trainer_ensure, trainer_mail

# Statuses the trainer is told about by email, with the template role that tells them.
STATUS_EMAIL_ROLES = {
    ApplicationStatus.ACTION_REQUIRED: "application_action_required",
    ApplicationStatus.READY: "application_ready",
    ApplicationStatus.AWAITING_PAYMENT: "application_awaiting_payment",
    ApplicationStatus.APPROVED: "application_approved",
    ApplicationStatus.PAYMENT_CANCELLED: "application_payment_cancelled",
    ApplicationStatus.WITHDRAWN: "application_withdrawn",
}


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update()
        .select_related("trainer__user")
        .get(pk=application.pk)
    )


def _notify(application: Application, status: str) -> None:
    role = STATUS_EMAIL_ROLES.get(status)
    if role is None:
        return
    trainer_mail(
        application.trainer,
        role=role,
        context={
            # Lazy labels: written in the trainer's language when the email is rendered.
            "path_label": path_definition(application.path).label,
            "status_label": ApplicationStatus(status).label,
            "application_public_id": str(application.public_id),
            "continue_url": portal_url(start_url(application.path)),
            "payment_url": portal_url(
                reverse("payment", kwargs={"public_id": application.public_id})
            ),
            "is_alumni": path_definition(application.path).is_alumni,
        },
    )


def _transition(
    application: Application,
    to: str,
    *,
    by,
    note: str = "",
    extra_fields: tuple = (),
    notify: bool = True,
) -> Application:
    """Moves a locked application to `to`, or raises InvalidTransition; audits; emails
    (unless the caller tells the trainer itself: `notify=False`)."""
    current = application.status
    if to not in APPLICATION_TRANSITIONS.get(current, set()):
        raise InvalidTransition(
            f"An application that is {ApplicationStatus(current).label.lower()} "
            f"cannot become {ApplicationStatus(to).label.lower()}."
        )
    application.status = to
    application.save(update_fields=["status", "updated_at", *extra_fields])
    audit(
        actor=by,
        action=f"application.{to}",
        target=application,
        subject_user=application.trainer.user,
        before={"status": current},
        after={"status": to},
        note=note,
    )
    if notify:
        _notify(application, to)
    return application


def open_application(*, trainer: Trainer, path: str) -> Application | None:
    return Application.objects.filter(
        trainer=trainer, path=path, status__in=APPLICATION_OPEN
    ).first()


def application_start(
    *, trainer: Trainer, path: str, by, initial: dict | None = None
) -> Application:
    """Returns the trainer's open application on this path, creating a draft if none.

    Two tabs (or two devices) starting the same path at once get the same draft.
    """
    existing = open_application(trainer=trainer, path=path)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            application = Application.objects.create(trainer=trainer, path=path, **(initial or {}))
            audit(
                actor=by,
                action="application.started",
                target=application,
                subject_user=trainer.user,
                after={"path": path},
            )
            return application
    except IntegrityError:
        return open_application(trainer=trainer, path=path)


@transaction.atomic
def application_begin(
    *, trainer: Trainer, path: str, by, initial: dict | None = None
) -> Application:
    """The first valid POST of a wizard: the draft starts (and the trainer record, when this
    is the person's first application), with the evidence that carries over, in one
    transaction. Opening a wizard writes nothing; this is where the draft begins.

    A double click or a second tab gets the same draft (the one-open-application rule).
    """
    if trainer.pk is None:
        trainer = trainer_ensure(by)
    application = application_start(trainer=trainer, path=path, by=by, initial=initial)
    if evidence_carry_over(application=application, by=by):
        application = application_reevaluate(application=application, by=by)
    return application


@transaction.atomic
def application_set_review_state(*, application: Application, to: str, by=None) -> Application:
    """Moves an application between draft, in_review, action_required and ready.

    Called whenever its evidence changes; staying in the same state is not a change.
    """
    locked = _lock(application)
    if locked.status == to:
        return locked
    return _transition(locked, to, by=by)


@transaction.atomic
def application_submit(*, application: Application, by) -> Application:
    """The trainer confirms a ready application: MCT paths go on to payment, alumni
    paths are approved at once. A second submit (double click, replay) changes nothing."""
    locked = _lock(application)
    if locked.submitted_at is not None and locked.status in (
        ApplicationStatus.AWAITING_PAYMENT,
        ApplicationStatus.APPROVED,
    ):
        return locked
    if locked.status != ApplicationStatus.READY:
        raise InvalidTransition(
            "This application cannot be submitted yet: every requirement must be met and "
            "every document approved first."
        )
    locked.submitted_at = timezone.now()
    if not path_definition(locked.path).has_fee:
        locked.save(update_fields=["submitted_at", "updated_at"])
        return _approve(locked, by=by)
    return _transition(
        locked, ApplicationStatus.AWAITING_PAYMENT, by=by, extra_fields=("submitted_at",)
    )


def _approve(locked: Application, *, by, note: str = "") -> Application:
    locked.decided_at = timezone.now()
    _transition(locked, ApplicationStatus.APPROVED, by=by, note=note, extra_fields=("decided_at",))
    definition = path_definition(locked.path)
    program = definition.program
    if definition.extends_membership:
        membership_extend(trainer=locked.trainer, program=program, application=locked, by=by)
    else:
        membership_start(trainer=locked.trainer, program=program, application=locked, by=by)
    return locked


@transaction.atomic
def application_mark_paid(*, application: Application, by, note: str = "") -> Application:
    """Payment arrived: the application is approved and the membership starts or extends.

    Idempotent: a provider callback delivered twice approves once.
    """
    locked = _lock(application)
    if locked.status == ApplicationStatus.APPROVED:
        return locked
    if locked.status != ApplicationStatus.AWAITING_PAYMENT:
        raise InvalidTransition("Only an application awaiting payment can be paid.")
    return _approve(locked, by=by, note=note)


@transaction.atomic
def application_payment_cancel(
    *, application: Application, by, note: str = "", notify: bool = True
) -> Application:
    """The payment was cancelled; the trainer may re-apply on the same path."""
    locked = _lock(application)
    if locked.status == ApplicationStatus.PAYMENT_CANCELLED:
        return locked
    return _transition(locked, ApplicationStatus.PAYMENT_CANCELLED, by=by, note=note, notify=notify)


@transaction.atomic
def application_withdraw(
    *, application: Application, by, reason: str = "", notify: bool = True
) -> Application:
    """Withdraws an open application (by the trainer, or when an idle draft expires)."""
    locked = _lock(application)
    if locked.status == ApplicationStatus.WITHDRAWN:
        return locked
    locked.draft_data = {}
    # What it was waiting for no longer counts: out of the review queue, files deleted.
    withdraw_documents(application=locked, by=by, reason=reason)
    return _transition(
        locked,
        ApplicationStatus.WITHDRAWN,
        by=by,
        note=reason,
        extra_fields=("draft_data",),
        notify=notify,
    )


# ----------------------------------------------------------------------------------------
# The wizard: saving steps, evidence and terms, and re-evaluating the review state.

# The statuses in which the trainer may still change the application, and in which its
# status follows from its requirements.
REVIEW_STATES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.ACTION_REQUIRED,
    ApplicationStatus.READY,
)

PROFILE_FIELDS = (
    "employer_type",
    "institution_name",
    "department_name",
    "imagine_academy",
    "partner",
    "microsoft_alias",
    "verified_email",
    "is_microsoft_employee",
    "area_of_expertise",
    "primary_audience",
)
_PROFILE_EMPTY = {
    "imagine_academy": None,
    "partner": None,
    "is_microsoft_employee": None,
}


def _editable(locked: Application) -> Application:
    if locked.status not in REVIEW_STATES:
        raise InvalidTransition(
            f"This application is {ApplicationStatus(locked.status).label.lower()} and can no "
            "longer be changed."
        )
    return locked


@transaction.atomic
def application_save_draft(
    *,
    application: Application,
    draft_data: dict,
    current_step: str,
    touch: bool = True,
    base: dict | None = None,
    base_step: str | None = None,
) -> None:
    """Stores the wizard's raw form data and where the trainer is (no status change).

    With `base` (the draft as this request read it), only what this request changed is
    written over the row as it is now: a concurrent request's changes are kept.
    """
    if base is not None:
        current = (
            Application.objects.select_for_update()
            .filter(pk=application.pk)
            .values("draft_data", "current_step")
            .first()
        )
        if current is None:
            return
        draft_data = merge_draft(base, draft_data, current["draft_data"])
        if base_step is not None and current_step == base_step:
            current_step = current["current_step"]
    fields = {"draft_data": draft_data, "current_step": current_step}
    if touch:
        fields["last_activity_at"] = timezone.now()
    Application.objects.filter(pk=application.pk, status__in=APPLICATION_OPEN).update(**fields)


@transaction.atomic
def application_reevaluate(*, application: Application, by=None) -> Application:
    """Puts an open application in the review state its requirements and evidence call for.

    Called after every saved step and after every review decision on its documents.
    Applications past confirmation (awaiting payment, approved...) are left alone.
    """
    return _reevaluate_locked(_lock(application), by=by)


def _review_status_of(application: Application, requirements) -> str:
    return review_status(
        requirements,
        profile_complete=profile_complete(application),
        terms_accepted=application.terms_accepted_at is not None,
    )


def _reevaluate_locked(locked: Application, *, by) -> Application:
    if locked.status not in REVIEW_STATES:
        return locked
    status = _review_status_of(locked, application_requirements(application=locked))
    if status == locked.status:
        return locked
    return _transition(locked, status, by=by)


def application_as_reevaluated(*, application: Application, requirements) -> Application:
    """What `application_reevaluate` would make of the application, saving nothing: the
    application itself, or an unsaved copy in the review state `requirements` call for.

    A GET (the wizard's confirmation page) shows the truth this way without writing.
    """
    if application.status not in REVIEW_STATES:
        return application
    status = _review_status_of(application, requirements)
    if status == application.status:
        return application
    shown = copy.copy(application)
    shown.status = status
    return shown


def _profile_values(values: dict) -> dict:
    return {name: values.get(name, _PROFILE_EMPTY.get(name, "")) for name in PROFILE_FIELDS}


def application_save_profile(*, application: Application, by, values: dict) -> Application:
    """The profile step: employer and its details, audience (or the alumni questions).

    The same answers as the application already holds (Back then Next, a second tab, a
    double click) take no lock and no transaction: nothing would be written. A concurrent
    change is not lost by this: the request counts as having come before it.
    """
    new_values = _profile_values(values)
    unchanged = application.status in REVIEW_STATES and changed_fields(
        application, list(PROFILE_FIELDS), new_values
    ) == ({}, {})
    if unchanged and not (
        application.area_of_expertise
        and application.trainer.area_of_expertise != application.area_of_expertise
    ):
        return application
    return _save_profile_locked(application=application, by=by, new_values=new_values)


@transaction.atomic
def _save_profile_locked(*, application: Application, by, new_values: dict) -> Application:
    locked = _editable(_lock(application))
    before, after = changed_fields(locked, list(PROFILE_FIELDS), new_values)
    for name, value in new_values.items():
        setattr(locked, name, value)
    if before or after:
        # The same answers again (Back, then Next; a second tab) write nothing.
        locked.save(update_fields=[*PROFILE_FIELDS, "updated_at"])
        audit(
            actor=by,
            action="application.profile_saved",
            target=locked,
            subject_user=locked.trainer.user,
            before=before,
            after=after,
        )
    trainer = locked.trainer
    if locked.area_of_expertise and trainer.area_of_expertise != locked.area_of_expertise:
        trainer.area_of_expertise = locked.area_of_expertise
        trainer.save(update_fields=["area_of_expertise", "updated_at"])
    if not (before or after):
        # Nothing the requirements read has changed: the state stands (records changed
        # elsewhere are re-evaluated by their own events and before a submit).
        return locked
    return _reevaluate_locked(locked, by=by)


@transaction.atomic
def application_save_requirements(
    *,
    application: Application,
    by,
    mtm_id: str = "",
    proof: dict | None = None,
    summary_file=None,
    waiver: dict | None = None,
    retire=(),
) -> Application:
    """The requirements step: MTM ID, and the evidence the trainer uploaded or declared.

    `proof`: credential_type, certified_on, uploaded_file (new instructional-skills proof).
    `summary_file`: a training summary or score report. `waiver`: the waiver form's answers.
    `retire`: evidence kinds that no longer apply (e.g. a summary once the waiver is chosen).
    """
    locked = _editable(_lock(application))
    mtm_id = (mtm_id or "").strip()
    if locked.mtm_id != mtm_id:
        audit(
            actor=by,
            action="application.mtm_id_saved",
            target=locked,
            subject_user=locked.trainer.user,
            before={"mtm_id": locked.mtm_id},
            after={"mtm_id": mtm_id},
        )
        locked.mtm_id = mtm_id
        locked.save(update_fields=["mtm_id", "updated_at"])
    trainer = locked.trainer
    if mtm_id and trainer.mtm_id != mtm_id:
        # The trainer's MTM ID is what next year's renewal is checked against.
        trainer.mtm_id = mtm_id
        trainer.save(update_fields=["mtm_id", "updated_at"])
    if retire:
        evidence_retire(application=locked, kinds=retire, by=by)
    if proof is not None:
        evidence_upload(
            application=locked,
            kind=EvidenceKind.INSTRUCTIONAL_SKILLS,
            uploaded_file=proof["uploaded_file"],
            credential_type=proof["credential_type"],
            certified_on=proof["certified_on"],
            by=by,
        )
    if summary_file is not None:
        evidence_upload(
            application=locked,
            kind=EvidenceKind.TRAINING_SUMMARY,
            uploaded_file=summary_file,
            by=by,
        )
    if waiver is not None:
        evidence_declare_waiver(application=locked, by=by, **waiver)
    return application_reevaluate(application=locked, by=by)


@transaction.atomic
def application_accept_terms(*, application: Application, by, versions) -> Application:
    """Records which versions of the program terms the trainer accepted, and when."""
    locked = _editable(_lock(application))
    versions = [v for v in versions if v is not None]
    locked.terms_accepted_at = timezone.now()
    locked.save(update_fields=["terms_accepted_at", "updated_at"])
    locked.accepted_terms.set(versions)
    audit(
        actor=by,
        action="application.terms_accepted",
        target=locked,
        subject_user=locked.trainer.user,
        after={"terms": [str(v) for v in versions]},
    )
    return application_reevaluate(application=locked, by=by)
