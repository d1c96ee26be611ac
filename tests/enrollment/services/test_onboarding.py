"""A trainer's own registration details: the first sign-in, /profile/details/, consents,
the NDA, the audit trail, and nobody else's record (issue 9)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment.enums import TermsDocument
from enrollment.models import Trainer
from enrollment.services.onboarding import DetailsError, trainer_update_details
from enrollment.support.services import trainer_update_registration
from tests import factories
from verification.models import AuditEvent

pytestmark = pytest.mark.django_db

DETAILS_URL = reverse("profile_details")
FORM = {
    "first_name": "Benjamin",
    "middle_name": "J",
    "last_name": "Cheever",
    "email": "ben@example.org",
    "phone": "801-373-0874",
    "company": "",
    "job_title": "",
    "country": "United States",
    "address_1": "159 S. 2530 W.",
    "address_2": "",
    "city": "Provo",
    "state_province": "Utah",
    "postal_code": "84601",
}


@pytest.fixture
def documents():
    published = timezone.now() - datetime.timedelta(days=1)
    return {
        doc: factories.TermsVersionFactory(
            document=doc,
            version="2026.1",
            text=f"The text of the {doc.label}.",
            published_at=published,
        )
        for doc in (
            TermsDocument.NDA,
            TermsDocument.CONSENT_PROGRAM_CONTACT,
            TermsDocument.CONSENT_PARTNER_CONTACT,
        )
    }


@pytest.fixture
def newcomer(client, documents):
    """Signed up and confirmed a moment ago: an account, no details."""
    user = factories.UserFactory(first_name="", last_name="", email="newcomer@example.org")
    client.force_login(user)
    return user


def _text(response) -> str:
    return response.content.decode()


def test_first_visit_to_the_profile_asks_for_the_details_first(client, newcomer):
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"] == f"{DETAILS_URL}?next=/profile/"
    page = client.get(response["Location"])
    text = _text(page)
    assert "Your details" in text
    # Required fields are marked (optional ones say so), the country is a real list.
    assert 'name="first_name"' in text and "(optional)" in text
    assert '<option value="United States"' in text and '<option value="Japan"' in text
    # Both consents are asked separately and start unticked; the NDA's text is shown.
    form = page.context["form"]
    assert form["consent_program_contact"].value() is False
    assert form["consent_partner_contact"].value() is False
    assert (
        'name="consent_program_contact" ' in text
        and "checked" not in text.split('name="consent_program_contact"')[1].split(">")[0]
    )
    assert "The text of the Microsoft Non-Disclosure Agreement." in text


def test_an_application_cannot_start_before_the_details(client, newcomer):
    response = client.get(reverse("apply_new"))
    assert response.status_code == 302
    assert response["Location"] == f"{DETAILS_URL}?next=/apply/new/"
    # Opening a wizard writes nothing: no application, not even a trainer record (issue 15).
    assert not Trainer.objects.filter(user=newcomer).exists()


def test_required_fields_are_enforced_for_the_trainer(client, newcomer):
    response = client.post(DETAILS_URL, {**FORM, "city": "", "country": "Atlantis"})
    assert response.status_code == 200
    text = _text(response)
    assert "Enter your city." in text
    assert "Select a valid choice" in text
    # Nothing saved: the trainer record is created by the first details that are accepted.
    assert not Trainer.objects.filter(user=newcomer).exists()
    # Without the NDA nothing is saved either.
    response = client.post(DETAILS_URL, FORM)
    assert "Accept the Non-Disclosure Agreement to continue." in _text(response)
    assert not Trainer.objects.filter(user=newcomer).exists()


def test_the_service_refuses_missing_required_data(documents, trainer):
    with pytest.raises(DetailsError, match="Postal code"):
        trainer_update_details(
            trainer=trainer, data={"postal_code": " "}, accept_nda=True, by=trainer.user
        )


def test_support_may_still_save_an_incomplete_record(trainer, support_user):
    saved = trainer_update_registration(
        trainer=trainer, data={"city": "", "postal_code": ""}, by=support_user
    )
    assert saved.city == "" and saved.postal_code == ""


def test_details_consents_and_nda_are_recorded_with_version_and_time(client, newcomer, documents):
    before = timezone.now()
    response = client.post(
        DETAILS_URL,
        {**FORM, "consent_partner_contact": "on", "accept_nda": "on", "next": "/apply/new/"},
    )
    assert response.status_code == 302 and response["Location"] == "/apply/new/"
    trainer = Trainer.objects.get(user=newcomer)
    assert trainer.full_name == "Benjamin J Cheever"
    assert trainer.nda_version == documents[TermsDocument.NDA]
    assert trainer.nda_accepted_at >= before
    # Only the consent given is on, with its wording's version and time.
    assert trainer.consent_program_contact is False
    assert trainer.consent_program_contact_at is None
    assert trainer.consent_partner_contact is True
    assert trainer.consent_partner_contact_at >= before
    assert (
        trainer.consent_partner_contact_version == documents[TermsDocument.CONSENT_PARTNER_CONTACT]
    )

    event = AuditEvent.objects.get(action="trainer.details_updated", subject_user=newcomer)
    assert event.actor == newcomer
    assert event.before["first_name"] == "" and event.after["first_name"] == "Benjamin"
    assert event.after["nda_version"] == "2026.1" and event.before["nda_version"] is None
    assert event.after["consent_partner_contact"] is True
    assert event.after["consent_partner_contact_version"] == "2026.1"
    assert "consent_program_contact" not in event.after

    # The profile now opens; the header shows the name, not the email.
    profile = client.get(reverse("profile"))
    assert profile.status_code == 200
    assert "Benjamin J Cheever" in _text(profile)


def test_a_consent_can_be_withdrawn_and_every_change_is_audited(client, newcomer, documents):
    client.post(DETAILS_URL, {**FORM, "consent_program_contact": "on", "accept_nda": "on"})
    trainer = Trainer.objects.get(user=newcomer)
    given_at = trainer.consent_program_contact_at
    assert trainer.consent_program_contact is True

    page = client.get(DETAILS_URL)
    assert "accept_nda" not in page.context["form"].fields  # accepted: shown, not asked again
    assert "Accepted on" in _text(page)
    client.post(DETAILS_URL, {**FORM, "city": "Orem"})  # box unticked: consent withdrawn
    trainer.refresh_from_db()
    assert trainer.consent_program_contact is False
    assert trainer.consent_program_contact_at > given_at
    assert trainer.city == "Orem"
    event = AuditEvent.objects.filter(action="trainer.details_updated").latest("pk")
    assert event.before == {
        "city": "Provo",
        "consent_program_contact": True,
        "consent_program_contact_at": given_at.isoformat(),
        "consent_program_contact_version": "2026.1",
    }
    assert event.after["city"] == "Orem" and event.after["consent_program_contact"] is False

    # Saving without a change writes nothing.
    count = AuditEvent.objects.count()
    response = client.post(DETAILS_URL, {**FORM, "city": "Orem"}, follow=True)
    assert "Nothing changed." in _text(response)
    assert AuditEvent.objects.count() == count


def test_a_new_nda_version_must_be_accepted_again(client, newcomer, documents):
    client.post(DETAILS_URL, {**FORM, "accept_nda": "on"})
    assert client.get(reverse("profile")).status_code == 200
    newer = factories.TermsVersionFactory(
        document=TermsDocument.NDA, version="2027.1", text="New NDA."
    )
    response = client.get(reverse("apply_new"))
    assert response["Location"] == f"{DETAILS_URL}?next=/apply/new/"
    client.post(DETAILS_URL, {**FORM, "accept_nda": "on"})
    trainer = Trainer.objects.get(user=newcomer)
    assert trainer.nda_version == newer


def test_a_trainer_cannot_edit_another_trainers_details(client, documents):
    me = factories.TrainerFactory()
    other = factories.TrainerFactory(city="Provo")
    client.force_login(me.user)
    # The support edit page of the other record: 403 for a trainer.
    response = client.post(
        reverse("support:registration", args=[other.pk]), {**FORM, "city": "Hacked"}
    )
    assert response.status_code == 403
    # No id in /profile/details/: a guessed id is not a page, and a smuggled one is ignored.
    assert client.get(f"/profile/details/{other.pk}/").status_code == 404
    client.post(
        DETAILS_URL,
        {**FORM, "city": "Mine", "accept_nda": "on", "trainer": other.pk, "id": other.pk},
    )
    other.refresh_from_db()
    me.refresh_from_db()
    assert other.city == "Provo"
    assert me.city == "Mine"


def test_an_unsafe_next_is_ignored(client, newcomer):
    response = client.post(
        DETAILS_URL, {**FORM, "accept_nda": "on", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("profile")


def test_support_staff_reach_their_pages_without_trainer_details(client, documents, support_user):
    client.force_login(support_user)
    assert client.get(reverse("profile")).status_code == 200
