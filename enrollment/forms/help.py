"""The help page's feedback form (issue 9)."""

from django import forms
from django.utils.translation import gettext_lazy as _

TOPICS = [
    ("", _("Choose a topic")),
    ("account", _("My account or sign-in")),
    ("mcp_id", _("My MCP ID, access code or certifications")),
    ("application", _("An application")),
    ("payment", _("A payment")),
    ("portal", _("Something about the portal itself")),
    ("other", _("Something else")),
]


class FeedbackForm(forms.Form):
    topic = forms.ChoiceField(
        label=_("Topic"), choices=TOPICS, error_messages={"required": _("Choose a topic.")}
    )
    message = forms.CharField(
        label=_("Your message"),
        max_length=4000,
        min_length=5,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Write your message."),
            "min_length": _("Tell us a little more (at least 5 characters)."),
        },
        help_text=_("Please do not include passwords, codes or card numbers."),
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email address for our answer"),
        required=False,
        help_text=_("Leave it empty if you do not need an answer."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:
            # We know who they are and where to answer.
            del self.fields["name"]
            del self.fields["email"]
