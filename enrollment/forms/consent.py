"""Agreement to how an uploaded proof is handled, asked on the step that sends the file.

The file goes to the program's reviewers as soon as the trainer selects Next on the
Requirements step, so the notice and the agreement belong there, before the upload — not on
the Terms step that comes after it. A certificate or training summary carries personal data
beyond what the application needs (other names, employer, scores), so the trainer agrees to
its use for this one purpose each time they send a new file.
"""

from django import forms
from django.utils.translation import gettext, gettext_noop

CONSENT_LABEL = gettext_noop(
    "I agree that the MCT program's reviewers use the personal information in this file only "
    "to check this application, and that the file is deleted once they have decided."
)
CONSENT_REQUIRED = gettext_noop(
    "Agree to how your file is handled before you send it, or choose another way to continue."
)


def add_consent_field(form: forms.Form, name: str) -> None:
    """A checkbox the trainer ticks when they send a new file (not needed to keep one)."""
    form.fields[name] = forms.BooleanField(label=gettext(CONSENT_LABEL), required=False)


def check_consent(form: forms.Form, *, file_field: str, consent_field: str) -> bool:
    """Adds an error when a new file is being sent without the agreement. True when agreed
    (or when no new file is sent)."""
    if consent_field not in form.fields:
        return True
    new_file = form.cleaned_data.get(file_field)
    if new_file and not form.cleaned_data.get(consent_field):
        form.add_error(consent_field, gettext(CONSENT_REQUIRED))
        return False
    return True
