"""The fast form renderer writes the stock widget templates' HTML byte for byte (issue 14:
wizard steps within 1.5x the home page)."""

import datetime
import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.widgets import ChoiceWidget
from django.template import Context, Template
from django.utils import translation
from django.utils.functional import lazy
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from mct_portal.form_renderer import (
    FastWidgetRenderer,
    direct_options,
    html_text,
    input_tag,
)
from tests import factories
from tests.enrollment.wizard.test_queries import PAGES, WALKS, _standing_for, _trainer_with
from tests.enrollment.wizard.walk import Walker

CHOICES = [("a", "A & <b>"), ("b", gettext_lazy("Bee")), ("", 'None "quoted"')]
GROUPED = [("Group <1>", [("x", "X"), ("y", "Y")]), ("z", "Zed")]


class EveryWidget(forms.Form):
    text = forms.CharField(help_text="hint", max_length=20, required=False)
    email = forms.EmailField()
    number = forms.IntegerField(required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    agree = forms.BooleanField()
    radio = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect)
    grouped_radio = forms.ChoiceField(choices=GROUPED, widget=forms.RadioSelect)
    boxes = forms.MultipleChoiceField(
        choices=CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    select = forms.ChoiceField(choices=GROUPED, required=False)
    many = forms.MultipleChoiceField(choices=CHOICES, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "data-x": True}))
    upload = forms.FileField(required=False)
    flags = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"disabled": False, "readonly": True, "data-safe": "a&b"}),
    )


def _render(form_class, renderer, **kwargs) -> str:
    form = form_class(renderer=renderer, **kwargs)
    return "\n".join(str(field) for field in form) + "".join(
        choice.tag() for choice in form["radio"]
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"initial": {"text": "<i>x</i>", "radio": "b", "boxes": ["a", ""], "select": "y"}},
        {"initial": {"text": mark_safe("<i>safe</i>"), "day": datetime.date(2026, 1, 2)}},
        {
            "data": {
                "text": 'q"uote',
                "email": "not an email",
                "number": "12",
                "radio": "zz",
                "grouped_radio": "x",
                "boxes": ["b"],
                "many": ["a", "b"],
                "notes": "line\n<two>",
                "secret": "s&s",
            }
        },
        {"data": {}},
    ],
)
def test_every_stock_widget_renders_as_its_template_does(kwargs):
    stock = _render(EveryWidget, DjangoTemplates(), **kwargs)
    fast = _render(EveryWidget, FastWidgetRenderer(), **kwargs)
    assert fast == stock
    assert "<input" in fast and "<select" in fast and "<textarea" in fast


def test_a_widget_template_the_project_overrides_still_goes_through_the_engine(monkeypatch):
    renderer = FastWidgetRenderer()
    real = renderer.get_template

    class Override:
        origin = type("Origin", (), {"name": "/srv/templates/django/forms/widgets/text.html"})

        def render(self, context, request=None):
            return "OVERRIDDEN"

    def get_template(name):
        return Override() if name.endswith("widgets/text.html") else real(name)

    monkeypatch.setattr(renderer, "get_template", get_template)
    html = str(forms.CharField().widget.render("x", "y", renderer=renderer))
    assert html == "OVERRIDDEN"
    assert str(forms.EmailInput().render("e", "a@b", renderer=renderer)).startswith("<input")


def _unstable(html: str) -> str:
    """Masked CSRF tokens and CSP nonces differ on every response."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


@pytest.mark.django_db
@pytest.mark.parametrize("path", list(PAGES))
def test_every_wizard_step_page_is_the_same_with_the_stock_renderer(
    path, client, django_capture_on_commit_callbacks, terms, settings
):
    trainer = _trainer_with(1)
    _standing_for(path, trainer)
    walker = Walker(client=client, capture=django_capture_on_commit_callbacks)
    walker.client.force_login(trainer.user)
    WALKS[path](walker, factories.CredentialTypeFactory())
    urls = [f"/apply/{path}/{step}/" for step in PAGES[path]] + ["/profile/"]
    settings.FORM_RENDERER = "mct_portal.form_renderer.FastWidgetRenderer"
    fast = [_unstable(walker.get(url).content.decode()) for url in urls]
    settings.FORM_RENDERER = "django.forms.renderers.DjangoTemplates"
    stock = [_unstable(walker.get(url).content.decode()) for url in urls]
    for url, fast_page, stock_page in zip(urls, fast, stock, strict=True):
        assert fast_page == stock_page, url


@pytest.mark.parametrize("separator", [False, True])
@pytest.mark.parametrize("language", ["en", "de", "ja"])
def test_html_text_writes_small_ints_as_the_template_engine_does(language, separator, settings):
    """Its shortcut for small ints gives what `{{ n }}` gives, with or without grouping."""
    settings.USE_THOUSAND_SEPARATOR = separator
    engine = Template("{{ n }}")
    with translation.override(language):
        for n in (*range(-999, 1000), -1000, 1000, 12345):
            assert html_text(n) == engine.render(Context({"n": n})), n


@pytest.mark.parametrize("language", ["en", "de"])
def test_html_text_writes_safe_and_lazy_text_as_the_template_engine_does(language):
    engine = Template("{{ v }}")
    values = [
        mark_safe("<b>safe</b> & co"),
        gettext_lazy("Bee"),
        gettext_lazy("This field is required."),
        gettext_lazy("<i>not</i> & translated"),
        lazy(lambda: mark_safe("<b>lazy safe</b>"), str)(),
        "<plain> & 'text'",
    ]
    with translation.override(language):
        for value in values:
            assert html_text(value) == engine.render(Context({"v": value})), value


class DirectFields(EveryWidget):
    """EveryWidget, with the cases the field tag's direct inputs must tell apart."""

    with_hint = forms.CharField(help_text=gettext_lazy("Bee"), max_length=5)
    off = forms.IntegerField(required=False, disabled=True, help_text="x")
    own_ids = forms.CharField(
        widget=forms.TextInput(attrs={"id": "mine", "aria-describedby": "elsewhere"})
    )
    localized = forms.DecimalField(localize=True, required=False)
    hinted_hidden = forms.CharField(widget=forms.HiddenInput, help_text="never", initial="h")
    shown_initial = forms.CharField(show_hidden_initial=True, required=False, initial="s")
    off_radio = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect, disabled=True)
    needed_boxes = forms.MultipleChoiceField(choices=CHOICES, widget=forms.CheckboxSelectMultiple)
    own_radio = forms.ChoiceField(
        choices=[(1, "One"), (None, "Nothing"), (1, "One again")],
        widget=forms.RadioSelect(attrs={"id": "own", "class": "c"}),
        required=False,
    )


DIRECT_CASES = [
    {},
    {"initial": {"text": "<i>x</i>", "radio": "b", "boxes": ["a", ""], "number": 1234567}},
    {"data": {"text": 'q"uote', "email": "bad", "radio": "zz", "boxes": ["b"], "off": "3"}},
    {"data": {"radio": "a", "boxes": ["a", ""], "needed_boxes": ["b"], "own_radio": "1"}},
    {"initial": {"own_radio": None, "off_radio": "b", "needed_boxes": ["a", "zz"]}},
    {"data": {}, "prefix": "app_1"},
    {"auto_id": False, "data": {"with_hint": "too long text"}},
    {"use_required_attribute": False},
]


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("kwargs", DIRECT_CASES)
def test_the_field_tags_direct_inputs_and_options_are_what_django_writes(kwargs, language):
    with translation.override(language):
        form = DirectFields(renderer=FastWidgetRenderer(), **kwargs)
        direct = set()
        for bound_field in form:
            errors = bound_field.errors
            tag = input_tag(bound_field, str(bound_field.help_text), errors)
            if tag is not None:
                assert tag == str(bound_field), bound_field.name
                direct.add(bound_field.name)
            if isinstance(bound_field.field.widget, ChoiceWidget):
                options = direct_options(bound_field, str(bound_field.help_text), errors)
                expected = [
                    (html_text(c.tag()), c.id_for_label, c.choice_label) for c in bound_field
                ]
                if options is not None:
                    assert options == expected, bound_field.name
                    direct.add(bound_field.name)
        assert direct == {
            "text", "email", "number", "hidden", "url", "flags", "with_hint", "off", "own_ids",
            "hinted_hidden", "radio", "boxes", "off_radio", "needed_boxes", "own_radio",
        }  # fmt: skip


def test_stock_radios_are_written_directly_and_others_go_through_the_renderer():
    form = DirectFields(renderer=FastWidgetRenderer(), initial={"radio": "b"})
    (choice,) = [c for c in form["radio"] if c.data["value"] == "b"]
    options = direct_options(form["radio"], "", form["radio"].errors)
    (tag,) = [tag for tag, label_for, _label in options if label_for == choice.id_for_label]
    assert tag == str(choice.tag())
    assert " checked" in tag
    assert direct_options(form["grouped_radio"], "", form["grouped_radio"].errors) is None
    stock = DirectFields(renderer=DjangoTemplates(), initial={"radio": "b"})
    assert input_tag(stock["text"], "", stock["text"].errors) is None
    assert direct_options(stock["radio"], "", stock["radio"].errors) is None
    (stock_choice,) = [c for c in stock["radio"] if c.data["value"] == "b"]
    assert str(stock_choice.tag()) == tag
