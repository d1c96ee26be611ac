"""core.forms: a form's fields copied without deepcopy are what deepcopy makes (issue 14)."""

import copy

import pytest
from django import forms
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator

import enrollment.forms.wizard as wizard_forms
from core.forms import CheapCopyForm, FieldPrototypes, copy_field


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


STEP_FORMS = sorted(
    {form for form in _subclasses(wizard_forms.StepForm) if form.base_fields},
    key=lambda form: f"{form.__module__}.{form.__qualname__}",
)


def _same_copy(made, expected, original) -> None:
    """`made` equals `expected` (deepcopy's result) attribute by attribute, and shares
    no mutable part with the original."""
    assert type(made) is type(expected)
    assert made.__dict__.keys() == expected.__dict__.keys()
    for name, value in expected.__dict__.items():
        if name == "widget":
            continue
        if isinstance(value, QuerySet):  # ModelChoiceField: deep-copied, its own queryset
            assert getattr(made, name).model is value.model
            assert getattr(made, name).query.where == value.query.where
            continue
        assert getattr(made, name) == value, name
    assert type(made.widget) is type(expected.widget)
    assert made.widget.__dict__.keys() == expected.widget.__dict__.keys()
    for name, value in expected.widget.__dict__.items():
        if isinstance(value, ModelChoiceIterator):  # would read the table to compare
            assert type(getattr(made.widget, name)) is ModelChoiceIterator
            continue
        assert getattr(made.widget, name) == value, name
    for part in ("widget", "error_messages", "validators"):
        assert getattr(made, part) is not getattr(original, part)
    assert made.widget.attrs is not original.widget.attrs
    if "_choices" in original.__dict__:
        assert made._choices is not original._choices
    if isinstance(original, forms.ChoiceField):
        assert made.widget.choices is not original.widget.choices


def test_every_step_form_copies_cheaply():
    assert len(STEP_FORMS) >= 8
    for form in STEP_FORMS:
        assert type(form.base_fields) is FieldPrototypes, form


@pytest.mark.parametrize("form", STEP_FORMS, ids=lambda form: form.__name__)
def test_each_step_forms_fields_are_what_deepcopy_makes(form):
    for field in form.base_fields.values():
        _same_copy(copy_field(field), copy.deepcopy(field), field)


@pytest.mark.parametrize("form", STEP_FORMS, ids=lambda form: form.__name__)
def test_an_instance_changing_its_fields_leaves_the_class_alone(form):
    name, field = next(iter(form.base_fields.items()))
    required, attrs = field.required, dict(field.widget.attrs)
    fields = copy.deepcopy(form.base_fields)
    assert type(fields) is dict
    fields[name].required = not required
    fields[name].widget.attrs["data-x"] = "1"
    fields[name].error_messages["required"] = "changed"
    fields[name].validators.append(lambda value: None)
    if isinstance(field, forms.ChoiceField):
        fields[name].choices = [("x", "X")]
    assert field.required is required
    assert field.widget.attrs == attrs
    assert field.error_messages.get("required") != "changed"
    assert len(fields[name].validators) == len(field.validators) + 1
    if isinstance(field, forms.ChoiceField):
        assert ("x", "X") not in list(field.choices)


class _Odd(CheapCopyForm):
    """Fields that copy_field leaves to deepcopy."""

    grouped = forms.ChoiceField(choices=[("Group", [("a", "A"), ("b", "B")])])
    when = forms.SplitDateTimeField()
    multiple = forms.MultipleChoiceField(choices=[("a", "A")])
    plain = forms.CharField(max_length=5, widget=forms.Textarea(attrs={"rows": 2}))


@pytest.mark.parametrize("name", list(_Odd.base_fields))
def test_fields_it_cannot_copy_directly_are_deep_copied(name):
    field = _Odd.base_fields[name]
    made = copy_field(field)
    expected = copy.deepcopy(field)
    assert type(made) is type(expected)
    assert made.widget is not field.widget
    assert made.widget.attrs == expected.widget.attrs
    if name == "grouped":  # optgroups: the inner lists are copies too
        assert made._choices == expected._choices
        assert made._choices[0][1] is not field._choices[0][1]
    if name == "when":
        assert made.fields[0] is not field.fields[0]


def test_a_form_instance_works_on_its_own_fields():
    first, second = _Odd(), _Odd()
    first.fields["plain"].widget.attrs["rows"] = 9
    assert second.fields["plain"].widget.attrs["rows"] == 2
    assert _Odd.base_fields["plain"].widget.attrs["rows"] == 2
    bound = _Odd(data={"grouped": "a", "when_0": "2026-01-02", "when_1": "10:00",
                       "multiple": ["a"], "plain": "abc"})  # fmt: skip
    assert bound.is_valid(), bound.errors
