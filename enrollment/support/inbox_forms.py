from django import forms


class AccessCodeReissueForm(forms.Form):
    value = forms.CharField(
        label="MCP ID",
        max_length=20,
        help_text="Held by this person or by no one. The new code goes to this person's "
        "sign-in email; it unlocks the ID.",
        error_messages={"required": "Enter the MCP ID that needs a new access code."},
        widget=forms.TextInput(attrs={"class": "input--medium", "inputmode": "numeric"}),
    )
