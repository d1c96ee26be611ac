"""The {% stepper %} and {% passcode_box %} tags (enrollment/templatetags/wizard_parts.py)
write what templates/includes/stepper.html and enrollment/wizard/includes/passcode.html
wrote (issue 14: a wizard step's template time).

stepper_reference.html and passcode_reference.html beside this file are those templates as
they were on main fb346c0. Every combination of step states, links, verified and sent
addresses and field errors is rendered through them and through the tags, in English,
German and Japanese, and the two must be the same string.
"""

import itertools
from pathlib import Path

import pytest
from django import forms
from django.template import engines
from django.utils import translation
from django.utils.translation import gettext_lazy

HERE = Path(__file__).parent
ENGINE = engines["django"]
STEPPER_REFERENCE = ENGINE.from_string((HERE / "stepper_reference.html").read_text())
PASSCODE_REFERENCE = ENGINE.from_string((HERE / "passcode_reference.html").read_text())
STEPPER_TAG = ENGINE.from_string("{% load wizard_parts %}{% stepper steps %}")
PASSCODE_TAG = ENGINE.from_string(
    "{% load wizard_parts %}{% passcode_box code_field purpose verified=verified sent=sent "
    "hint=address_hint %}"
)
PURPOSE = "microsoft_alias"


def _by_purpose(context: dict) -> dict:
    """The tag's context: the step's addresses by purpose (the reference took one each)."""
    return {
        **context,
        "purpose": PURPOSE,
        "verified": {PURPOSE: context.get("verified_address", ""), "partner_address": "x@y.z"},
        "sent": {PURPOSE: context["sent_address"]} if context.get("sent_address") else {},
    }


LANGUAGES = ("en", "de", "ja")
STATES = ("done", "current", "upcoming")
LABELS = (gettext_lazy("Profile"), gettext_lazy("Terms"), "Fees & <terms>", gettext_lazy("Terms"))


class CodeForm(forms.Form):
    fte_passcode = forms.CharField(
        label=gettext_lazy("Code"), required=False, help_text="Six digits & “no spaces”"
    )


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    yield
    translation.deactivate()


def _steps(states, with_urls: bool) -> list[dict]:
    return [
        {
            "number": number,
            "name": f"step{number}",
            "label": LABELS[number - 1],
            "state": state,
            "url": f"/apply/x/step{number}/?a=1&b=<2>" if with_urls else "",
        }
        for number, state in enumerate(states, start=1)
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_stepper_tag_writes_what_the_template_wrote(language):
    translation.activate(language)
    compared = 0
    for count in (0, 1, 3, 4):
        for states in itertools.product(STATES, repeat=count):
            for with_urls in (True, False):
                steps = _steps(states, with_urls)
                expected = STEPPER_REFERENCE.render({"steps": steps})
                assert STEPPER_TAG.render({"steps": steps}) == expected, (states, with_urls)
                compared += 1
    assert compared == 2 * (1 + 3 + 27 + 81)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_passcode_tag_writes_what_the_template_wrote(language):
    translation.activate(language)
    addresses = ("", "ada@contoso.com", "bob+<x>@contoso.com")
    compared = 0
    for with_errors in (False, True):
        form = CodeForm(data={"fte_passcode": "12<3"} if with_errors else None)
        if with_errors:
            form.add_error("fte_passcode", "Wrong code & “expired”.")
        for verified, sent in itertools.product(addresses, repeat=2):
            context = {
                "code_field": form["fte_passcode"],
                "verified_address": verified,
                "sent_address": sent,
                "address_hint": "We email a code to alias@domain & <you>.",
            }
            expected = PASSCODE_REFERENCE.render(context)
            assert PASSCODE_TAG.render(_by_purpose(context)) == expected, (
                with_errors,
                verified,
                sent,
            )
            compared += 1
    assert compared == 18


def test_the_passcode_box_shows_the_code_field_only_while_there_is_something_to_verify():
    form = CodeForm()
    context = {"code_field": form["fte_passcode"], "address_hint": "Hint"}
    unverified = PASSCODE_TAG.render(_by_purpose({**context, "verified_address": ""}))
    verified = PASSCODE_TAG.render(_by_purpose({**context, "verified_address": "a@contoso.com"}))
    resent = PASSCODE_TAG.render(
        _by_purpose(
            {**context, "verified_address": "a@contoso.com", "sent_address": "b@contoso.com"}
        )
    )
    assert 'value="verify_code"' in unverified
    assert "passcode-verified" not in unverified
    assert 'value="verify_code"' not in verified
    assert "<strong>a@contoso.com</strong> is verified." in verified
    assert 'value="verify_code"' in resent
