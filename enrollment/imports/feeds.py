"""The six feeds: their columns, natural keys, and how staged rows become the program's records.

A feed is data: the engine (engine.py) streams the file into a staging table using the
columns' parsers, checks references and duplicates in SQL, and upserts by natural key.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import cells
from .models import ImportKind

# Staging column types per database vendor.
SQL_TYPES = {
    "postgresql": {
        "text": "text",
        "date": "date",
        "integer": "integer",
        "decimal": "numeric(4,2)",
        "boolean": "boolean",
        "json": "jsonb",
    },
    "sqlite": {
        "text": "text",
        "date": "date",
        "integer": "integer",
        "decimal": "decimal",
        "boolean": "bool",
        "json": "text",
    },
}


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any]
    sql_type: str = "text"
    # A column the header may leave out; then (or when its cell is empty) `default` is stored.
    optional: bool = False
    default: Any = None
    # Never echoed in a report (access codes).
    secret: bool = False
    # `parse` is a factory taking the day of the import (for "not in the future").
    needs_today: bool = False


@dataclass(frozen=True)
class ReferenceCheck:
    """Staged rows whose reference is unknown: `missing` is an SQL condition on `s`."""

    column: str
    missing: str
    reason: str  # formatted with the cell value as {value}


@dataclass(frozen=True)
class Feed:
    kind: str
    label: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # staging columns: the natural key inside the file
    key_label: str
    table: str
    target_key: tuple[str, ...]
    update_columns: tuple[str, ...]
    # SELECT list and FROM clause turning the staging table `s` into target columns `n`.
    select: str
    joins: str = ""
    # Columns the target needs on insert that no file gives (NOT NULL without a DB default).
    insert_constants: dict[str, str] = field(default_factory=dict)
    reference_checks: tuple[ReferenceCheck, ...] = ()
    # Extra rules on staged rows: (column, SQL returning (line, value, first_line), reason).
    conflict_checks: tuple[tuple[str, str, str], ...] = ()

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if not c.optional]

    @property
    def optional(self) -> list[str]:
        return [c.name for c in self.columns if c.optional]

    @property
    def target_columns(self) -> tuple[str, ...]:
        return self.target_key + self.update_columns


def past_date(today: datetime.date):
    """A date not in the future, judged on the day the file is read."""
    return cells.past_date(today)


PAST_DATE = past_date

MCP_ID_KNOWN = ReferenceCheck(
    "mcp_id",
    "NOT EXISTS (SELECT 1 FROM enrollment_mcpid m WHERE m.value = s.mcp_id)",
    "Unknown MCP ID {value}: no such MCP ID on record. Import the exam results that "
    "issued it first.",
)
CERTIFICATION_KNOWN = ReferenceCheck(
    "certification_code",
    "NOT EXISTS (SELECT 1 FROM enrollment_certification c WHERE c.code = s.certification_code)",
    "Unknown certification code {value}: add it to the certification catalog first.",
)

FEEDS: dict[str, Feed] = {
    ImportKind.EXAM_RESULTS: Feed(
        kind=ImportKind.EXAM_RESULTS,
        label="Exam results",
        columns=(
            Column("mcp_id", cells.mcp_id),
            Column("exam_code", cells.text(20)),
            Column("date", PAST_DATE, "date", needs_today=True),
            Column("reference_number", cells.text(40)),
            Column("access_code", cells.access_code, optional=True, default="", secret=True),
            Column("exam_name", cells.text(200), optional=True, default=""),
        ),
        key=("reference_number",),
        key_label="reference number",
        table="enrollment_examresult",
        target_key=("reference_number",),
        update_columns=("exam_code", "exam_name", "passed_on", "mcp_id_id"),
        select="s.reference_number, s.exam_code, s.exam_name, s.date AS passed_on, "
        "m.id AS mcp_id_id",
        joins="LEFT JOIN enrollment_mcpid m ON m.value = s.mcp_id",
        insert_constants={
            "candidate_first_name": "''",
            "candidate_last_name": "''",
            "candidate_email": "''",
        },
        conflict_checks=(
            (
                "access_code",
                "SELECT s.line AS line, '' AS value, d.first_line FROM {stage} s "
                "JOIN (SELECT mcp_id, min(line) AS first_line FROM {stage} "
                "WHERE access_code <> '' GROUP BY mcp_id) d "
                "ON d.mcp_id = s.mcp_id JOIN {stage} f ON f.line = d.first_line "
                "WHERE s.access_code <> '' AND s.access_code <> f.access_code",
                "A different access code for the same MCP ID as line {first_line}.",
            ),
        ),
    ),
    ImportKind.CERTIFICATIONS: Feed(
        kind=ImportKind.CERTIFICATIONS,
        label="Earned certifications",
        columns=(
            Column("mcp_id", cells.mcp_id),
            Column("certification_code", cells.text(40)),
            Column("date_earned", PAST_DATE, "date", needs_today=True),
        ),
        key=("mcp_id", "certification_code"),
        key_label="MCP ID and certification code",
        table="enrollment_earnedcertification",
        target_key=("mcp_id_id", "certification_id"),
        update_columns=("earned_on",),
        select="m.id AS mcp_id_id, c.id AS certification_id, s.date_earned AS earned_on",
        joins="JOIN enrollment_mcpid m ON m.value = s.mcp_id "
        "JOIN enrollment_certification c ON c.code = s.certification_code",
        reference_checks=(MCP_ID_KNOWN, CERTIFICATION_KNOWN),
    ),
    ImportKind.MTM: Feed(
        kind=ImportKind.MTM,
        label="MTM deliveries",
        columns=(
            Column("mtm_id", cells.text(100)),
            Column("course_name", cells.text(200)),
            Column("course_id", cells.text(50)),
            Column("delivery_date", PAST_DATE, "date", needs_today=True),
            Column("students", cells.whole_number(100_000), "integer"),
            Column("average_score", cells.score, "decimal", optional=True),
        ),
        key=("mtm_id", "course_id", "delivery_date"),
        key_label="MTM ID, course ID and delivery date",
        table="enrollment_mtmtrainingrecord",
        target_key=("mtm_id", "course_id", "delivered_on"),
        update_columns=("course_name", "number_of_students", "average_score"),
        select="s.mtm_id, s.course_id, s.delivery_date AS delivered_on, s.course_name, "
        "s.students AS number_of_students, s.average_score",
    ),
    ImportKind.PARTNERS: Feed(
        kind=ImportKind.PARTNERS,
        label="Partner directory",
        columns=(
            Column("partner_id", cells.text(20)),
            Column("name", cells.text(200)),
            Column("email_domains", cells.email_domains, "json"),
            Column("active", cells.yes_no, "boolean"),
        ),
        key=("partner_id",),
        key_label="partner ID",
        table="enrollment_partnerorganization",
        target_key=("partner_id",),
        update_columns=("name", "email_domains", "active"),
        select="s.partner_id, s.name, s.email_domains, s.active",
    ),
    ImportKind.IMAGINE_ACADEMY: Feed(
        kind=ImportKind.IMAGINE_ACADEMY,
        label="Imagine Academy members",
        columns=(
            Column("membership_id", cells.text(20)),
            Column("institution", cells.text(200)),
            Column("active", cells.yes_no, "boolean"),
        ),
        key=("membership_id",),
        key_label="membership ID",
        table="enrollment_imagineacademymember",
        target_key=("membership_id",),
        update_columns=("institution", "active"),
        select="s.membership_id, s.institution, s.active",
    ),
    ImportKind.CATALOG: Feed(
        kind=ImportKind.CATALOG,
        label="Certification catalog",
        columns=(
            Column("code", cells.text(40)),
            Column("name", cells.text(200)),
            Column("qualifies_for_mct", cells.yes_no, "boolean"),
            Column("level", cells.level, optional=True, default=""),
            Column("retired", cells.yes_no, "boolean"),
        ),
        key=("code",),
        key_label="code",
        table="enrollment_certification",
        target_key=("code",),
        update_columns=("name", "qualifies_for_mct", "level", "retired"),
        select="s.code, s.name, s.qualifies_for_mct, s.level, s.retired",
    ),
}
