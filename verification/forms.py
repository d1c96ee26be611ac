"""The one upload field every evidence form in the portal uses."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .services import FileRefused, inspect_evidence

ACCEPTED_EXTENSIONS = ".pdf,.jpg,.jpeg,.png,.doc,.docx"


def size_label(size: int) -> str:
    """10485760 → "10 MB"; the way a trainer reads file sizes."""
    megabytes = size / (1024 * 1024)
    return f"{megabytes:g} MB" if megabytes >= 1 else f"{size / 1024:g} KB"


class EvidenceFileField(forms.FileField):
    """Checks an uploaded file by its content (see verification.filechecks).

    The Inspection is left on the file as `uploaded_file.inspection`, so
    services.document_receive does not read it a second time.
    """

    widget = forms.FileInput
    default_error_messages = {
        "empty": _("This file is empty. Check that you picked the right file and upload it again."),
        "required": _("Choose a file to upload."),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "help_text",
            _("PDF, JPEG, PNG, DOC or DOCX, up to %(size)s.")
            % {"size": size_label(settings.UPLOAD_MAX_BYTES)},
        )
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ACCEPTED_EXTENSIONS)

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if not uploaded or uploaded is initial or getattr(uploaded, "inspection", None):
            return uploaded
        try:
            uploaded.inspection = inspect_evidence(uploaded, uploaded.name or "")
        except FileRefused as refused:
            raise ValidationError(refused.message, code=refused.code) from refused
        return uploaded
