"""Issue 13: how a file is handled is said, and agreed to, on the step that sends it; and the
trainer pages' copy agrees with itself."""

import datetime
import re

import pytest
from django.utils import timezone

from enrollment.forms.consent import CONSENT_LABEL, CONSENT_REQUIRED
from enrollment.models import Evidence
from tests import factories
from tests.enrollment.wizard.walk import good_pdf, membership, qualified_trainer, text_of

pytestmark = pytest.mark.django_db


def _start(walker, trainer, path="new", **profile):
    walker.client.force_login(trainer.user)
    fields = {"employer_type": "freelancer", "primary_audience": "developer", **profile}
    walker.step(path, "profile", fields)


def test_the_requirements_step_says_how_the_proof_is_handled_before_the_upload(walker, terms):
    _start(walker, qualified_trainer())
    html = walker.get("/apply/new/requirements/").content.decode()
    notice = html.index("How we handle your file")
    assert notice < html.index('type="file"') < html.index('name="requirements-proof_consent"')
    assert CONSENT_LABEL.replace("'", "&#x27;") in html
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "goes to the MCT program's reviewers as soon as you select Next" in text
    assert "only to check this application" in text and "deleted once they have decided" in text


def test_a_proof_sent_without_agreement_is_refused_and_nothing_is_stored(walker, terms):
    credential = factories.CredentialTypeFactory()
    trainer = qualified_trainer()
    _start(walker, trainer)
    fields = {
        "credential_type": str(credential.pk),
        "certified_on": (timezone.localdate() - datetime.timedelta(days=30)).isoformat(),
        "proof_file": good_pdf(),
    }
    response = walker.step("new", "requirements", fields)
    assert response.status_code == 200
    assert CONSENT_REQUIRED in text_of(response)
    assert not Evidence.objects.filter(application__trainer=trainer).exists()

    response = walker.step(
        "new", "requirements", {**fields, "proof_file": good_pdf(), "proof_consent": "on"}
    )
    assert response.status_code == 302
    assert Evidence.objects.filter(application__trainer=trainer, is_current=True).exists()


def test_a_training_summary_needs_the_same_agreement(walker, terms):
    trainer = qualified_trainer()
    membership(trainer, anniversary_in_days=30)
    _start(walker, trainer, path="renew")
    response = walker.step(
        "renew", "requirements", {"teaching_method": "summary", "summary_file": good_pdf()}
    )
    assert response.status_code == 200 and CONSENT_REQUIRED in text_of(response)
    assert not Evidence.objects.filter(application__trainer=trainer).exists()


def test_a_single_way_to_show_teaching_is_not_a_radio_group(walker, terms):
    trainer = qualified_trainer()
    membership(trainer, anniversary_in_days=30)
    _start(walker, trainer, path="renew")  # a freelancer: no waiver, only the summary
    html = walker.get("/apply/renew/requirements/").content.decode()
    assert 'type="radio"' not in html
    assert 'type="hidden" name="requirements-teaching_method" value="summary"' in html
    assert "Upload a training summary or score report" in text_of(
        walker.get("/apply/renew/requirements/")
    )


def test_the_waiver_asks_what_its_text_says(walker, terms):
    trainer = qualified_trainer()
    membership(trainer, anniversary_in_days=30)
    _start(
        walker,
        trainer,
        path="renew",
        employer_type="academic",
        institution_name="Uni",
        primary_audience="it_professional",
    )
    text = text_of(walker.get("/apply/renew/requirements/"))
    assert 'type="radio"' in walker.get("/apply/renew/requirements/").content.decode()
    assert "declare one course" not in text
    assert "say how many courses you taught in the previous 365 days" in text
    assert "Number of courses you taught in the previous 365 days" in text


def test_the_home_page_promises_no_fee_the_alumni_paths_do_not_charge(client):
    text = text_of(client.get("/"))
    assert "much smaller fee" not in text
    assert "Apply for MCT Alumni Taking a break from teaching?" in text
    assert "with no fee to pay" in text


def test_a_code_is_not_called_one_time_next_to_its_120_days(walker, terms, settings):
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    page = walker.get("/apply/new/profile/")
    text = text_of(page)
    assert "one-time code" not in text
    assert "(it works once)" in text
    response = walker.step(
        "new",
        "profile",
        {
            "employer_type": "fte",
            "microsoft_alias": "someone",
            "microsoft_domain": "microsoft.com",
            "primary_audience": "developer",
        },
        extra={"action": "send_code"},
    )
    assert response.status_code == 302, text_of(response)[:400]
    response = walker.get(response["Location"])
    text = text_of(response)
    assert f"It works once, within {settings.PASSCODE_VALID_DAYS} days." in text
    assert "stays valid" not in text
