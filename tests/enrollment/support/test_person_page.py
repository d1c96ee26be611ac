"""Issue 13: the support person page reads as sentences, shows the current state on one
screen with the rest collapsed, pages its history, and explains every application value."""

import datetime
import re

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from enrollment.enums import ApplicationPath, ApplicationStatus, EmployerType, MembershipStatus
from enrollment.rules.memberships import add_years
from enrollment.services.payments import payment_confirm
from enrollment.support.person_history import HISTORY_PAGE_SIZE
from tests import factories
from tests.enrollment.wizard.walk import membership, text_of
from verification.audit import audit

pytestmark = pytest.mark.django_db


@pytest.fixture
def support_client(client):
    client.force_login(factories.SupportFactory())
    return client


@pytest.fixture
def ravi():
    trainer = factories.TrainerFactory(first_name="Ravi", last_name="Renner")
    factories.McpIdFactory(trainer=trainer, value="11223344", is_primary=True)
    return trainer


def _page(client, trainer, **params):
    response = client.get(f"/support/people/{trainer.pk}/", params)
    assert response.status_code == 200
    return response


def _section(response, section_id: str) -> str:
    html = response.content.decode()
    return html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]


def test_a_renewal_paid_by_card_reads_as_one_sentence(support_client, ravi):
    year = membership(ravi, anniversary_in_days=10)
    application = factories.ApplicationFactory(
        trainer=ravi,
        path=ApplicationPath.RENEW,
        status=ApplicationStatus.AWAITING_PAYMENT,
        submitted_at=timezone.now(),
    )
    payment = factories.PaymentFactory(application=application, provider="test_card")
    payment_confirm(payment=payment, reference="ch_1", by=ravi.user)

    page = _page(support_client, ravi)
    history = " ".join(re.sub(r"<[^>]+>", " ", _section(page, "history")).split())
    until = date_format(add_years(year.anniversary_on, 1), "j M Y")
    assert f"Ravi renewed MCT until {until} — paid USD 400 by card." in history
    assert "Ravi paid USD 400 by card." in history
    assert "moved Renew MCT membership from awaiting payment to approved." in history
    # No audit codes or field dumps.
    assert "membership.renewed" not in history and "amount:" not in history
    assert "→" not in history


def test_the_current_state_is_at_a_glance_and_the_rest_collapses(support_client, ravi):
    membership(ravi, anniversary_in_days=40)
    factories.ApplicationFactory(trainer=ravi, status=ApplicationStatus.IN_REVIEW)
    page = _page(support_client, ravi)
    now = " ".join(re.sub(r"<[^>]+>", " ", _section(page, "now")).split())
    anniversary = date_format(timezone.localdate() + datetime.timedelta(days=40), "j M Y")
    assert f"Microsoft Certified Trainer Active runs until {anniversary}." in now
    assert "Enroll as a new MCT In review" in now
    assert "11223344 (primary)" in now
    # Long sections are <details>, closed until opened; the history is open.
    for section in ("registration", "certifications", "emails", "mcp-ids"):
        body = _section(page, section)
        assert "<details" in body and '<details class="details" open' not in body, section
    assert "<details" not in _section(page, "history").split("<ol", 1)[0]


def test_history_is_paginated_newest_first(support_client, ravi):
    support = factories.SupportFactory(first_name="Sam", last_name="Support")
    for number in range(HISTORY_PAGE_SIZE * 2 + 5):
        audit(
            actor=support,
            action="trainer.registration_updated",
            target=ravi,
            subject_user=ravi.user,
            before={"city": f"City {number}"},
            after={"city": f"City {number + 1}"},
        )
    first = text_of(_page(support_client, ravi))
    assert "Events 1–20 of 45, newest first" in first
    assert "changed the registration data: city from “City 44” to “City 45”." in first
    assert "“City 0”" not in first
    last = text_of(_page(support_client, ravi, history=3))
    assert "Events 41–45 of 45" in last and "city from “City 0” to “City 1”" in last
    # A page number that is not one shows a page, not an error.
    assert "Events 41–45" in text_of(_page(support_client, ravi, history="999"))
    assert "Events 1–20" in text_of(_page(support_client, ravi, history="x\x00"))


def test_application_lines_have_dates_in_order_and_explain_every_value(support_client, ravi):
    started = timezone.now() - datetime.timedelta(days=9)
    application = factories.ApplicationFactory(
        trainer=ravi,
        status=ApplicationStatus.APPROVED,
        employer_type=EmployerType.OTHER,
        mtm_id="ravi.mtm",
        terms_accepted_at=started + datetime.timedelta(days=3),
        submitted_at=started + datetime.timedelta(days=4),
        decided_at=started + datetime.timedelta(days=6),
    )
    application.__class__.objects.filter(pk=application.pk).update(created_at=started)
    page = _page(support_client, ravi)
    programs = " ".join(re.sub(r"<[^>]+>", " ", _section(page, "programs")).split())

    def day(offset):
        return date_format(started + datetime.timedelta(days=offset), "j M Y")

    assert (
        f"Started {day(0)} Terms accepted {day(3)} Submitted {day(4)} Decided {day(6)}" in programs
    )
    assert "Employer type Other — none of the listed employers" in programs
    assert "ravi.mtm — the Metrics That Matter ID used to check the classes taught" in programs
    assert "Trains mostly IT Professional audiences" in programs
    assert "Closed applications (1)" in programs


def test_an_early_renewal_is_current_not_ended_on_the_person_page(support_client, ravi):
    year = membership(ravi, anniversary_in_days=20)
    type(year).objects.filter(pk=year.pk).update(status=MembershipStatus.ENDED)
    factories.MembershipFactory(
        trainer=ravi,
        starts_on=year.anniversary_on,
        anniversary_on=add_years(year.anniversary_on, 1),
    )
    now = " ".join(re.sub(r"<[^>]+>", " ", _section(_page(support_client, ravi), "now")).split())
    assert "Active runs until" in now and "renewed, the next year starts on" in now
    assert "Ended" not in now
