"""The requirement rules of docs/spec.md §3 and the review status they lead to, as tables."""

import datetime
from decimal import Decimal

import pytest

from enrollment.enums import ApplicationPath as P
from enrollment.enums import ApplicationStatus as A
from enrollment.enums import EmployerType as E
from enrollment.enums import EvidenceKind as K
from enrollment.rules.requirements import (
    DECLARED,
    EvidenceFact,
    RequirementFacts,
    RequirementState,
    evaluate_requirements,
    is_qualifying,
    mtm_requirement_met,
    proof_date_problem,
    proof_required,
    review_status,
    waiver_allowed,
    waiver_date_problem,
)

TODAY = datetime.date(2026, 6, 1)
days = datetime.timedelta


@pytest.mark.parametrize(
    ("qualifies", "retired", "expected"),
    [(True, False, True), (True, True, False), (False, False, False), (False, True, False)],
)
def test_qualifying_certification(qualifies, retired, expected):
    assert is_qualifying(qualifies_for_mct=qualifies, retired=retired) is expected


@pytest.mark.parametrize(
    ("deliveries", "met"),
    [
        ([], False),
        ([(TODAY - days(10), Decimal("8.0"))], True),
        ([(TODAY - days(10), Decimal("7.0"))], True),  # exactly the minimum counts
        ([(TODAY - days(10), Decimal("6.99"))], False),
        ([(TODAY - days(365), Decimal("9"))], True),  # the 365th day back counts
        ([(TODAY - days(366), Decimal("9"))], False),
        ([(TODAY + days(1), Decimal("9"))], False),  # not in the future
        ([(TODAY - days(400), Decimal("9")), (TODAY - days(5), Decimal("6"))], False),
        ([(TODAY - days(400), Decimal("9")), (TODAY - days(5), Decimal("7.5"))], True),
    ],
)
def test_mtm_requirement(deliveries, met):
    assert mtm_requirement_met(deliveries, TODAY, 7.0) is met


@pytest.mark.parametrize(
    ("certified_on", "problem"),
    [
        (TODAY, None),
        (TODAY - days(365 * 2), None),
        (datetime.date(2023, 6, 1), None),  # exactly 3 years
        (datetime.date(2023, 5, 31), "no more than 3 years old"),
        (TODAY + days(1), "cannot be in the future"),
    ],
)
def test_proof_date(certified_on, problem):
    result = proof_date_problem(certified_on, TODAY, 3)
    assert (result is None) if problem is None else (problem in result)


@pytest.mark.parametrize(
    ("employer", "allowed"),
    [
        (E.FTE, True),
        (E.IMAGINE_ACADEMY, True),
        (E.GOVERNMENT, True),
        (E.ACADEMIC, True),
        (E.PARTNER, False),
        (E.FREELANCER, False),
        (E.OTHER, False),
        ("", False),
    ],
)
def test_waiver_only_for_some_employers(employer, allowed):
    assert waiver_allowed(employer) is allowed


@pytest.mark.parametrize(
    ("taught_on", "problem"),
    [
        (TODAY - days(40), None),
        (TODAY - days(365), None),
        (TODAY - days(366), "previous 365 days"),
        (TODAY + days(3), "cannot be in the future"),
    ],
)
def test_waiver_date(taught_on, problem):
    result = waiver_date_problem(taught_on, TODAY)
    assert (result is None) if problem is None else (problem in result)


@pytest.mark.parametrize(
    ("path", "lapsed_on", "required"),
    [
        (P.NEW, None, True),
        (P.REJOIN, TODAY - days(60), False),
        (P.REJOIN, datetime.date(2023, 6, 1), False),  # exactly 3 years: not more than 3
        (P.REJOIN, datetime.date(2023, 5, 31), True),
        (P.REJOIN, None, True),
        (P.RENEW, None, False),
        (P.UPGRADE, None, False),
        (P.ALUMNI, None, False),
    ],
)
def test_proof_required(path, lapsed_on, required):
    assert proof_required(path, lapsed_on=lapsed_on, today=TODAY, after_years=3) is required


def states(facts):
    return {r.key: r.state for r in evaluate_requirements(facts)}


MET, PENDING, ACTION, UNMET = (
    RequirementState.MET,
    RequirementState.PENDING,
    RequirementState.ACTION,
    RequirementState.UNMET,
)
proof = lambda state: {K.INSTRUCTIONAL_SKILLS: EvidenceFact(K.INSTRUCTIONAL_SKILLS, state)}  # noqa: E731


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (RequirementFacts(path=P.ALUMNI), {}),
        (
            RequirementFacts(path=P.NEW, qualifying_certifications=0, proof_required=True),
            {"certification": UNMET, "instructional_skills": UNMET},
        ),
        (
            RequirementFacts(
                path=P.NEW,
                qualifying_certifications=2,
                proof_required=True,
                evidence=proof("queued"),
            ),
            {"certification": MET, "instructional_skills": PENDING},
        ),
        (
            RequirementFacts(
                path=P.NEW,
                qualifying_certifications=1,
                proof_required=True,
                evidence=proof("rejected"),
            ),
            {"certification": MET, "instructional_skills": ACTION},
        ),
        (
            RequirementFacts(
                path=P.NEW,
                qualifying_certifications=1,
                proof_required=True,
                evidence=proof("refused"),
            ),
            {"certification": MET, "instructional_skills": ACTION},
        ),
        (
            RequirementFacts(
                path=P.NEW,
                qualifying_certifications=1,
                proof_required=True,
                evidence=proof("approved"),
            ),
            {"certification": MET, "instructional_skills": MET},
        ),
        (
            RequirementFacts(path=P.REJOIN, qualifying_certifications=1, proof_required=False),
            {"certification": MET},
        ),
        (RequirementFacts(path=P.UPGRADE, qualifying_certifications=1), {"certification": MET}),
        (
            RequirementFacts(path=P.RENEW, qualifying_certifications=1, mtm_met=True),
            {"certification": MET, "teaching": MET},
        ),
        (
            RequirementFacts(path=P.RENEW, qualifying_certifications=1),
            {"certification": MET, "teaching": UNMET},
        ),
        (
            RequirementFacts(
                path=P.RENEW,
                qualifying_certifications=1,
                employer_type=E.FTE,
                evidence={K.TRAINING_WAIVER: EvidenceFact(K.TRAINING_WAIVER, DECLARED)},
            ),
            {"certification": MET, "teaching": MET},
        ),
        (  # a waiver only counts for the employer types that may use it
            RequirementFacts(
                path=P.RENEW,
                qualifying_certifications=1,
                employer_type=E.FREELANCER,
                evidence={K.TRAINING_WAIVER: EvidenceFact(K.TRAINING_WAIVER, DECLARED)},
            ),
            {"certification": MET, "teaching": UNMET},
        ),
        (
            RequirementFacts(
                path=P.RENEW,
                qualifying_certifications=1,
                evidence={K.TRAINING_SUMMARY: EvidenceFact(K.TRAINING_SUMMARY, "checking")},
            ),
            {"certification": MET, "teaching": PENDING},
        ),
        (  # shown by MTM: a summary still in review no longer matters
            RequirementFacts(
                path=P.RENEW,
                qualifying_certifications=1,
                mtm_met=True,
                evidence={K.TRAINING_SUMMARY: EvidenceFact(K.TRAINING_SUMMARY, "queued")},
            ),
            {"certification": MET, "teaching": MET},
        ),
    ],
)
def test_evaluate_requirements(facts, expected):
    assert states(facts) == expected


def _reqs(*state_list):
    from enrollment.rules.requirements import Requirement

    return [Requirement(f"r{i}", "label", s) for i, s in enumerate(state_list)]


@pytest.mark.parametrize(
    ("requirement_states", "profile", "terms", "status"),
    [
        ((), True, True, A.READY),  # alumni: nothing to meet
        ((), True, False, A.DRAFT),
        ((), False, True, A.DRAFT),
        ((MET, MET), True, True, A.READY),
        ((MET, UNMET), True, True, A.DRAFT),
        ((MET, PENDING), True, False, A.IN_REVIEW),
        ((MET, PENDING), True, True, A.IN_REVIEW),
        ((PENDING, ACTION), True, True, A.ACTION_REQUIRED),
        ((UNMET, ACTION), False, False, A.ACTION_REQUIRED),
    ],
)
def test_review_status(requirement_states, profile, terms, status):
    assert (
        review_status(_reqs(*requirement_states), profile_complete=profile, terms_accepted=terms)
        == status
    )
