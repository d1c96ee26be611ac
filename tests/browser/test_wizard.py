"""Two wizard paths in Chromium, as the demo trainers and the demo reviewer would walk them:
the trainer uploads a real file, the reviewer approves it in the admin review queue, the
trainer confirms and pays with the test card and finds the membership active."""

import datetime

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from enrollment.enums import ApplicationPath, ApplicationStatus, MembershipStatus, Program
from enrollment.models import Application, Evidence, Membership
from enrollment.rules.memberships import add_years
from tests.browser.conftest import sign_in
from tests.verification.corpus import pdf_bytes
from verification.enums import DocumentState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _next(page) -> None:
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state("load")


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()


def _approve_as_reviewer(page, base_url: str, original_name: str, shots) -> None:
    """The demo reviewer opens the review queue, opens the document and approves it."""
    sign_in(page, base_url, "reviewer@demo.mct")
    page.goto(f"{base_url}/admin/verification/document/")
    expect(page.get_by_role("link", name="1 waiting for review")).to_be_visible()
    page.get_by_role("link", name=original_name).click()
    expect(page.get_by_role("button", name="Approve", exact=True)).to_be_visible()
    shots(page, "review")
    page.get_by_role("button", name="Approve", exact=True).click()
    page.wait_for_load_state("load")
    page.goto(f"{base_url}/")
    _sign_out(page)


def _accept_terms(page, shots) -> None:
    expect(page.get_by_role("heading", name="Terms")).to_be_visible()
    page.get_by_label("I accept the MCT Program Guide").check()
    page.get_by_label("I accept the MCT Program Agreement").check()
    shots(page, "terms")
    _next(page)


def _confirm_and_pay(page, shots) -> None:
    expect(page.get_by_text("Everything is in order.")).to_be_visible()
    shots(page, "confirmation")
    page.get_by_role("button", name="Submit application").click()
    page.wait_for_load_state("load")
    expect(page.get_by_label("Card number")).to_be_visible()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry date").fill("08/39")
    page.get_by_label("Security code (CVC)").fill("123")
    shots(page, "payment")
    page.get_by_role("button", name="Pay ").first.click()
    page.wait_for_load_state("load")


@pytest.fixture
def proof_file(tmp_path):
    path = tmp_path / "ctt-certificate.pdf"
    path.write_bytes(pdf_bytes())
    return path


def test_new_enrollment_with_a_real_file_upload(page, live_server, demo_data, proof_file, shots):
    base = live_server.url
    sign_in(page, base, "new@demo.mct")
    expect(page).to_have_url(f"{base}/profile/")
    shots(page, "profile")
    page.get_by_role("link", name="Enroll").first.click()
    expect(page).to_have_url(f"{base}/apply/new/profile/")

    # Profile: the employer details appear for the chosen type only.
    page.get_by_label("Academic", exact=True).check()
    expect(page.get_by_label("Institution name")).to_be_visible()
    page.get_by_label("Institution name").fill("Tempe Community College")
    page.get_by_label("Developer").check()
    shots(page, "wizard-profile")
    _next(page)

    # Requirements: a real file goes through the browser's file input.
    expect(page).to_have_url(f"{base}/apply/new/requirements/")
    page.get_by_label("MTM ID").fill("nadia.newman")
    page.get_by_label("Type of credential").select_option(label="CompTIA CTT+")
    certified_on = timezone.localdate() - datetime.timedelta(days=200)
    page.get_by_label("Date of certification").fill(certified_on.isoformat())
    page.get_by_label("Upload your proof").set_input_files(str(proof_file))
    # Issue 13: how the proof is handled is said, and agreed to, before it is sent.
    expect(page.get_by_text("How we handle your file")).to_be_visible()
    _next(page)
    expect(page).to_have_url(f"{base}/apply/new/requirements/")
    expect(page.locator(".field__error-item", has_text="Agree to how your file")).to_be_visible()
    page.get_by_label("Upload your proof").set_input_files(str(proof_file))
    page.get_by_label("I agree that the MCT program's reviewers use").check()
    shots(page, "wizard-requirements")
    _next(page)
    expect(page).to_have_url(f"{base}/apply/new/terms/")

    application = Application.objects.get(trainer__user__email="new@demo.mct")
    evidence = Evidence.objects.get(application=application, is_current=True)
    assert evidence.document.original_name == "ctt-certificate.pdf"
    assert evidence.document.state == DocumentState.QUEUED
    assert evidence.document.size == proof_file.stat().st_size

    _accept_terms(page, shots)
    expect(page.get_by_text("You cannot submit yet.")).to_be_visible()
    expect(page.get_by_role("button", name="Submit application")).to_be_disabled()
    # The profile page shows the open application, its file's state and what comes next.
    page.get_by_role("link", name="My profile").click()
    card = page.locator(".application-card")
    expect(card.get_by_text("ctt-certificate.pdf")).to_be_visible()
    expect(card.get_by_text("What to do next:")).to_be_visible()
    shots(page, "profile-in-review")
    _sign_out(page)

    _approve_as_reviewer(page, base, "ctt-certificate.pdf", shots)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.READY

    sign_in(page, base, "new@demo.mct")
    page.goto(f"{base}/apply/new/confirmation/")
    _confirm_and_pay(page, shots)
    expect(page).to_have_url(f"{base}/profile/")

    membership = Membership.objects.get(
        trainer__user__email="new@demo.mct", program=Program.MCT, status=MembershipStatus.ACTIVE
    )
    anniversary = add_years(timezone.localdate(), 1)
    assert membership.anniversary_on == anniversary
    expect(page.get_by_text(date_format(anniversary, "j F Y")).first).to_be_visible()
    shots(page, "member")


def test_renewal_with_an_uploaded_training_summary(page, live_server, demo_data, tmp_path, shots):
    base = live_server.url
    summary = tmp_path / "score-report.pdf"
    summary.write_bytes(pdf_bytes())
    current = Membership.objects.get(
        trainer__user__email="renew-upload@demo.mct", status=MembershipStatus.ACTIVE
    )

    sign_in(page, base, "renew-upload@demo.mct")
    page.get_by_role("link", name="Renew").first.click()
    expect(page).to_have_url(f"{base}/apply/renew/profile/")
    page.get_by_label("Freelancer (self-employed)").check()
    page.get_by_label("IT Professional").check()
    _next(page)

    expect(page).to_have_url(f"{base}/apply/renew/requirements/")
    expect(page.get_by_text("We could not find a class in the previous 365 days")).to_be_visible()
    # A freelancer has one way left (no waiver): no radio group with a single option.
    expect(page.get_by_role("radio")).to_have_count(0)
    page.get_by_label("Summary or score report file").set_input_files(str(summary))
    page.get_by_label("I agree that the MCT program's reviewers use").check()
    shots(page, "renew-requirements")
    _next(page)
    expect(page).to_have_url(f"{base}/apply/renew/terms/")
    _accept_terms(page, shots)
    expect(page.get_by_text("You cannot submit yet.")).to_be_visible()
    _sign_out(page)

    _approve_as_reviewer(page, base, "score-report.pdf", shots)

    sign_in(page, base, "renew-upload@demo.mct")
    page.goto(f"{base}/apply/renew/confirmation/")
    _confirm_and_pay(page, shots)
    expect(page).to_have_url(f"{base}/profile/")

    application = Application.objects.get(
        trainer__user__email="renew-upload@demo.mct", path=ApplicationPath.RENEW
    )
    assert application.status == ApplicationStatus.APPROVED
    renewed = Membership.objects.get(
        trainer=current.trainer, program=Program.MCT, status=MembershipStatus.ACTIVE
    )
    assert renewed.starts_on == current.anniversary_on
    assert renewed.anniversary_on == add_years(current.anniversary_on, 1)
    expect(page.get_by_text(date_format(renewed.anniversary_on, "j F Y")).first).to_be_visible()
