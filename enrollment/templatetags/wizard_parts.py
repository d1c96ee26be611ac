"""The stepper and the passcode box of the wizard pages, written in Python (issue 14).

Every wizard step draws the stepper, and the profile step one or two passcode boxes; as
templates they were a fifth of the step's rendering time (some forty template nodes each,
with their translations), the part a step adds to the portal's plain pages.

    {% load wizard_parts %}
    {% stepper stepper_steps %}
    {% passcode_box form.fte_passcode microsoft_purpose verified=verified sent=sent
                    hint=fte_hint %}

They write what templates/includes/stepper.html and enrollment/wizard/includes/passcode.html
wrote, byte for byte (tests/enrollment/wizard/test_wizard_parts.py renders both references,
kept beside that test, and these tags for every step state, in each language, and compares).
"""

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from mct_portal.form_renderer import html_text
from mct_portal.templatetags.form_fields import field

register = template.Library()

DONE_MARK = (
    '<svg viewBox="0 0 16 16" focusable="false">'
    '<path d="M6.2 11.6 2.9 8.3l-1.2 1.2 4.5 4.5 8.1-8.1-1.2-1.2z"/></svg>'
)


def _step(step: dict, words: dict) -> str:
    state = step["state"]
    linked = state == "done" and step.get("url")
    current = ' aria-current="step"' if state == "current" else ""
    opening = (
        f'<a class="stepper__link" href="{html_text(step["url"])}">'
        if linked
        else '<span class="stepper__link">'
    )
    number = html_text(step["number"])
    marker = DONE_MARK if state == "done" else number
    said = words.get(state, words["upcoming"])
    return (
        f'\n    <li class="stepper__step stepper__step--{html_text(state)}"{current}>\n'
        f"      {opening}\n"
        f'        <span class="stepper__marker" aria-hidden="true">{marker}</span>\n'
        '        <span class="stepper__label"><span class="visually-hidden">'
        f"{words['step'] % {'number': number}} </span>"
        f'{html_text(step["label"])}<span class="visually-hidden"> {said}</span></span>\n'
        f"      {'</a>' if linked else '</span>'}\n"
        "    </li>\n  "
    )


@register.simple_tag
def stepper(steps) -> SafeString:
    """The wizard's progress: each step's number, label and state, the current one marked
    for assistive technology, the completed ones linked."""
    if not steps:
        return mark_safe("\n")
    # Each phrase translated once for the whole stepper.
    words = {
        "step": gettext("Step %(number)s:"),
        "done": gettext("(completed)"),
        "current": gettext("(current step)"),
        "upcoming": gettext("(not started)"),
    }
    items = "".join(_step(step, words) for step in steps)
    progress = html_text(gettext("Application progress"))
    summaries = "".join(
        '<p class="stepper__summary" aria-hidden="true">'
        + gettext("Step %(number)s of %(total)s: <strong>%(label)s</strong>")
        % {
            "number": html_text(step["number"]),
            "total": len(steps),
            "label": html_text(step["label"]),
        }
        + "</p>"
        for step in steps
        if step["state"] == "current"
    )
    # Every value is escaped; the translations are the catalogs' own markup.
    return mark_safe(  # noqa: S308
        f'\n<ol class="stepper" aria-label="{progress}">\n  {items}\n</ol>\n{summaries}\n\n'
    )


@register.simple_tag
def passcode_box(code_field, purpose, verified=None, sent=None, hint="") -> SafeString:
    """ "Email code" and "Verify code" for the address of one passcode purpose: what is
    verified, the hint, and the code field while there is something to verify. `verified`
    and `sent` are the step's addresses by purpose (either may lack this one)."""
    verified = (verified or {}).get(purpose, "")
    sent = (sent or {}).get(purpose, "")
    # The translations outside the f-strings: xgettext does not look inside them.
    send, check = html_text(gettext("Email code")), html_text(gettext("Verify code"))
    html = ["\n"]
    if verified:
        is_verified = gettext("<strong>%(address)s</strong> is verified.") % {
            "address": html_text(verified)
        }
        change = html_text(
            gettext("If you change the address above, verify the new one with a new code.")
        )
        html.append(
            '\n<div class="notice notice--success passcode-verified"><div class="notice__body">\n'
            f"  <p>{is_verified}</p>\n"
            f"  <p>{change}</p>\n"
            "</div></div>\n"
        )
    html.append(
        '\n<div class="field passcode-send">\n'
        f'  <p class="field__hint">{html_text(hint)}</p>\n'
        '  <button class="button button--secondary" type="submit" name="action" '
        f'value="send_code" formnovalidate>{send}</button>\n'
        "</div>\n"
    )
    if code_field.errors or not verified or (sent and sent != verified):
        html.append(
            '\n<div class="inline-action passcode-verify">\n'
            f"  {field(code_field, width='code')}\n"
            '  <button class="button button--secondary" type="submit" name="action" '
            f'value="verify_code" formnovalidate>{check}</button>\n'
            "</div>\n"
        )
    # Every value is escaped; the translations are the catalogs' own markup.
    return mark_safe("".join(html) + "\n")  # noqa: S308
