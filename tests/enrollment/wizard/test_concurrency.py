"""Ten browsers submit the same application at once (PostgreSQL): the record changes once."""

from functools import partial

import pytest
from django.test import Client

from enrollment.enums import ApplicationStatus
from enrollment.models import Application
from tests import factories
from tests.concurrency import at_once, raised
from tests.conftest import needs_postgres
from tests.enrollment.wizard.walk import prefix_of
from verification.models import AuditEvent, OutboundEmail

pytestmark = [
    needs_postgres(),
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def test_ten_concurrent_confirmation_posts_submit_once():
    trainer = factories.TrainerFactory()
    factories.MembershipFactory(trainer=trainer, program="ALUMNI")
    mcp = factories.McpIdFactory(trainer=trainer, is_primary=True)
    factories.EarnedCertificationFactory(mcp_id=mcp)
    client = Client()
    client.force_login(trainer.user)

    def step(step, fields):
        page = client.get(f"/apply/upgrade/{step}/")
        data = {f"{prefix_of(page)}-current_step": step}
        data.update({f"{step}-{k}": v for k, v in fields.items()})
        return client.post(f"/apply/upgrade/{step}/", data), prefix_of(page)

    step("profile", {"employer_type": "other", "primary_audience": "developer"})
    step("requirements", {"mtm_id": ""})
    step("terms", {"accept_program_guide": "on", "accept_program_agreement": "on"})
    page = client.get("/apply/upgrade/confirmation/")
    data = {f"{prefix_of(page)}-current_step": "confirmation", "action": "submit"}
    application = Application.objects.get(trainer=trainer)
    assert application.status == ApplicationStatus.READY

    browsers = []
    for _ in range(10):
        browser = Client()
        browser.force_login(trainer.user)
        browsers.append(browser)

    responses = at_once(
        *(partial(browser.post, "/apply/upgrade/confirmation/", data) for browser in browsers)
    )
    assert raised(responses) == []
    results = [(response.status_code, response.get("Location")) for response in responses]
    payment = f"/apply/pay/{application.public_id}/"
    assert results == [(302, payment)] * 10
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_PAYMENT
    assert (
        AuditEvent.objects.filter(
            action="application.awaiting_payment", object_id=str(application.pk)
        ).count()
        == 1
    )
    assert OutboundEmail.objects.filter(role="application_awaiting_payment").count() == 1
