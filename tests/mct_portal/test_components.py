"""The shared components render accessible markup."""

import re

from django import forms
from django.template import engines
from django.template.loader import render_to_string

STEPPER = engines["django"].from_string("{% load wizard_parts %}{% stepper steps %}")


class ContactForm(forms.Form):
    email = forms.EmailField(label="Email", help_text="We send your passcode here.")
    audience = forms.ChoiceField(
        label="Primary training audience",
        choices=[("developer", "Developer"), ("it_professional", "IT Professional")],
        widget=forms.RadioSelect,
    )
    nickname = forms.CharField(label="Nickname", required=False)


def render_form(data):
    return render_to_string("includes/form.html", {"form": ContactForm(data=data)})


def test_a_form_with_errors_starts_with_an_error_summary_linking_to_each_field():
    html = render_form({"email": "not-an-email"})
    summary = html[: html.index("</ul>")]
    assert 'class="error-summary"' in summary
    assert 'role="alert"' in summary
    assert "There is a problem" in summary
    assert 'href="#id_email"' in summary
    assert "Enter a valid email address." in summary
    assert "Primary training audience: this field is required." in summary


def test_errors_and_help_are_tied_to_their_field():
    html = render_form({"email": "not-an-email"})
    email_input = re.search(r"<input[^>]*id=\"id_email\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in email_input
    assert "id_email_error" in email_input
    assert "id_email_helptext" in email_input
    assert 'id="id_email_error"' in html
    assert 'id="id_email_helptext"' in html
    assert re.search(r"<label[^>]*for=\"id_email\"", html)


def test_radio_groups_are_fieldsets_with_a_legend_and_optional_fields_say_so():
    html = render_form({})
    assert "<fieldset" in html
    assert "<legend" in html and "Primary training audience" in html
    nickname = html[html.index('for="id_nickname"') :]
    assert "optional" in nickname[:200]


def test_a_valid_form_has_no_error_summary():
    html = render_form({"email": "a@example.org", "audience": "developer"})
    assert "error-summary" not in html


def test_the_stepper_marks_the_current_step_for_assistive_technology():
    steps = [
        {"name": "profile", "label": "Profile", "number": 1, "state": "done", "url": "/p/"},
        {"name": "requirements", "label": "Requirements", "number": 2, "state": "current"},
        {"name": "terms", "label": "Terms", "number": 3, "state": "upcoming", "url": None},
    ]
    html = STEPPER.render({"steps": steps})
    assert 'aria-label="Application progress"' in html
    current = re.search(r"<li[^>]*aria-current=\"step\"[^>]*>.*?</li>", html, re.S).group(0)
    assert "Requirements" in current
    assert 'href="/p/"' in html
    assert html.count("aria-current") == 1
