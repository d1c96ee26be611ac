"""The admin flow for program admins: upload, watch the check, read the preview, confirm."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enrollment.imports.models import ImportRun
from enrollment.models import MtmTrainingRecord
from tests import factories

pytestmark = pytest.mark.django_db

D1 = (timezone.localdate() - datetime.timedelta(days=20)).isoformat()
HEADER = "mtm_id,course_name,course_id,delivery_date,students,average_score"
GOOD = f"{HEADER}\nravi.renner,Azure,AZ-104T00,{D1},12,8.5\nana.silva,Azure,AZ-104T00,{D1},9,\n"
UPLOAD = "/admin/imports/importrun/upload/"


def text_of(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def upload(client, capture, data: str | bytes, name="mtm.csv", **extra):
    if isinstance(data, str):
        data = data.encode()
    with capture(execute=True):
        return client.post(
            UPLOAD,
            {"kind": "mtm", "encoding": "auto", "file": SimpleUploadedFile(name, data)},
            **extra,
        )


@pytest.fixture
def admin_client(client, program_admin):
    client.force_login(program_admin)
    return client


def test_upload_preview_confirm_report(admin_client, django_capture_on_commit_callbacks):
    page = admin_client.get(UPLOAD)
    assert "Upload a CSV file" in text_of(page)

    response = upload(admin_client, django_capture_on_commit_callbacks, GOOD)
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/imports/importrun/{run.pk}/run/"

    preview = admin_client.get(response["Location"])
    text = text_of(preview)
    assert "Checked: waiting for confirmation" in text
    assert "To create 2" in text
    assert "Rows in error 0" in text
    assert "ravi.renner" in text  # an example of what will be created
    assert 'http-equiv="refresh"' not in preview.content.decode()  # finished: no refresh
    assert MtmTrainingRecord.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = admin_client.post(response["Location"], {"confirm": "Import"})
    assert confirmed.status_code == 302
    report = text_of(admin_client.get(response["Location"]))
    assert "Imported" in report and "Created 2" in report
    assert MtmTrainingRecord.objects.count() == 2


def test_rows_in_error_listed_with_column_and_reason_and_valid_rows_option(
    admin_client, django_capture_on_commit_callbacks
):
    data = GOOD + f"bad.date,Azure,AZ-104T00,31/12/2025,3,8\nformula,=1+1,AZ-1,{D1},3,8\n"
    response = upload(admin_client, django_capture_on_commit_callbacks, data)
    page = text_of(admin_client.get(response["Location"]))
    assert "Rows in error 2" in page
    assert "4 delivery_date 31/12/2025 “31/12/2025” is not a date in the format YYYY-MM-DD" in page
    assert "5 course_name =1+1 Looks like a spreadsheet formula" in page
    assert "Import the valid rows and skip the rows in error" in page

    run = ImportRun.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        refused = admin_client.post(response["Location"], {"confirm": "Import"}, follow=True)
    assert "The file has 2 row(s) in error" in text_of(refused)
    assert MtmTrainingRecord.objects.count() == 0
    run.refresh_from_db()
    assert run.state == "previewed"

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(response["Location"], {"confirm": "Import", "valid_rows_only": "on"})
    run.refresh_from_db()
    assert run.state == "done" and run.valid_rows_only
    assert MtmTrainingRecord.objects.count() == 2


def test_cancel_imports_nothing_and_a_second_confirm_is_refused(
    admin_client, django_capture_on_commit_callbacks
):
    response = upload(admin_client, django_capture_on_commit_callbacks, GOOD)
    cancelled = admin_client.post(response["Location"], {"cancel": "Cancel"}, follow=True)
    assert "The import was cancelled: nothing was imported." in text_of(cancelled)
    again = admin_client.post(response["Location"], {"confirm": "Import"}, follow=True)
    assert "This import is “Cancelled”: it cannot be moved" in text_of(again)
    assert MtmTrainingRecord.objects.count() == 0


def test_a_file_level_problem_is_shown_on_the_page(
    admin_client, django_capture_on_commit_callbacks
):
    response = upload(
        admin_client, django_capture_on_commit_callbacks, HEADER.replace(",", ";") + "\n"
    )
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    assert "The columns are separated by semicolons" in text_of(page)
    assert "Import the valid rows" not in text_of(page)


def test_a_running_import_shows_a_progress_bar_that_refreshes(admin_client, program_admin):
    run = ImportRun.objects.create(
        kind="mtm",
        file_name="big.csv",
        file_size=1000,
        sha256="0" * 64,
        created_by=program_admin,
        state="previewing",
        phase="reading",
        bytes_read=500,
    )
    page = admin_client.get(f"/admin/imports/importrun/{run.pk}/run/")
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    assert '<progress id="import-progress" max="100" value="40">' in html
    assert "<script" not in html.split("</head>")[1].replace('src="/static/', "")


def test_a_one_gigabyte_upload_is_refused_with_a_message(
    admin_client, django_capture_on_commit_callbacks
):
    response = upload(
        admin_client,
        django_capture_on_commit_callbacks,
        GOOD,
        CONTENT_LENGTH=str(1024**3),
    )
    assert response.status_code == 413
    assert "The file is larger than 200.0 MB (1.0 GB)" in text_of(response)
    assert "manage.py import" in text_of(response)
    assert not ImportRun.objects.exists()


def test_the_file_size_limit_is_checked_on_the_file_too(
    admin_client, django_capture_on_commit_callbacks, settings
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 50
    response = upload(admin_client, django_capture_on_commit_callbacks, GOOD)
    assert response.status_code == 413
    assert "The file is larger than 50 bytes" in text_of(response)
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("mtm.xlsx", "Spreadsheet files are not accepted: save the sheet as “CSV UTF-8"),
        ("mtm.pdf", "Upload a .csv file."),
    ],
)
def test_other_file_types_are_refused(
    admin_client, django_capture_on_commit_callbacks, name, message
):
    response = upload(admin_client, django_capture_on_commit_callbacks, GOOD, name=name)
    assert response.status_code == 200
    assert message in text_of(response)
    assert not ImportRun.objects.exists()


def test_only_program_admins_import(client, django_capture_on_commit_callbacks, program_admin):
    run = ImportRun.objects.create(
        kind="mtm", file_name="x.csv", sha256="0" * 64, created_by=program_admin, state="previewed"
    )
    staff = factories.UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(UPLOAD).status_code == 403
    assert upload(client, django_capture_on_commit_callbacks, GOOD).status_code == 403
    assert client.get(f"/admin/imports/importrun/{run.pk}/run/").status_code == 403
    assert (
        client.post(f"/admin/imports/importrun/{run.pk}/run/", {"confirm": "1"}).status_code == 403
    )
    run.refresh_from_db()
    assert run.state == "previewed"
    assert not MtmTrainingRecord.objects.exists()

    client.logout()
    anonymous = client.get(UPLOAD)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


def test_the_list_links_each_run_to_its_page(admin_client, program_admin):
    run = ImportRun.objects.create(
        kind="mtm", file_name="week48.csv", sha256="0" * 64, created_by=program_admin, state="done"
    )
    page = admin_client.get("/admin/imports/importrun/")
    assert f'href="/admin/imports/importrun/{run.pk}/run/"' in page.content.decode()
    change = admin_client.get(f"/admin/imports/importrun/{run.pk}/change/")
    assert change["Location"] == f"/admin/imports/importrun/{run.pk}/run/"


def test_the_program_admins_group_holds_the_import_permissions():
    from django.contrib.auth.models import Group

    group = Group.objects.get(name="Program admins")
    assert set(group.permissions.values_list("codename", flat=True)) >= {
        "run_import",
        "view_importrun",
    }


@pytest.mark.parametrize(
    ("state", "phase", "bytes_read", "percent"),
    [
        ("preview_queued", "", 0, 0),
        ("previewing", "reading", 250, 20),
        ("importing", "checking", 1000, 85),
        ("importing", "writing", 1000, 90),
        ("done", "finished", 1000, 100),
        ("failed", "finished", 10, 0),
    ],
)
def test_progress_percent(state, phase, bytes_read, percent):
    run = ImportRun(state=state, phase=phase, bytes_read=bytes_read, file_size=1000)
    assert run.percent == percent
