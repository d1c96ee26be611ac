"""Bad input never ends in a 500: huge or odd unicode, NUL characters, lists where one value
is expected, missing fields, a file field with no file. Each answer says what is wrong and
changes nothing of the application (a NUL once broke PostgreSQL's JSON draft)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enrollment.models import Evidence
from tests import factories
from tests.enrollment.wizard.walk import (
    membership,
    prefix_of,
    qualified_trainer,
    start_draft,
    text_of,
)

pytestmark = pytest.mark.django_db

HUGE = "é" * 100_000
ODD = "\u202e\x00zalgo\u0301\u0301 \U0001f600 \ufeff"
SLUGS = ("new", "renew", "alumni", "alumni-renew", "upgrade", "rejoin")
STEPS = ("", "profile/", "requirements/", "terms/", "confirmation/")


def _frozen(application) -> dict:
    application.refresh_from_db()
    return {
        "status": application.status,
        "employer_type": application.employer_type,
        "institution_name": application.institution_name,
        "microsoft_alias": application.microsoft_alias,
        "verified_email": application.verified_email,
        "completed": list(application.draft_data.get("step_data", {})),
    }


def _has_nul(value) -> bool:
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return isinstance(value, str) and "\x00" in value


@pytest.fixture
def on_profile(walker, terms):
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    application = start_draft(trainer)
    page = walker.get("/apply/new/profile/")
    return {"prefix": prefix_of(page), "application": application}


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"employer_type": HUGE, "primary_audience": ODD},
        {"employer_type": ["academic", "fte"], "primary_audience": "developer"},
        {"employer_type": "academic", "primary_audience": "developer", "institution_name": HUGE},
        {"employer_type": "academic", "primary_audience": "developer", "institution_name": ODD},
        {"employer_type": "fte", "primary_audience": "developer", "microsoft_alias": ODD},
        {"employer_type": "partner", "primary_audience": "developer", "partner_id": ODD},
        {"employer_type": "partner", "primary_audience": "developer", "partner_id": "%"},
        {
            "employer_type": "imagine_academy",
            "primary_audience": "it_professional",
            "imagine_academy_id": HUGE,
        },
    ],
    ids=["nothing", "huge", "list", "huge-name", "nul-name", "nul-alias", "nul-id", "like", "ia"],
)
def test_odd_profile_answers_are_field_errors_and_change_nothing(walker, on_profile, fields):
    application = on_profile["application"]
    before = _frozen(application)
    data = {f"{on_profile['prefix']}-current_step": "profile"}
    data.update({f"profile-{name}": value for name, value in fields.items()})

    response = walker.post("/apply/new/profile/", data)

    assert response.status_code == 200
    assert "There is a problem" in text_of(response)
    assert _frozen(application) == before


@pytest.mark.parametrize("action", ["send_code", "verify_code"])
def test_passcode_actions_with_odd_input_keep_the_draft_storable(
    walker, on_profile, action, mailoutbox
):
    """The passcode actions keep what was typed even when it is invalid: never a NUL."""
    application = on_profile["application"]
    response = walker.post(
        "/apply/new/profile/",
        {
            f"{on_profile['prefix']}-current_step": "profile",
            "action": action,
            "profile-employer_type": "fte",
            "profile-primary_audience": "developer",
            "profile-microsoft_domain": "microsoft.com",
            "profile-microsoft_alias": ODD,
            "profile-fte_passcode": ODD,
        },
    )
    assert response.status_code == 200
    assert "Null characters are not allowed" in text_of(response)
    assert mailoutbox == []
    application.refresh_from_db()
    assert not _has_nul(application.draft_data)
    assert application.verified_email == ""
    assert "profile-microsoft_alias" in application.draft_data["step_data"]["profile"]


def test_back_with_odd_input_keeps_a_storable_draft(walker, on_profile):
    application = on_profile["application"]
    response = walker.post(
        "/apply/new/profile/",
        {
            f"{on_profile['prefix']}-current_step": "profile",
            "wizard_goto_step": "profile",
            "profile-employer_type": ODD,
            f"profile-{ODD}": ODD,
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert not _has_nul(application.draft_data)
    assert application.employer_type == ""


@pytest.mark.parametrize(
    ("management", "status"),
    [("", 302), (ODD, 302), (HUGE, 400), (["profile", "terms"], 400), ("confirmation", 400)],
)
def test_tampered_management_form_says_so_and_changes_nothing(
    walker, on_profile, management, status
):
    application = on_profile["application"]
    before = _frozen(application)
    response = walker.post(
        "/apply/new/profile/",
        {
            f"{on_profile['prefix']}-current_step": management,
            "profile-employer_type": "freelancer",
            "profile-primary_audience": "developer",
        },
    )
    assert response.status_code == status
    if status == 400:
        assert "Something was wrong with that request" in text_of(response)
    else:
        assert response["Location"] == "/apply/new/profile/"
        assert "That page was out of date" in text_of(walker.get(response["Location"]))
    assert _frozen(application) == before


@pytest.mark.parametrize(
    "upload",
    [
        "",  # a file field posted with no file
        SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf"),
        SimpleUploadedFile("setup.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
        SimpleUploadedFile(f"{ODD}.pdf", b"%PDF-1.4 not really", content_type="application/pdf"),
    ],
    ids=["no-file", "empty", "exe", "odd-name"],
)
def test_a_bad_or_missing_proof_file_is_a_field_error_and_uploads_nothing(walker, terms, upload):
    credential = factories.CredentialTypeFactory()
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    walker.step("new", "profile", {"employer_type": "freelancer", "primary_audience": "developer"})
    response = walker.step(
        "new",
        "requirements",
        {
            "credential_type": str(credential.pk),
            "certified_on": (timezone.localdate() - datetime.timedelta(days=30)).isoformat(),
            "proof_file": upload,
            "proof_consent": "on",
        },
    )
    assert response.status_code == 200
    assert "There is a problem" in text_of(response)
    assert not Evidence.objects.filter(application__trainer=trainer).exists()
    assert walker.get("/apply/new/terms/")["Location"] == "/apply/new/requirements/"


@pytest.mark.parametrize(
    "fields",
    [
        {"teaching_method": "waiver", "courses_taught": "9" * 50, "taught_on": "0001-01-01"},
        {"teaching_method": "waiver", "taught_on": "9999-12-31", "number_of_students": "NaN"},
        {"teaching_method": HUGE},
        {"teaching_method": ["summary", "waiver"]},
        {"teaching_method": "summary", "summary_file": ""},
        {"mtm_id": ODD, "teaching_method": "waiver", "manager_email": ODD},
    ],
)
def test_odd_renewal_answers_are_field_errors(walker, terms, fields):
    trainer = qualified_trainer()
    membership(trainer, anniversary_in_days=30)
    walker.client.force_login(trainer.user)
    walker.step(
        "renew",
        "profile",
        {
            "employer_type": "academic",
            "institution_name": "Uni",
            "primary_audience": "it_professional",
        },
    )
    response = walker.step("renew", "requirements", fields)
    assert response.status_code == 200
    assert "There is a problem" in text_of(response)
    assert not Evidence.objects.filter(application__trainer=trainer).exists()


@pytest.mark.parametrize("standing", ["none", "active-mct-due", "alumni-due", "lapsed"])
def test_no_wizard_url_answers_500_to_any_method_in_any_order(walker, terms, standing):
    trainer = qualified_trainer()
    if standing == "active-mct-due":
        membership(trainer, anniversary_in_days=30)
    elif standing == "alumni-due":
        membership(trainer, program="alumni", anniversary_in_days=15)
    elif standing == "lapsed":
        membership(trainer, anniversary_in_days=-60, status="lapsed")
    walker.client.force_login(trainer.user)
    foreign = "app_0123456789abcdef0123456789abcdef-current_step"
    for slug in SLUGS:
        for step in STEPS:
            url = f"/apply/{slug}/{step}"
            for response in (
                walker.get(url),
                walker.post(url, {}),
                walker.post(url, {foreign: step.rstrip("/") or "profile", "action": ODD}),
                walker.post(url, {"x-current_step": HUGE, "wizard_goto_step": ODD}),
            ):
                assert response.status_code in (200, 302, 400, 403), (url, response.status_code)
                if response.status_code == 403:
                    assert "You cannot start this application" in text_of(response)
