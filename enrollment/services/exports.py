"""CSV exports of memberships and applications for program admins.

Rows are built lazily and streamed, so an export of every membership never sits in memory.
Every cell is neutralised against CSV formula injection before it is written.
"""

import csv
import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from ..enums import Program
from ..models import Application, Membership
from ..paths.registry import paths_of, program_for_path

# A spreadsheet treats a cell starting with one of these as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

MEMBERSHIP_COLUMNS = [
    "Trainer",
    "Email",
    "Country",
    "Program",
    "Status",
    "Start",
    "Anniversary",
    "Status changed",
    "Reason",
]
APPLICATION_COLUMNS = [
    "Application",
    "Trainer",
    "Email",
    "Country",
    "Path",
    "Program",
    "Status",
    "Employer type",
    "Created",
    "Submitted",
    "Decided",
]


@dataclass(frozen=True)
class ExportFilters:
    """What an admin asks for; empty values mean "any".

    The date range applies to the membership year's start, or the application's creation.
    """

    program: str = ""
    status: str = ""
    country: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def csv_safe(value) -> str:
    """The cell as text, prefixed with a quote when a spreadsheet would run it as a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        text = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, datetime.date):
        text = value.isoformat()
    else:
        text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def memberships_for_export(filters: ExportFilters) -> QuerySet[Membership]:
    qs = Membership.objects.select_related("trainer")
    if filters.program:
        qs = qs.filter(program=filters.program)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.country:
        qs = qs.filter(trainer__country__iexact=filters.country.strip())
    if filters.date_from:
        qs = qs.filter(starts_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(starts_on__lte=filters.date_to)
    return qs.order_by("starts_on", "pk")


def applications_for_export(filters: ExportFilters) -> QuerySet[Application]:
    qs = Application.objects.select_related("trainer")
    if filters.program:
        qs = qs.filter(path__in=paths_of(filters.program))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.country:
        qs = qs.filter(trainer__country__iexact=filters.country.strip())
    if filters.date_from:
        qs = qs.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(created_at__date__lte=filters.date_to)
    return qs.order_by("created_at", "pk")


def membership_rows(memberships: Iterable[Membership]) -> Iterator[list]:
    yield MEMBERSHIP_COLUMNS
    for m in memberships:
        yield [
            m.trainer.full_name,
            m.trainer.email,
            m.trainer.country,
            m.get_program_display(),
            m.get_status_display(),
            m.starts_on,
            m.anniversary_on,
            m.status_changed_at,
            m.status_reason,
        ]


def application_rows(applications: Iterable[Application]) -> Iterator[list]:
    yield APPLICATION_COLUMNS
    for a in applications:
        program = program_for_path(a.path)
        yield [
            a.public_id,
            a.trainer.full_name,
            a.trainer.email,
            a.trainer.country,
            a.get_path_display(),
            Program(program).label,
            a.get_status_display(),
            a.get_employer_type_display(),
            a.created_at,
            a.submitted_at,
            a.decided_at,
        ]


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark, so Excel reads the UTF-8 names correctly
    for row in rows:
        yield writer.writerow([csv_safe(cell) for cell in row])


def stream_csv(rows: Iterable[Iterable], *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def export_filename(kind: str) -> str:
    return f"{kind}-{timezone.localdate().isoformat()}.csv"


def export_memberships(filters: ExportFilters) -> StreamingHttpResponse:
    qs = memberships_for_export(filters).iterator(chunk_size=2000)
    return stream_csv(membership_rows(qs), filename=export_filename("memberships"))


def export_applications(filters: ExportFilters) -> StreamingHttpResponse:
    qs = applications_for_export(filters).iterator(chunk_size=2000)
    return stream_csv(application_rows(qs), filename=export_filename("applications"))
