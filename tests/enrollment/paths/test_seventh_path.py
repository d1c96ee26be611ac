"""A seventh path, defined only here, walks end to end with one definition.

Nothing in the app names it: the URLs, eligibility, the wizard's steps and templates, the
requirements, the fee, the payment and the membership it starts all come from its
PathDefinition (docs/architecture.md). Its choice value is not in ApplicationPath (a real
path adds it with a migration); the column takes it as any string.
"""

import importlib

import pytest
from django.urls import clear_url_caches, reverse
from django.utils import timezone

from enrollment import urls as enrollment_urls
from enrollment.enums import ApplicationStatus, MembershipStatus, Program
from enrollment.forms.wizard import ConfirmationForm, MctTermsForm, ProfileForm
from enrollment.models import Application, Membership
from enrollment.paths import PathDefinition, all_paths, register, unregister
from enrollment.rules.eligibility import eligibility_for, startable_paths
from enrollment.rules.memberships import add_years
from enrollment.selectors.applications import membership_standing
from mct_portal import urls as portal_urls
from tests import factories
from tests.enrollment.wizard.walk import (
    Walker,
    pay_with_test_card,
    prefix_of,
    publish_terms,
    text_of,
)
from verification.models import AuditEvent, OutboundEmail

pytestmark = pytest.mark.django_db


def _not_a_current_mct(standing, today, window_days) -> str:
    return "Fellows are not current MCTs." if standing.mct_open is not None else ""


FELLOW = PathDefinition(
    path="fellow",
    label="Apply as an MCT Fellow",
    slug="fellow",
    program=Program.MCT,
    action_label="Become a Fellow",
    order=99,
    refusal=_not_a_current_mct,
    steps=(("profile", ProfileForm), ("terms", MctTermsForm), ("confirmation", ConfirmationForm)),
    needs_certification=False,
)


def _reload_urls():
    importlib.reload(enrollment_urls)
    importlib.reload(portal_urls)
    clear_url_caches()


@pytest.fixture
def fellow_path():
    register(FELLOW)
    _reload_urls()
    yield FELLOW
    unregister(FELLOW.path)
    _reload_urls()


def test_the_seventh_path_walks_end_to_end_from_its_one_definition(
    fellow_path, client, django_capture_on_commit_callbacks
):
    publish_terms()
    factories.FeeFactory(program=Program.MCT, currency="USD")
    trainer = factories.TrainerFactory(first_name="Fay", last_name="Fellow")
    client.force_login(trainer.user)
    walker = Walker(client=client, capture=django_capture_on_commit_callbacks)
    get, post = walker.get, walker.post

    # The profile page offers it, in its order, with its label and URL.
    assert reverse("apply_fellow") == "/apply/fellow/"
    assert all_paths()[-1] is FELLOW
    profile = get("/profile/")
    assert "Become a Fellow" in text_of(profile)
    assert 'href="/apply/fellow/"' in profile.content.decode()

    assert get("/apply/fellow/")["Location"] == "/apply/fellow/profile/"
    response = walker.step(
        "fellow", "profile", {"employer_type": "freelancer", "primary_audience": "developer"}
    )
    assert response["Location"] == "/apply/fellow/terms/"
    page = get("/apply/fellow/terms/")
    assert [s["label"] for s in page.context["stepper_steps"]] == [
        "Profile",
        "Terms",
        "Confirmation",
    ]
    response = walker.step(
        "fellow", "terms", {"accept_program_guide": "on", "accept_program_agreement": "on"}
    )
    assert response["Location"] == "/apply/fellow/confirmation/"

    application = Application.objects.get(trainer=trainer, path="fellow")
    # No certification asked: nothing stands between the terms and submitting.
    assert application.status == ApplicationStatus.READY
    page = get("/apply/fellow/confirmation/")
    response = post(
        "/apply/fellow/confirmation/",
        {f"{prefix_of(page)}-current_step": "confirmation", "action": "submit"},
    )
    # It has a fee: the payment page, then a new MCT year.
    assert response["Location"] == f"/apply/pay/{application.public_id}/"
    assert OutboundEmail.objects.filter(role="application_awaiting_payment").exists()

    assert pay_with_test_card(walker, application)["Location"] == "/profile/"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    year = Membership.objects.get(trainer=trainer, program=Program.MCT)
    assert year.status == MembershipStatus.ACTIVE
    assert year.anniversary_on == add_years(timezone.localdate(), 1)
    assert AuditEvent.objects.filter(action="application.approved").exists()

    # Now a current MCT, the rule of its definition refuses a second one.
    standing_paths = startable_paths(_standing(trainer), timezone.localdate(), window_days=90)
    assert "fellow" not in standing_paths
    refused = eligibility_for("fellow", _standing(trainer), timezone.localdate(), 90)
    assert refused.reason == "Fellows are not current MCTs."


def _standing(trainer):
    return membership_standing(trainer=trainer)


def test_without_its_definition_the_path_does_not_exist(client, trainer):
    client.force_login(trainer.user)
    assert client.get("/apply/fellow/").status_code == 404
    assert "fellow" not in [d.path for d in all_paths()]
