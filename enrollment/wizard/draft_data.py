"""What a wizard step may keep in the draft: only its form's own fields, each bounded.

Back, "Email code" and an invalid step all keep what was typed, so the trainer finds it
again; none of them may turn the draft into a store for whatever a client posts. A value
longer than its field allows is cut to the field's limit (the form then says what is
wrong on the next visit), a field with one value keeps one, and unknown keys are dropped.
"""

from django import forms
from django.utils.datastructures import MultiValueDict

from .storage import is_secret_key

# Fields without a max_length of their own (dates, numbers, choices, free text).
MAX_VALUE_LENGTH = 1000
# A multiple-choice field never needs more values than it has choices; this bounds the rest.
MAX_VALUES = 50


def draft_values(form: forms.BaseForm, data) -> dict[str, list[str]]:
    """The posted values of `form`'s own fields, as lists of strings within the limits."""
    if not isinstance(data, MultiValueDict):
        data = MultiValueDict(
            {k: v if isinstance(v, list) else [v] for k, v in (data or {}).items()}
        )
    kept: dict[str, list[str]] = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.FileField):
            continue
        key = form.add_prefix(name)
        if is_secret_key(key):
            continue
        values = data.getlist(key)
        if not values:
            continue
        length = _max_length(field)
        kept[key] = [str(value)[:length] for value in values[: _max_values(field)]]
    return kept


def _max_length(field: forms.Field) -> int:
    limit = getattr(field, "max_length", None)
    return min(limit, MAX_VALUE_LENGTH) if limit else MAX_VALUE_LENGTH


def _max_values(field: forms.Field) -> int:
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return MAX_VALUES
    return 1
