"""The import engine: stream a file into a staging table, check it in SQL, upsert by natural key.

Memory stays flat whatever the file size: rows are parsed one at a time and written in
batches (COPY on PostgreSQL); only the first reported errors are kept. The checks and the
write run in one transaction, so an import is all-or-nothing: with rows in error nothing is
written unless the operator chose to import the valid rows.
"""

import datetime
import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import cells
from .feeds import SQL_TYPES, Column, Feed
from .reading import (
    SAMPLE_BYTES,
    DecodeProblem,
    FileProblem,
    HashingReader,
    check_delimiter,
    check_header,
    codec_for,
    csv_rows,
    decode_problem_message,
    too_big_message,
    undecodable_line,
)

BATCH_ROWS = 20_000
SAMPLE_ROWS = 10
EMPTY_CELL = "Required: this cell is empty."


@dataclass
class Report:
    encoding: str = ""
    sha256: str = ""
    bytes_read: int = 0
    rows_total: int = 0
    rows_error: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    errors: list[dict] = field(default_factory=list)
    samples: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add_error(self, line: int, column: str, value: str, reason: str) -> None:
        if len(self.errors) < settings.IMPORT_MAX_REPORTED_ERRORS:
            self.errors.append(
                {"line": line, "column": column, "value": value[:80], "reason": reason}
            )


ProgressCallback = Callable[[str, int], None]


# ------------------------------------------------------------------ one row (pure)


@dataclass(frozen=True)
class Cell:
    """How one column of this file is read: where it is and its parser for today."""

    name: str
    position: int | None
    parse: Callable
    optional: bool
    default: object
    secret: bool


def compile_cells(
    columns: tuple[Column, ...], positions: list[int | None], today: datetime.date
) -> tuple[Cell, ...]:
    return tuple(
        Cell(
            c.name,
            p,
            c.parse(today) if c.needs_today else c.parse,
            c.optional,
            c.default,
            c.secret,
        )
        for c, p in zip(columns, positions, strict=True)
    )


def validate_row(
    row: list[str], row_cells: tuple[Cell, ...], width: int
) -> tuple[list | None, list[tuple[str, str, str]]]:
    """The parsed values of a row, or None and its problems as (column, value, reason)."""
    if len(row) != width:
        return None, [
            (
                "",
                "",
                f"This line has {len(row)} cells; the header has {width}. A value that "
                "contains a comma must be in double quotes.",
            )
        ]
    values = []
    problems = None
    for cell in row_cells:
        raw = row[cell.position].strip() if cell.position is not None else ""
        if not raw:
            if cell.optional:
                values.append(cell.default)
            else:
                problems = problems or []
                problems.append((cell.name, "", EMPTY_CELL))
            continue
        if raw[0] in FORMULA_FIRST:
            formula = cells.formula_problem(raw)
            if formula:
                problems = problems or []
                problems.append((cell.name, "" if cell.secret else raw, formula))
                continue
        try:
            values.append(cell.parse(raw))
        except cells.CellError as error:
            problems = problems or []
            problems.append((cell.name, "" if cell.secret else raw, str(error)))
    if problems:
        return None, problems
    return values, []


FORMULA_FIRST = frozenset(c[0] for c in cells.FORMULA_PREFIXES)


# ------------------------------------------------------------------ staging

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_serialiser(sql_type: str) -> Callable:
    """How a parsed value is written in COPY's text format (\\N is NULL)."""
    if sql_type == "text":
        return lambda v: "\\N" if v is None else v.translate(_COPY_ESCAPES)
    if sql_type == "boolean":
        return lambda v: "\\N" if v is None else ("t" if v else "f")
    if sql_type == "json":
        return lambda v: "\\N" if v is None else json.dumps(v).translate(_COPY_ESCAPES)
    if sql_type == "date":
        return lambda v: "\\N" if v is None else v.isoformat()
    return lambda v: "\\N" if v is None else str(v)


def _sqlite_value(value):
    if isinstance(value, list):
        return json.dumps(value)
    if isinstance(value, (datetime.date, Decimal)):
        return str(value)
    return value


class Stage:
    """A temporary table holding the valid rows of one file, with their line numbers."""

    def __init__(self, feed: Feed):
        self.feed = feed
        self.name = f"import_stage_{uuid.uuid4().hex[:12]}"
        self.vendor = connection.vendor
        self.types = SQL_TYPES["postgresql" if self.vendor == "postgresql" else "sqlite"]
        self.batch: list[list] = []
        self.serialisers = [_copy_serialiser(c.sql_type) for c in feed.columns]

    def create(self) -> None:
        columns = ", ".join(f"{c.name} {self.types[c.sql_type]}" for c in self.feed.columns)
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {self.name} (line integer, {columns})")

    def add(self, line: int, values: list) -> None:
        self.batch.append([line, *values])
        if len(self.batch) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        names = ["line"] + [c.name for c in self.feed.columns]
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                buffer = io.StringIO()
                serialisers = self.serialisers
                write = buffer.write
                for line, *values in self.batch:
                    write(str(line))
                    for serialise, value in zip(serialisers, values, strict=True):
                        write("\t")
                        write(serialise(value))
                    write("\n")
                buffer.seek(0)
                sql = f"COPY {self.name} ({', '.join(names)}) FROM STDIN"
                raw = cursor.cursor
                if hasattr(raw, "copy_expert"):
                    raw.copy_expert(sql, buffer)
                else:  # psycopg 3
                    with raw.copy(sql) as copy:
                        copy.write(buffer.getvalue())
            else:
                marks = ", ".join(["%s"] * len(names))
                cursor.executemany(
                    f"INSERT INTO {self.name} ({', '.join(names)}) VALUES ({marks})",
                    [[_sqlite_value(v) for v in row] for row in self.batch],
                )
        self.batch = []

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")


# ------------------------------------------------------------------ the run


def run_import(
    *,
    feed: Feed,
    binary,
    size: int,
    encoding: str = "auto",
    apply: bool = False,
    valid_rows_only: bool = False,
    progress: ProgressCallback | None = None,
    max_bytes: int | None = None,
) -> Report:
    """Reads `binary` (a seekable binary file) as a feed; writes only when `apply` and the file
    has no errors (or `valid_rows_only`). Raises FileProblem for a problem with the whole
    file (nothing is written then)."""
    report = Report()
    limit = max_bytes or settings.IMPORT_MAX_FILE_BYTES
    if size > limit:
        raise FileProblem(_too_big(size, limit))
    sample = binary.read(SAMPLE_BYTES)
    binary.seek(0)
    if not sample.strip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n"):
        raise FileProblem("The file is empty.")
    codec = codec_for(encoding, sample)
    report.encoding = codec
    if codec == "windows-1252" and encoding == "auto":
        report.notes.append(
            "The file is not UTF-8: it was read as Windows-1252. If accented letters look "
            "wrong, save the file as CSV UTF-8 and import it again."
        )
    stage = Stage(feed)
    stage.create()
    try:
        try:
            _load(feed, binary, codec, limit, stage, report, progress)
        except DecodeProblem as problem:
            line = undecodable_line(binary, codec)
            raise FileProblem(decode_problem_message(line, str(problem))) from None
        if progress:
            progress("checking", report.bytes_read)
        with transaction.atomic():
            _check(feed, stage, report)
            if feed.kind == "exam-results":
                _exam_result_notes(stage, report)
            write = apply and (report.rows_error == 0 or valid_rows_only)
            if write:
                if progress:
                    progress("writing", report.bytes_read)
                _before_write(feed, stage, report)
            _count(feed, stage, report)
            if write:
                _upsert(feed, stage)
                report.written = True
    finally:
        stage.drop()
    return report


def _too_big(size: int, limit: int) -> str:
    return too_big_message(size, limit)


def _load(feed, binary, codec, limit, stage, report, progress) -> None:
    hashing = HashingReader(binary, limit)
    rows = csv_rows(io.BufferedReader(hashing, 1 << 16), encoding=codec)
    first = next(rows, None)
    if first is None:
        raise FileProblem("The file is empty.")
    header = first[1]
    if len(header) == 1:
        check_delimiter(header[0])
    names = check_header(header, required=feed.required, optional=feed.optional)
    positions = [names.index(c.name) if c.name in names else None for c in feed.columns]
    width = len(header)
    row_cells = compile_cells(feed.columns, positions, timezone.localdate())
    errors = 0
    total = 0
    for line, row in rows:
        total += 1
        values, problems = validate_row(row, row_cells, width)
        if problems:
            errors += 1
            for column, value, reason in problems:
                report.add_error(line, column, value, reason)
        else:
            stage.add(line, values)
        if progress and total % BATCH_ROWS == 0:
            progress("reading", hashing.count)
    stage.flush()
    report.rows_total = total
    report.rows_error = errors
    report.bytes_read = hashing.count
    report.sha256 = hashing.sha256.hexdigest()
    if total == 0:
        raise FileProblem("The file has a header but no rows.")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {stage.name}")


def _flag(cursor, stage: Stage, report: Report, column: str, sql: str, reason: str) -> None:
    """Reports and removes the staged lines `sql` selects: (line, value[, first_line])."""
    cursor.execute(f"SELECT count(*) FROM ({sql}) x")
    count = cursor.fetchone()[0]
    if not count:
        return
    room = max(settings.IMPORT_MAX_REPORTED_ERRORS - len(report.errors), 0)
    if room:
        cursor.execute(f"SELECT * FROM ({sql}) x ORDER BY 1 LIMIT {room}")
        for found in cursor.fetchall():
            first_line = found[2] if len(found) > 2 else None
            value = "" if column == "access_code" else str(found[1] or "")
            report.add_error(
                found[0], column, value, reason.format(value=value, first_line=first_line)
            )
    cursor.execute(f"DELETE FROM {stage.name} WHERE line IN (SELECT x.line FROM ({sql}) x)")
    report.rows_error += count


def _check(feed: Feed, stage: Stage, report: Report) -> None:
    with connection.cursor() as cursor:
        for check in feed.reference_checks:
            _flag(
                cursor,
                stage,
                report,
                check.column,
                f"SELECT s.line AS line, s.{check.column} FROM {stage.name} s "
                f"WHERE {check.missing}",
                check.reason,
            )
        for column, sql, reason in feed.conflict_checks:
            _flag(
                cursor,
                stage,
                report,
                column,
                sql.replace("{stage}", stage.name),
                reason,
            )
        key = ", ".join(feed.key)
        _flag(
            cursor,
            stage,
            report,
            feed.key[0] if len(feed.key) == 1 else "",
            f"SELECT line, '' AS value, first_line FROM (SELECT line, min(line) OVER "
            f"(PARTITION BY {key}) AS first_line FROM {stage.name}) d WHERE line <> first_line",
            f"Duplicate: line {{first_line}} has the same {feed.key_label}.",
        )


def _exam_result_notes(stage: Stage, report: Report) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(DISTINCT s.mcp_id) FROM {stage.name} s WHERE NOT EXISTS "
            "(SELECT 1 FROM enrollment_mcpid m WHERE m.value = s.mcp_id)"
        )
        new_ids = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(DISTINCT mcp_id) FROM {stage.name} WHERE access_code <> ''")
        codes = cursor.fetchone()[0]
    if new_ids:
        report.notes.append(
            f"{new_ids} MCP ID{'s' if new_ids != 1 else ''} not on record yet will be created, "
            "not linked to any trainer (the program issues MCP IDs with exam results)."
        )
    if codes:
        report.notes.append(
            f"Access codes are given for {codes} MCP ID{'s' if codes != 1 else ''}; they are "
            "stored only as a hash."
        )


def _before_write(feed: Feed, stage: Stage, report: Report) -> None:
    """Exam results create the MCP IDs they issue and record their access codes."""
    if feed.kind != "exam-results":
        return
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO enrollment_mcpid (value, is_primary, access_code_hash, created_at) "
            f"SELECT DISTINCT s.mcp_id, %s, '', %s FROM {stage.name} s WHERE NOT EXISTS "
            "(SELECT 1 FROM enrollment_mcpid m WHERE m.value = s.mcp_id) "
            "ON CONFLICT (value) DO NOTHING",
            [False, now],
        )
        cursor.execute(
            "UPDATE enrollment_mcpid SET access_code_hash = x.access_code, "
            "access_code_issued_at = %s FROM (SELECT mcp_id, max(access_code) AS access_code "
            f"FROM {stage.name} WHERE access_code <> '' GROUP BY mcp_id) x "
            "WHERE enrollment_mcpid.value = x.mcp_id "
            "AND enrollment_mcpid.access_code_hash <> x.access_code",
            [now],
        )


def _distinct(vendor: str) -> str:
    return "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"


def _new_rows(feed: Feed, stage: Stage) -> str:
    return f"SELECT s.line AS line, {feed.select} FROM {stage.name} s {feed.joins}"


def _count(feed: Feed, stage: Stage, report: Report) -> None:
    distinct = _distinct(connection.vendor)
    on = " AND ".join(f"t.{k} = n.{k}" for k in feed.target_key)
    old = ", ".join(f"t.{c}" for c in feed.update_columns)
    new = ", ".join(f"n.{c}" for c in feed.update_columns)
    changed = f"({old}) {distinct} ({new})"
    joined = f"FROM ({_new_rows(feed, stage)}) n LEFT JOIN {feed.table} t ON {on}"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), sum(CASE WHEN t.id IS NULL THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN t.id IS NOT NULL AND {changed} THEN 1 ELSE 0 END) {joined}"
        )
        valid, created, updated = cursor.fetchone()
        report.created, report.updated = created or 0, updated or 0
        report.unchanged = valid - report.created - report.updated
        columns = [c.name for c in feed.columns]
        shown = ", ".join(f"s.{c}" for c in columns)
        samples = {}
        for label, condition in (
            ("created", "t.id IS NULL"),
            ("updated", f"t.id IS NOT NULL AND {changed}"),
        ):
            cursor.execute(
                f"SELECT n.line, {old}, {new} {joined} WHERE {condition} "
                f"ORDER BY n.line LIMIT {SAMPLE_ROWS}"
            )
            found = cursor.fetchall()
            lines = [row[0] for row in found]
            if not lines:
                continue
            cursor.execute(
                f"SELECT s.line, {shown} FROM {stage.name} s WHERE s.line IN "
                f"({', '.join(str(int(x)) for x in lines)}) ORDER BY s.line"
            )
            by_line = {row[0]: row[1:] for row in cursor.fetchall()}
            width = len(feed.update_columns)
            samples[label] = [
                {
                    "line": row[0],
                    "values": [
                        "(hidden)" if col.secret and value else _shown(value)
                        for col, value in zip(feed.columns, by_line.get(row[0], ()), strict=False)
                    ],
                    "changes": [
                        f"{name}: {_shown(a)} → {_shown(b)}"
                        for name, a, b in zip(
                            feed.update_columns, row[1 : 1 + width], row[1 + width :], strict=True
                        )
                        if _shown(a) != _shown(b)
                    ]
                    if label == "updated"
                    else [],
                }
                for row in found
            ]
        samples["columns"] = columns
        report.samples = samples


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, dict)):
        return "; ".join(value) if isinstance(value, list) else json.dumps(value)
    if isinstance(value, str) and value.startswith("["):
        try:
            return "; ".join(json.loads(value))
        except (ValueError, TypeError):
            return value
    return str(value)


def _upsert(feed: Feed, stage: Stage) -> None:
    distinct = _distinct(connection.vendor)
    table = feed.table
    targets = list(feed.target_columns)
    constants = list(feed.insert_constants)
    insert_columns = ", ".join(targets + constants)
    select_columns = ", ".join(
        [f"n.{c}" for c in targets] + [feed.insert_constants[c] for c in constants]
    )
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in feed.update_columns)
    old = ", ".join(f"{table}.{c}" for c in feed.update_columns)
    new = ", ".join(f"EXCLUDED.{c}" for c in feed.update_columns)
    # Only new and changed rows reach the INSERT (a hash join is far cheaper than a
    # speculative insert per unchanged row); ON CONFLICT still covers a concurrent import.
    on = " AND ".join(f"t.{k} = n.{k}" for k in feed.target_key)
    old_values = ", ".join(f"t.{c}" for c in feed.update_columns)
    new_values = ", ".join(f"n.{c}" for c in feed.update_columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({insert_columns}) SELECT {select_columns} "
            f"FROM ({_new_rows(feed, stage)}) n LEFT JOIN {table} t ON {on} "
            f"WHERE t.id IS NULL OR ({old_values}) {distinct} ({new_values}) "
            f"ON CONFLICT ({', '.join(feed.target_key)}) DO UPDATE SET {updates} "
            f"WHERE ({old}) {distinct} ({new})"
        )
