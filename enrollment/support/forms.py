"""Forms of the support console: validation only; the services decide and explain."""

from django import forms

from ..models import Trainer
from .selectors import MAX_QUERY_LENGTH, MIN_QUERY_LENGTH


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label="Name, email address or ID",
        min_length=MIN_QUERY_LENGTH,
        max_length=MAX_QUERY_LENGTH,
        help_text=(
            "Name (spelling mistakes are fine), email address or its start, MCP ID, exam "
            "reference number, MTM ID or partner ID."
        ),
        error_messages={
            "required": "Enter a name, an email address or an ID to search for.",
            "min_length": f"Enter at least {MIN_QUERY_LENGTH} characters.",
        },
    )


class RegistrationForm(forms.ModelForm):
    """The registration dialog's fields, as support corrects them."""

    class Meta:
        model = Trainer
        fields = Trainer.REGISTRATION_FIELDS
        widgets = {
            "middle_name": forms.TextInput(attrs={"class": "input--medium"}),
            "phone": forms.TextInput(attrs={"class": "input--medium", "autocomplete": "off"}),
            "postal_code": forms.TextInput(attrs={"class": "input--short"}),
        }


class McpIdLinkForm(forms.Form):
    value = forms.CharField(
        label="MCP ID to link",
        max_length=20,
        help_text="An MCP ID on record that belongs to no one yet.",
        widget=forms.TextInput(attrs={"class": "input--medium", "inputmode": "numeric"}),
    )


class ExamReferenceForm(forms.Form):
    exam_reference = forms.CharField(
        label="Exam reference number",
        max_length=60,
        help_text="Printed at the bottom of the candidate's exam score report.",
        widget=forms.TextInput(attrs={"class": "input--medium", "autocomplete": "off"}),
    )
    mct_intent_confirmed = forms.BooleanField(
        label="The candidate intends to become an MCT",
        help_text="MCP IDs for Office Specialist candidates are only for future MCTs.",
        error_messages={
            "required": "Confirm that the candidate intends to become an MCT.",
        },
    )


class MergeTargetForm(forms.Form):
    other = forms.CharField(
        label="The duplicate record",
        max_length=30,
        help_text=(
            "Its record number (shown at the top of its page, e.g. #1234) or one of its MCP "
            "IDs. It will be merged into this record."
        ),
        widget=forms.TextInput(attrs={"class": "input--medium"}),
    )

    def clean_other(self) -> str:
        return self.cleaned_data["other"].strip()


class MergeConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label="I have checked that both records are the same person. The merge cannot be undone.",
        error_messages={"required": "Tick the box to confirm the merge."},
    )
