"""EvidenceFileField: the one upload field, refusing bad files with the trainer's message."""

import importlib
import io
import pkgutil

import pytest
from django import forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import models

from tests.verification import corpus
from verification.forms import EvidenceFileField

# A representative dozen and more of the corpus, one of each way a file goes wrong.
REFUSED = [
    "over_10_mb",
    "empty",
    "elf_executable",
    "html_as_jpeg",
    "svg_as_png",
    "zip_as_docx",
    "png_html_appended",
    "truncated_jpeg",
    "png_decompression_bomb",
    "docm_as_docx",
    "docx_zip_bomb",
    "docx_activex",
    "doc_with_macro",
    "pdf_javascript",
    "pdf_open_action",
    "pdf_launch",
    "pdf_as_docx",
    "name_double_extension_exe",
]
ACCEPTED = ["pdf", "jpeg", "png", "docx", "doc"]


def samples(labels, pool):
    by_label = {sample.label: sample for sample in pool}
    return [pytest.param(by_label[label], id=label) for label in labels]


def as_upload(sample: corpus.Sample) -> UploadedFile:
    handle = sample.open()
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    # The browser's content type is a lie on purpose: the field must not care.
    return UploadedFile(handle, name=sample.name, content_type="application/pdf", size=size)


class EvidenceForm(forms.Form):
    file = EvidenceFileField(label="Proof of instructional skills")


def test_the_field_tells_the_browser_and_the_trainer_what_it_takes():
    html = str(EvidenceForm()["file"])
    assert 'accept=".pdf,.jpg,.jpeg,.png,.doc,.docx"' in html
    assert EvidenceForm().fields["file"].help_text == "PDF, JPEG, PNG, DOC or DOCX, up to 10 MB."


@pytest.mark.parametrize("sample", samples(ACCEPTED, corpus.good_samples()))
def test_a_good_file_of_each_type_is_accepted(sample):
    form = EvidenceForm(files={"file": as_upload(sample)})

    assert form.is_valid(), form.errors
    uploaded = form.cleaned_data["file"]
    assert uploaded.inspection.kind == sample.kind
    assert uploaded.tell() == 0


@pytest.mark.parametrize("sample", samples(REFUSED, corpus.bad_samples()))
def test_a_bad_file_is_refused_with_its_own_message(sample):
    form = EvidenceForm(files={"file": as_upload(sample)})

    assert not form.is_valid()
    [error] = form.errors.as_data()["file"]
    assert error.code == sample.code
    assert len(error.message) > 30 and error.message.endswith(".")
    # What the trainer sees on the page is that message.
    assert str(error.message).replace("'", "&#x27;") in str(form["file"].errors)


def test_the_messages_differ_by_what_is_wrong():
    messages = set()
    for sample in samples(REFUSED, corpus.bad_samples()):
        form = EvidenceForm(files={"file": as_upload(sample.values[0])})
        form.is_valid()
        messages.add(form.errors["file"][0])
    assert len(messages) >= 10


def test_a_file_is_still_required():
    form = EvidenceForm(files={})
    assert not form.is_valid()
    assert form.errors["file"] == ["Choose a file to upload."]


def test_validating_twice_reads_the_same_file_again():
    upload = SimpleUploadedFile("Certificate.pdf", corpus.pdf_bytes())
    field = EvidenceFileField()
    assert field.clean(upload).inspection.kind == "pdf"
    assert field.clean(upload).inspection.sha256 == upload.inspection.sha256
    assert upload.read(5) == b"%PDF-"


PORTAL_APPS = ("verification", "enrollment", "alumni")
# The one other upload: program admins' CSV data feeds (enrollment/imports). Not trainer
# evidence: admin-only, read as CSV by the import engine, stored privately under a random
# name and deleted when the import finishes.
DATA_FEED_UPLOAD = ("ImportUploadForm", "file")


def _portal_form_classes() -> list[type[forms.BaseForm]]:
    for app in PORTAL_APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)
    found, pending = [], [forms.BaseForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.startswith(PORTAL_APPS):
                found.append(subclass)
    return found


def test_every_upload_in_the_portal_goes_through_the_evidence_field():
    upload_fields = [
        (form.__qualname__, name, field)
        for form in _portal_form_classes()
        for name, field in getattr(form, "base_fields", {}).items()
        if isinstance(field, forms.FileField)
    ]

    assert upload_fields, "the wizards' proof uploads should be found"
    for form, name, field in upload_fields:
        if (form, name) == DATA_FEED_UPLOAD:
            continue
        assert isinstance(field, EvidenceFileField), f"{form}.{name} bypasses EvidenceFileField"


def test_only_the_verification_document_stores_files():
    file_fields = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    }
    assert file_fields == {
        "verification.Document.file",
        "verification.Document.preview",
        "verification.Document.rendered_text",
        "verification.DocumentPage.image",
        "imports.ImportRun.file",  # DATA_FEED_UPLOAD's file, until its import finishes
        "enrollment.DataExport.file",  # written by the worker, never uploaded
    }
