"""The one way services write the audit trail."""

from django.db import models

from .models import AuditEvent


def audit(
    *,
    actor,
    action: str,
    target: models.Model,
    subject_user=None,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
        subject_user=subject_user,
        before=before,
        after=after,
        note=note,
    )


def changed_fields(
    instance: models.Model, fields: list[str], new_values: dict
) -> tuple[dict, dict]:
    """Before/after dictionaries holding only the fields whose value really changes."""
    before, after = {}, {}
    for name in fields:
        old, new = getattr(instance, name), new_values.get(name, getattr(instance, name))
        if old != new:
            before[name], after[name] = _jsonable(old), _jsonable(new)
    return before, after


def _jsonable(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
