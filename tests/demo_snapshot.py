"""The demo data, loaded once per test run and handed back to every test that asks for it.

`load_demo_data` goes through get_or_create chains, signs credentials and activates TOTP
authenticators. The snapshot runs it once, in a savepoint it rolls back at once, and keeps
the rows the load added, table by table, with their primary keys. `restore()` inserts those
rows, values unchanged (no auto_now, no signals), in the calling test's transaction (rolled
back with the test), or committed in a transactional test (flushed after it). The database
then holds what `load_demo_data` would have made.

The snapshot is taken again when a row it refers to without having made it is gone or
changed: the Reviewers and Support groups, which a transactional test's flush removes and
post_migrate makes again under new keys (and the browser tests, transactional, run among
the others: pytest-playwright groups them). `restore()` returns False, inserting nothing,
when a row the load would have found exists already (a unique key is taken): the caller
then loads the demo data itself.

Primary keys: the rolled-back load drew them from the sequences, which PostgreSQL never rolls
back, so rows a test makes later never collide with them (SQLite's sqlite_sequence follows
explicit keys by itself).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction


@dataclass(frozen=True)
class _Table:
    model: type
    fields: tuple
    rows: tuple[tuple, ...]

    def objects(self):
        names = [field.attname for field in self.fields]
        return [self.model(**dict(zip(names, row, strict=True))) for row in self.rows]


@dataclass(frozen=True)
class _Reference:
    """Rows the snapshot points at without having made them, as they were at the load."""

    model: type
    attname: str
    values: frozenset
    rows: tuple

    def unchanged(self) -> bool:
        return _referenced(self.model, self.attname, self.values) == self.rows


class DemoSnapshot:
    def __init__(self, load, using: str = DEFAULT_DB_ALIAS):
        self.load = load
        self.using = using
        self.emails: tuple[str, ...] = ()
        self.tables: tuple[_Table, ...] = ()
        self.references: tuple[_Reference, ...] = ()
        self.taken = 0  # how often the demo data was loaded to take the snapshot

    def take(self) -> None:
        """Loads the demo data in a savepoint, keeps the rows it added, and rolls back."""
        models = [
            model
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        ]
        with transaction.atomic(using=self.using):
            before = {model: _pks(model) for model in models}
            emails = tuple(self.load())
            tables = tuple(
                _Table(model, *_rows(model, added))
                for model in models
                if (added := _pks(model) - before[model])
            )
            references = tuple(
                _Reference(model, attname, frozenset(values), _referenced(model, attname, values))
                for (model, attname), values in _outside_references(tables).items()
            )
            transaction.set_rollback(True, using=self.using)
        self.emails, self.tables, self.references = emails, tables, references
        self.taken += 1

    def restore(self) -> bool:
        """Inserts the demo rows; False (nothing inserted) if one of them exists already."""
        if not self.taken or not all(reference.unchanged() for reference in self.references):
            self.take()
        connection = connections[self.using]
        try:
            with transaction.atomic(using=self.using):
                for table in self.tables:
                    objects = table.objects()
                    fields = list(table.fields)
                    size = max(connection.ops.bulk_batch_size(fields, objects) or 1, 1)
                    for start in range(0, len(objects), size):
                        table.model._base_manager.using(self.using)._insert(
                            objects[start : start + size], fields=fields, raw=True
                        )
        except IntegrityError:
            return False
        return True


def _pks(model) -> set:
    return set(model._base_manager.values_list("pk", flat=True))


def _rows(model, pks):
    fields = tuple(model._meta.local_concrete_fields)
    rows = model._base_manager.filter(pk__in=pks).order_by("pk")
    return fields, tuple(rows.values_list(*[field.attname for field in fields]))


def _outside_references(tables) -> dict:
    """{(model, field): values} of the foreign keys in `tables` to rows not in `tables`."""
    made = {
        (table.model, row[table.fields.index(table.model._meta.pk)])
        for table in tables
        for row in table.rows
    }
    wanted = defaultdict(set)
    for table in tables:
        for index, field in enumerate(table.fields):
            if not (field.many_to_one or field.one_to_one):
                continue
            target = field.related_model._meta.concrete_model
            target_field = field.target_field
            for row in table.rows:
                value = row[index]
                if value is None or (target_field.primary_key and (target, value) in made):
                    continue
                wanted[(target, target_field.attname)].add(value)
    return wanted


def _referenced(model, attname: str, values) -> tuple:
    """The rows of `model` whose `attname` is one of `values`, comparable and hashable."""
    fields = [field.attname for field in model._meta.local_concrete_fields]
    rows = model._base_manager.filter(**{f"{attname}__in": values}).values_list(*fields)
    return tuple(sorted(repr(row) for row in rows))
