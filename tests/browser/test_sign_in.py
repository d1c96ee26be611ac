import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_demo_trainer_signs_in_and_sees_their_name(page, live_server, demo_data, shots):
    page.goto(live_server.url)
    shots(page, "home")
    sign_in(page, live_server.url, "renew@demo.mct")
    expect(page).to_have_url(f"{live_server.url}/profile/")
    expect(page.get_by_text("Ravi Renner").first).to_be_visible()
    shots(page, "profile")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
