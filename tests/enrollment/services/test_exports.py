"""CSV exports of memberships and applications: filters, formula injection, who may export."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment.enums import ApplicationPath, ApplicationStatus, MembershipStatus, Program
from enrollment.services.exports import (
    ExportFilters,
    applications_for_export,
    csv_safe,
    memberships_for_export,
)
from tests import factories

D = datetime.date
EXPORT_URL = "/admin/enrollment/membership/export/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def program_admin(client):
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return admin


def rows_of(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffTrainer,") or body.startswith("\ufeffApplication,")
    body = body.removeprefix("\ufeff")
    return list(csv.DictReader(io.StringIO(body)))


def trainer_in(country: str, last_name: str):
    return factories.TrainerFactory(country=country, last_name=last_name, first_name="T")


@pytest.fixture
def memberships():
    ie, fr = trainer_in("Ireland", "Irish"), trainer_in("France", "French")
    return {
        "ie_mct_2025": factories.MembershipFactory(
            trainer=ie, starts_on=D(2025, 2, 1), anniversary_on=D(2026, 2, 1)
        ),
        "ie_mct_2024": factories.MembershipFactory(
            trainer=ie,
            status=MembershipStatus.ENDED,
            starts_on=D(2024, 2, 1),
            anniversary_on=D(2025, 2, 1),
        ),
        "fr_alumni_2025": factories.MembershipFactory(
            trainer=fr,
            program=Program.ALUMNI,
            starts_on=D(2025, 6, 1),
            anniversary_on=D(2026, 6, 1),
        ),
        "fr_mct_lapsed": factories.MembershipFactory(
            trainer=fr,
            status=MembershipStatus.LAPSED,
            starts_on=D(2023, 6, 1),
            anniversary_on=D(2024, 6, 1),
        ),
    }


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1 555", "'+1 555"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tstarts with a tab", "'\tstarts with a tab"),
        ("O'Brien", "O'Brien"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (42, "42"),
        (D(2026, 3, 1), "2026-03-01"),
    ],
)
def test_csv_safe(value, cell):
    assert csv_safe(value) == cell


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (ExportFilters(), {"ie_mct_2025", "ie_mct_2024", "fr_alumni_2025", "fr_mct_lapsed"}),
        (ExportFilters(program=Program.MCT), {"ie_mct_2025", "ie_mct_2024", "fr_mct_lapsed"}),
        (ExportFilters(program=Program.ALUMNI), {"fr_alumni_2025"}),
        (ExportFilters(status=MembershipStatus.LAPSED), {"fr_mct_lapsed"}),
        (ExportFilters(country="ireland"), {"ie_mct_2025", "ie_mct_2024"}),
        (ExportFilters(date_from=D(2025, 1, 1)), {"ie_mct_2025", "fr_alumni_2025"}),
        (ExportFilters(date_to=D(2024, 12, 31)), {"ie_mct_2024", "fr_mct_lapsed"}),
        (
            ExportFilters(program=Program.MCT, country="France", date_from=D(2023, 6, 1)),
            {"fr_mct_lapsed"},
        ),
        (ExportFilters(date_from=D(2025, 2, 2), date_to=D(2025, 5, 31)), set()),
    ],
)
def test_membership_filters(memberships, filters, expected):
    got = set(memberships_for_export(filters))
    assert got == {memberships[name] for name in expected}


def test_application_filters():
    ie, fr = trainer_in("Ireland", "Irish"), trainer_in("France", "French")
    renew = factories.ApplicationFactory(
        trainer=ie, path=ApplicationPath.RENEW, status=ApplicationStatus.APPROVED
    )
    alumni = factories.ApplicationFactory(trainer=fr, path=ApplicationPath.ALUMNI)
    new = factories.ApplicationFactory(trainer=fr, path=ApplicationPath.NEW)
    assert set(applications_for_export(ExportFilters(program=Program.MCT))) == {renew, new}
    assert set(applications_for_export(ExportFilters(program=Program.ALUMNI))) == {alumni}
    assert set(applications_for_export(ExportFilters(status="approved"))) == {renew}
    assert set(applications_for_export(ExportFilters(country="France"))) == {alumni, new}
    today = timezone.localdate()
    assert set(applications_for_export(ExportFilters(date_from=today))) == {renew, alumni, new}
    tomorrow = today + datetime.timedelta(days=1)
    assert set(applications_for_export(ExportFilters(date_from=tomorrow))) == set()


def test_application_date_range_is_the_day_it_was_created():
    import time_machine

    def created_on(day):
        with time_machine.travel(datetime.datetime(*day, 23, 30, tzinfo=datetime.UTC)):
            return factories.ApplicationFactory()

    march, april, may = (
        created_on((2026, 3, 31)),
        created_on((2026, 4, 15)),
        created_on((2026, 5, 1)),
    )
    april_only = ExportFilters(date_from=D(2026, 4, 1), date_to=D(2026, 4, 30))
    assert list(applications_for_export(april_only)) == [april]
    assert list(applications_for_export(ExportFilters(date_to=D(2026, 3, 31)))) == [march]
    assert list(applications_for_export(ExportFilters(date_from=D(2026, 5, 1)))) == [may]


def test_the_export_page_shows_the_filter_form(client, program_admin):
    response = client.get(EXPORT_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Export memberships and applications" in html
    for field in ("kind", "program", "membership_status", "application_status", "country"):
        assert f'name="{field}"' in html
    assert 'name="date_from"' in html and 'name="date_to"' in html
    assert 'name="download"' in html


def test_the_export_streams_exactly_what_the_filters_ask_for(client, program_admin, memberships):
    response = client.get(
        EXPORT_URL,
        {
            "download": "1",
            "kind": "memberships",
            "program": "MCT",
            "membership_status": "",
            "country": "Ireland",
            "date_from": "2025-01-01",
            "date_to": "2025-12-31",
        },
    )
    assert response.status_code == 200
    assert response.streaming
    rows = rows_of(response)
    assert rows == [
        {
            "Trainer": "T Irish",
            "Email": memberships["ie_mct_2025"].trainer.email,
            "Country": "Ireland",
            "Program": "Microsoft Certified Trainer",
            "Status": "Active",
            "Start": "2025-02-01",
            "Anniversary": "2026-02-01",
            "Status changed": "",
            "Reason": "",
        }
    ]


def test_the_application_export_uses_the_application_status(client, program_admin):
    trainer = trainer_in("Ireland", "Irish")
    approved = factories.ApplicationFactory(trainer=trainer, status=ApplicationStatus.APPROVED)
    factories.ApplicationFactory(trainer=trainer, path=ApplicationPath.RENEW)
    response = client.get(
        EXPORT_URL, {"download": "1", "kind": "applications", "application_status": "approved"}
    )
    rows = rows_of(response)
    assert [r["Application"] for r in rows] == [str(approved.public_id)]
    assert rows[0]["Path"] == "Enroll as a new MCT"
    assert rows[0]["Program"] == "Microsoft Certified Trainer"
    assert rows[0]["Status"] == "Approved"


def test_an_invalid_range_shows_the_form_again(client, program_admin):
    response = client.get(
        EXPORT_URL,
        {
            "download": "1",
            "kind": "memberships",
            "date_from": "2026-01-01",
            "date_to": "2025-01-01",
        },
    )
    assert response.status_code == 200
    assert "The end of the range must not be before its start." in response.content.decode()


def test_cells_that_a_spreadsheet_would_run_are_neutralised(client, program_admin):
    trainer = factories.TrainerFactory(
        first_name="=cmd|' /C calc'!A0", last_name="Smith", country="@Mars"
    )
    factories.MembershipFactory(trainer=trainer)
    rows = rows_of(client.get(EXPORT_URL, {"download": "1", "kind": "memberships"}))
    assert rows[0]["Trainer"] == "'=cmd|' /C calc'!A0 Smith"
    assert rows[0]["Country"] == "'@Mars"


def test_export_selected_action(client, program_admin, memberships):
    chosen = [memberships["ie_mct_2024"], memberships["fr_alumni_2025"]]
    response = client.post(
        reverse("admin:enrollment_membership_changelist"),
        {"action": "export_selected_csv", "_selected_action": [m.pk for m in chosen]},
    )
    rows = rows_of(response)
    assert [(r["Start"], r["Program"]) for r in rows] == [
        ("2024-02-01", "Microsoft Certified Trainer"),
        ("2025-06-01", "MCT Alumni"),
    ]


def test_export_selected_applications_action(client, program_admin):
    applications = factories.ApplicationFactory.create_batch(3)
    response = client.post(
        reverse("admin:enrollment_application_changelist"),
        {"action": "export_selected_csv", "_selected_action": [applications[0].pk]},
    )
    rows = rows_of(response)
    assert [r["Application"] for r in rows] == [str(applications[0].public_id)]


def test_a_reviewer_gets_403_and_no_data(client, memberships):
    reviewer = factories.ReviewerFactory()
    client.force_login(reviewer)
    response = client.get(EXPORT_URL, {"download": "1", "kind": "memberships"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Irish" not in body and "French" not in body
    assert client.get(EXPORT_URL).status_code == 403


def test_a_staff_member_without_superuser_cannot_run_the_export_action(client, memberships):
    from django.contrib.auth.models import Permission

    staff = factories.UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_membership"))
    client.force_login(staff)
    changelist = client.get(reverse("admin:enrollment_membership_changelist"))
    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert "export_selected_csv" not in html
    assert "revoke_selected" not in html
    assert EXPORT_URL not in html
    response = client.post(
        reverse("admin:enrollment_membership_changelist"),
        {"action": "export_selected_csv", "_selected_action": [memberships["ie_mct_2025"].pk]},
    )
    assert response.get("Content-Type", "").startswith("text/html")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(EXPORT_URL)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
