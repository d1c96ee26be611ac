"""Each importer: a good file, a re-import that changes nothing, the preview counts, the audit
record, and every kind of bad input with the message the operator reads."""

import datetime
import hashlib

import pytest
from django.utils import timezone

from enrollment.imports.models import ImportRun
from enrollment.models import (
    Certification,
    EarnedCertification,
    ExamResult,
    ImagineAcademyMember,
    McpId,
    MtmTrainingRecord,
    PartnerOrganization,
)
from enrollment.rules.access_codes import access_code_matches
from tests import factories
from verification.models import AuditEvent

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
D1 = (TODAY - datetime.timedelta(days=40)).isoformat()
D2 = (TODAY - datetime.timedelta(days=10)).isoformat()
TOMORROW = (TODAY + datetime.timedelta(days=1)).isoformat()


def csv(*lines: str) -> str:
    return "\r\n".join(lines) + "\r\n"


@pytest.fixture
def references(db):
    """What the feeds that refer to other records point at."""
    factories.CertificationFactory(code="AZ-104-CERT")
    factories.CertificationFactory(code="MS-900-CERT", qualifies_for_mct=False)
    factories.McpIdFactory(value="123456", trainer=None)
    factories.McpIdFactory(value="654321", trainer=None)


GOOD = {
    "mtm": csv(
        "mtm_id,course_name,course_id,delivery_date,students,average_score",
        f"ravi.renner,Azure Administrator,AZ-104T00,{D1},12,8.75",
        f"ravi.renner,Azure Fundamentals,AZ-900T00,{D2},20,",
        f"ana.silva,Azure Administrator,AZ-104T00,{D2},7,9",
    ),
    "partners": csv(
        "partner_id,name,email_domains,active",
        "4100001,Contoso Learning,contoso.com; contoso.co.uk,yes",
        "4100002,Fabrikam Training,@fabrikam.com,no",
    ),
    "imagine-academy": csv(
        "membership_id,institution,active",
        "MIA-10001,Lakeside College,yes",
        "MIA-10002,Riverside School,no",
    ),
    "catalog": csv(
        "code,name,qualifies_for_mct,level,retired",
        "AZ-305-CERT,Azure Solutions Architect Expert,yes,Expert,no",
        "DP-900-CERT,Azure Data Fundamentals,no,Fundamentals,no",
        "MB-200-CERT,Dynamics 365 Customer Engagement,yes,,yes",
    ),
    "certifications": csv(
        "mcp_id,certification_code,date_earned",
        f"123456,AZ-104-CERT,{D1}",
        f"123456,MS-900-CERT,{D2}",
        f"654321,AZ-104-CERT,{D2}",
    ),
    "exam-results": csv(
        "mcp_id,exam_code,date,reference_number,access_code",
        f"123456,AZ-104,{D1},ER9000001,",
        f"777888999,AZ-900,{D2},ER9000002,ABCDE-FGHJK",
        f"777888999,AZ-104,{D2},ER9000003,ABCDE-FGHJK",
    ),
}
COUNTS = {
    "mtm": (MtmTrainingRecord, 3),
    "partners": (PartnerOrganization, 2),
    "imagine-academy": (ImagineAcademyMember, 2),
    "catalog": (Certification, 5),  # two already in the catalog (the fixture)
    "certifications": (EarnedCertification, 3),
    "exam-results": (ExamResult, 3),
}


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_good_file_previews_then_imports_then_reimport_changes_nothing(
    kind, run_feed, references, program_admin
):
    model, expected = COUNTS[kind]
    before = model.objects.count()

    preview = run_feed(kind, GOOD[kind])
    assert preview.state == "previewed", preview.file_error or preview.errors
    assert (preview.rows_total, preview.rows_created, preview.rows_error) == (
        3 if kind != "partners" and kind != "imagine-academy" else 2,
        expected - before,
        0,
    )
    assert model.objects.count() == before  # a preview writes nothing
    assert len(preview.samples["created"]) == preview.rows_created

    done = run_feed(kind, GOOD[kind], apply=True)
    assert done.state == "done"
    assert done.rows_created == expected - before
    assert model.objects.count() == expected

    applied = AuditEvent.objects.get(action="import.applied", object_id=str(done.pk))
    assert applied.actor == program_admin
    assert (applied.after["kind"], applied.after["created"]) == (kind, done.rows_created)
    assert applied.after["sha256"] == hashlib.sha256(GOOD[kind].encode()).hexdigest()

    again = run_feed(kind, GOOD[kind], apply=True)
    assert again.state == "done"
    assert (again.rows_created, again.rows_updated) == (0, 0)
    assert again.rows_unchanged == again.rows_total
    assert model.objects.count() == expected


def test_every_import_is_recorded_and_audited(run_feed, program_admin):
    data = GOOD["mtm"].encode()
    run = run_feed("mtm", data, apply=True, name="mtm-week-48.csv")
    assert run.file_name == "mtm-week-48.csv"
    assert run.sha256 == hashlib.sha256(data).hexdigest()
    assert run.created_by == program_admin and run.confirmed_by == program_admin
    assert run.started_at and run.finished_at
    events = list(
        AuditEvent.objects.filter(object_type="imports.importrun", object_id=str(run.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert events == ["import.uploaded", "import.previewed", "import.confirmed", "import.applied"]
    applied = AuditEvent.objects.get(object_id=str(run.pk), action="import.applied")
    assert applied.actor == program_admin
    assert applied.after["sha256"] == run.sha256
    assert applied.after["created"] == 3
    assert applied.after["file_name"] == "mtm-week-48.csv"


def test_update_counts_and_shows_the_change(run_feed):
    run_feed("partners", GOOD["partners"], apply=True)
    changed = GOOD["partners"].replace(
        "Fabrikam Training,@fabrikam.com,no", "Fabrikam Training,@fabrikam.com,yes"
    )
    preview = run_feed("partners", changed)
    assert (preview.rows_created, preview.rows_updated, preview.rows_unchanged) == (0, 1, 1)
    assert preview.samples["updated"][0]["changes"] == ["active: no → yes"]
    run_feed("partners", changed, apply=True)
    assert PartnerOrganization.objects.get(partner_id="4100002").active is True
    contoso = PartnerOrganization.objects.get(partner_id="4100001")
    assert contoso.email_domains == ["contoso.com", "contoso.co.uk"]


def test_mtm_score_is_optional_and_stored_when_present(run_feed):
    run_feed("mtm", GOOD["mtm"], apply=True)
    scores = dict(
        MtmTrainingRecord.objects.values_list("course_id", "average_score").filter(
            mtm_id="ravi.renner"
        )
    )
    assert str(scores["AZ-104T00"]) == "8.75"
    assert scores["AZ-900T00"] is None


def test_exam_results_create_unknown_mcp_ids_and_store_the_access_code_hashed(run_feed, references):
    preview = run_feed("exam-results", GOOD["exam-results"])
    assert any("1 MCP ID not on record" in note for note in preview.notes)
    assert "ABCDE" not in str(preview.samples)  # the code is never echoed
    run_feed("exam-results", GOOD["exam-results"], apply=True)
    created = McpId.objects.get(value="777888999")
    assert created.trainer is None and not created.is_primary
    assert access_code_matches("abcde fghjk", created.access_code_hash)
    assert created.access_code_issued_at is not None
    assert "ABCDE" not in created.access_code_hash
    result = ExamResult.objects.get(reference_number="ER9000002")
    assert result.mcp_id == created and result.exam_code == "AZ-900"
    assert McpId.objects.get(value="123456").access_code_hash == ""


def test_catalog_level_is_stored(run_feed):
    run_feed("catalog", GOOD["catalog"], apply=True)
    architect = Certification.objects.get(code="AZ-305-CERT")
    assert (architect.level, architect.qualifies_for_mct, architect.retired) == (
        "Expert",
        True,
        False,
    )
    assert Certification.objects.get(code="MB-200-CERT").retired is True


# ------------------------------------------------------------------ bad input


def reasons(run: ImportRun) -> list[str]:
    return [f"{e['line']}:{e['column']}:{e['reason']}" for e in run.errors]


def test_file_with_errors_imports_nothing_unless_valid_rows_chosen(run_feed):
    data = csv(
        "mtm_id,course_name,course_id,delivery_date,students,average_score",
        f"ravi.renner,Azure Administrator,AZ-104T00,{D1},12,8.75",
        "ravi.renner,Azure Administrator,AZ-104T01,31/12/2025,12,8.75",
    )
    preview = run_feed("mtm", data)
    assert (preview.rows_total, preview.rows_error, preview.rows_created) == (2, 1, 1)
    assert reasons(preview) == [
        "3:delivery_date:“31/12/2025” is not a date in the format YYYY-MM-DD "
        "(for example 2026-03-31)."
    ]
    from enrollment.imports import services

    with pytest.raises(services.ImportStateError, match="1 row\\(s\\) in error"):
        services.import_run_confirm(run=preview, by=preview.created_by, valid_rows_only=False)
    assert MtmTrainingRecord.objects.count() == 0

    done = run_feed("mtm", data, apply=True, valid_rows_only=True)
    assert done.state == "done" and done.rows_created == 1 and done.rows_error == 1
    assert MtmTrainingRecord.objects.count() == 1


def test_a_confirmed_file_that_gained_errors_is_rejected_whole(
    run_feed, references, django_capture_on_commit_callbacks
):
    """All-or-nothing is decided when the import runs: a reference removed after the
    preview makes the import write nothing."""
    from enrollment.imports import services

    preview = run_feed("certifications", GOOD["certifications"])
    assert preview.rows_error == 0
    McpId.objects.filter(value="654321").delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.import_run_confirm(run=preview, by=preview.created_by, valid_rows_only=False)
    preview.refresh_from_db()
    assert preview.state == "rejected"
    assert preview.rows_error == 1
    assert EarnedCertification.objects.count() == 0


MTM_HEADER = "mtm_id,course_name,course_id,delivery_date,students,average_score"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"", "The file is empty.", id="empty"),
        pytest.param(b"\xef\xbb\xbf  \r\n", "The file is empty.", id="only-a-bom"),
        pytest.param(
            (MTM_HEADER + "\r\n").encode(), "The file has a header but no rows.", id="header-only"
        ),
        pytest.param(
            MTM_HEADER.replace(",", ";").encode() + f"\nx;y;z;{D1};1;8\n".encode(),
            "The columns are separated by semicolons; they must be separated by commas.",
            id="semicolons",
        ),
        pytest.param(
            MTM_HEADER.replace(",", "\t").encode() + b"\n",
            "The columns are separated by tabs",
            id="tabs",
        ),
        pytest.param(
            f"mtm_id,course_name,delivery_date,students\nx,y,{D1},1\n".encode(),
            "Missing columns: course_id. The columns are: mtm_id, course_name, course_id, "
            "delivery_date, students, average_score (optional).",
            id="missing-column",
        ),
        pytest.param(
            (MTM_HEADER + ",trainer_email\n" + f"x,y,z,{D1},1,8,a@b.c\n").encode(),
            "Unknown columns: trainer_email.",
            id="extra-column",
        ),
        pytest.param(
            "mtm_id,course_name,course_id,delivery_date,students\r\nx,Azure\x00,z,2026-01-01,1\r\n".encode(
                "utf-16-le"
            ),
            "looks like UTF-16 without a byte-order mark",
            id="utf-16-without-bom",
        ),
        pytest.param(
            b"\x00\x01\x02PK\x03\x04" * 10,
            "looks like UTF-16 without a byte-order mark, or is not a text file",
            id="binary",
        ),
    ],
)
def test_file_level_problems_are_reported(run_feed, data, expected):
    run = run_feed("mtm", data)
    assert run.state == "failed"
    assert expected in run.file_error
    assert MtmTrainingRecord.objects.count() == 0


def test_utf8_later_in_the_file_invalid_names_the_line(run_feed):
    rows = [MTM_HEADER] + [f"t{n},Course,C{n},{D1},1,8" for n in range(3000)]
    data = "\n".join(rows).encode() + b"\nbad,Caf\xe9,X,2026-01-01,1,8\n"
    run = run_feed("mtm", data, encoding="utf-8")
    assert run.state == "failed"
    assert "Line 3002 is not valid UTF-8" in run.file_error
    assert "Windows-1252" in run.file_error


@pytest.mark.parametrize(
    ("encoded", "encoding_used"),
    [
        pytest.param(lambda t: t.encode("utf-8"), "utf-8", id="utf-8"),
        pytest.param(lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"), "utf-8-sig", id="utf-8-bom"),
        pytest.param(lambda t: t.encode("utf-16"), "utf-16", id="utf-16-bom"),
        pytest.param(lambda t: t.encode("windows-1252"), "windows-1252", id="windows-1252"),
    ],
)
def test_encodings_are_detected(run_feed, encoded, encoding_used):
    text = csv("membership_id,institution,active", "MIA-1,École Supérieure de Lyon,yes")
    run = run_feed("imagine-academy", encoded(text), apply=True)
    assert run.state == "done", run.file_error
    assert run.encoding_used == encoding_used
    assert ImagineAcademyMember.objects.get().institution == "École Supérieure de Lyon"
    if encoding_used == "windows-1252":
        assert "read as Windows-1252" in run.notes[0]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            f"t1,Course,C1,{TOMORROW},3,8",
            f"delivery_date:{TOMORROW} is in the future.",
            id="future",
        ),
        pytest.param(
            "t1,Course,C1,2026-13-01,3,8", "delivery_date:“2026-13-01” is not a date", id="bad-date"
        ),
        pytest.param(
            f"t1,Course,C1,{D1},many,8", "students:“many” is not a whole number", id="students"
        ),
        pytest.param(
            f"t1,Course,C1,{D1},3,11", "average_score:11 is not between 0 and 10.", id="score-range"
        ),
        pytest.param(
            f"t1,Course,C1,{D1},3,8.125",
            "average_score:8.125 has more than two decimals.",
            id="score-decimals",
        ),
        pytest.param(
            f't1,=HYPERLINK("http://x"),C1,{D1},3,8',
            "course_name:Looks like a spreadsheet formula",
            id="formula",
        ),
        pytest.param(
            f"@SUM(A1),Course,C1,{D1},3,8",
            "mtm_id:Looks like a spreadsheet formula",
            id="formula-at",
        ),
        pytest.param(
            f",Course,C1,{D1},3,8", "mtm_id:Required: this cell is empty.", id="empty-cell"
        ),
        pytest.param(
            f"t1,Course,C1,{D1},3,8,extra",
            ":This line has 7 cells; the header has 6.",
            id="too-many-cells",
        ),
        pytest.param("t1,Course", ":This line has 2 cells; the header has 6.", id="too-few-cells"),
    ],
)
def test_row_problems_name_line_column_and_reason(run_feed, line, expected):
    run = run_feed("mtm", csv(MTM_HEADER, f"ok,Course,C0,{D1},3,8", line))
    assert run.state == "previewed"
    assert (run.rows_total, run.rows_error, run.rows_created) == (2, 1, 1)
    assert any(r.startswith("3:") and expected in r for r in reasons(run)), reasons(run)


def test_signed_numbers_are_not_formulas(run_feed):
    run = run_feed("mtm", csv(MTM_HEADER, f"t1,Course,C1,{D1},3,-1"))
    assert reasons(run) == ["2:average_score:-1 is not between 0 and 10."]


def test_duplicates_inside_the_file(run_feed):
    run = run_feed(
        "mtm",
        csv(
            MTM_HEADER,
            f"t1,Course,C1,{D1},3,8",
            f"t1,Course,C2,{D1},3,8",
            f"t1,Course again,C1,{D1},5,9",
        ),
    )
    assert reasons(run) == [
        "4::Duplicate: line 2 has the same MTM ID, course ID and delivery date."
    ]
    assert (run.rows_error, run.rows_created) == (1, 2)


def test_unknown_mcp_ids_and_certification_codes(run_feed, references):
    run = run_feed(
        "certifications",
        csv(
            "mcp_id,certification_code,date_earned",
            f"123456,AZ-104-CERT,{D1}",
            f"999999,AZ-104-CERT,{D1}",
            f"123456,NOPE-1,{D1}",
            f"12ab,AZ-104-CERT,{D1}",
        ),
    )
    assert reasons(run) == [
        "5:mcp_id:“12ab” is not an MCP ID (4 to 20 digits).",
        "3:mcp_id:Unknown MCP ID 999999: no such MCP ID on record. Import the exam results "
        "that issued it first.",
        "4:certification_code:Unknown certification code NOPE-1: add it to the certification "
        "catalog first.",
    ]
    assert (run.rows_error, run.rows_created) == (3, 1)


def test_conflicting_access_codes_for_one_mcp_id(run_feed):
    run = run_feed(
        "exam-results",
        csv(
            "mcp_id,exam_code,date,reference_number,access_code",
            f"5550001,AZ-900,{D1},ER1,ABCDE-FGHJK",
            f"5550001,AZ-104,{D1},ER2,ZZZZZ-YYYYY",
        ),
    )
    assert reasons(run) == ["3:access_code:A different access code for the same MCP ID as line 2."]
    assert "ZZZZZ" not in str(run.errors)


def test_bad_values_of_the_directory_feeds(run_feed):
    partners = run_feed(
        "partners",
        csv("partner_id,name,email_domains,active", "4100009,Contoso,contoso!com,maybe"),
    )
    assert reasons(partners) == [
        "2:email_domains:“contoso!com” is not an email domain (for example contoso.com).",
        "2:active:“maybe” is not yes or no (use yes/no, true/false or 1/0).",
    ]
    catalog = run_feed(
        "catalog", csv("code,name,qualifies_for_mct,level,retired", "X-1,Thing,yes,Master,no")
    )
    assert "level:“Master” is not a level" in reasons(catalog)[0]


def test_too_big_file_is_refused_before_reading(run_feed, settings):
    settings.IMPORT_MAX_FILE_BYTES = 100
    run = run_feed("mtm", csv(MTM_HEADER, *[f"t{n},Course,C{n},{D1},3,8" for n in range(10)]))
    assert run.state == "failed"
    assert "The file is larger than 100 bytes" in run.file_error
    assert "manage.py import" in run.file_error


def test_error_report_is_capped_but_counts_every_row(run_feed, settings):
    settings.IMPORT_MAX_REPORTED_ERRORS = 5
    run = run_feed("mtm", csv(MTM_HEADER, *[f"t{n},Course,C{n},tomorrow,3,8" for n in range(50)]))
    assert run.rows_error == 50
    assert len(run.errors) == 5


def test_the_sample_files_of_the_docs_import_cleanly(run_feed):
    from pathlib import Path

    folder = Path(__file__).resolve().parents[3] / "docs" / "imports"
    for kind in ["catalog", "exam-results", "certifications", "mtm", "partners", "imagine-academy"]:
        run = run_feed(kind, (folder / f"{kind}.csv").read_bytes(), apply=True)
        assert run.state == "done", (kind, run.file_error, run.errors)
        assert run.rows_error == 0 and run.rows_created == run.rows_total


def test_the_sweeper_resends_lost_and_dead_imports(run_feed, django_capture_on_commit_callbacks):
    """A queued run whose message was lost, and a run whose worker died, are sent again;
    the resumed run finishes, once."""
    import time_machine

    from enrollment.imports import services, tasks

    lost = run_feed("mtm", GOOD["mtm"])
    ImportRun.objects.filter(pk=lost.pk).update(state="queued", confirmed_by=lost.created_by)
    dead = run_feed("partners", GOOD["partners"])
    ImportRun.objects.filter(pk=dead.pk).update(state="previewing", phase="reading")
    fresh = run_feed("imagine-academy", GOOD["imagine-academy"])

    assert tasks.sweep_stuck_imports() == 0  # nothing is late yet
    with time_machine.travel(timezone.now() + services.STALE_AFTER + datetime.timedelta(minutes=1)):
        assert tasks.sweep_stuck_imports() == 2
    lost.refresh_from_db()
    dead.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.state == "done" and MtmTrainingRecord.objects.count() == 3
    assert dead.state == "previewed"
    assert fresh.state == "previewed"
    assert tasks.process_import(lost.pk) is None  # done: a replayed message does nothing


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_every_feed_reports_empty_files_delimiters_and_columns(kind, run_feed):
    header = GOOD[kind].splitlines()[0]
    first_column = header.split(",")[0]
    cases = {
        b"": "The file is empty.",
        (header + "\n").encode(): "The file has a header but no rows.",
        (header.replace(",", ";") + "\nx\n").encode(): "separated by semicolons",
        (header.replace(first_column + ",", "") + "\nx\n").encode(): (
            f"Missing columns: {first_column}."
        ),
        (header + ",notes\n").encode(): "Unknown columns: notes.",
    }
    for data, message in cases.items():
        run = run_feed(kind, data)
        assert run.state == "failed"
        assert message in run.file_error, (data, run.file_error)


def test_a_finished_import_keeps_its_record_but_not_the_file(run_feed, settings):
    """Feeds hold personal data and access codes in clear: the file goes, the SHA-256 stays."""
    preview = run_feed("exam-results", GOOD["exam-results"])
    stored = preview.file.path
    import os

    assert os.path.exists(stored)  # kept until the import is confirmed or cancelled
    done = run_feed("exam-results", GOOD["exam-results"], apply=True)
    assert done.state == "done" and not done.file.name and len(done.sha256) == 64
    failed = run_feed("mtm", b"")
    assert failed.state == "failed" and not failed.file.name
