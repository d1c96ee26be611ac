"""`manage.py import <kind> FILE`: the same import, from the shell."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from enrollment.imports.models import ImportRun
from enrollment.models import ImagineAcademyMember, MtmTrainingRecord
from verification.models import AuditEvent

# The command waits for the task, which (eager in tests) runs when the upload commits.
pytestmark = pytest.mark.django_db(transaction=True)

D1 = (timezone.localdate() - datetime.timedelta(days=20)).isoformat()


def test_import_command_imports_and_reports(tmp_path, capsys):
    path = tmp_path / "mtm.csv"
    path.write_text(
        "mtm_id,course_name,course_id,delivery_date,students,average_score\n"
        f"ravi.renner,Azure,AZ-104T00,{D1},12,8.5\n"
    )
    call_command("import", "mtm", str(path))
    out = capsys.readouterr().out
    assert "Rows: 1; created 1, updated 0, unchanged 0, in error 0." in out
    run = ImportRun.objects.get()
    assert (run.state, run.file_name, run.created_by) == ("done", "mtm.csv", None)
    assert MtmTrainingRecord.objects.count() == 1
    assert AuditEvent.objects.filter(action="import.applied", object_id=str(run.pk)).exists()

    call_command("import", "mtm", str(path))
    assert "created 0, updated 0, unchanged 1" in capsys.readouterr().out


def test_dry_run_writes_nothing(tmp_path, capsys):
    path = tmp_path / "members.csv"
    path.write_text("membership_id,institution,active\nMIA-1,Lakeside College,yes\n")
    call_command("import", "imagine-academy", str(path), "--dry-run")
    assert "created 1" in capsys.readouterr().out
    assert ImportRun.objects.get().state == "previewed"
    assert not ImagineAcademyMember.objects.exists()


def test_errors_fail_the_command_and_import_nothing(tmp_path, capsys):
    path = tmp_path / "members.csv"
    path.write_text(
        "membership_id,institution,active\nMIA-1,Lakeside,yes\nMIA-2,Riverside,perhaps\n"
    )
    with pytest.raises(CommandError, match="1 row\\(s\\) in error"):
        call_command("import", "imagine-academy", str(path))
    assert "Line 3 [active]: “perhaps” is not yes or no" in capsys.readouterr().err
    assert ImportRun.objects.get().state == "rejected"
    assert not ImagineAcademyMember.objects.exists()

    call_command("import", "imagine-academy", str(path), "--valid-rows-only")
    assert list(ImagineAcademyMember.objects.values_list("membership_id", flat=True)) == ["MIA-1"]


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import", "mtm", str(tmp_path / "nope.csv"))
