"""A newcomer becomes an applicant without anyone's help (issue 9), in Chromium: sign up,
confirm the email, fill in the details, link an MCP ID with its access code, see the
qualifying certification and reach the Terms step of "Enroll as a new MCT". Also: the help
page and its feedback form with JavaScript off, and axe on every new page."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from enrollment.models import Feedback, McpId, Trainer
from enrollment.rules.access_codes import access_code_generate, access_code_hash
from tests import factories
from tests.browser.axe import serious_violations, serve_axe
from tests.verification.corpus import pdf_bytes
from verification.models import AuditEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "grace.newcomer@example.org"
PASSWORD = "Str0ng-pass-phrase!"


def _exam_results(code: str) -> McpId:
    """What the transcript import delivers: an MCP ID with a hashed access code, a passed
    exam and the certification it earned; nobody holds the ID yet."""
    mcp_id = factories.McpIdFactory(
        trainer=None,
        value="56700123",
        access_code_hash=access_code_hash(code),
        access_code_issued_at=timezone.now(),
    )
    factories.ExamResultFactory(
        mcp_id=mcp_id,
        reference_number="ER-2026-777001",
        exam_code="AZ-204",
        exam_name="Developing Solutions for Microsoft Azure",
    )
    factories.EarnedCertificationFactory(
        mcp_id=mcp_id,
        certification=factories.CertificationFactory(code="AZ-204"),  # from the demo catalog
        earned_on=timezone.localdate() - datetime.timedelta(days=20),
    )
    return mcp_id


def _check_axe(page, base: str, where: str) -> None:
    violations = serious_violations(page, base)
    assert violations == [], (where, violations)


def test_a_newcomer_signs_up_links_an_mcp_id_and_reaches_the_terms_step(
    page, live_server, demo_data, shots, tmp_path
):
    base = live_server.url
    code = access_code_generate()
    mcp_id = _exam_results(code)
    serve_axe(page, base)

    page.goto(base)
    shots(page, "home")
    page.get_by_role("link", name="Create account").first.click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    shots(page, "sign-up")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", name=re.compile("Verify", re.I))).to_be_visible()

    # The confirmation email, as the mail backend captured it.
    message = next(m for m in mail.outbox if EMAIL in m.to)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", message.body).group(0)
    page.goto(base + "/accounts/confirm-email/" + link.split("/accounts/confirm-email/", 1)[1])
    shots(page, "confirm-email")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state("load")

    # Straight to the details: nothing else before them.
    expect(page).to_have_url(f"{base}/profile/details/?next=/profile/")
    expect(page.get_by_role("heading", name="Your details", level=1)).to_be_visible()
    _check_axe(page, base, "details (empty)")
    page.get_by_role("button", name="Save my details").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_text("Enter your first name.").first).to_be_visible()
    shots(page, "details-errors")
    _check_axe(page, base, "details (errors)")

    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Newcomer")
    page.get_by_label("Country").select_option("New Zealand")
    page.get_by_label("Address 1").fill("12 Harbour Street")
    page.get_by_label("City").fill("Wellington")
    page.get_by_label("State/Province").fill("Wellington")
    page.get_by_label("ZIP/Postal code").fill("6011")
    consent_program = page.get_by_label(re.compile("^Microsoft may use"))
    consent_partners = page.get_by_label(re.compile("^Microsoft Partners may use"))
    expect(consent_program).not_to_be_checked()
    expect(consent_partners).not_to_be_checked()
    consent_program.check()
    page.get_by_label(re.compile("accept the Microsoft Non-Disclosure Agreement")).check()
    shots(page, "details-filled")
    page.get_by_role("button", name="Save my details").click()
    page.wait_for_load_state("load")

    expect(page).to_have_url(f"{base}/profile/")
    expect(page.get_by_role("heading", name="Grace Newcomer")).to_be_visible()
    # The header greets them by name now, not by email address.
    expect(page.get_by_role("banner").get_by_text("Grace Newcomer")).to_be_visible()
    trainer = Trainer.objects.get(user__email=EMAIL)
    assert trainer.nda_version.version == "2026.1" and trainer.nda_accepted_at
    assert trainer.consent_program_contact and not trainer.consent_partner_contact
    assert trainer.consent_program_contact_version is not None
    _check_axe(page, base, "profile")

    # A wrong code first: a clear message, nothing linked.
    page.get_by_label("MCP ID", exact=True).fill(mcp_id.value)
    page.get_by_label("Access code").fill("WRONG-CODE2")
    page.get_by_role("button", name="Link MCP ID").click()
    page.wait_for_load_state("load")
    expect(page.get_by_text("do not match our records")).to_be_visible()
    shots(page, "claim-wrong-code")
    _check_axe(page, base, "link an MCP ID (error)")

    page.get_by_label("MCP ID", exact=True).fill(mcp_id.value)
    page.get_by_label("Access code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Link MCP ID").click()
    page.wait_for_load_state("load")
    expect(page.get_by_text(f"MCP ID {mcp_id.value} is now linked")).to_be_visible()
    certificate_row = page.get_by_role("row", name=re.compile("Azure Developer Associate"))
    expect(certificate_row).to_contain_text("Yes")
    expect(page.get_by_role("cell", name="ER-2026-777001")).to_be_visible()
    shots(page, "profile-linked")
    assert AuditEvent.objects.filter(action="mcp_id.claimed", subject_user=trainer.user).exists()

    page.get_by_role("link", name=re.compile("^Enroll")).first.click()
    expect(page).to_have_url(f"{base}/apply/new/profile/")
    page.get_by_label("Freelancer (self-employed)").check()
    page.get_by_label("Developer").check()
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state("load")
    expect(page).to_have_url(f"{base}/apply/new/requirements/")
    expect(page.get_by_text("Microsoft Certified: Azure Developer Associate")).to_be_visible()
    shots(page, "requirements")
    proof = tmp_path / "ctt-certificate.pdf"
    proof.write_bytes(pdf_bytes())
    page.get_by_label("Type of credential").select_option(label="CompTIA CTT+")
    certified_on = timezone.localdate() - datetime.timedelta(days=100)
    page.get_by_label("Date of certification").fill(certified_on.isoformat())
    page.get_by_label("Upload your proof").set_input_files(str(proof))
    # Issue 13: the proof is sent only with the trainer's agreement to how it is handled.
    page.get_by_label("I agree that the MCT program's reviewers use").check()
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state("load")
    expect(page).to_have_url(f"{base}/apply/new/terms/")
    expect(page.get_by_role("heading", name="Terms")).to_be_visible()
    shots(page, "terms")


def test_help_and_feedback_work_with_javascript_off(browser, live_server, demo_data, shots):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    base = live_server.url
    try:
        page.goto(base)
        page.get_by_role("contentinfo").get_by_role("link", name="Help and contact support").click()
        expect(page).to_have_url(f"{base}/help/")
        expect(
            page.get_by_role("heading", name="What to have ready before you start")
        ).to_be_visible()
        page.get_by_text("Which certifications qualify?").click()  # <details> opens without JS
        expect(
            page.get_by_text("Fundamentals and retired certifications do not count")
        ).to_be_visible()
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_text("Write your message.").first).to_be_visible()
        page.get_by_label("Topic").select_option(label="Something about the portal itself")
        page.get_by_label("Your message").fill("I could not find where to enter my MCP ID.")
        page.get_by_label("Email address for our answer").fill("visitor@example.org")
        shots(page, "help-feedback")
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_text("your message has reached the support team")).to_be_visible()
        assert Feedback.objects.get().email == "visitor@example.org"
    finally:
        context.close()


def test_the_new_pages_have_no_serious_accessibility_issue(page, live_server, demo_data, shots):
    """axe on /help/, /profile/details/, the link page and the support inbox."""
    from tests.browser.conftest import sign_in

    base = live_server.url
    serve_axe(page, base)
    page.goto(f"{base}/help/")
    _check_axe(page, base, "help")
    sign_in(page, base, "fresh@demo.mct")
    expect(page).to_have_url(f"{base}/profile/details/?next=/profile/")
    _check_axe(page, base, "details (fresh)")
    page.goto(f"{base}/profile/mcp-ids/link/")
    _check_axe(page, base, "link an MCP ID")
    Feedback.objects.create(message="Please add a dark mode.", topic="portal")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, base, "support@demo.mct")
    page.goto(f"{base}/support/inbox/")
    expect(page.get_by_text("Please add a dark mode.")).to_be_visible()
    shots(page, "support-inbox")
    _check_axe(page, base, "support inbox")
    page.get_by_role("button", name=re.compile("^Mark handled")).first.click()
    expect(page.get_by_text("is marked handled")).to_be_visible()
