"""The demo data, loaded once per test run and handed back to every test that asks for it.

`load_demo_data` goes through get_or_create chains, signs credentials and activates TOTP
authenticators. The snapshot runs it once, in a transaction it rolls back at once, and keeps
the rows the load added, table by table, with their primary keys. `restore()` inserts those
rows, values unchanged (no auto_now, no signals), in the calling test's transaction, which
rolls them back with the test. The database then holds what `load_demo_data` would have made.

The restore refuses (returns False; the caller loads the demo data itself) when:
- the test is transactional (no transaction to roll back: live_server, transactional_db);
- a row the snapshot refers to but did not make (the Reviewers and Support groups of a data
  migration, say) is missing or changed — after a flush, for instance;
- a row the load would have found already exists (a unique key is taken).

Primary keys: the rolled-back load drew them from the sequences, which PostgreSQL never rolls
back, so the rows a test makes later never collide with them (SQLite's sqlite_sequence follows
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


def _models():
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def _rows(model, pks=None):
    fields = tuple(model._meta.local_concrete_fields)
    rows = model._base_manager.order_by("pk")
    if pks is not None:
        rows = rows.filter(pk__in=pks)
    return fields, tuple(rows.values_list(*[field.attname for field in fields]))


@dataclass(frozen=True)
class _Reference:
    """Rows the snapshot points at without having made them, as they were at the load."""

    model: type
    attname: str
    values: frozenset
    rows: tuple

    def unchanged(self) -> bool:
        return _referenced(self.model, self.attname, self.values) == self.rows


@dataclass(frozen=True)
class DemoSnapshot:
    emails: tuple[str, ...]
    tables: tuple[_Table, ...]
    references: tuple[_Reference, ...]

    @classmethod
    def take(cls, load, using: str = DEFAULT_DB_ALIAS) -> "DemoSnapshot":
        models = _models()
        with transaction.atomic(using=using):
            before = {
                model: set(model._base_manager.values_list("pk", flat=True)) for model in models
            }
            emails = tuple(load())
            tables = []
            for model in models:
                added = set(model._base_manager.values_list("pk", flat=True)) - before[model]
                if added:
                    tables.append(_Table(model, *_rows(model, added)))
            references = tuple(
                _Reference(model, attname, frozenset(values), _referenced(model, attname, values))
                for (model, attname), values in _outside_references(tables).items()
            )
            transaction.set_rollback(True, using=using)
        return cls(emails=emails, tables=tuple(tables), references=references)

    def restore(self, using: str = DEFAULT_DB_ALIAS) -> bool:
        """Inserts the demo rows in the current test's transaction; False if it cannot."""
        connection = connections[using]
        if not connection.in_atomic_block:
            return False
        if not all(reference.unchanged() for reference in self.references):
            return False
        try:
            with transaction.atomic(using=using):
                for table in self.tables:
                    objects = table.objects()
                    fields = list(table.fields)
                    size = max(connection.ops.bulk_batch_size(fields, objects) or 1, 1)
                    for start in range(0, len(objects), size):
                        table.model._base_manager.using(using)._insert(
                            objects[start : start + size], fields=fields, raw=True
                        )
        except IntegrityError:
            return False
        return True


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
