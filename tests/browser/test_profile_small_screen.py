"""Issue 13 in Chromium at a phone's width (375 px): the certifications table on /profile/
shows "Qualifies for MCT" on screen, a trainer without a qualifying certification is told
what is missing instead of being offered "Enroll", and a wide support table says it scrolls."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 375


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": WIDTH, "height": 812}}


def _inside_the_viewport(locator) -> None:
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box


def test_qualifies_for_mct_is_readable_at_375_px(page, live_server, demo_data, shots):
    base = live_server.url
    sign_in(page, base, "renew@demo.mct")
    page.goto(f"{base}/profile/")
    table = page.get_by_role("table", name="Your certifications")
    table.scroll_into_view_if_needed()
    shots(page, "profile-375")
    cells = table.locator('td[data-label="Qualifies for MCT"]')
    expect(cells.first).to_be_visible()
    assert cells.count() == 2  # AZ-104 and AZ-305
    for index in range(cells.count()):
        expect(cells.nth(index)).to_have_text("Yes")
        _inside_the_viewport(cells.nth(index))
    # The column's name is written next to each value (the header row is hidden).
    label = cells.first.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == '"Qualifies for MCT"'
    # Nothing on the page scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_no_qualifying_certification_is_explained_not_offered(page, live_server, demo_data, shots):
    base = live_server.url
    sign_in(page, base, "nocert@demo.mct")
    page.goto(f"{base}/profile/")
    notice = page.get_by_role("region", name="You need a qualifying certification")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("What is missing")
    expect(notice).to_contain_text("How to get it")
    link = notice.get_by_role("link", name="Link an MCP ID")
    expect(link).to_be_visible()
    _inside_the_viewport(link)
    expect(page.get_by_role("link", name="Enroll")).to_have_count(0)
    expect(page.get_by_role("link", name="Apply for MCT Alumni")).to_be_visible()
    notice.locator("summary", has_text="Certifications that qualify").click()
    expect(notice.get_by_text("AZ-104")).to_be_visible()
    shots(page, "profile-nocert-375")
    # Its certifications say plainly that none qualifies, on screen.
    cells = page.locator('td[data-label="Qualifies for MCT"]')
    expect(cells.first).to_have_text("No")
    _inside_the_viewport(cells.first)


def test_a_wide_support_table_says_it_scrolls(page, live_server, demo_data, shots):
    from enrollment.models import Trainer

    base = live_server.url
    person = Trainer.objects.get(email="renew@demo.mct")
    sign_in(page, base, "support@demo.mct")
    page.goto(f"{base}/support/people/{person.pk}/")
    cue = page.get_by_text("Scroll sideways to see every column").first
    cue.scroll_into_view_if_needed()
    expect(cue).to_be_visible()
    shots(page, "support-person-375")
