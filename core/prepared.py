"""Reads whose SQL is compiled once per database connection (issue 14: the wizard's reads).

Django builds and compiles a queryset's SQL every time it is evaluated. For the wizard's
draft application (25 columns and two joined tables) that costs about 0.6 ms, more than
the database takes to answer, and a wizard step makes three such reads on every request.

A `PreparedRead` takes a function that builds the queryset from its arguments. It builds
it once with `Arg` placeholders, compiles it, keeps the SQL and where each argument goes
in its parameters, and from then on runs that SQL with the new values. Rows become
objects the way Django's own iterables make them (the same converters, `from_db`, and the
related objects of `select_related`), so a prepared read returns what the queryset returns
(tests/core/test_prepared.py compares them field by field on both databases).

    OPEN_DRAFT = PreparedRead(
        lambda: Application.objects.select_related("partner")
        .filter(trainer_id=Arg("trainer_id", models.BigIntegerField()), path=Arg("path"))
        .order_by("pk")[:1]
    )
    OPEN_DRAFT.all(trainer_id=trainer.pk, path="renew")  # [] or [the draft]

What it covers: model rows (with `select_related`) and `values_list()` rows of plain
fields. What it refuses when it compiles: annotations, extra selects and deferred fields.
The compiled form is kept per connection object (one per thread), so converters bound to
a connection never serve another.

A `PreparedBundle` runs several such reads in one round trip on PostgreSQL: each becomes a
`row_to_json()` branch of one UNION ALL, and each row comes back through its fields'
`to_python()` (a request spends more waiting for three round trips than PostgreSQL spends
answering them). Elsewhere (SQLite, in-process) it runs the reads one by one. It takes
model and values_list() reads without joins, over fields whose JSON form `to_python()`
reads back exactly (numbers, text, booleans, dates, times, UUIDs, JSON); it refuses others.
"""

import functools
import hashlib
import re
import weakref
from collections.abc import Callable

from django.conf import settings
from django.db import connections, models
from django.db.models.expressions import Expression
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators

__all__ = ["Arg", "PreparedBundle", "PreparedRead"]


class _Slot:
    """Where an argument's value goes in the compiled parameters."""

    __slots__ = ("name", "output_field")

    def __init__(self, name: str, output_field: models.Field):
        self.name = name
        self.output_field = output_field


class Arg(Expression):
    """A value given when the read runs: `filter(path=Arg("path"))`. Its output field
    converts the value for the database (a `DateTimeField` for an aware datetime, a
    `BigIntegerField` for an id); text by default."""

    def __init__(self, name: str, output_field: models.Field | None = None):
        super().__init__(output_field=output_field or models.TextField())
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [_Slot(self.name, self.output_field)]


class _Sql:
    """Compiled SQL with its parameters: where each Arg's value goes, and on PostgreSQL the
    prepared statement it runs as (`_ServerStatement`)."""

    def __init__(self, sql: str, params, connection):
        self.sql = sql
        self.params = list(params)
        self.slots = [(i, p) for i, p in enumerate(self.params) if isinstance(p, _Slot)]
        self._prepares = connection.vendor == "postgresql" and settings.DATABASE_PREPARED_STATEMENTS

    @functools.cached_property
    def statement(self) -> "_ServerStatement | None":
        """Made when first run (a read that only runs inside a bundle never needs one)."""
        return _ServerStatement(self.sql) if self._prepares else None

    def fetch(self, connection, values: dict) -> list:
        """Every row, run with the values of its Args."""
        params = list(self.params)
        for index, slot in self.slots:
            params[index] = slot.output_field.get_db_prep_value(
                values[slot.name], connection=connection, prepared=False
            )
        statement = self.statement
        with connection.cursor() as cursor:
            if statement is None:
                cursor.execute(self.sql, params)
            else:
                statement.execute(connection, cursor, params)
            return cursor.fetchall()


# PREPARE'd statements live in the server's session: the names prepared on each client
# connection (psycopg2's, which a DatabaseWrapper replaces when it reconnects).
_SERVER_STATEMENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_UNSURE = "unsure"


class _ServerStatement:
    """One compiled read as a PostgreSQL prepared statement (issue 14).

    Planning the wizard's bundle takes PostgreSQL longer than running it (0.4 ms against
    0.2 ms). A prepared statement is planned for its first executions and then runs on a
    cached plan. The first use on a connection sends `PREPARE` and `EXECUTE` as one query
    (one round trip, one query in a test's count); later uses send `EXECUTE` alone.

    A prepared statement lives in the server session, outside transactions: a rollback
    does not remove it. When the query carrying it fails, whether it was prepared is
    unknown, and the next use asks `pg_prepared_statements`. Behind a pooler that hands
    one client's queries to several server sessions (PgBouncer in transaction mode) set
    DATABASE_PREPARED_STATEMENTS off: each read then sends its SQL as before.
    """

    def __init__(self, sql: str):
        self.name = "mct_" + hashlib.sha256(sql.encode()).hexdigest()[:24]
        # Django's SQL holds its values as %s and a literal % as %%: the PREPARE'd text
        # numbers the values ($1, $2...) and keeps %% for the driver to unescape.
        count = 0

        def number(match: re.Match) -> str:
            nonlocal count
            if match[0] == "%%":
                return "%%"
            count += 1
            return f"${count}"

        body = re.sub(r"%[%s]", number, sql)
        arguments = f"({', '.join(['%s'] * count)})" if count else ""
        self.execute_sql = f"EXECUTE {self.name}{arguments}"
        self.prepare_sql = f"PREPARE {self.name} AS {body}; {self.execute_sql}"

    def execute(self, connection, cursor, params: list) -> None:
        client = connection.connection
        prepared = _SERVER_STATEMENTS.setdefault(client, {})
        state = prepared.get(self.name)
        if state == _UNSURE:
            cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [self.name])
            state = bool(cursor.fetchall())
        if state is True:
            cursor.execute(self.execute_sql, params)
            return
        prepared[self.name] = _UNSURE
        cursor.execute(self.prepare_sql, params)
        prepared[self.name] = True


class _Compiled:
    """One read's SQL on one connection, with what it takes to make rows of its results."""

    def __init__(self, queryset: models.QuerySet, connection):
        compiler = queryset.query.get_compiler(connection=connection)
        self.query = _Sql(*compiler.as_sql(), connection)
        self.db = connection.alias
        select = compiler.select
        self.converters = compiler.get_converters([column for column, _, _ in select])
        self.fields = [getattr(column, "target", None) for column, _, _ in select]
        self.populators = []
        iterable = queryset._iterable_class
        if iterable is ModelIterable:
            self._setup_models(compiler, queryset)
        elif iterable is ValuesListIterable and not queryset.query.annotation_select:
            self.make_rows = self._tuples
        else:
            raise TypeError("A prepared read makes model rows or values_list() rows only.")

    def _setup_models(self, compiler, queryset):
        if compiler.annotation_col_map or queryset.query.extra_select:
            raise TypeError("A prepared read of model rows takes no annotations.")
        if queryset.query.deferred_loading != (frozenset(), True):
            raise TypeError("A prepared read of model rows loads every field.")
        klass_info = compiler.klass_info
        select = compiler.select
        fields = klass_info["select_fields"]
        self.model = klass_info["model"]
        self.model_slice = slice(fields[0], fields[-1] + 1)
        self.init_list = [column[0].target.attname for column in select[self.model_slice]]
        self.populators = get_related_populators(klass_info, select, self.db)
        self.make_rows = self._objects

    def execute(self, connection, values: dict) -> list:
        rows = self.query.fetch(connection, values)
        return self.make_rows(self._converted(rows, connection))

    def _converted(self, rows, connection):
        if not self.converters:
            return rows
        converters = list(self.converters.items())
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(row)
        return converted

    def _objects(self, rows) -> list:
        objects = []
        for row in rows:
            obj = self.model.from_db(self.db, self.init_list, row[self.model_slice])
            for populator in self.populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects

    @staticmethod
    def _tuples(rows) -> list:
        return [tuple(row) for row in rows]

    # -------------------------------------------------------------- as one JSON branch

    def check_json_carried(self) -> None:
        """Refuses what row_to_json() would not carry back exactly."""
        if self.populators:
            raise TypeError("A bundled read takes no select_related().")
        columns = [getattr(field, "column", None) for field in self.fields]
        if None in columns or len(set(columns)) != len(columns):
            raise TypeError("A bundled read selects plain columns, each once.")
        for field in self.fields:
            if field.get_internal_type() not in JSON_CARRIED_TYPES:
                raise TypeError(f"A bundled read cannot carry {field!r} through JSON.")
            if isinstance(field, models.JSONField) and field.decoder is not None:
                raise TypeError(f"A bundled read cannot decode {field!r} with its decoder.")

    def rows_from_json(self, records: list[dict]) -> list:
        """The rows, from the row_to_json() objects of this read's branch."""
        readers = self._json_readers
        rows = [
            [
                value if read is None or value is None else read(value)
                for column, read in readers
                for value in (record[column],)
            ]
            for record in records
        ]
        return self.make_rows(rows)

    @functools.cached_property
    def _json_readers(self) -> list:
        """Each column with what reads its JSON value: None where that value already is
        the field's value, else the field's to_python()."""
        return [(field.column, _json_reader(field)) for field in self.fields]


# The field types whose row_to_json() value their to_python() turns back into what the
# database adapter gives (JSON numbers stay exact for integers; dates and times are ISO
# 8601 with their offset; JSON columns arrive parsed).
JSON_CARRIED_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "ForeignKey",
        "OneToOneField",
        "CharField",
        "TextField",
        "EmailField",
        "SlugField",
        "URLField",
        "BooleanField",
        "DateField",
        "DateTimeField",
        "UUIDField",
        "JSONField",
    }
)


# The to_python() methods that return a JSON value (text, a number, a boolean) unchanged.
_RETURNS_JSON_AS_IS = frozenset(
    {
        models.Field.to_python,
        models.CharField.to_python,
        models.TextField.to_python,
        models.IntegerField.to_python,
        models.BooleanField.to_python,
    }
)


def _json_reader(field):
    if isinstance(field, models.JSONField):
        return None  # psycopg2 parses JSON columns (a custom decoder is refused)
    target = field.target_field if field.is_relation else field
    return None if type(target).to_python in _RETURNS_JSON_AS_IS else field.to_python


class PreparedRead:
    """A read built by `build()` (a queryset with `Arg` placeholders), compiled once per
    connection and run with keyword values."""

    def __init__(self, build: Callable[[], models.QuerySet], *, using: str = "default"):
        self.build = build
        self.using = using
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def compiled(self, connection) -> _Compiled:
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = _Compiled(self.build(), connection)
        return compiled

    def all(self, **values) -> list:
        """Every row, as the queryset would return them."""
        connection = connections[self.using]
        return self.compiled(connection).execute(connection, values)


class _CompiledBundle:
    """The reads of a bundle as one UNION ALL of row_to_json() branches."""

    def __init__(self, reads: dict[str, PreparedRead], connection):
        self.parts = {name: read.compiled(connection) for name, read in reads.items()}
        branches, params = [], []
        for name, part in self.parts.items():
            part.check_json_carried()
            sql = part.query.sql  # Django's compiled SQL; every value in it is a parameter
            branches.append(f"(SELECT %s, row_to_json(t) FROM ({sql}) t)")  # noqa: S608
            params += [name, *part.query.params]
        self.query = _Sql(" UNION ALL ".join(branches), params, connection)

    def execute(self, connection, values: dict) -> dict[str, list]:
        records: dict[str, list] = {name: [] for name in self.parts}
        for name, record in self.query.fetch(connection, values):
            records[name].append(record)
        return {name: part.rows_from_json(records[name]) for name, part in self.parts.items()}


class PreparedBundle:
    """Several prepared reads, given by name, answered in one round trip (on PostgreSQL):
    `all(**values)` gives each read's rows by its name, each in its own order."""

    def __init__(self, **reads: PreparedRead):
        usings = {read.using for read in reads.values()}
        if len(usings) != 1:
            raise ValueError("A bundle's reads run on one database.")
        (self.using,) = usings
        # The reads themselves: a read used alone too is compiled once for both.
        self.reads = reads
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def all(self, **values) -> dict[str, list]:
        connection = connections[self.using]
        if connection.vendor != "postgresql":
            return {name: read.all(**values) for name, read in self.reads.items()}
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = _CompiledBundle(self.reads, connection)
        return compiled.execute(connection, values)
