"""Reads about applications and what their requirements are checked against."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone

from core.prepared import Arg, PreparedBundle, PreparedRead
from verification.passcodes import PROOFS_OF_USER, verified_addresses

from ..enums import (
    APPLICATION_OPEN,
    ApplicationStatus,
    EmployerType,
    Program,
    TermsDocument,
)
from ..models import (
    Application,
    Certification,
    EarnedCertification,
    Evidence,
    McpId,
    Membership,
    MtmTrainingRecord,
    TermsVersion,
    Trainer,
)
from ..paths.registry import PROOF_AFTER_ABSENCE, PROOF_NEVER, path_definition, program_for_path
from ..rules.eligibility import Standing, standing_from
from ..rules.requirements import (
    DECLARED,
    EvidenceFact,
    Requirement,
    RequirementFacts,
    evaluate_requirements,
    mtm_requirement_met,
    proof_required,
    teaching_window_start,
)

TERMS_FOR_PROGRAM = {
    Program.MCT: (TermsDocument.MCT_PROGRAM_GUIDE, TermsDocument.MCT_PROGRAM_AGREEMENT),
    Program.ALUMNI: (TermsDocument.ALUMNI_PROGRAM_AGREEMENT,),
}


# ------------------------------------------------------------------ certifications


def qualifying_certifications(*, trainer: Trainer) -> list[EarnedCertification]:
    """The trainer's qualifying certifications across every linked MCP ID, in one query.

    A certification held under two MCP IDs is listed once (the earliest earned).
    """
    earned = (
        EarnedCertification.objects.filter(
            mcp_id__trainer=trainer,
            certification__qualifies_for_mct=True,
            certification__retired=False,
        )
        .select_related("certification", "mcp_id")
        .order_by("certification__name", "earned_on", "pk")
    )
    seen: set[int] = set()
    unique = []
    for row in earned:
        if row.certification_id not in seen:
            seen.add(row.certification_id)
            unique.append(row)
    return unique


def qualifying_catalog() -> list[Certification]:
    """The certifications that qualify for the MCT program, for a trainer who has none."""
    return list(Certification.objects.filter(qualifies_for_mct=True, retired=False))


def trainer_mcp_ids(*, trainer: Trainer) -> list[McpId]:
    """The trainer's MCP IDs, primary first."""
    return list(McpId.objects.filter(trainer=trainer).order_by("-is_primary", "value"))


def trainer_certifications(*, trainer: Trainer) -> list[EarnedCertification]:
    """Every certification on any of the trainer's MCP IDs, newest first, in one query."""
    return list(
        EarnedCertification.objects.filter(mcp_id__trainer=trainer)
        .select_related("certification", "mcp_id")
        .order_by("-earned_on", "certification__name")
    )


# ------------------------------------------------------------------ teaching records


def mtm_deliveries(*, mtm_id: str, today: datetime.date) -> list[MtmTrainingRecord]:
    """The trainer's MTM deliveries of the previous 365 days, newest first."""
    mtm_id = (mtm_id or "").strip()
    if not mtm_id:
        return []
    return list(
        MtmTrainingRecord.objects.filter(
            mtm_id=mtm_id, delivered_on__gte=teaching_window_start(today), delivered_on__lte=today
        ).order_by("-delivered_on")
    )


def mtm_met(*, mtm_id: str, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    deliveries = mtm_deliveries(mtm_id=mtm_id, today=today)
    return mtm_requirement_met(
        [(d.delivered_on, d.average_score) for d in deliveries],
        today,
        settings.MTM_MIN_AVERAGE_SCORE,
    )


# ------------------------------------------------------------------ memberships


# A trainer's membership years (core.prepared: compiled once; the profile page reads them
# alone, the wizard with its draft).
_TRAINER_MEMBERSHIPS = PreparedRead(
    lambda: Membership.objects.filter(trainer_id=Arg("trainer_id", models.BigIntegerField()))
)


def membership_standing(*, trainer: Trainer) -> Standing:
    """The trainer's open and latest membership year per program, in one query."""
    return standing_from(_TRAINER_MEMBERSHIPS.all(trainer_id=trainer.pk))


# ------------------------------------------------------------------ applications


def owned_application(*, trainer: Trainer, public_id) -> Application | None:
    """One of this trainer's applications; someone else's is simply not found."""
    return (
        Application.objects.select_related("trainer__user", "partner", "imagine_academy")
        .filter(trainer=trainer, public_id=public_id)
        .first()
    )


def open_application_for_path(*, trainer: Trainer, path: str) -> Application | None:
    return (
        Application.objects.select_related("trainer__user", "partner", "imagine_academy")
        .filter(trainer=trainer, path=path, status__in=APPLICATION_OPEN)
        .first()
    )


# What every wizard request reads (core.prepared: compiled once, one round trip). The
# draft is read without its partner and Imagine Academy joins: most drafts have neither,
# planning the joins took PostgreSQL longer than running the query, and a draft with one
# loads it when a page shows it.
_OPEN_APPLICATION = PreparedRead(
    lambda: Application.objects.filter(
        trainer_id=Arg("trainer_id", models.BigIntegerField()),
        path=Arg("path"),
        status__in=APPLICATION_OPEN,
    ).order_by("pk")[:1]
)
_WIZARD_RECORDS = PreparedBundle(
    application=_OPEN_APPLICATION, memberships=_TRAINER_MEMBERSHIPS, proofs=PROOFS_OF_USER
)


@dataclass(frozen=True)
class WizardRecords:
    application: Application | None
    standing: Standing
    verified_addresses: dict[str, list[str]]


def wizard_records(*, trainer: Trainer, path: str) -> WizardRecords:
    """What a wizard request is checked against, in one round trip: the trainer's open
    application on `path` (holding this very trainer object: the request has read it
    already), their membership years, and the addresses they proved with a passcode."""
    found = _WIZARD_RECORDS.all(
        trainer_id=trainer.pk, path=path, user_id=trainer.user_id, now=timezone.now()
    )
    application = found["application"][0] if found["application"] else None
    if application is not None:
        application.trainer = trainer
    return WizardRecords(
        application=application,
        standing=standing_from(found["memberships"]),
        verified_addresses=verified_addresses(found["proofs"]),
    )


def current_evidence(*, application: Application) -> dict[str, Evidence]:
    """The application's current evidence by kind, with its document, in one query."""
    rows = Evidence.objects.filter(application=application, is_current=True).select_related(
        "document", "credential_type"
    )
    return {row.kind: row for row in rows}


def evidence_fact(evidence: Evidence) -> EvidenceFact:
    if evidence.document_id is None:
        return EvidenceFact(kind=evidence.kind, state=DECLARED)
    document = evidence.document
    reason = document.decision_reason or document.refusal_reason
    return EvidenceFact(kind=evidence.kind, state=document.state, reason=reason)


def application_requirement_facts(
    *,
    application: Application,
    today: datetime.date | None = None,
    qualifying_count: int | None = None,
    evidence: dict[str, Evidence] | None = None,
    standing: Standing | None = None,
) -> RequirementFacts:
    """Everything the requirement rules need about one application.

    Callers that already hold some of the facts (the wizard does) pass them in.
    """
    today = today or timezone.localdate()
    trainer = application.trainer
    path = application.path
    definition = path_definition(path)
    if not definition.has_requirements:
        return RequirementFacts(path=path)
    if qualifying_count is None:
        qualifying_count = len(qualifying_certifications(trainer=trainer))
    if evidence is None:
        evidence = current_evidence(application=application)
    needs_proof = False
    if definition.proof != PROOF_NEVER:
        lapsed_on = None
        if definition.proof == PROOF_AFTER_ABSENCE:
            standing = standing or membership_standing(trainer=trainer)
            lapsed_on = standing.mct_latest.anniversary_on if standing.mct_latest else None
        needs_proof = proof_required(
            path, lapsed_on=lapsed_on, today=today, after_years=settings.REJOIN_PROOF_AFTER_YEARS
        )
    teaching_met = False
    if definition.needs_teaching:
        teaching_met = mtm_met(mtm_id=application.mtm_id or trainer.mtm_id, today=today)
    return RequirementFacts(
        path=path,
        employer_type=application.employer_type,
        qualifying_certifications=qualifying_count,
        mtm_met=teaching_met,
        proof_required=needs_proof,
        evidence={kind: evidence_fact(row) for kind, row in evidence.items()},
    )


def application_requirements(*, application: Application, **facts) -> list[Requirement]:
    return evaluate_requirements(application_requirement_facts(application=application, **facts))


def profile_complete(application: Application) -> bool:
    if path_definition(application.path).is_alumni:
        return application.is_microsoft_employee is not None and bool(application.area_of_expertise)
    return bool(application.employer_type and application.primary_audience)


def terms_documents_for_path(path: str) -> tuple[str, ...]:
    return TERMS_FOR_PROGRAM[program_for_path(path)]


def current_terms(*, documents, now: datetime.datetime | None = None) -> dict:
    """The latest published version of each document (None where none is published yet)."""
    now = now or timezone.now()
    versions = dict.fromkeys(documents)
    rows = TermsVersion.objects.filter(document__in=list(documents), published_at__lte=now)
    for row in rows.order_by("document", "-published_at", "-pk"):
        if versions[row.document] is None:
            versions[row.document] = row
    return versions


def open_applications(*, trainer: Trainer) -> list[Application]:
    """The trainer's open applications, each with its current evidence and documents."""
    return list(
        Application.objects.filter(trainer=trainer, status__in=APPLICATION_OPEN)
        .select_related("partner", "imagine_academy")
        .prefetch_related(
            Prefetch(
                "evidence",
                queryset=Evidence.objects.filter(is_current=True).select_related(
                    "document", "credential_type"
                ),
                to_attr="current_evidence_list",
            )
        )
        .order_by("created_at")
    )


def recently_cancelled(*, trainer: Trainer, exclude_paths=()) -> list[Application]:
    """Applications whose payment was cancelled and that the trainer has not re-applied for."""
    rows = (
        Application.objects.filter(trainer=trainer, status=ApplicationStatus.PAYMENT_CANCELLED)
        .exclude(path__in=list(exclude_paths))
        .order_by("-updated_at")
    )
    latest_per_path: dict[str, Application] = {}
    for row in rows[:20]:
        latest_per_path.setdefault(row.path, row)
    return list(latest_per_path.values())


def prefill_for_path(*, trainer: Trainer, path: str) -> dict:
    """Model fields a new draft starts from: the trainer's latest application data.

    Renewal, rejoin, upgrade and a re-application after a cancelled payment start from
    what the trainer declared last time; they can change it.
    """
    previous = (
        Application.objects.filter(
            trainer=trainer,
            status__in=(ApplicationStatus.APPROVED, ApplicationStatus.PAYMENT_CANCELLED),
        )
        .select_related("partner", "imagine_academy")
        .order_by("-decided_at", "-updated_at")
    )
    initial: dict = {}
    if path_definition(path).is_alumni:
        source = next((a for a in previous if a.is_microsoft_employee is not None), None)
        if source is not None:
            initial["is_microsoft_employee"] = source.is_microsoft_employee
            initial["microsoft_alias"] = source.microsoft_alias
            initial["area_of_expertise"] = source.area_of_expertise
        else:
            mct = next((a for a in previous if a.employer_type), None)
            if mct is not None:
                initial["is_microsoft_employee"] = mct.employer_type == EmployerType.FTE
                if mct.employer_type == EmployerType.FTE:
                    initial["microsoft_alias"] = mct.microsoft_alias
        if trainer.area_of_expertise and not initial.get("area_of_expertise"):
            initial["area_of_expertise"] = trainer.area_of_expertise
        return initial

    source = next((a for a in previous if a.employer_type), None)
    if source is not None:
        for name in (
            "employer_type",
            "institution_name",
            "department_name",
            "imagine_academy",
            "partner",
            "microsoft_alias",
            "primary_audience",
        ):
            initial[name] = getattr(source, name)
        if source.employer_type in (EmployerType.FTE, EmployerType.PARTNER):
            # Remembered to pre-fill the address; it is proven again with a new code.
            initial["draft_data"] = {"extra_data": {"prefill_address": source.verified_email}}
    else:
        alumni = next((a for a in previous if a.is_microsoft_employee), None)
        if alumni is not None:
            initial["employer_type"] = EmployerType.FTE
            initial["microsoft_alias"] = alumni.microsoft_alias
    initial["mtm_id"] = trainer.mtm_id or (source.mtm_id if source else "")
    return initial
