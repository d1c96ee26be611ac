"""Your data in Chromium (docs/personal-data.md): a trainer downloads a copy of their data
and asks for their account to be deleted; support confirms; the verify page then names no
one. axe on every new page (0 serious)."""

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from enrollment.models import Trainer
from tests.browser.axe import serious_violations, serve_axe
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def _check_axe(page, base: str, where: str) -> None:
    violations = serious_violations(page, base)
    assert violations == [], (where, violations)


def test_a_trainer_takes_their_data_and_support_erases_them(page, live_server, demo_data, shots):
    base = live_server.url
    serve_axe(page, base)
    trainer = Trainer.objects.get(user__email="renew@demo.mct")
    name = trainer.last_name

    sign_in(page, base, "renew@demo.mct")
    page.goto(f"{base}/profile/")
    page.get_by_role("button", name="Prepare a copy of my data").click()
    expect(page.get_by_role("link", name="Download your data (zip)")).to_be_visible()
    shots(page, "profile-copy-ready")
    _check_axe(page, base, "profile with a copy ready")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download your data (zip)").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert json.loads(archive.read("data.json"))["registration"]["last_name"] == name

    page.get_by_role("link", name="Delete my account").click()
    expect(page.get_by_role("heading", name="What is kept, and for how long")).to_be_visible()
    shots(page, "delete-account")
    _check_axe(page, base, "delete my account")
    page.get_by_label("I understand: delete my account and erase my personal data.").check()
    page.get_by_role("button", name="Ask support to delete my account").click()
    expect(page.get_by_text("The support team will confirm it")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, base, "support@demo.mct")
    page.goto(f"{base}/support/erasure/")
    expect(page.get_by_text(name).first).to_be_visible()
    shots(page, "support-erasure-requests")
    _check_axe(page, base, "support erasure requests")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("^Confirm and erase")).first.click()
    expect(page.get_by_text("is confirmed")).to_be_visible()

    page.goto(f"{base}/verify/{trainer.verification_code}/")
    expect(page.get_by_role("heading", name="Personal data erased")).to_be_visible()
    assert name not in page.content()
    shots(page, "verify-erased")
    _check_axe(page, base, "verify page after erasure")
