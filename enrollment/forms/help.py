"""The help page's feedback form (issue 9)."""

from django import forms

TOPICS = [
    ("", "Choose a topic"),
    ("account", "My account or sign-in"),
    ("mcp_id", "My MCP ID, access code or certifications"),
    ("application", "An application"),
    ("payment", "A payment"),
    ("portal", "Something about the portal itself"),
    ("other", "Something else"),
]


class FeedbackForm(forms.Form):
    topic = forms.ChoiceField(
        label="Topic", choices=TOPICS, error_messages={"required": "Choose a topic."}
    )
    message = forms.CharField(
        label="Your message",
        max_length=4000,
        min_length=5,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Write your message.",
            "min_length": "Tell us a little more (at least 5 characters).",
        },
        help_text="Please do not include passwords, codes or card numbers.",
    )
    name = forms.CharField(
        label="Your name",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Email address for our answer",
        required=False,
        help_text="Leave it empty if you do not need an answer.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:
            # We know who they are and where to answer.
            del self.fields["name"]
            del self.fields["email"]
