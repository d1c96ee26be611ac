"""“Enroll as a new MCT” in Japanese, in Chromium (issue 17): the demo newcomer signs in,
chooses 日本語 in the footer's language menu (saved on their record), walks every step of
the path, waits for the reviewer, submits and pays with the test card, and finds the
membership active. Elements are found by role and label in Japanese; axe runs on every
Japanese page of the walk and finds no serious or critical violation."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from enrollment.enums import MembershipStatus, Program
from enrollment.models import Membership, Trainer
from enrollment.rules.memberships import add_years
from tests.browser.axe import serious_violations, serve_axe
from tests.browser.conftest import sign_in
from tests.browser.test_wizard import _approve_as_reviewer
from tests.verification.corpus import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEWCOMER = "new@demo.mct"


@pytest.fixture
def proof_file(tmp_path):
    path = tmp_path / "ctt-certificate.pdf"
    path.write_bytes(pdf_bytes())
    return path


def _japanese_page(page, base: str, shots, name: str) -> None:
    """The page is in Japanese, has no serious axe violation, and is kept as a screenshot."""
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    violations = serious_violations(page, base)
    assert violations == [], (name, violations)
    shots(page, name)


def _next(page) -> None:
    page.get_by_role("button", name="次へ", exact=True).click()
    page.wait_for_load_state("load")


def test_enroll_as_a_new_mct_in_japanese(page, browser, live_server, demo_data, proof_file, shots):
    base = live_server.url
    serve_axe(page, base)
    sign_in(page, base, NEWCOMER)
    expect(page).to_have_url(f"{base}/profile/")

    # The footer's language menu, without JavaScript's help: a select and a button.
    page.get_by_label("Language").select_option("ja")
    page.get_by_role("button", name="Change language").click()
    page.wait_for_load_state("load")
    expect(page).to_have_url(f"{base}/profile/")
    assert Trainer.objects.get(user__email=NEWCOMER).language == "ja"
    expect(page.get_by_role("heading", name="メンバーシップ", exact=True)).to_be_visible()
    _japanese_page(page, base, shots, "profile")

    page.get_by_role("link", name="登録する").first.click()
    expect(page).to_have_url(f"{base}/apply/new/profile/")
    expect(page.get_by_role("heading", name="新規 MCT として登録する")).to_be_visible()
    _japanese_page(page, base, shots, "wizard-profile-empty")

    # Profile: an error first (no audience), then the employer's details.
    page.get_by_label("教育機関", exact=True).check()
    page.get_by_label("教育機関名").fill("Tempe Community College")
    _next(page)
    expect(page.get_by_role("alert")).to_contain_text("入力内容に問題があります")
    expect(page.get_by_role("alert")).to_contain_text("主なトレーニング対象者を選択してください。")
    _japanese_page(page, base, shots, "wizard-profile-error")
    page.get_by_label("開発者", exact=True).check()
    _next(page)

    # Requirements: the qualifying certification is listed; the proof is sent with consent.
    expect(page).to_have_url(f"{base}/apply/new/requirements/")
    expect(page.get_by_role("heading", name="指導スキルの証明")).to_be_visible()
    _japanese_page(page, base, shots, "wizard-requirements")
    page.get_by_label("MTM ID").fill("nadia.newman")
    page.get_by_label("資格の種類").select_option(label="CompTIA CTT+")
    certified_on = timezone.localdate() - datetime.timedelta(days=200)
    page.get_by_label("認定日").fill(certified_on.isoformat())
    page.get_by_label("証明書をアップロード").set_input_files(str(proof_file))
    expect(page.get_by_text("ファイルの取り扱いについて")).to_be_visible()
    page.get_by_label("MCT プログラムの審査担当者がこのファイル内の個人情報を").check()
    _next(page)

    # Terms: both documents, each with its own checkbox.
    expect(page).to_have_url(f"{base}/apply/new/terms/")
    _japanese_page(page, base, shots, "wizard-terms")
    page.get_by_label("MCT Program Guide に同意します").check()
    page.get_by_label("MCT Program Agreement に同意します").check()
    _next(page)

    # Confirmation while the proof is in review: cannot submit yet.
    expect(page).to_have_url(f"{base}/apply/new/confirmation/")
    expect(page.get_by_text("まだ提出できません。")).to_be_visible()
    expect(page.get_by_role("button", name="申請を提出")).to_be_disabled()
    _japanese_page(page, base, shots, "wizard-confirmation-pending")

    # The reviewer (English staff pages, another browser) approves the proof.
    reviewer = browser.new_context().new_page()
    _approve_as_reviewer(reviewer, base, "ctt-certificate.pdf", shots)
    reviewer.context.close()

    page.goto(f"{base}/apply/new/confirmation/")
    expect(page.get_by_text("すべて整っています。")).to_be_visible()
    _japanese_page(page, base, shots, "wizard-confirmation-ready")
    page.get_by_role("button", name="申請を提出").click()
    page.wait_for_load_state("load")

    # Payment with the demo card.
    expect(page.get_by_role("heading", name="プログラム料金の支払い")).to_be_visible()
    _japanese_page(page, base, shots, "payment")
    page.get_by_label("カード番号").fill("4242 4242 4242 4242")
    page.get_by_label("有効期限").fill("08/39")
    page.get_by_label("セキュリティ コード（CVC）").fill("123")
    page.get_by_role("button", name="を支払う").first.click()
    page.wait_for_load_state("load")

    expect(page).to_have_url(f"{base}/profile/")
    expect(page.get_by_role("status").first).to_contain_text("申請が承認されました。")
    membership = Membership.objects.get(
        trainer__user__email=NEWCOMER, program=Program.MCT, status=MembershipStatus.ACTIVE
    )
    anniversary = add_years(timezone.localdate(), 1)
    assert membership.anniversary_on == anniversary
    japanese_date = f"{anniversary.year}年{anniversary.month}月{anniversary.day}日"
    expect(page.get_by_text(japanese_date).first).to_be_visible()
    _japanese_page(page, base, shots, "member")
