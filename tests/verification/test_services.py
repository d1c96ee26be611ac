"""The upload path end to end: receive → check → queue (or refuse) → decide → purge."""

import hashlib
import io
import socket
import socketserver
import struct
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from tests import factories
from tests.verification import corpus
from verification import services, signals
from verification.enums import DocumentKind, DocumentState, EmailState
from verification.models import AuditEvent, Document, OutboundEmail
from verification.services import (
    DecisionReasonRequired,
    FileRefused,
    InvalidTransition,
    NotAllowed,
    document_decide,
    document_purge_file,
    document_receive,
)
from verification.services import documents as documents_service
from verification.tasks import (
    check_document,
    purge_decided_files,
    purge_orphaned_files,
    sweep_stuck_documents,
)

pytestmark = pytest.mark.django_db

SKILLS = DocumentKind.INSTRUCTIONAL_SKILLS
LAUNCH_PDF = b" /OpenAction << /S /Launch /F (cmd.exe) >>"


class VerbatimNameUpload(UploadedFile):
    """An upload that keeps its name as given; UploadedFile itself drops any folder part."""

    def _set_name(self, name):
        self._name = name

    name = property(UploadedFile._get_name, _set_name)


def upload_of(s: corpus.Sample) -> UploadedFile:
    handle = s.open()
    size = handle.seek(0, io.SEEK_END)
    handle.seek(0)
    # The browser's content type is ignored: it is set to a lie on purpose.
    return VerbatimNameUpload(handle, name=s.name, content_type="application/pdf", size=size)


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def pdf_upload(name="cert.pdf", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, corpus.pdf_bytes(**kwargs))


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a call and then what it left for after the commit (the enqueued tasks)."""

    def run(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return run


@pytest.fixture
def owner():
    return factories.UserFactory(first_name="Ana", last_name="Lima", email="ana@example.org")


@pytest.fixture
def receive(owner, committed, django_capture_on_commit_callbacks):
    def do_receive(upload, *, run_check=True, **kwargs):
        if run_check:
            document = committed(
                document_receive, owner=owner, kind=SKILLS, uploaded_file=upload, **kwargs
            )
        else:
            # The broker message is lost: nothing enqueued ever runs.
            with django_capture_on_commit_callbacks(execute=False):
                document = document_receive(
                    owner=owner, kind=SKILLS, uploaded_file=upload, **kwargs
                )
        document.refresh_from_db()
        return document

    return do_receive


@pytest.fixture
def sent_signals():
    seen = []
    receivers = {}
    for name in ("queued", "refused", "decided"):
        signal = getattr(signals, f"document_{name}")

        def receiver(sender, document, _name=name, **kwargs):
            seen.append((_name, document.pk, document.state))

        receivers[name] = receiver
        signal.connect(receiver)
    yield seen
    for name, receiver in receivers.items():
        getattr(signals, f"document_{name}").disconnect(receiver)


@pytest.fixture
def reviewer():
    return factories.ReviewerFactory(first_name="Rita", last_name="Reviewer")


# --- Receiving ------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", corpus.bad_samples(), ids=lambda s: s.label)
def test_a_bad_file_is_refused_with_its_message_and_nothing_is_stored(bad, receive, _private_media):
    with pytest.raises(FileRefused) as refused:
        receive(upload_of(bad))

    assert refused.value.code == bad.code
    assert refused.value.message.endswith(".")
    assert Document.objects.count() == 0
    assert stored_files(_private_media) == []
    assert not OutboundEmail.objects.exists()


@pytest.mark.parametrize("sent_name", ["../../etc/passwd.pdf", "/etc/passwd.pdf"])
def test_a_folder_in_a_browsers_file_name_never_reaches_storage(sent_name, receive, _private_media):
    # Django's multipart parser and UploadedFile keep only the last part of the name; a name
    # that still holds a folder (a Windows path, a caller outside HTTP) is refused instead.
    document = receive(SimpleUploadedFile(sent_name, corpus.pdf_bytes()))

    assert document.original_name == "passwd.pdf"
    # The file, its preview and its one page drawn for reviewers.
    assert [p.parent.name for p in stored_files(_private_media)] == [
        "documents",
        "previews",
        "renders",
    ]


@pytest.mark.parametrize("kind", ["pdf", "jpeg", "png", "docx", "doc"])
def test_a_good_file_of_each_type_is_stored_checked_queued_and_previewed(
    kind, receive, sent_signals, _private_media
):
    good = next(s for s in corpus.good_samples() if s.kind == kind)
    data = good.build()

    upload = SimpleUploadedFile(good.name, data, content_type="application/octet-stream")
    document = receive(upload, details={"Credential type": "CompTIA CTT+"})

    assert document.state == DocumentState.QUEUED
    assert document.original_name == good.name
    assert document.size == len(data)
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.details == {"Credential type": "CompTIA CTT+"}
    assert document.due_on > timezone.localdate()
    # Stored privately under a random name, byte for byte.
    stored = Path(document.file.path)
    assert stored.is_relative_to(_private_media)
    assert good.name not in str(stored) and stored.read_bytes() == data
    # And a preview a browser can show.
    with Image.open(document.preview.path) as preview:
        assert preview.format in {"PNG", "JPEG"}
    assert sent_signals == [("queued", document.pk, DocumentState.QUEUED)]
    actions = AuditEvent.objects.filter(object_id=str(document.pk)).values_list("action", flat=True)
    assert sorted(actions) == ["document.queued", "document.received"]


def test_two_uploads_of_the_same_name_get_their_own_random_names(receive, _private_media):
    first = receive(pdf_upload("certificate.pdf"))
    second = receive(pdf_upload("certificate.pdf"))

    assert first.file.name != second.file.name
    assert first.preview.name != second.preview.name
    for document in (first, second):
        assert document.original_name == "certificate.pdf"
        assert "certificate" not in document.file.name + document.preview.name
    assert len(stored_files(_private_media)) == 6  # each: file, preview, one page image


def test_the_size_limit_is_the_upload_max_bytes_setting(settings, receive, _private_media):
    settings.UPLOAD_MAX_BYTES = 2 * 1024 * 1024

    with pytest.raises(FileRefused, match="larger than 2 MB") as refused:
        receive(SimpleUploadedFile("big.pdf", corpus.big_pdf(3 * 1024 * 1024)))
    assert refused.value.code == "too_large"
    assert stored_files(_private_media) == []

    document = receive(SimpleUploadedFile("small.pdf", corpus.big_pdf(1024 * 1024)))
    assert document.state == DocumentState.QUEUED


def test_the_review_is_due_four_business_days_after_the_upload(settings, receive):
    settings.REVIEW_HOLIDAYS = []
    # Thursday 5 March 2026: Friday, Monday, Tuesday, Wednesday.
    with time_machine.travel(datetime(2026, 3, 5, 10, 0, tzinfo=UTC)):
        thursday = receive(pdf_upload())
    assert thursday.due_on == date(2026, 3, 11)

    settings.REVIEW_HOLIDAYS = ["2026-03-09"]
    with time_machine.travel(datetime(2026, 3, 5, 10, 0, tzinfo=UTC)):
        over_a_holiday = receive(pdf_upload())
    assert over_a_holiday.due_on == date(2026, 3, 12)


def test_a_photo_preview_carries_no_metadata(receive):
    photo = corpus.jpeg_bytes((1600, 1200), exif={0x010F: "PhoneMaker"}, comment=b"taken at home")
    document = receive(SimpleUploadedFile("phone photo.jpeg", photo))

    data = Path(document.preview.path).read_bytes()
    assert b"taken at home" not in data and b"PhoneMaker" not in data
    with Image.open(document.preview.path) as preview:
        assert max(preview.size) <= 1200
        assert not preview.getexif()


def test_details_are_kept_as_text_the_reviewer_can_read(receive):
    document = receive(pdf_upload(), details={"Date of certification": date(2025, 5, 1)})
    assert document.details == {"Date of certification": "2025-05-01"}


# --- Checking -------------------------------------------------------------------------------


def test_running_the_check_twice_has_one_effect(receive, _private_media):
    document = receive(pdf_upload())
    files_before = stored_files(_private_media)

    check_document.delay(document.pk)
    services.document_check(document_id=document.pk)

    document.refresh_from_db()
    assert document.state == DocumentState.QUEUED and document.check_attempts == 1
    assert stored_files(_private_media) == files_before  # no second preview
    assert AuditEvent.objects.filter(action="document.queued").count() == 1


def test_a_check_overtaken_by_a_second_run_keeps_one_result(receive, monkeypatch, _private_media):
    """The sweeper re-enqueued a check that was only slow: both runs finish, one counts."""
    document = receive(pdf_upload(), run_check=False)
    real_run_checks = documents_service._run_checks
    runs = []

    def slow_then_overtaken(checked):
        runs.append(checked.pk)
        if len(runs) == 1:
            # While this first run is busy, a second run starts over and completes.
            services.document_check(document_id=checked.pk)
        return real_run_checks(checked)

    monkeypatch.setattr(documents_service, "_run_checks", slow_then_overtaken)
    returned = services.document_check(document_id=document.pk)

    assert len(runs) == 2
    document.refresh_from_db()
    assert returned.state == document.state == DocumentState.QUEUED
    assert document.check_attempts == 2
    # The overtaken run's preview was thrown away: the original and one preview remain.
    assert sorted(stored_files(_private_media)) == sorted(
        [Path(document.file.path), Path(document.preview.path)]
    )
    assert AuditEvent.objects.filter(action="document.queued").count() == 1


def test_a_file_that_fails_the_check_is_refused_deleted_and_the_trainer_told(
    receive, committed, sent_signals, mailoutbox, _private_media
):
    document = receive(pdf_upload(), run_check=False)
    # What is in storage is checked again, not what the browser once sent.
    Path(document.file.path).write_bytes(corpus.pdf_bytes(catalog_extra=LAUNCH_PDF))

    committed(check_document.delay, document.pk)

    document.refresh_from_db()
    assert document.state == DocumentState.REFUSED
    assert document.refusal_reason.endswith(".")
    assert document.file.name == "" and document.file_deleted_at is not None
    assert stored_files(_private_media) == []
    [message] = mailoutbox
    assert message.to == ["ana@example.org"]
    assert message.subject == "We could not accept your file cert.pdf"
    assert document.refusal_reason in message.body
    assert sent_signals == [("refused", document.pk, DocumentState.REFUSED)]


def test_a_lost_broker_message_is_picked_up_by_the_sweeper(receive, committed):
    document = receive(pdf_upload(), run_check=False)
    assert document.state == DocumentState.RECEIVED

    assert committed(sweep_stuck_documents.delay).get() == 0  # not stuck yet
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert committed(sweep_stuck_documents.delay).get() == 1

    document.refresh_from_db()
    assert document.state == DocumentState.QUEUED and document.preview


def test_a_check_killed_midway_is_run_again_by_the_sweeper(receive, committed):
    document = receive(pdf_upload(), run_check=False)
    Document.objects.filter(pk=document.pk).update(state=DocumentState.CHECKING, check_attempts=1)

    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert committed(sweep_stuck_documents.delay).get() == 0  # it may still be running
    with time_machine.travel(timezone.now() + timedelta(minutes=12)):
        assert committed(sweep_stuck_documents.delay).get() == 1

    document.refresh_from_db()
    assert document.state == DocumentState.QUEUED and document.check_attempts == 2


def test_a_file_that_keeps_killing_its_check_is_refused(receive, committed, _private_media):
    document = receive(pdf_upload(), run_check=False)
    Document.objects.filter(pk=document.pk).update(
        state=DocumentState.CHECKING, check_attempts=services.MAX_CHECK_ATTEMPTS
    )

    committed(check_document.delay, document.pk)

    document.refresh_from_db()
    assert document.state == DocumentState.REFUSED
    assert "could not finish checking" in document.refusal_reason
    assert stored_files(_private_media) == []


# --- Deciding -------------------------------------------------------------------------------


def test_approving_audits_emails_signals_and_purges_the_file(
    receive, committed, reviewer, sent_signals, mailoutbox, _private_media
):
    document = receive(pdf_upload("CTT certificate.pdf"))
    sent_signals.clear()

    decided = committed(document_decide, document=document, by=reviewer, approve=True)

    decided.refresh_from_db()
    assert decided.state == DocumentState.APPROVED
    assert decided.reviewer == reviewer and decided.decided_at is not None
    event = AuditEvent.objects.get(action="document.approved")
    assert event.actor == reviewer and event.subject_user == document.owner
    [message] = mailoutbox
    assert message.to == ["ana@example.org"]
    assert message.subject == "Your proof of instructional skills is approved"
    assert "CTT certificate.pdf" in message.body
    assert sent_signals == [("decided", document.pk, DocumentState.APPROVED)]
    # Retention 0: the file and preview are gone; the record of them stays.
    assert stored_files(_private_media) == []
    assert decided.file.name == "" and decided.preview.name == ""
    assert decided.file_deleted_at is not None
    assert decided.sha256 == document.sha256 and decided.size == document.size
    assert decided.content_type == "application/pdf"


def test_rejecting_needs_a_reason_and_tells_the_trainer(receive, committed, reviewer, mailoutbox):
    document = receive(pdf_upload())

    with pytest.raises(DecisionReasonRequired, match="reason"):
        document_decide(document=document, by=reviewer, approve=False, reason="   ")
    decided = committed(
        document_decide,
        document=document,
        by=reviewer,
        approve=False,
        reason="The certificate names someone else.",
    )

    assert decided.state == DocumentState.REJECTED
    assert decided.decision_reason == "The certificate names someone else."
    assert "The certificate names someone else." in mailoutbox[0].body
    assert OutboundEmail.objects.get(role="document_rejected").state == EmailState.SENT


def test_rejecting_audits_signals_and_purges_like_approving(
    receive, committed, reviewer, sent_signals, _private_media
):
    document = receive(pdf_upload())
    sent_signals.clear()

    committed(document_decide, document=document, by=reviewer, approve=False, reason="Blurred.")

    document.refresh_from_db()
    event = AuditEvent.objects.get(action="document.rejected")
    assert event.actor == reviewer and event.after == {"state": "rejected", "reason": "Blurred."}
    assert sent_signals == [("decided", document.pk, DocumentState.REJECTED)]
    assert stored_files(_private_media) == [] and document.file_deleted_at is not None
    assert document.sha256 and document.size and document.reviewer == reviewer


def test_a_decision_rolled_back_deletes_nothing(
    receive, reviewer, django_capture_on_commit_callbacks, _private_media
):
    document = receive(pdf_upload())
    files = stored_files(_private_media)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        document_decide(document=document, by=reviewer, approve=True)
        raise RuntimeError("the surrounding request failed")
    assert callbacks == []  # no email, no signal, no purge

    document.refresh_from_db()
    assert document.state == DocumentState.QUEUED
    assert stored_files(_private_media) == files
    assert not OutboundEmail.objects.filter(role="document_approved").exists()


def test_a_document_is_decided_once(receive, committed, reviewer):
    document = receive(pdf_upload())
    committed(document_decide, document=document, by=reviewer, approve=True)

    with pytest.raises(InvalidTransition, match="already approved"):
        document_decide(document=document, by=reviewer, approve=False, reason="Changed my mind")
    decisions = AuditEvent.objects.filter(action__in=["document.approved", "document.rejected"])
    assert decisions.count() == 1


def test_a_document_still_being_checked_cannot_be_decided(receive, reviewer):
    document = receive(pdf_upload(), run_check=False)
    with pytest.raises(InvalidTransition):
        document_decide(document=document, by=reviewer, approve=True)


def test_only_reviewers_decide(receive, owner):
    document = receive(pdf_upload())
    with pytest.raises(NotAllowed):
        document_decide(document=document, by=owner, approve=True)
    with pytest.raises(NotAllowed):
        document_decide(document=document, by=factories.SupportFactory(), approve=True)


# --- Retention ------------------------------------------------------------------------------


def test_with_a_retention_period_the_periodic_purge_deletes_later(
    settings, receive, committed, reviewer, _private_media
):
    settings.PROOF_RETENTION_DAYS = 30
    document = receive(pdf_upload())
    committed(document_decide, document=document, by=reviewer, approve=True)
    assert len(stored_files(_private_media)) == 3  # the file, its preview, its page image

    with time_machine.travel(timezone.now() + timedelta(days=29)):
        assert purge_decided_files.delay().get() == 0
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert purge_decided_files.delay().get() == 1

    document.refresh_from_db()
    assert stored_files(_private_media) == []
    assert document.file_deleted_at is not None and document.state == DocumentState.APPROVED


def test_purging_twice_has_one_effect_and_never_touches_a_queued_file(
    receive, committed, reviewer, _private_media
):
    document = receive(pdf_upload())
    assert document_purge_file(document_id=document.pk).file.name  # still waiting for review

    committed(document_decide, document=document, by=reviewer, approve=True)
    document_purge_file(document_id=document.pk)

    assert AuditEvent.objects.filter(action="document.file_deleted").count() == 1
    assert stored_files(_private_media) == []


# --- Virus scanning -----------------------------------------------------------------------


class FakeClamd(socketserver.BaseRequestHandler):
    """Speaks clamd's INSTREAM on loopback and answers what the test asks it to."""

    def handle(self):
        command = self.request.recv(10)
        assert command == b"zINSTREAM\0"
        received = 0
        while True:
            (length,) = struct.unpack("!L", recv_exactly(self.request, 4))
            if not length:
                break
            received += len(recv_exactly(self.request, length))
        self.server.received.append(received)
        self.request.sendall(self.server.answer)


def recv_exactly(connection, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ConnectionError("clamd client went away")
        data += chunk
    return data


@pytest.fixture
def clamd(settings):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), FakeClamd)
    server.daemon_threads = True
    server.received = []
    server.answer = b"stream: OK\0"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.VIRUS_SCANNER_URL = f"tcp://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def test_a_clean_answer_from_clamd_queues_the_file(receive, clamd):
    data = corpus.pdf_bytes()
    document = receive(SimpleUploadedFile("cert.pdf", data))
    assert document.state == DocumentState.QUEUED
    assert document.scan_verdict == "OK"
    assert clamd.received == [len(data)]


def test_a_virus_is_refused_at_once(receive, clamd, mailoutbox, _private_media):
    clamd.answer = b"stream: Eicar-Test-Signature FOUND\0"
    document = receive(pdf_upload())

    assert document.state == DocumentState.REFUSED
    assert document.scan_verdict == "FOUND Eicar-Test-Signature"
    assert "did not pass our virus check" in document.refusal_reason
    assert stored_files(_private_media) == []
    assert "did not pass our virus check" in mailoutbox[0].body


@pytest.fixture
def retry_check(committed):
    """What the sweeper does for a held document: runs its check again."""

    def run(document) -> Document:
        committed(services.document_check, document_id=document.pk)
        document.refresh_from_db()
        return document

    return run


@pytest.mark.parametrize(
    "answer",
    [b"INSTREAM size limit exceeded. ERROR\0", b""],
    ids=["scanner-error", "no-answer"],
)
def test_a_scanner_error_holds_the_file_and_refuses_it_only_after_the_last_try(
    answer, receive, retry_check, clamd, mailoutbox, _private_media
):
    clamd.answer = answer
    document = receive(pdf_upload())

    # Quarantined: kept, not clean, out of the review queue, nobody emailed yet.
    assert document.state == DocumentState.RECEIVED
    assert document.scan_verdict.startswith("ERROR")
    assert len(stored_files(_private_media)) == 1
    assert not mailoutbox
    assert AuditEvent.objects.filter(action="document.scan_deferred").count() == 1

    for _ in range(services.MAX_CHECK_ATTEMPTS - 2):
        assert retry_check(document).state == DocumentState.RECEIVED
    document = retry_check(document)
    assert document.state == DocumentState.REFUSED
    assert "could not check this file for viruses" in document.refusal_reason
    assert stored_files(_private_media) == []
    assert "could not check this file for viruses" in mailoutbox[0].body


def test_a_file_held_by_a_scanner_outage_is_queued_once_the_scanner_answers(
    receive, retry_check, clamd, mailoutbox
):
    clamd.answer = b""
    document = receive(pdf_upload())
    assert document.state == DocumentState.RECEIVED

    clamd.answer = b"stream: OK\0"
    document = retry_check(document)
    assert document.state == DocumentState.QUEUED
    assert document.scan_verdict == "OK"
    assert not mailoutbox


def test_a_document_held_for_another_scan_is_swept_after_a_while(receive, clamd):
    clamd.answer = b""
    document = receive(pdf_upload())
    assert services.documents_requeue_stuck() == []
    later = timezone.now() + documents_service.RECEIVED_STUCK_AFTER + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert services.documents_requeue_stuck() == [document.pk]


def test_an_unreachable_scanner_never_counts_as_clean(
    settings, receive, retry_check, _private_media
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.VIRUS_SCANNER_URL = f"tcp://127.0.0.1:{port}"

    document = receive(pdf_upload())
    assert document.state == DocumentState.RECEIVED
    assert document.scan_verdict.startswith("ERROR")
    for _ in range(services.MAX_CHECK_ATTEMPTS - 1):
        document = retry_check(document)
    assert document.state == DocumentState.REFUSED
    assert stored_files(_private_media) == []


def test_files_no_document_names_are_deleted_once_they_are_old(receive, _private_media):
    document = receive(pdf_upload())
    assert document.state == DocumentState.QUEUED and document.preview.name
    kept = {document.file.name, document.preview.name}
    storage = document.file.storage
    # A rolled-back upload and a preview whose check lost its race: files without a row.
    stray_upload = storage.save("documents/stray", io.BytesIO(b"%PDF-1.4 orphan"))
    stray_preview = storage.save("previews/stray", io.BytesIO(b"\xff\xd8\xff orphan"))

    # Young files may belong to a transaction still running: left alone.
    assert services.documents_purge_orphaned_files() == []

    later = timezone.now() + documents_service.ORPHAN_GRACE + timedelta(minutes=1)
    assert sorted(services.documents_purge_orphaned_files(now=later)) == [
        stray_upload,
        stray_preview,
    ]
    assert not storage.exists(stray_upload) and not storage.exists(stray_preview)
    assert all(storage.exists(name) for name in kept)
    # Twice has one effect.
    assert services.documents_purge_orphaned_files(now=later) == []


def test_the_orphan_sweep_runs_on_an_empty_storage(_private_media):
    assert purge_orphaned_files.delay().get() == 0
