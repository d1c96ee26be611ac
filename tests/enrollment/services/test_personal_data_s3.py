"""The data export and erasure through the S3 backend (moto's server): the zip is written
and read, and the files deleted, through the storage API (docs/personal-data.md)."""

import io
import json
import zipfile

import pytest

from enrollment.enums import DataExportState
from enrollment.models import DataExport
from enrollment.services.personal_data import (
    data_export_expire,
    data_export_request,
    erasure_confirm,
    erasure_request,
)
from tests import factories
from tests.verification import test_real_s3
from verification.models import Document

s3 = test_real_s3.s3
pytestmark = [pytest.mark.django_db, pytest.mark.s3]


def _keys(storage) -> list[str]:
    return test_real_s3._keys(storage)


def test_the_export_and_the_erasure_work_on_s3(s3, monkeypatch, django_capture_on_commit_callbacks):
    for field in ("file", "preview"):
        monkeypatch.setattr(Document._meta.get_field(field), "storage", s3)
    monkeypatch.setattr(DataExport._meta.get_field("file"), "storage", s3)
    trainer = factories.TrainerFactory(last_name="Mistlethwaite")
    document = factories.StoredDocumentFactory(owner=trainer.user, original_name="ctt.pdf")
    factories.EvidenceFactory(application__trainer=trainer, document=document)
    assert _keys(s3) == [f"private/{document.file.name}"]

    with django_capture_on_commit_callbacks(execute=True):
        export, _created = data_export_request(trainer=trainer, by=trainer.user)
    export.refresh_from_db()

    assert export.state == DataExportState.READY
    assert f"private/{export.file.name}" in _keys(s3)
    with s3.open(export.file.name, "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    assert json.loads(archive.read("data.json"))["registration"]["last_name"] == "Mistlethwaite"
    with s3.open(document.file.name, "rb") as original:
        assert archive.read(f"files/{document.public_id}/ctt.pdf") == original.read()

    with django_capture_on_commit_callbacks(execute=True):
        data_export_expire(export_id=export.pk)
    assert _keys(s3) == [f"private/{document.file.name}"]

    request, _created = erasure_request(trainer=trainer, by=trainer.user)
    with django_capture_on_commit_callbacks(execute=True):
        erasure_confirm(request=request, by=factories.SupportFactory())
    assert _keys(s3) == []
