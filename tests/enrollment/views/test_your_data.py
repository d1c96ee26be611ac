"""The profile page's "Your data": asking for a copy, downloading it (the owner only, while it
is valid) and asking for the account to be deleted (docs/personal-data.md)."""

import datetime
import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment.enums import DataExportState, ErasureState
from enrollment.models import DataExport, ErasureRequest
from enrollment.services.personal_data import data_exports_sweep
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client):
    trainer = factories.TrainerFactory(first_name="Ottilie", last_name="Vandersloot")
    client.force_login(trainer.user)
    return trainer


def _ask_for_a_copy(client, django_capture_on_commit_callbacks) -> DataExport:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("data_export_request"))
    assert response.status_code == 302 and response["Location"].endswith("#your-data")
    return DataExport.objects.get()


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_profile_offers_a_copy_and_deleting_the_account(client, owner):
    page = client.get(reverse("profile")).content.decode()

    assert 'id="your-data"' in page
    assert reverse("data_export_request") in page
    assert reverse("account_delete") in page
    assert not DataExport.objects.exists()  # a GET never asks for anything


def test_asking_twice_gives_one_copy_which_the_owner_downloads(
    client, owner, django_capture_on_commit_callbacks
):
    export = _ask_for_a_copy(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("data_export_request"))

    assert DataExport.objects.count() == 1
    export.refresh_from_db()
    assert export.state == DataExportState.READY
    page = client.get(reverse("profile")).content.decode()
    url = reverse("data_export_download", args=[export.public_id])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(zipfile.ZipFile(io.BytesIO(_body(response))).read("data.json"))
    assert data["registration"]["last_name"] == "Vandersloot"


def test_another_trainer_gets_not_found(client, owner, django_capture_on_commit_callbacks):
    export = _ask_for_a_copy(client, django_capture_on_commit_callbacks)
    url = reverse("data_export_download", args=[export.public_id])

    client.force_login(factories.TrainerFactory().user)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to sign in


def test_an_expired_copy_is_not_found_and_deleted(
    client, owner, django_capture_on_commit_callbacks
):
    export = _ask_for_a_copy(client, django_capture_on_commit_callbacks)
    url = reverse("data_export_download", args=[export.public_id])
    DataExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert client.get(url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        data_exports_sweep()
    export.refresh_from_db()
    assert export.state == DataExportState.EXPIRED and not export.file.name
    assert client.get(url).status_code == 404
    # And the trainer may ask again.
    assert reverse("data_export_request") in client.get(reverse("profile")).content.decode()


def test_deleting_the_account_explains_and_asks_for_a_confirmation(client, owner, settings):
    settings.ERASURE_KEEP_INVOICES_YEARS = 10
    page = client.get(reverse("account_delete")).content.decode()

    assert "What is erased" in page and "What is kept" in page
    assert "10 years" in page
    assert not ErasureRequest.objects.exists()

    response = client.post(reverse("account_delete"), {})
    assert response.status_code == 302
    assert not ErasureRequest.objects.exists()  # the box was not ticked

    client.post(reverse("account_delete"), {"confirm": "yes"})
    client.post(reverse("account_delete"), {"confirm": "yes"})
    request = ErasureRequest.objects.get()
    assert request.state == ErasureState.REQUESTED and request.trainer == owner
    profile = client.get(reverse("profile")).content.decode()
    assert "The support team will confirm it" in profile


@pytest.mark.parametrize(
    ("language", "expected"),
    [("de", "Was gelöscht wird"), ("ja", "消去されるもの")],
)
def test_the_explanation_comes_in_the_trainers_language(client, owner, language, expected):
    owner.language = language
    owner.save(update_fields=["language"])

    page = client.get(reverse("account_delete")).content.decode()
    profile = client.get(reverse("profile")).content.decode()

    assert expected in page
    assert {"de": "Ihre Daten", "ja": "お客様のデータ"}[language] in profile


def test_a_copy_past_its_time_does_not_block_a_new_one_before_the_sweep(
    client, owner, django_capture_on_commit_callbacks
):
    first = _ask_for_a_copy(client, django_capture_on_commit_callbacks)
    DataExport.objects.filter(pk=first.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("data_export_request"))

    first.refresh_from_db()
    assert first.state == DataExportState.EXPIRED and not first.file.name
    second = DataExport.objects.exclude(pk=first.pk).get()
    assert second.state == DataExportState.READY
