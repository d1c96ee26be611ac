"""A reviewer signs in with password and TOTP in Chromium and reaches the review queue."""

import pyotp
import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from enrollment.demo import DEMO_STAFF_TOTP_SECRET
from tests.browser.conftest import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_signs_in_with_totp_and_reaches_the_queue(page, live_server, demo_data, shots):
    cache.clear()
    base = live_server.url
    page.goto(f"{base}/admin/verification/document/")
    assert page.url.startswith(f"{base}/accounts/login/?next=")
    page.get_by_label("Email").fill("reviewer@demo.mct")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")

    # The second factor, before any staff page.
    assert "/accounts/2fa/authenticate/" in page.url
    shots(page, "second-factor")
    code = page.locator("input[name=code]")
    code.fill("000000" if pyotp.TOTP(DEMO_STAFF_TOTP_SECRET).now() != "000000" else "111111")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    assert "/accounts/2fa/authenticate/" in page.url  # a wrong code signs nobody in

    page.locator("input[name=code]").fill(pyotp.TOTP(DEMO_STAFF_TOTP_SECRET).now())
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")

    assert page.url.startswith(f"{base}/admin/verification/document/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    shots(page, "review-queue")
