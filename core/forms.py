"""Forms that copy their fields without `copy.deepcopy` (issue 14: the wizard steps).

Every form instance starts with `copy.deepcopy(base_fields)`: the profile step's eleven
fields took ~0.2 ms, a tenth of what a wizard step adds to a plain page, most of it in the
copy module's generic machinery (`__reduce_ex__`, memo dictionaries, a recursive copy of
every choice tuple). `CheapCopyForm` keeps its fields in a `FieldPrototypes` dict whose
deep copy makes, for Django's own field and widget classes, exactly what their
`__deepcopy__` methods make, in plain Python; any other class is deep-copied as before.
"""

import copy
import functools

from django import forms
from django.forms.forms import DeclarativeFieldsMetaclass
from django.forms.widgets import ChoiceWidget
from django.utils.functional import Promise

__all__ = ["CheapCopyForm", "FieldPrototypes", "copy_field"]

# The __deepcopy__ methods whose result copy_field reproduces.
_FIELD_COPIES = {forms.Field.__deepcopy__, forms.ChoiceField.__deepcopy__}
_WIDGET_COPIES = {forms.Widget.__deepcopy__, ChoiceWidget.__deepcopy__}
_ATOMS = (str, int, float, bool, type(None), Promise)


def _shallow(obj):
    """copy.copy() of an instance that keeps its state in __dict__ (the stock fields and
    widgets: no __slots__, no __copy__ or __reduce__ of their own)."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


@functools.cache
def _copyable(cls) -> bool:
    return (
        "__slots__" not in cls.__dict__
        and getattr(cls, "__copy__", None) is None
        and cls.__reduce_ex__ is object.__reduce_ex__
        and cls.__reduce__ is object.__reduce__
    )


def _flat_choices(choices) -> bool:
    """A list of (value, label) pairs of immutable values: deep-copied, it is a new list
    holding the same tuples (a lazy label's deep copy is itself)."""
    return type(choices) is list and all(
        type(pair) is tuple and all(isinstance(item, _ATOMS) for item in pair) for pair in choices
    )


def copy_field(field: forms.Field) -> forms.Field:
    """What `copy.deepcopy(field)` returns, made directly where the classes allow."""
    cls, widget = type(field), field.widget
    plain = (
        cls.__deepcopy__ in _FIELD_COPIES
        and type(widget).__deepcopy__ in _WIDGET_COPIES
        and _copyable(cls)
        and _copyable(type(widget))
    )
    is_choice = cls.__deepcopy__ is forms.ChoiceField.__deepcopy__
    if not plain or (is_choice and not _flat_choices(field._choices)):
        return copy.deepcopy(field)
    result = _shallow(field)
    new_widget = result.widget = _shallow(widget)
    new_widget.attrs = widget.attrs.copy()
    if type(widget).__deepcopy__ is ChoiceWidget.__deepcopy__:
        if _flat_choices(widget.choices):  # what the setter would normalize them to
            new_widget._choices = list(widget.choices)
        else:
            new_widget.choices = copy.copy(widget.choices)
    result.error_messages = field.error_messages.copy()
    result.validators = field.validators[:]
    if is_choice:
        result._choices = list(field._choices)
    return result


class FieldPrototypes(dict):
    """A form class's `base_fields`: its deep copy is a plain dict of `copy_field` copies."""

    def __deepcopy__(self, memo):
        return {name: copy_field(field) for name, field in self.items()}


class CheapCopyFormMetaclass(DeclarativeFieldsMetaclass):
    def __new__(mcs, name, bases, attrs):
        new_class = super().__new__(mcs, name, bases, attrs)
        new_class.base_fields = FieldPrototypes(new_class.base_fields)
        return new_class


class CheapCopyForm(forms.Form, metaclass=CheapCopyFormMetaclass):
    """A form whose instances copy its fields with `copy_field`."""
