from django import forms
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from .models import ImportKind
from .reading import ENCODINGS
from .services import upload_too_big

ACCEPTED_EXTENSIONS = (".csv", ".txt")


class UploadSizeLimit(FileUploadHandler):
    """Stops reading an upload that is over the admin's limit before it reaches the disk."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request.import_upload_problem = upload_too_big(content_length)

    def new_file(self, *args, **kwargs):
        if getattr(self.request, "import_upload_problem", None):
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=ImportKind.choices)
    file = forms.FileField(
        label="CSV file",
        help_text="Comma-separated, with the column names on the first line "
        "(see docs/imports/ for the columns of each feed).",
    )
    encoding = forms.ChoiceField(
        choices=list(ENCODINGS.items()),
        initial="auto",
        help_text="Leave on “Detect” unless the report says otherwise.",
    )

    def __init__(self, *args, upload_problem: str | None = None, **kwargs):
        self.upload_problem = upload_problem
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.upload_problem:
            self.errors.pop("file", None)
            raise forms.ValidationError(self.upload_problem)
        return cleaned

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name or ""
        problem = upload_too_big(upload.size)
        if problem:
            raise forms.ValidationError(problem)
        if "\x00" in name or "/" in name or "\\" in name:
            raise forms.ValidationError("The file name is not acceptable.")
        if name.lower().endswith((".xlsx", ".xls", ".ods")):
            raise forms.ValidationError(
                "Spreadsheet files are not accepted: save the sheet as “CSV UTF-8 (Comma "
                "delimited)” and upload the .csv file."
            )
        if not name.lower().endswith(ACCEPTED_EXTENSIONS):
            raise forms.ValidationError("Upload a .csv file.")
        return upload


class ImportConfirmForm(forms.Form):
    valid_rows_only = forms.BooleanField(
        required=False, label="Import the valid rows and skip the rows in error"
    )
