"""A form renderer that writes Django's plain widgets in Python (issue 14: wizard steps).

Django renders every widget, and every option of a radio or select, through the template
engine: a step with two radio groups renders some twenty small templates, each with its
includes, which was a third of a wizard step's rendering time. `FastWidgetRenderer` writes
the same HTML for the stock widget templates below in Python. Any other template (a
custom widget, the form and error-list templates, a project override of a widget
template) goes through the template engine as before.

The HTML is the stock templates' byte for byte (tests/mct_portal/test_form_renderer.py
compares them for every form of the wizards and the profile pages).
"""

import html

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.template import TemplateDoesNotExist
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe

W = "django/forms/widgets/"


def html_text(value) -> str:
    """`{{ value }}` in an autoescaping template: localized, then escaped unless already
    safe (the Python-written markup of widgets, fields and the wizard's parts)."""
    cls = type(value)
    if cls is str:  # the common case, without Django's lazy-aware wrappers
        return html.escape(value)
    if cls is SafeString:
        return value
    if cls is int and -1000 < value < 1000:  # no grouping in any language
        return str(value)
    if isinstance(value, Promise):  # a lazy translation: localize() leaves it as it is
        text = str(value)
        return text if isinstance(text, SafeData) else html.escape(text)
    return conditional_escape(localize(value))


def _stringformat(value) -> str:
    """`{{ value|stringformat:'s' }}` (the filter keeps safe input safe)."""
    text = str(value)
    return text if isinstance(value, SafeData) else html.escape(text)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is not False:
            parts.append(" " + html_text(name))
            if value is not True:
                parts.append('="' + _stringformat(value) + '"')
    return "".join(parts)


# Each function returns what its template renders, trailing newline included (an
# `{% include %}` keeps it); the renderer strips the outermost one, as Django's does.


def _input(widget: dict) -> str:
    """django/forms/widgets/input.html."""
    value = widget["value"]
    shown = ' value="' + _stringformat(value) + '"' if value is not None else ""
    return (
        f'<input type="{html_text(widget["type"])}" name="{html_text(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>\n"
    )


def _includes_input(widget: dict) -> str:
    """text.html, email.html, checkbox.html, ...: `{% include input.html %}`."""
    return _input(widget) + "\n"


def _input_option(widget: dict) -> str:
    """django/forms/widgets/input_option.html."""
    if not widget.get("wrap_label"):
        return _input(widget) + "\n"
    widget_id = widget["attrs"].get("id")
    label_for = f' for="{html_text(widget_id)}"' if widget_id else ""
    return f"<label{label_for}>{_input(widget)} {html_text(widget['label'])}</label>\n"


def _includes_input_option(widget: dict) -> str:
    """radio_option.html and checkbox_option.html."""
    return _input_option(widget) + "\n"


class FastWidgetRenderer(DjangoTemplates):
    """Django's default renderer, with the stock widget templates written in Python."""

    def __init__(self):
        super().__init__()
        self._python = {
            W + name: function
            for name, function in {
                "input.html": self._widget(_input),
                "text.html": self._widget(_includes_input),
                "email.html": self._widget(_includes_input),
                "url.html": self._widget(_includes_input),
                "number.html": self._widget(_includes_input),
                "password.html": self._widget(_includes_input),
                "hidden.html": self._widget(_includes_input),
                "date.html": self._widget(_includes_input),
                "checkbox.html": self._widget(_includes_input),
                "file.html": self._widget(_includes_input),
                "input_option.html": self._widget(_input_option),
                "radio_option.html": self._widget(_includes_input_option),
                "checkbox_option.html": self._widget(_includes_input_option),
                "radio.html": self._includes_multiple_input,
                "checkbox_select.html": self._includes_multiple_input,
                "multiple_input.html": self._multiple_input,
                "select.html": self._select,
                "select_option.html": self._widget(self._select_option),
                "textarea.html": self._widget(self._textarea),
            }.items()
        }
        self._checked_overrides = False

    @staticmethod
    def _widget(function):
        return lambda context: function(context["widget"])

    def _drop_overridden(self):
        """A project or app template that replaces a stock widget template wins."""
        for name in list(self._python):
            try:
                origin = self.get_template(name).origin.name
            except TemplateDoesNotExist:  # pragma: no cover - the stock templates exist
                continue
            if not origin.replace("\\", "/").endswith("django/forms/templates/" + name):
                del self._python[name]
        self._checked_overrides = True

    def writes(self, template_name: str) -> bool:
        """Whether this renderer writes that widget template in Python."""
        if not self._checked_overrides:
            self._drop_overridden()
        return template_name in self._python

    def render(self, template_name, context, request=None):
        if not self._checked_overrides:
            self._drop_overridden()
        python = self._python.get(template_name)
        if python is None or request is not None:
            return super().render(template_name, context, request=request)
        # Every value above went through html_text/_stringformat (escaped unless safe).
        return mark_safe(python(context).strip())  # noqa: S308

    def _option(self, option: dict) -> str:
        """`{% include option.template_name with widget=option %}` (not stripped)."""
        python = self._python.get(option["template_name"])
        if python is None:
            return self.get_template(option["template_name"]).render({"widget": option})
        return python({"widget": option})

    def _includes_multiple_input(self, context) -> str:
        return self._multiple_input(context) + "\n"

    def _multiple_input(self, context) -> str:
        """django/forms/widgets/multiple_input.html (radio.html and checkbox_select.html)."""
        widget = context["widget"]
        attrs = widget["attrs"]
        widget_id, css_class = attrs.get("id"), attrs.get("class")
        html = ["<div"]
        if widget_id:
            html.append(f' id="{html_text(widget_id)}"')
        if css_class:
            html.append(f' class="{html_text(css_class)}"')
        html.append(">")
        for group, options, _index in widget["optgroups"]:
            if group:
                html.append(f"\n  <div><label>{html_text(group)}</label>")
            for option in options:
                html.append("<div>\n    " + self._option(option) + "</div>")
            if group:
                html.append("\n  </div>")
        html.append("\n</div>\n")
        return "".join(html)

    def _select(self, context) -> str:
        """django/forms/widgets/select.html."""
        widget = context["widget"]
        html = [f'<select name="{html_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(f'\n  <optgroup label="{html_text(group_name)}">')
            for option in options:
                html.append("\n  " + self._option(option))
            if group_name:
                html.append("\n  </optgroup>")
        html.append("\n</select>\n")
        return "".join(html)

    @staticmethod
    def _select_option(widget: dict) -> str:
        """django/forms/widgets/select_option.html."""
        return (
            f'<option value="{_stringformat(widget["value"])}"{_attrs(widget["attrs"])}>'
            f"{html_text(widget['label'])}</option>\n"
        )

    @staticmethod
    def _textarea(widget: dict) -> str:
        """django/forms/widgets/textarea.html."""
        value = html_text(widget["value"]) if widget["value"] else ""
        name, attrs = html_text(widget["name"]), _attrs(widget["attrs"])
        return f'<textarea name="{name}"{attrs}>\n{value}</textarea>\n'


# ---------------------------------------------------------------- bound fields, directly
#
# The {% field %} tag draws a field's widget through these where it can: what
# BoundField.as_widget() and iterating a bound choice field would give, written without the
# widget's context dictionaries and the renderer's dispatch, and with the help text
# translated once (as_widget evaluates a lazy help text twice more). They apply to the
# stock classes below, drawn by this renderer; anything else goes the usual way.

DIRECT_INPUTS = frozenset(
    {forms.TextInput, forms.EmailInput, forms.URLInput, forms.NumberInput, forms.HiddenInput}
)
DIRECT_OPTIONS = frozenset({forms.RadioSelect, forms.CheckboxSelectMultiple})


def _writes(bound_field, template_name: str) -> bool:
    renderer = bound_field.form.renderer
    return type(renderer) is FastWidgetRenderer and renderer.writes(template_name)


def aria_describedby(bound_field, help_text: str, errors) -> str | None:
    """BoundField.aria_describedby, with the help text and errors already read."""
    widget = bound_field.field.widget
    if widget.attrs.get("aria-describedby"):
        return None
    auto_id = bound_field.auto_id
    if not auto_id or widget.is_hidden:
        return ""
    ids = [f"{auto_id}_helptext"] if help_text else []
    if errors:
        ids.append(f"{auto_id}_error")
    return " ".join(ids)


def _widget_attrs(bound_field, help_text: str, errors, attrs: dict) -> dict:
    """BoundField.build_widget_attrs(attrs) with the help text and errors already read:
    required where the widget uses it, disabled, aria-invalid, and aria-describedby unless
    the widget is drawn as a fieldset."""
    field, widget = bound_field.field, bound_field.field.widget
    attrs = dict(attrs)
    required = widget.use_required_attribute(bound_field.initial)
    if required and field.required and bound_field.form.use_required_attribute:
        attrs["required"] = True
    if field.disabled:
        attrs["disabled"] = True
    if not widget.is_hidden and errors:
        attrs["aria-invalid"] = "true"
    if not widget.use_fieldset:
        describedby = aria_describedby(bound_field, help_text, errors)
        if describedby:
            attrs["aria-describedby"] = describedby
    return attrs


def input_tag(bound_field, help_text: str, errors) -> str | None:
    """str(bound_field) for a stock <input> widget, or None for any other field.

    BoundField.as_widget(): build_widget_attrs(), then the id; then Widget.get_context():
    the widget's attrs first, these over them."""
    field = bound_field.field
    widget = field.widget
    if (
        type(widget) not in DIRECT_INPUTS
        or type(bound_field) is not BoundField
        or field.localize
        or field.show_hidden_initial
        or not _writes(bound_field, widget.template_name)
    ):
        return None
    attrs = _widget_attrs(bound_field, help_text, errors, {})
    auto_id = bound_field.auto_id
    if auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", auto_id)
    data = {
        "type": widget.input_type,
        "name": bound_field.html_name,
        "value": widget.format_value(bound_field.value()),
        "attrs": {**widget.attrs, **attrs},
    }
    return _input(data).strip()


def _flat(choices) -> bool:
    return all(not isinstance(label, (list, tuple)) for _value, label in choices)


def direct_options(
    bound_field, help_text: str, errors
) -> list[tuple[str, str | None, object]] | None:
    """(tag, id for its label, label) of each option of a stock radio or checkbox group
    without option groups; None for any other field.

    What iterating the bound field gives: BoundField.subwidgets (the group's id, then
    build_widget_attrs()), then ChoiceWidget.optgroups() and create_option(): each option
    has the group's attrs, `checked` when selected (one only for radios), and its id
    suffixed with its index."""
    widget = bound_field.field.widget
    if (
        type(widget) not in DIRECT_OPTIONS
        or type(bound_field) is not BoundField
        or not _writes(bound_field, widget.option_template_name)
        or not _flat(widget.choices)
    ):
        return None
    id_ = widget.attrs.get("id") or bound_field.auto_id
    attrs = _widget_attrs(bound_field, help_text, errors, {"id": id_} if id_ else {})
    group_attrs = {**widget.attrs, **attrs}
    selected_values = widget.format_value(bound_field.value())
    multiple, has_selected = widget.allow_multiple_selected, False
    name, input_type = bound_field.html_name, widget.input_type
    options = []
    for index, (value, label) in enumerate(widget.choices):
        value = "" if value is None else value
        selected = (not has_selected or multiple) and str(value) in selected_values
        has_selected |= selected
        option_attrs = dict(group_attrs)
        if selected:
            option_attrs.update(widget.checked_attribute)
        if "id" in option_attrs:
            option_attrs["id"] = widget.id_for_label(option_attrs["id"], str(index))
        data = {"type": input_type, "name": name, "value": value, "attrs": option_attrs}
        options.append((_input(data).strip(), option_attrs.get("id"), label))
    return options
