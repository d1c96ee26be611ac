"""One form field's markup, written in Python (issue 14: the wizard steps' template time).

Usage: {% load form_fields %}{% field form.x %}
Optional: width="short|medium|full|code", current_file="x.pdf" (file inputs),
legend_size="large", inline=True (radio and checkbox groups side by side).

It writes what the former templates/includes/field.html wrote, byte for byte (whitespace,
escaping and translations included; tests/mct_portal/test_form_fields.py renders every field
of every wizard step through a copy of that template and through this tag and compares).
The widget is what str(field) / choice.tag() give: Django 5.2 adds aria-invalid="true" and
aria-describedby="<id>_helptext <id>_error" to it, so the hint and error ids below match.
Stock inputs and radio/checkbox groups are written by form_renderer.input_tag and
direct_options (the same markup without Django's widget machinery); the rest by Django.
"""

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from mct_portal.form_renderer import (
    aria_describedby,
    direct_options,
    html_text,
    input_tag,
)

register = template.Library()

CHOICE_GROUPS = ("radioselect", "checkboxselectmultiple")
FILE_WIDGETS = ("file", "clearablefile")


def _optional(bound_field) -> str:
    if bound_field.field.required:
        return ""
    optional = gettext("(optional)")  # outside the f-string: xgettext does not look inside
    return f' <span class="field__optional">{optional}</span>'


def _hint(help_text: str, id_: str, extra_class: str = "") -> str:
    if not help_text:
        return ""
    return f'<div class="field__hint{extra_class}" id="{id_}_helptext">{help_text}</div>'


def _widget(bound_field, help_text: str, errors) -> str:
    """The field's widget: written directly for the stock inputs, else str(bound_field)."""
    tag = input_tag(bound_field, help_text, errors)
    return html_text(bound_field) if tag is None else tag


def _errors(errors, id_: str) -> str:
    if not errors:
        return ""
    error_word = gettext("Error:")
    prefix = f'<span class="field__error-item"><span class="visually-hidden">{error_word} </span>'
    items = "".join(f"{prefix}{html_text(error)}</span>" for error in errors)
    return f'<p class="field__error" id="{id_}_error">{items}</p>'


def _fieldset(bound_field, help_text, errors, wt: str, id_: str, legend_size, inline) -> str:
    describedby = aria_describedby(bound_field, help_text, errors)
    describedby = f' aria-describedby="{html_text(describedby)}"' if describedby else ""
    legend_class = f" fieldset__legend--{html_text(legend_size)}" if legend_size else ""
    if wt in CHOICE_GROUPS:
        options = direct_options(bound_field, help_text, errors)
        if options is None:
            options = [(html_text(c.tag()), c.id_for_label, c.choice_label) for c in bound_field]
        choices = "".join(
            '\n      <div class="choice">\n        '
            f"{tag}\n"
            f'        <label class="choice__label" for="{html_text(label_for)}">'
            f"{html_text(label)}</label>\n      </div>\n      "
            for tag, label_for, label in options
        )
        inline_class = " choices--inline" if inline else ""
        body = f'\n    <div class="choices{inline_class}">\n      {choices}\n    </div>\n    '
    else:
        widget = _widget(bound_field, help_text, errors)
        body = f'\n    <div class="field__multi">{widget}</div>\n    '
    return (
        f'\n  <fieldset class="fieldset" id="{id_}"{describedby}>\n'
        f'    <legend class="fieldset__legend{legend_class}">{html_text(bound_field.label)}'
        f"{_optional(bound_field)}</legend>\n"
        f"    {_hint(help_text, id_)}\n"
        f"    {_errors(errors, id_)}\n"
        f"    {body}\n  </fieldset>\n"
    )


def _checkbox(bound_field, help_text, errors, id_: str) -> str:
    return (
        f"\n  {_errors(errors, id_)}\n"
        '  <div class="choice choice--single">\n'
        f"    {_widget(bound_field, help_text, errors)}\n"
        f'    <label class="choice__label" for="{html_text(bound_field.id_for_label)}">'
        f"{html_text(bound_field.label)}</label>\n"
        "  </div>\n"
        f"  {_hint(help_text, id_, ' choice__hint')}\n"
    )


def _current_file(wt: str, current_file) -> str:
    if not (current_file and wt in FILE_WIDGETS):
        return ""
    current = gettext("Current file: <strong>%(current_file)s</strong>") % {
        "current_file": html_text(current_file)
    }
    replace = gettext("choose a new file only to replace it")
    return (
        f'<p class="field__current-file"><span>{current}</span> '
        f'<span class="field__current-file-hint">— {replace}</span></p>'
    )


def _single(bound_field, help_text, errors, wt: str, id_: str, current_file) -> str:
    return (
        f'\n  <label class="field__label" for="{html_text(bound_field.id_for_label)}">'
        f"{html_text(bound_field.label)}{_optional(bound_field)}</label>\n"
        f"  {_hint(help_text, id_)}\n"
        f"  {_errors(errors, id_)}\n"
        f"  {_current_file(wt, current_file)}\n"
        f"  {_widget(bound_field, help_text, errors)}\n"
    )


@register.simple_tag
def field(bound_field, width="", legend_size="", inline=False, current_file="") -> SafeString:
    """The markup of one field: label or legend, hint, errors, widget."""
    errors = bound_field.errors
    if bound_field.is_hidden:
        widget = _widget(bound_field, "", errors)  # a hidden field's hint is never drawn
        return mark_safe(f"\n{widget}\n")  # noqa: S308 (every value escaped)
    wt = html_text(bound_field.widget_type)
    id_ = html_text(bound_field.auto_id)
    classes = f"field field--{wt}"
    if width:
        classes += f" field--{html_text(width)}"
    if errors:
        classes += " field--error"
    # Translated once: Django's own code reads a lazy help text again each time.
    help_text = str(bound_field.help_text)
    if bound_field.use_fieldset:
        body = _fieldset(bound_field, help_text, errors, wt, id_, legend_size, inline)
    elif wt == "checkbox":
        body = _checkbox(bound_field, help_text, errors, id_)
    else:
        body = _single(bound_field, help_text, errors, wt, id_, current_file)
    # Every value above is escaped; help texts are the forms' own markup (|safe before).
    return mark_safe(f'\n\n<div class="{classes}">\n{body}\n</div>\n\n')  # noqa: S308
