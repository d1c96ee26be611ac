"""The {% field %} tag (mct_portal/templatetags/form_fields.py) writes what the former
templates/includes/field.html wrote (issue 14 point 3: the wizard steps' template time).

field_reference.html beside this file is that template as it was on main 635aff8; every field
of every wizard step form of every registered path (and of the details page) is rendered
through it and through the tag, in English, German and Japanese, unbound and with errors,
with every option, and the two must be the same string.
"""

from pathlib import Path

import pytest
from django import forms
from django.forms.utils import ErrorDict
from django.template import engines
from django.utils import translation
from django.utils.translation import gettext_lazy

from enrollment.paths import all_paths
from mct_portal.templatetags.form_fields import field as field_tag
from tests import factories
from tests.enrollment.wizard.test_queries import PAGES, WALKS, _standing_for, _trainer_with
from tests.enrollment.wizard.walk import Walker

REFERENCE = engines["django"].from_string(
    (Path(__file__).parent / "field_reference.html").read_text()
)
TAG = engines["django"].from_string(
    "{% load form_fields %}{% field field width=width legend_size=legend_size inline=inline "
    "current_file=current_file %}"
)
OPTIONS = (
    {},
    {"width": "medium"},
    {"legend_size": "large", "inline": True},
    {"width": "code", "current_file": "report <1> & co.pdf"},
)
ERRORS = (
    gettext_lazy("This field is required."),
    "Use <b>letters</b> & digits: 100% “sure”",
)
LANGUAGES = ("en", "de", "ja")


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    yield
    translation.deactivate()


def _with_errors(form):
    """The same form as the trainer sees it after a POST with a mistake in every field."""
    form._errors = ErrorDict(
        {name: form.error_class(list(ERRORS), renderer=form.renderer) for name in form.fields}
    )
    # Bound fields made before the errors keep what they cached (a choice group's options
    # without aria-invalid); a page with errors makes its bound fields after validating.
    form._bound_fields_cache.clear()
    return form


def _assert_every_field_the_same(form, where: str) -> int:
    compared = 0
    for language in LANGUAGES:
        with translation.override(language):
            for bound_field in form:
                for options in OPTIONS:
                    values = {
                        "width": "",
                        "legend_size": "",
                        "inline": False,
                        "current_file": "",
                    } | options
                    context = {"field": bound_field, **options}
                    old = REFERENCE.render(context)
                    new = TAG.render({"field": bound_field, **values})
                    assert new == old, (where, language, bound_field.name, options)
                    compared += 1
    return compared


def _step_forms(path: str, client, capture):
    """Every step's form as its page got it, after a walk through the path."""
    trainer = _trainer_with(1)
    _standing_for(path, trainer)
    walker = Walker(client=client, capture=capture)
    walker.client.force_login(trainer.user)
    WALKS[path](walker, factories.CredentialTypeFactory())
    forms = {}
    for step in PAGES[path]:
        response = walker.get(f"/apply/{path}/{step}/")
        assert response.status_code == 200, step
        forms[step] = response.context["form"]
    details = walker.get("/profile/details/")
    assert details.status_code == 200
    forms["details"] = details.context["form"]
    return forms


@pytest.mark.django_db
@pytest.mark.parametrize("path", [definition.slug for definition in all_paths()])
def test_the_field_tag_writes_what_field_html_wrote(
    path, client, django_capture_on_commit_callbacks, terms
):
    definition = next(d for d in all_paths() if d.slug == path)
    forms = _step_forms(path, client, django_capture_on_commit_callbacks)
    assert set(definition.step_names) <= set(forms)
    widget_types = set()
    compared = 0
    for step, form in forms.items():
        compared += _assert_every_field_the_same(form, f"{path}/{step}")
        compared += _assert_every_field_the_same(_with_errors(form), f"{path}/{step} errors")
        widget_types |= {bound_field.widget_type for bound_field in form}
    assert compared > 0
    # The walk reaches the radio groups (fieldsets), single checkboxes and plain inputs.
    assert {"radioselect", "checkbox", "text"} <= widget_types, widget_types


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_field_tag_writes_a_file_field_and_a_multiple_choice_as_field_html_did(language):
    """File inputs (with the current file), checkbox groups, a select and a fieldset that is
    not a choice group: kinds the walks may not show on every path."""

    class Sample(forms.Form):
        upload = forms.FileField(help_text="PDF <em>only</em>", required=False)
        clearable = forms.FileField(widget=forms.ClearableFileInput, required=False)
        topics = forms.MultipleChoiceField(
            choices=[("a", "A & B"), ("c", "<C>")], widget=forms.CheckboxSelectMultiple
        )
        when = forms.SplitDateTimeField(required=False)
        pick = forms.ChoiceField(choices=[("x", "X")], label="Pick <one>")
        agree = forms.BooleanField(help_text="Read it.")
        secret = forms.CharField(widget=forms.HiddenInput, required=False)

    with translation.override(language):
        assert _assert_every_field_the_same(Sample(prefix="s"), "sample") > 0
        assert _assert_every_field_the_same(_with_errors(Sample(data={})), "sample errors") > 0
    assert field_tag(Sample()["secret"]).startswith('\n<input type="hidden"')
