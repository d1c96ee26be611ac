"""After an import, what reads the imported records sees them: the renewal's MTM requirement,
the partner check, the qualifying certifications, the support console."""

import datetime

import pytest
from django.utils import timezone

from enrollment.enums import ApplicationPath
from enrollment.rules.requirements import RequirementState
from enrollment.selectors.applications import application_requirements, qualifying_certifications
from enrollment.support.selectors import person_record, trainer_search
from tests import factories
from tests.enrollment.wizard.walk import qualified_trainer, text_of

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def requirement(application, key):
    return next(r for r in application_requirements(application=application) if r.key == key)


def test_mtm_import_turns_the_renewal_teaching_requirement_from_unmet_to_met(run_feed):
    trainer = qualified_trainer(mtm_id="ravi.renner")
    factories.MembershipFactory(trainer=trainer)
    renewal = factories.ApplicationFactory(
        trainer=trainer, path=ApplicationPath.RENEW, mtm_id="ravi.renner"
    )
    before = requirement(renewal, "teaching")
    assert before.state == RequirementState.UNMET
    assert "No Metrics That Matter delivery in the previous 365 days" in before.detail

    delivered = (TODAY - datetime.timedelta(days=30)).isoformat()
    run = run_feed(
        "mtm",
        "mtm_id,course_name,course_id,delivery_date,students,average_score\n"
        f"ravi.renner,Azure Administrator,AZ-104T00,{delivered},14,8.9\n",
        apply=True,
    )
    assert run.state == "done"

    after = requirement(renewal, "teaching")
    assert after.state == RequirementState.MET
    assert after.detail == "Shown by your Metrics That Matter records."


def test_a_low_score_delivery_does_not_count_but_one_without_score_does(run_feed):
    trainer = qualified_trainer(mtm_id="low.scorer")
    renewal = factories.ApplicationFactory(
        trainer=trainer, path=ApplicationPath.RENEW, mtm_id="low.scorer"
    )
    delivered = (TODAY - datetime.timedelta(days=30)).isoformat()
    header = "mtm_id,course_name,course_id,delivery_date,students,average_score\n"
    run_feed("mtm", header + f"low.scorer,Azure,AZ-1,{delivered},5,4.5\n", apply=True)
    assert requirement(renewal, "teaching").state == RequirementState.UNMET
    run_feed("mtm", header + f"low.scorer,Azure,AZ-2,{delivered},5,\n", apply=True)
    assert requirement(renewal, "teaching").state == RequirementState.MET


def test_a_partner_marked_inactive_stops_passing_the_partner_check(run_feed, walker, terms):
    factories.PartnerOrganizationFactory(
        partner_id="4100200", name="Contoso Learning", email_domains=["contoso.example"]
    )
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    fields = {
        "employer_type": "partner",
        "primary_audience": "it_professional",
        "partner_id": "4100200",
    }
    active = walker.step("new", "profile", fields)
    assert "is not an active partner" not in text_of(active)

    run = run_feed(
        "partners",
        "partner_id,name,email_domains,active\n4100200,Contoso Learning,contoso.example,no\n",
        apply=True,
    )
    assert run.rows_updated == 1

    inactive = walker.step("new", "profile", fields)
    assert "Contoso Learning is not an active partner in the partner directory" in text_of(inactive)


def test_new_qualifying_certifications_count_and_show_on_the_record(run_feed):
    trainer = factories.TrainerFactory()
    factories.McpIdFactory(value="31415926", trainer=trainer, is_primary=True)
    application = factories.ApplicationFactory(trainer=trainer, path=ApplicationPath.NEW)
    assert requirement(application, "certification").state == RequirementState.UNMET

    run_feed(
        "catalog",
        "code,name,qualifies_for_mct,level,retired\n"
        "AZ-305-CERT,Azure Solutions Architect Expert,yes,Expert,no\n",
        apply=True,
    )
    earned = (TODAY - datetime.timedelta(days=3)).isoformat()
    run_feed(
        "certifications",
        f"mcp_id,certification_code,date_earned\n31415926,AZ-305-CERT,{earned}\n",
        apply=True,
    )

    assert [e.certification.code for e in qualifying_certifications(trainer=trainer)] == [
        "AZ-305-CERT"
    ]
    met = requirement(application, "certification")
    assert met.state == RequirementState.MET
    assert met.detail == "1 qualifying certification on your record."
    record = person_record(trainer=trainer)
    assert [c.certification.name for c in record.certifications] == [
        "Azure Solutions Architect Expert"
    ]


def test_the_support_console_finds_a_trainer_by_an_imported_exam_reference(run_feed):
    trainer = factories.TrainerFactory()
    factories.McpIdFactory(value="27182818", trainer=trainer, is_primary=True)
    passed = (TODAY - datetime.timedelta(days=3)).isoformat()
    run_feed(
        "exam-results",
        f"mcp_id,exam_code,date,reference_number\n27182818,AZ-104,{passed},ER5550001\n",
        apply=True,
    )
    outcome = trainer_search(query="ER5550001")
    assert [hit.trainer_id for hit in outcome.hits] == [trainer.pk]
