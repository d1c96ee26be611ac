"""The support console and the public verification page in Chromium, on the demo data."""

import pytest
from playwright.sync_api import expect

from enrollment.models import Trainer
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_support_finds_a_misspelt_name_and_opens_the_persons_record(
    page, live_server, demo_data, shots
):
    base = live_server.url
    sign_in(page, base, "support@demo.mct")
    page.get_by_role("link", name="Support").first.click()
    expect(page.get_by_role("heading", name="Find a person")).to_be_visible()

    page.get_by_label("Name, email address or ID").fill("Nadia Newmann")
    page.get_by_role("button", name="Search").click()
    result = page.get_by_role("link", name="Nadia Newman")
    expect(result).to_be_visible()
    shots(page, "support-search")

    result.click()
    expect(page.get_by_role("heading", name="Nadia Newman", level=1)).to_be_visible()
    for section in ("Registration data", "Programs", "MCP IDs", "Certifications", "History"):
        expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
    shots(page, "support-person")


def test_a_trainer_never_sees_the_support_console(page, live_server, demo_data):
    base = live_server.url
    sign_in(page, base, "new@demo.mct")
    expect(page.get_by_role("link", name="Support console")).to_have_count(0)
    response = page.goto(f"{base}/support/")
    assert response.status == 403


def test_the_public_verification_page_shows_a_current_member(page, live_server, demo_data, shots):
    trainer = Trainer.objects.get(user__email="renew@demo.mct")
    page.goto(f"{live_server.url}/verify/{trainer.verification_code}/")
    expect(page.get_by_text("Ravi Renner").first).to_be_visible()
    expect(page.get_by_text("Valid through")).to_be_visible()
    expect(page.get_by_text("renew@demo.mct")).to_have_count(0)
    shots(page, "verify")
