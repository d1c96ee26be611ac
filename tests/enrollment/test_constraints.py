"""The database itself holds the program's rules."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from enrollment.enums import ApplicationPath, ApplicationStatus, MembershipStatus, Program
from tests import factories

pytestmark = pytest.mark.django_db


def refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_one_open_membership_per_program_per_trainer():
    membership = factories.MembershipFactory()
    refused(lambda: factories.MembershipFactory(trainer=membership.trainer))
    factories.MembershipFactory(trainer=membership.trainer, program=Program.ALUMNI)
    factories.MembershipFactory(trainer=membership.trainer, status=MembershipStatus.ENDED)


def test_a_membership_anniversary_comes_after_its_start():
    today = datetime.date(2026, 1, 1)
    refused(lambda: factories.MembershipFactory(starts_on=today, anniversary_on=today))


def test_mcp_ids_are_unique():
    factories.McpIdFactory(value="12345678")
    refused(lambda: factories.McpIdFactory(value="12345678"))


def test_a_trainer_has_at_most_one_primary_mcp_id():
    first = factories.McpIdFactory(is_primary=True)
    factories.McpIdFactory(trainer=first.trainer, is_primary=False)
    refused(lambda: factories.McpIdFactory(trainer=first.trainer, is_primary=True))


def test_partner_ids_are_unique():
    factories.PartnerOrganizationFactory(partner_id="4100001")
    refused(lambda: factories.PartnerOrganizationFactory(partner_id="4100001"))


def test_one_open_application_per_trainer_and_path():
    application = factories.ApplicationFactory(path=ApplicationPath.NEW)
    refused(lambda: factories.ApplicationFactory(trainer=application.trainer, path="new"))
    factories.ApplicationFactory(trainer=application.trainer, path=ApplicationPath.ALUMNI)
    factories.ApplicationFactory(
        trainer=application.trainer, path="new", status=ApplicationStatus.WITHDRAWN
    )


def test_an_earned_certification_is_recorded_once_per_mcp_id():
    earned = factories.EarnedCertificationFactory()
    refused(
        lambda: factories.EarnedCertificationFactory(
            mcp_id=earned.mcp_id, certification=earned.certification
        )
    )


def test_one_current_evidence_per_kind_per_application():
    evidence = factories.EvidenceFactory()
    refused(lambda: factories.EvidenceFactory(application=evidence.application))


def test_one_fee_per_program_and_currency():
    factories.FeeFactory(program="MCT", currency="EUR")
    from enrollment.models import Fee

    refused(lambda: Fee.objects.create(program="MCT", currency="EUR", amount=1))
