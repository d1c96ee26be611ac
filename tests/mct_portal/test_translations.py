"""Every trainer-facing string is translated (issue 17).

(a) The catalogs: every msgid of locale/{de,ja} has a non-empty, non-fuzzy msgstr whose
    placeholders are the msgid's, and the catalogs hold exactly the msgids the sources mark
    (makemessages run again into a temporary folder finds no more and no fewer).
(b) The pages: the demo trainers' pages (home, help, sign-in, sign-up, profile, details, MCP
    ID link, every wizard step of the new path, the first step of every path they may start,
    payment, verification) rendered in German and Japanese show no English sentence of the
    catalog, and the Japanese pages show no run of English words that is not data (names,
    certifications, e-mail addresses, program terms): that catches a string nobody marked.
"""

import datetime
import html
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation

from enrollment.demo import DEMO_PASSWORD
from enrollment.models import (
    Application,
    Certification,
    CredentialType,
    Evidence,
    ExamResult,
    ImagineAcademyMember,
    PartnerOrganization,
    Trainer,
)
from tests.enrollment.wizard.walk import approve_through_admin, good_pdf, prefix_of

LANGUAGES = ("de", "ja")


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """A request activates its language in the test's thread; later tests expect English."""
    yield
    translation.deactivate()


LOCALE = Path(settings.BASE_DIR) / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")
# makemessages as the README runs it: the sources, not the venv or the tests (run on a copy
# of the sources without their catalogs, so that it writes only into the copy).
MAKEMESSAGES_IGNORE = [".venv/*", "tests/*", "node_modules/*"]
COPY_IGNORE = shutil.ignore_patterns(
    ".venv", ".git", ".ruff_cache", "__pycache__", "locale", "tests", "node_modules", "*.mo"
)


def _catalog(language: str):
    with open(LOCALE / language / "LC_MESSAGES" / "django.po", "rb") as po:
        return read_po(po, locale=language)


def _msgids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def _forms(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


# --------------------------------------------------------------------------- (a) catalogs


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_msgid_has_a_translation_with_the_same_placeholders(language):
    catalog = _catalog(language)
    assert len(_msgids(catalog)) > 500, "the catalog looks empty"
    assert not catalog.fuzzy, "the catalog's header is marked fuzzy"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = _forms(message.id)
        strings = _forms(message.string)
        if "fuzzy" in message.flags:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(s.strip() for s in strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != expected:
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
    assert not problems, "\n".join(problems)


def test_the_catalogs_hold_exactly_what_the_sources_mark(tmp_path, monkeypatch):
    """makemessages, run again on a copy of the sources, extracts the same msgids."""
    sources = tmp_path / "sources"
    shutil.copytree(settings.BASE_DIR, sources, ignore=COPY_IGNORE)
    fresh = sources / "locale"
    monkeypatch.chdir(sources)
    monkeypatch.setattr(settings, "LOCALE_PATHS", [fresh])
    call_command(
        "makemessages",
        locale=["de"],
        ignore_patterns=MAKEMESSAGES_IGNORE,
        no_location=True,
        verbosity=0,
    )
    with open(fresh / "de" / "LC_MESSAGES" / "django.po", "rb") as po:
        extracted = _msgids(read_po(po, locale="de"))
    for language in LANGUAGES:
        committed = _msgids(_catalog(language))
        assert not extracted - committed, (
            f"marked but missing from locale/{language}: run `make messages` after "
            f"makemessages: {sorted(extracted - committed)[:20]}"
        )
        assert not committed - extracted, (
            f"in locale/{language} but no longer in the sources: "
            f"{sorted(committed - extracted)[:20]}"
        )


# --------------------------------------------------------------------------- (b) pages

TAG = re.compile(r"<[^>]+>")
# What a person reads or hears: text, and the attributes a screen reader or a tooltip says.
ATTRIBUTES = re.compile(r'\b(?:aria-label|alt|title|placeholder|data-confirm)="([^"]*)"')
# Program documents (their texts are published in English only: see /accessibility/).
TERMS_TEXT = re.compile(r'<div class="card card--muted terms-text".*?</div>', re.S)
HIDDEN = re.compile(r"<(script|style|template)\b.*?</\1>|<select\b.*?</select>", re.S)
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’.-]*(?:[ ,:;/&()-]+[A-Za-z][A-Za-z'’.-]*){3,}")
# Names the portal keeps in every language.
PROGRAM_TERMS = [
    "Microsoft Certified Trainer",
    "MCT Program Guide",
    "MCT Program Agreement",
    "Alumni Program Agreement",
    "Microsoft Certified Educator",
    "Microsoft Imagine Academy",
    "Microsoft Office Specialist",
    "Microsoft Dynamics",
    "Metrics That Matter",
    "Modern Work",
    "Dynamics 365",
    "Power Platform",
    "Microsoft Partner or Action Pack Partner",
    "Microsoft Partner",
    "Action Pack",
    "Web Content Accessibility Guidelines",
    "Open Badges",
    "US Letter",
    "CompTIA CTT+",
    "MCT Portal",
    "MCT Alumni",
]


def visible_text(page: str) -> str:
    page = HIDDEN.sub(" ", TERMS_TEXT.sub(" ", page))
    attributes = " | ".join(ATTRIBUTES.findall(page))
    return " ".join(html.unescape(TAG.sub(" | ", page) + " | " + attributes).split())


def english_sentences(language: str) -> list[str]:
    """The English of every msgid the language translates differently, in pieces of 12 or
    more characters (placeholders and markup cut out)."""
    pieces = set()
    for message in _catalog(language):
        if not message.id:
            continue
        for msgid, string in zip(_forms(message.id), _forms(message.string), strict=False):
            if msgid == string:
                continue
            for piece in PLACEHOLDER.split(html.unescape(TAG.sub("|", msgid))):
                for part in (piece or "").split("|"):
                    if len(part.strip()) >= 12:
                        pieces.add(part.strip())
    return sorted(pieces, key=len, reverse=True)


def data_strings() -> list[str]:
    """What the database says in English: names, catalogs, addresses (not for translation)."""
    values = set(PROGRAM_TERMS)
    values.update(Certification.objects.values_list("name", flat=True))
    values.update(ExamResult.objects.values_list("exam_name", flat=True))
    values.update(CredentialType.objects.values_list("name", flat=True))
    values.update(PartnerOrganization.objects.values_list("name", flat=True))
    values.update(ImagineAcademyMember.objects.values_list("institution", flat=True))
    for trainer in Trainer.objects.all():
        values.update([trainer.full_name, trainer.email, trainer.company, trainer.job_title])
        values.update([trainer.address_1, trainer.address_2, trainer.city, trainer.country])
        values.add(trainer.state_province)
    values.update(Application.objects.values_list("institution_name", flat=True))
    values.update(Evidence.objects.values_list("course_name", flat=True))
    return sorted((v for v in values if v and len(v) > 2), key=len, reverse=True)


def untranslated_on(page_html: str, language: str, sentences: list[str], data: list[str]):
    text = visible_text(page_html)
    for value in data:
        text = text.replace(value, " | ")
    found = [s for s in sentences if s in text]
    if language == "ja":
        rest = re.sub(r"\S+@\S+|https?://\S+|/\S*", " ", text)
        found += [run for run in ENGLISH_RUN.findall(rest) if len(run.split()) >= 4]
    return found


class Pages:
    """A trainer's browser in one language that keeps every page it was shown."""

    def __init__(self, client, capture, language: str):
        self.client, self.capture, self.language = client, capture, language
        self.shown: list[tuple[str, str]] = []
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    def _keep(self, url: str, response):
        if response.status_code in (200, 400, 403, 404, 410) and "text/html" in response.get(
            "Content-Type", ""
        ):
            self.shown.append((url, response.content.decode()))
        return response

    def get(self, url: str):
        with self.capture(execute=True):
            response = self.client.get(url, follow=True)
        return self._keep(url, response)

    def post(self, url: str, data: dict):
        with self.capture(execute=True):
            response = self.client.post(url, data, follow=True)
        return self._keep(url, response)

    def step(self, slug: str, step: str, fields: dict, *, extra: dict | None = None):
        url = f"/apply/{slug}/{step}/"
        page = self.get(url)
        data = {f"{prefix_of(page)}-current_step": step}
        data.update({f"{step}-{name}": value for name, value in fields.items()})
        data.update(extra or {})
        return self.post(url, data)

    def sign_in(self, email: str):
        self.client.logout()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = self.language
        self.get("/accounts/login/")
        self.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})


def _start_urls(page_html: str) -> list[str]:
    return sorted(set(re.findall(r'href="(/apply/[a-z_]+/)"', page_html)))


def _walk_trainer_pages(pages: Pages, demo) -> None:
    for email in demo.emails:
        user = demo.user(email)
        if user.is_staff or email.startswith(("support@", "fresh@")):
            continue
        pages.sign_in(email)
        profile = pages.get("/profile/")
        pages.get("/profile/details/")
        pages.get("/profile/mcp-ids/link/")
        # An MCP ID that does not match: the claim form's error.
        pages.post("/profile/mcp-ids/link/", {"value": "99999999", "access_code": "WRONG-CODE"})
        for url in _start_urls(profile.content.decode()):
            pages.get(url)  # the first step of each path the trainer may start
        # A path this trainer may not start: the page that says why.
        pages.get("/apply/upgrade/")


def _walk_the_new_path(pages: Pages, demo, client, capture) -> None:
    """new@demo.mct through every step, the review, the confirmation and the payment page."""
    pages.sign_in("new@demo.mct")
    pages.step("new", "profile", {"employer_type": "academic"})  # the error summary
    pages.step(
        "new",
        "profile",
        {"employer_type": "academic", "institution_name": "Tempe CC", "primary_audience": "it"},
    )
    pages.step(
        "new",
        "profile",
        {
            "employer_type": "academic",
            "institution_name": "Tempe CC",
            "primary_audience": "developer",
        },
    )
    credential = CredentialType.objects.get(name="CompTIA CTT+")
    certified_on = timezone.localdate() - datetime.timedelta(days=400)
    fields = {
        "mtm_id": "nadia.newman",
        "credential_type": str(credential.pk),
        "certified_on": certified_on.isoformat(),
    }
    pages.step("new", "requirements", {**fields, "proof_file": good_pdf("ctt.pdf")})
    pages.step(
        "new",
        "requirements",
        {**fields, "proof_file": good_pdf("ctt.pdf"), "proof_consent": "on"},
    )
    pages.get("/apply/new/requirements/")  # the current file, in review
    pages.step("new", "terms", {"accept_program_guide": "on"})
    pages.step("new", "terms", {"accept_program_guide": "on", "accept_program_agreement": "on"})
    pages.get("/apply/new/confirmation/")  # cannot submit yet
    pages.get("/profile/")  # the open application and its checklist
    application = Application.objects.get(trainer__user__email="new@demo.mct", path="new")
    document = Evidence.objects.get(application=application, is_current=True).document
    approve_through_admin(client, capture, demo.reviewer, [document])
    pages.sign_in("new@demo.mct")
    confirmation = pages.get("/apply/new/confirmation/")
    pages.post(
        "/apply/new/confirmation/",
        {f"{prefix_of(confirmation)}-current_step": "confirmation", "action": "submit"},
    )
    payment_url = f"/apply/pay/{application.public_id}/"
    pages.post(payment_url, {"currency": "EUR", "provider": "test_card"})  # errors
    pages.get(f"/apply/pay/{application.public_id}/cancel/")
    card = {"card_number": "4242 4242 4242 4242", "expiry": "08/39", "cvc": "123"}
    billing = {"billing_name": "Nadia Newman", "billing_address": "1 Example Street"}
    pages.post(f"{payment_url}invoice/", {"currency": "USD", "discount_code": "", **billing})
    paid = {"currency": "USD", "discount_code": "", "provider": "test_card"}
    pages.post(payment_url, {**paid, **card, **billing})  # approved: the profile says so


def _walk_renewal_and_alumni(pages: Pages) -> None:
    """A renewal without MTM data (the waiver, with an error) and MCT Alumni to confirmation."""
    pages.sign_in("renew-upload@demo.mct")
    pages.step(
        "renew",
        "profile",
        {
            "employer_type": "academic",
            "institution_name": "Tempe CC",
            "primary_audience": "developer",
        },
    )
    too_long_ago = timezone.localdate() - datetime.timedelta(days=400)
    pages.step(
        "renew",
        "requirements",
        {"teaching_method": "waiver", "courses_taught": "2", "taught_on": too_long_ago},
    )
    # A Microsoft employee proves the address: "Email code", then a wrong code.
    pages.sign_in("fte@demo.mct")
    fte = {
        "employer_type": "fte",
        "microsoft_alias": "felix",
        "microsoft_domain": "microsoft.com",
        "primary_audience": "developer",
    }
    pages.step("renew", "profile", fte, extra={"action": "send_code"})
    pages.step(
        "renew", "profile", {**fte, "fte_passcode": "WRONG123"}, extra={"action": "verify_code"}
    )
    pages.sign_in("nocert@demo.mct")
    pages.step("alumni", "profile", {"is_microsoft_employee": "no"})  # no area: an error
    pages.step("alumni", "profile", {"is_microsoft_employee": "no", "area_of_expertise": "azure"})
    pages.step("alumni", "terms", {"accept_alumni_agreement": "on"})


@pytest.mark.parametrize("language", LANGUAGES)
def test_trainer_pages_show_no_untranslated_english(
    language, client, demo, django_capture_on_commit_callbacks
):
    pages = Pages(client, django_capture_on_commit_callbacks, language)
    for url in ("/", "/help/", "/accessibility/", "/accounts/signup/", "/no-such-page/"):
        pages.get(url)
    pages.post("/accounts/signup/", {"email": "not-an-address"})
    pages.post("/help/", {"topic": "", "message": ""})
    renewing = demo.trainer("renew@demo.mct")
    pages.get(f"/verify/{renewing.verification_code}/")
    pages.get("/verify/no-such-code/")
    _walk_trainer_pages(pages, demo)
    _walk_the_new_path(pages, demo, client, django_capture_on_commit_callbacks)
    _walk_renewal_and_alumni(pages)

    assert len(pages.shown) > 40, [url for url, _ in pages.shown]
    sentences, data = english_sentences(language), data_strings()
    problems = {}
    for url, page in pages.shown:
        assert f'<html lang="{language}"' in page, url
        found = untranslated_on(page, language, sentences, data)
        if found:
            problems.setdefault(url, set()).update(found)
    assert not problems, "\n".join(f"{url}: {sorted(found)}" for url, found in problems.items())


def test_the_page_check_sees_an_english_sentence():
    """The check is not blind: an English sentence of the catalog on a German page is found."""
    page = '<html lang="de"><body><p>Your details are saved.</p><p>Ihre Daten</p></body></html>'
    assert "Your details are saved." in untranslated_on(page, "de", english_sentences("de"), [])
    japanese = '<html lang="ja"><p>This sentence was never marked for translation.</p></html>'
    assert untranslated_on(japanese, "ja", [], []) == [
        "This sentence was never marked for translation."
    ]
