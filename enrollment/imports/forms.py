from django import forms

from .models import ImportKind
from .reading import ENCODINGS
from .services import upload_too_big

ACCEPTED_EXTENSIONS = (".csv", ".txt")


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

    too_big = False

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name or ""
        problem = upload_too_big(upload.size)
        if problem:
            self.too_big = True
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
