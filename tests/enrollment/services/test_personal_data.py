"""A trainer's data (docs/personal-data.md): the export holds every kind of record and
nothing of anyone else; erasure confirmed by support leaves nothing personal and keeps what
must be kept; every step is audited."""

import datetime
import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from enrollment.enums import DataExportState, ErasureState, MembershipStatus
from enrollment.models import (
    DataExport,
    ErasureRequest,
    McpId,
    Membership,
    Payment,
    PaymentDocument,
    Trainer,
)
from enrollment.services import personal_data
from enrollment.services.personal_data import (
    ERASED,
    data_export_build,
    data_export_request,
    data_exports_sweep,
    erased_records_retention_sweep,
    erasure_carry_out,
    erasure_confirm,
    erasure_refuse,
    erasure_request,
    export_storage,
)
from enrollment.support.selectors import trainer_search
from tests import factories
from tests.enrollment.personal_data_history import full_history
from verification.models import AuditEvent, Document, OutboundEmail, Passcode

pytestmark = pytest.mark.django_db


@pytest.fixture
def support():
    return factories.SupportFactory()


@pytest.fixture
def zephyr(support):
    return full_history("4411", first="Zephyrine", last="Quackenbush", support=support)


@pytest.fixture
def balthazar(support):
    return full_history("5522", first="Balthazar", last="Oddington", support=support)


def _zip_entries(export: DataExport) -> dict[str, bytes]:
    with export_storage().open(export.file.name, "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    return {name: archive.read(name) for name in archive.namelist()}


def _built(trainer, django_capture_on_commit_callbacks) -> DataExport:
    with django_capture_on_commit_callbacks(execute=True):
        export, created = data_export_request(trainer=trainer, by=trainer.user)
    assert created
    export.refresh_from_db()
    return export


# --- The export ------------------------------------------------------------------------------


def test_the_export_holds_every_kind_of_record_and_the_kept_files_and_nothing_of_another(
    zephyr, balthazar, django_capture_on_commit_callbacks
):
    export = _built(zephyr.trainer, django_capture_on_commit_callbacks)

    assert export.state == DataExportState.READY
    assert export.expires_at > timezone.now()
    entries = _zip_entries(export)
    data = json.loads(entries["data.json"])
    for kind in (
        "registration",
        "account",
        "consents",
        "mcp_ids",
        "certifications",
        "memberships",
        "applications",
        "files",
        "payments",
        "emails",
        "passcodes",
        "audit_events",
        "mcp_id_claim_attempts",
        "help_messages",
    ):
        assert data[kind], f"{kind} is empty"
    assert data["registration"]["last_name"] == "Quackenbush"
    assert {m["value"] for m in data["mcp_ids"]} == {"7441101", "7441102"}
    assert data["mcp_ids"][0]["exam_results"][0]["reference_number"] == "ER-4411-EXAM"
    assert data["certifications"][0]["code"] == "AZ-4411"
    assert len(data["memberships"]) == 2
    assert data["memberships"][-1]["credential"]["id"] == str(zephyr.credential.public_id)
    evidence = data["applications"][0]["evidence"]
    assert {e["kind"] for e in evidence} == {"instructional_skills", "training_waiver"}
    assert any(e["manager_name"] == "Manager 4411" for e in evidence)
    assert data["payments"][0]["reference"] == "PAY-4411"
    assert data["payments"][0]["documents"][0]["number"] == "INV-4411"
    assert data["emails"][0]["subject"] == "Hello Zephyrine"
    consent = next(c for c in data["consents"] if c["consent"] == "program_contact")
    assert consent["given"] is True and consent["version"] == "2026.1" and consent["at"]
    actions = {e["action"] for e in data["audit_events"]}
    assert {"trainer.created", "trainer.registration_updated"} <= actions
    assert any(e["actor"] == "program staff" for e in data["audit_events"])
    # The file kept is in the zip, byte for byte; the purged one is listed as purged.
    kept_name = f"files/{zephyr.kept_document.public_id}/proof-4411.pdf"
    with zephyr.kept_document.file.open("rb") as original:
        assert entries[kept_name] == original.read()
    purged = next(
        f for f in data["files"] if f["document"] == str(zephyr.purged_document.public_id)
    )
    assert purged["purged"] is True and purged["file"] is None
    # Everything of Zephyrine is there; nothing of Balthazar, in any entry.
    everything = b"\n".join(entries.values()).decode("utf-8", errors="replace")
    for marker in zephyr.markers:
        assert marker in everything, marker
    for marker in balthazar.markers:
        assert marker not in everything, marker


def test_a_double_click_asks_once(zephyr, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first, created_first = data_export_request(trainer=zephyr.trainer, by=zephyr.trainer.user)
        second, created_second = data_export_request(trainer=zephyr.trainer, by=zephyr.trainer.user)
    assert first.pk == second.pk
    assert (created_first, created_second) == (True, False)
    assert DataExport.objects.filter(trainer=zephyr.trainer).count() == 1


def test_the_task_run_twice_makes_one_file(zephyr, django_capture_on_commit_callbacks):
    export = _built(zephyr.trainer, django_capture_on_commit_callbacks)
    first_name, first_ready = export.file.name, export.ready_at

    again = data_export_build(export_id=export.pk)

    assert again.file.name == first_name and again.ready_at == first_ready
    _dirs, files = export_storage().listdir("exports")
    assert files == [first_name.split("/")[-1]]
    assert (
        AuditEvent.objects.filter(action="data_export.ready", object_id=str(export.pk)).count() == 1
    )


def test_a_run_that_dies_leaves_the_request_to_the_sweeper(
    zephyr, monkeypatch, django_capture_on_commit_callbacks
):
    def killed(**kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(personal_data, "trainer_data", killed)
    with django_capture_on_commit_callbacks(execute=False):
        export, _created = data_export_request(trainer=zephyr.trainer, by=zephyr.trainer.user)
    with pytest.raises(SystemExit):
        data_export_build(export_id=export.pk)
    export.refresh_from_db()
    assert export.state == DataExportState.REQUESTED and not export.file.name

    monkeypatch.undo()
    later = timezone.now() + personal_data.STUCK_AFTER + datetime.timedelta(seconds=1)
    result = data_exports_sweep(now=later)

    export.refresh_from_db()
    assert result["requeued"] == 1
    assert export.state == DataExportState.READY and export.file.name


def test_an_expired_export_is_deleted(zephyr, django_capture_on_commit_callbacks):
    export = _built(zephyr.trainer, django_capture_on_commit_callbacks)
    name = export.file.name
    assert export_storage().exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        result = data_exports_sweep(now=export.expires_at + datetime.timedelta(seconds=1))

    export.refresh_from_db()
    assert result["expired"] == 1
    assert export.state == DataExportState.EXPIRED and not export.file.name
    assert not export_storage().exists(name)
    assert AuditEvent.objects.filter(
        action="data_export.expired", object_id=str(export.pk)
    ).exists()


# --- Erasure ---------------------------------------------------------------------------------


def _erase(history, support, django_capture_on_commit_callbacks) -> ErasureRequest:
    trainer = history.trainer
    request, created = erasure_request(trainer=trainer, by=trainer.user)
    assert created
    with django_capture_on_commit_callbacks(execute=True):
        erasure_confirm(request=request, by=support, note="Identity checked by phone.")
    request.refresh_from_db()
    return request


def test_after_erasure_the_support_console_finds_nothing_by_the_old_name_or_email(
    zephyr, balthazar, support, django_capture_on_commit_callbacks
):
    assert trainer_search(query="Zephyrine Quackenbush").hits
    old_email = zephyr.trainer.email

    request = _erase(zephyr, support, django_capture_on_commit_callbacks)

    assert request.state == ErasureState.ERASED
    for query in ("Zephyrine Quackenbush", "Quackenbush", "Zephyrine", old_email, "zephyrine.4411"):
        assert not trainer_search(query=query).hits, query
    for query in ("7441101", "mtm-4411", "ER-4411-EXAM"):
        assert not trainer_search(query=query).hits, query
    # The other trainer is still found.
    assert trainer_search(query="Balthazar Oddington").hits


def test_erasure_clears_the_personal_fields_and_keeps_payments_decisions_and_years(
    zephyr, support, django_capture_on_commit_callbacks
):
    user_id, trainer_id = zephyr.trainer.user_id, zephyr.trainer.pk
    kept_file = zephyr.kept_document.file.name
    audit_rows = AuditEvent.objects.filter(subject_user_id=user_id).count()

    _erase(zephyr, support, django_capture_on_commit_callbacks)

    trainer = Trainer.objects.get(pk=trainer_id)
    assert trainer.erased_at is not None
    assert (trainer.first_name, trainer.last_name, trainer.phone, trainer.company) == ("",) * 4
    assert trainer.email == f"erased-{trainer_id}@invalid"
    assert not McpId.objects.filter(trainer=trainer).exists()
    user = get_user_model().objects.get(pk=user_id)
    assert not user.is_active and not user.has_usable_password()
    assert "Zephyrine" not in (user.username + user.email + user.first_name)
    # Payments and the invoice stay; the payment's billing fields go.
    payment = Payment.objects.get(pk=zephyr.payment.pk)
    assert payment.reference == "PAY-4411" and payment.amount == zephyr.payment.amount
    assert (payment.billing_name, payment.billing_address, payment.billing_vat_id) == ("",) * 3
    assert PaymentDocument.objects.get(pk=zephyr.invoice.pk).number == "INV-4411"
    # Audit rows remain (more, not fewer), with no personal text left in them.
    rows = AuditEvent.objects.filter(subject_user_id=user_id)
    assert rows.count() > audit_rows
    edit = rows.get(action="trainer.registration_updated")
    assert edit.actor_id == support.pk
    for row in rows:
        text = json.dumps([row.before, row.after, row.note])
        for marker in ("Zephyrine", "Quackenbush", "zephyrine.4411", "555-4411"):
            assert marker not in text, (row.action, text)
    # Membership years stay, the open one ended; the credential no longer carries the name.
    assert Membership.objects.filter(trainer=trainer).count() == 2
    assert zephyr.membership.__class__.objects.get(pk=zephyr.membership.pk).status == (
        MembershipStatus.ENDED
    )
    # Files deleted from storage; emails and passcodes hold nothing personal.
    document = Document.objects.get(pk=zephyr.kept_document.pk)
    assert not document.file.name and document.state
    assert not export_storage().exists(kept_file)
    email = OutboundEmail.objects.get(user_id=user_id)
    assert "Zephyrine" not in email.to + email.subject + email.body_text
    assert not Passcode.objects.filter(user_id=user_id).exists()


def test_after_erasure_the_verify_page_and_the_credential_show_nothing_personal(
    client, zephyr, support, django_capture_on_commit_callbacks
):
    code = zephyr.trainer.verification_code
    before = client.get(reverse("verify", args=[code]))
    assert "Quackenbush" in before.content.decode()

    _erase(zephyr, support, django_capture_on_commit_callbacks)

    page = client.get(reverse("verify", args=[code]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "personal data was erased" in html
    assert "Quackenbush" not in html and "Zephyrine" not in html
    starts = zephyr.membership.starts_on
    assert f"{starts:%Y-%m-%d}" in html  # the years kept: program and dates
    credential = client.get(reverse("credentials:file", args=[zephyr.credential.public_id]))
    assert credential.status_code == 404
    assert b"Quackenbush" not in credential.content


def test_after_erasure_the_person_cannot_sign_in(
    client, zephyr, support, django_capture_on_commit_callbacks
):
    email = zephyr.trainer.user.email
    _erase(zephyr, support, django_capture_on_commit_callbacks)

    response = client.post(
        reverse("account_login"), {"login": email, "password": factories.PASSWORD}
    )

    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session


def test_a_refused_request_changes_nothing(zephyr, support):
    trainer = zephyr.trainer
    request, _created = erasure_request(trainer=trainer, by=trainer.user)

    erasure_refuse(request=request, by=support, reason="A payment is still open.")

    request.refresh_from_db()
    trainer.refresh_from_db()
    assert request.state == ErasureState.REFUSED and request.reason == "A payment is still open."
    assert trainer.last_name == "Quackenbush" and trainer.erased_at is None
    assert trainer.user.is_active
    assert trainer_search(query="Zephyrine Quackenbush").hits
    with pytest.raises(personal_data.ErasureError):
        erasure_refuse(request=request, by=support, reason="  ")


def test_a_double_confirm_erases_once(zephyr, support, django_capture_on_commit_callbacks):
    request = _erase(zephyr, support, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        erasure_confirm(request=request, by=support)
    erasure_carry_out(request_id=request.pk)

    assert AuditEvent.objects.filter(action="erasure.confirmed").count() == 1
    assert AuditEvent.objects.filter(action="erasure.completed").count() == 1


def test_every_step_writes_an_audit_row(zephyr, support, django_capture_on_commit_callbacks):
    trainer = zephyr.trainer
    export = _built(trainer, django_capture_on_commit_callbacks)
    personal_data.data_export_downloaded(export=export, by=trainer.user)
    _erase(zephyr, support, django_capture_on_commit_callbacks)

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "data_export.requested",
        "data_export.ready",
        "data_export.downloaded",
        "data_export.expired",  # the erasure ended the open export
        "erasure.requested",
        "erasure.confirmed",
        "erasure.completed",
    } <= actions
    confirmed = AuditEvent.objects.get(action="erasure.confirmed")
    assert confirmed.actor_id == support.pk


def test_what_is_kept_goes_when_its_retention_ends(
    zephyr, support, settings, django_capture_on_commit_callbacks
):
    settings.ERASURE_KEEP_INVOICES_YEARS = 10
    settings.ERASURE_KEEP_MEMBERSHIP_YEARS = 5
    _erase(zephyr, support, django_capture_on_commit_callbacks)
    trainer = Trainer.objects.get(pk=zephyr.trainer.pk)

    assert erased_records_retention_sweep() == {
        "invoices_cleared": 0,
        "trainers_history_deleted": 0,
    }

    PaymentDocument.objects.filter(pk=zephyr.invoice.pk).update(issued_on=datetime.date(2000, 1, 1))
    Trainer.objects.filter(pk=trainer.pk).update(
        erased_at=timezone.now() - datetime.timedelta(days=365 * 5 + 1)
    )
    result = erased_records_retention_sweep()

    assert result == {"invoices_cleared": 1, "trainers_history_deleted": 1}
    buyer = PaymentDocument.objects.get(pk=zephyr.invoice.pk).content["buyer"]
    assert buyer["name"] == ERASED and not buyer["email"] and not buyer["address"]
    assert not Membership.objects.filter(trainer=trainer).exists()


def test_erasure_cancels_a_pending_payment_and_withdraws_open_applications(
    support, django_capture_on_commit_callbacks
):
    trainer = factories.TrainerFactory(last_name="Pendleworth")
    pending = factories.PaymentFactory(
        application__trainer=trainer, billing_name="Pendleworth Consulting"
    )
    draft = factories.ApplicationFactory(trainer=trainer, path="alumni")
    request, _created = erasure_request(trainer=trainer, by=trainer.user)

    with django_capture_on_commit_callbacks(execute=True):
        erasure_confirm(request=request, by=support)

    pending.refresh_from_db()
    draft.refresh_from_db()
    assert pending.status == "cancelled" and pending.billing_name == ""
    assert pending.application.status == "payment_cancelled"
    assert draft.status == "withdrawn"
    assert ErasureRequest.objects.get(pk=request.pk).state == ErasureState.ERASED
