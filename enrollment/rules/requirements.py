"""The requirements of each path and the review state they put an application in.

What each path requires is in its definition (enrollment.paths; docs/architecture.md).

Pure functions: the callers gather the facts (certifications, MTM deliveries, evidence
states) and these decide. Nothing here touches the database.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.l10n import long_date
from verification.enums import DocumentState

from ..enums import WAIVER_EMPLOYER_TYPES, ApplicationStatus, EvidenceKind
from ..paths.registry import PROOF_AFTER_ABSENCE, PROOF_ALWAYS, path_definition
from .memberships import add_years, proof_needed_again

# How many days back "the previous year" reaches for teaching (MTM records and waivers).
TEACHING_LOOKBACK_DAYS = 365

# Evidence states as the requirements see them. A declared waiver has no document.
DECLARED = "declared"
_DOCUMENT_PENDING = (DocumentState.RECEIVED, DocumentState.CHECKING, DocumentState.QUEUED)
_DOCUMENT_NEEDS_ACTION = (DocumentState.REJECTED, DocumentState.REFUSED)


class RequirementState:
    MET = "met"
    PENDING = "pending"
    ACTION = "action_required"
    UNMET = "unmet"


@dataclass(frozen=True)
class EvidenceFact:
    """The current evidence of one kind: the state of its document (or DECLARED)."""

    kind: str
    state: str
    reason: str = ""


@dataclass(frozen=True)
class RequirementFacts:
    path: str
    employer_type: str = ""
    qualifying_certifications: int = 0
    mtm_met: bool = False
    proof_required: bool = False
    evidence: dict[str, EvidenceFact] = field(default_factory=dict)


@dataclass(frozen=True)
class Requirement:
    key: str
    label: str
    state: str
    detail: str = ""

    @property
    def met(self) -> bool:
        return self.state == RequirementState.MET


def _day(value: datetime.date) -> str:
    return long_date(value)


# --------------------------------------------------------------------- single rules


def is_qualifying(*, qualifies_for_mct: bool, retired: bool) -> bool:
    """Technical, role-based Associate or Expert certifications qualify, unless retired."""
    return qualifies_for_mct and not retired


def teaching_window_start(today: datetime.date) -> datetime.date:
    return today - datetime.timedelta(days=TEACHING_LOOKBACK_DAYS)


def mtm_delivery_counts(
    *, delivered_on: datetime.date, average_score, today: datetime.date, min_score: float
) -> bool:
    """A delivery counts when it is in the previous 365 days and scored at least `min_score`
    (a delivery the MTM export gives no score for counts on the date alone)."""
    in_window = teaching_window_start(today) <= delivered_on <= today
    if average_score is None:
        return in_window
    return in_window and Decimal(str(average_score)) >= Decimal(str(min_score))


def mtm_requirement_met(
    deliveries: Iterable[tuple[datetime.date, object]], today: datetime.date, min_score: float
) -> bool:
    """Renewal by MTM: at least one counting delivery. `deliveries`: (date, average score)."""
    return any(
        mtm_delivery_counts(delivered_on=d, average_score=s, today=today, min_score=min_score)
        for d, s in deliveries
    )


def proof_date_problem(
    certified_on: datetime.date, today: datetime.date, max_age_years: int
) -> str | None:
    """Why an instructional-skills credential's date is not acceptable, or None."""
    if certified_on > today:
        return _("The date of certification cannot be in the future.")
    oldest = add_years(today, -max_age_years)
    if certified_on < oldest:
        return _(
            "The certification must be no more than %(years)s years old: dated %(date)s or later."
        ) % {"years": max_age_years, "date": _day(oldest)}
    return None


def waiver_allowed(employer_type: str) -> bool:
    """Microsoft, Imagine Academy, government and academic trainers may declare a waiver."""
    return employer_type in WAIVER_EMPLOYER_TYPES


def waiver_date_problem(taught_on: datetime.date, today: datetime.date) -> str | None:
    if taught_on > today:
        return _("The date the course was taught cannot be in the future.")
    if taught_on < teaching_window_start(today):
        return _(
            "The course must have been taught in the previous 365 days: on %(date)s or later."
        ) % {"date": _day(teaching_window_start(today))}
    return None


def needs_certification(path: str) -> bool:
    return path_definition(path).needs_certification


def needs_teaching(path: str) -> bool:
    """Only renewal asks for a class taught in the previous year (upgrade does not)."""
    return path_definition(path).needs_teaching


def proof_required(
    path: str, *, lapsed_on: datetime.date | None, today: datetime.date, after_years: int
) -> bool:
    """New MCTs prove instructional skills; rejoining MCTs only after a long absence."""
    proof = path_definition(path).proof
    if proof == PROOF_ALWAYS:
        return True
    if proof == PROOF_AFTER_ABSENCE:
        return proof_needed_again(lapsed_on, today, after_years)
    return False


def evidence_requirement_state(state: str) -> str:
    if state in (DECLARED, DocumentState.APPROVED):
        return RequirementState.MET
    if state in _DOCUMENT_PENDING:
        return RequirementState.PENDING
    if state in _DOCUMENT_NEEDS_ACTION:
        return RequirementState.ACTION
    return RequirementState.UNMET


def _evidence_detail(fact: EvidenceFact) -> str:
    state = evidence_requirement_state(fact.state)
    if state == RequirementState.PENDING:
        return _("Waiting for review; reviews take 2–4 business days.")
    if state == RequirementState.ACTION:
        if fact.reason:
            return _("The file was not accepted. Reason: %(reason)s Upload a new file.") % {
                "reason": fact.reason
            }
        return _("The file was not accepted. Upload a new file.")
    if fact.state == DECLARED:
        return _("Declared on the training waiver form (subject to audit).")
    return _("Approved.")


# --------------------------------------------------------------------- evaluation


def evaluate_requirements(facts: RequirementFacts) -> list[Requirement]:
    """Every requirement of the path, with its state and what it means for the trainer."""
    requirements: list[Requirement] = []
    if needs_certification(facts.path):
        if facts.qualifying_certifications:
            requirements.append(
                Requirement(
                    "certification",
                    _("Qualifying certification"),
                    RequirementState.MET,
                    ngettext(
                        "%(count)s qualifying certification on your record.",
                        "%(count)s qualifying certifications on your record.",
                        facts.qualifying_certifications,
                    )
                    % {"count": facts.qualifying_certifications},
                )
            )
        else:
            requirements.append(
                Requirement(
                    "certification",
                    _("Qualifying certification"),
                    RequirementState.UNMET,
                    _("No qualifying certification is linked to your MCP IDs."),
                )
            )

    if facts.proof_required:
        proof = facts.evidence.get(EvidenceKind.INSTRUCTIONAL_SKILLS)
        if proof is None:
            requirements.append(
                Requirement(
                    "instructional_skills",
                    _("Proof of instructional skills"),
                    RequirementState.UNMET,
                    _(
                        "Upload proof of an instructional-skills credential on the Requirements "
                        "step."
                    ),
                )
            )
        else:
            requirements.append(
                Requirement(
                    "instructional_skills",
                    _("Proof of instructional skills"),
                    evidence_requirement_state(proof.state),
                    _evidence_detail(proof),
                )
            )

    if needs_teaching(facts.path):
        requirements.append(_teaching_requirement(facts))
    return requirements


def _teaching_requirement(facts: RequirementFacts) -> Requirement:
    label = _("A class taught in the previous 365 days")
    if facts.mtm_met:
        return Requirement(
            "teaching", label, RequirementState.MET, _("Shown by your Metrics That Matter records.")
        )
    waiver = facts.evidence.get(EvidenceKind.TRAINING_WAIVER)
    if waiver is not None and waiver_allowed(facts.employer_type):
        return Requirement("teaching", label, RequirementState.MET, _evidence_detail(waiver))
    summary = facts.evidence.get(EvidenceKind.TRAINING_SUMMARY)
    if summary is not None:
        return Requirement(
            "teaching", label, evidence_requirement_state(summary.state), _evidence_detail(summary)
        )
    if waiver_allowed(facts.employer_type):
        detail = _(
            "No Metrics That Matter delivery in the previous 365 days: upload a training "
            "summary or score report, or complete the training waiver form."
        )
    else:
        detail = _(
            "No Metrics That Matter delivery in the previous 365 days: upload a training "
            "summary or score report."
        )
    return Requirement("teaching", label, RequirementState.UNMET, detail)


def review_status(
    requirements: Iterable[Requirement], *, profile_complete: bool, terms_accepted: bool
) -> str:
    """The status an open application is in, given its requirements.

    A rejected document needs the trainer (action required); a document waiting for a
    reviewer holds the application in review; with everything met and the terms accepted
    it is ready to submit; anything else is still a draft.
    """
    states = [r.state for r in requirements]
    if RequirementState.ACTION in states:
        return ApplicationStatus.ACTION_REQUIRED
    if RequirementState.PENDING in states:
        return ApplicationStatus.IN_REVIEW
    if all(s == RequirementState.MET for s in states) and profile_complete and terms_accepted:
        return ApplicationStatus.READY
    return ApplicationStatus.DRAFT
