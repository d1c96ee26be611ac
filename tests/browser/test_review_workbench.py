"""The reviewer's workbench in Chromium: Back on Requirements and Next again leaves one
document in the queue; the reviewer reads its page in place, approves it with the keyboard,
and the trainer can submit. axe finds no serious or critical issue on the reviewer's pages."""

import datetime
from pathlib import Path

import axe_playwright_python
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from enrollment.enums import ApplicationStatus
from enrollment.models import Application
from tests.browser.conftest import sign_in
from tests.verification.corpus import pdf_bytes
from verification.enums import DocumentState
from verification.models import Document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_JS = Path(axe_playwright_python.__file__).with_name("axe.min.js")
AXE_PATH = "/static/test-only/axe.min.js"


def serious_accessibility_issues(page, base_url: str) -> list[str]:
    """axe-core, served as if from the portal's own origin (the CSP allows no other)."""
    page.route(
        f"{base_url}{AXE_PATH}",
        lambda route: route.fulfill(
            status=200, content_type="application/javascript", body=AXE_JS.read_text()
        ),
    )
    page.add_script_tag(url=f"{base_url}{AXE_PATH}")
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert results["testEngine"]["name"] == "axe-core" and results["passes"], "axe did not run"
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def _next(page) -> None:
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state("load")


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()


def test_back_then_next_queues_one_document_approved_with_the_keyboard(
    page, live_server, demo_data, tmp_path, shots
):
    base = live_server.url
    proof = tmp_path / "ctt-certificate.pdf"
    proof.write_bytes(pdf_bytes(pages=3))

    sign_in(page, base, "new@demo.mct")
    page.get_by_role("link", name="Enroll").first.click()
    page.get_by_label("Academic", exact=True).check()
    page.get_by_label("Institution name").fill("Tempe Community College")
    page.get_by_label("Developer").check()
    _next(page)

    expect(page).to_have_url(f"{base}/apply/new/requirements/")
    page.get_by_label("Type of credential").select_option(label="CompTIA CTT+")
    certified_on = timezone.localdate() - datetime.timedelta(days=200)
    page.get_by_label("Date of certification").fill(certified_on.isoformat())
    page.get_by_label("Upload your proof").set_input_files(str(proof))
    _next(page)
    expect(page).to_have_url(f"{base}/apply/new/terms/")

    # The browser's Back button, then Next again with the same file chosen.
    page.go_back()
    page.wait_for_load_state("load")
    expect(page).to_have_url(f"{base}/apply/new/requirements/")
    file_input = page.locator("input[type=file]")
    if file_input.evaluate("input => input.files.length") == 0:
        file_input.set_input_files(str(proof))
    shots(page, "requirements-again")
    _next(page)
    expect(page).to_have_url(f"{base}/apply/new/terms/")

    documents = Document.objects.filter(owner__email="new@demo.mct")
    assert documents.count() == 1
    assert documents.get().state == DocumentState.QUEUED
    page.get_by_label("I accept the MCT Program Guide").check()
    page.get_by_label("I accept the MCT Program Agreement").check()
    _next(page)
    _sign_out(page)

    # The reviewer: the queue, then the document's pages in place.
    sign_in(page, base, "reviewer@demo.mct")
    page.goto(f"{base}/admin/verification/document/")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    expect(page.get_by_role("link", name="1 waiting for review")).to_be_visible()
    row = page.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_text("Enroll as a new MCT")).to_be_visible()
    shots(page, "queue")
    assert serious_accessibility_issues(page, base) == []

    page.get_by_role("link", name="ctt-certificate.pdf").click()
    images = page.get_by_role("img", name="Page")
    expect(images).to_have_count(3)
    for index in range(3):
        assert images.nth(index).evaluate("img => img.complete && img.naturalWidth > 0") or (
            images.nth(index).scroll_into_view_if_needed()
            or images.nth(index).evaluate("img => img.decode().then(() => img.naturalWidth > 0)")
        )
    expect(page.get_by_text("Keyboard shortcuts:")).to_be_visible()
    expect(page.get_by_role("row", name="Application state")).to_be_visible()
    page.get_by_role("button", name="Zoom in").click()
    expect(page.get_by_text("125%")).to_be_visible()
    shots(page, "review")
    assert serious_accessibility_issues(page, base) == []

    page.locator("body").press("a")
    page.wait_for_load_state("load")
    expect(page.get_by_text("The queue is empty")).to_be_visible()
    assert documents.get().state == DocumentState.APPROVED
    page.goto(f"{base}/")
    _sign_out(page)

    # The trainer can submit.
    sign_in(page, base, "new@demo.mct")
    page.goto(f"{base}/apply/new/confirmation/")
    expect(page.get_by_text("Everything is in order.")).to_be_visible()
    page.get_by_role("button", name="Submit application").click()
    page.wait_for_load_state("load")
    expect(page.get_by_label("Card number")).to_be_visible()
    application = Application.objects.get(trainer__user__email="new@demo.mct")
    assert application.status == ApplicationStatus.AWAITING_PAYMENT
