"""Wizard storage whose data lives in the draft application, not in the session.

A trainer who signs out, or opens the portal on another device, finds the draft where they
left it. What is stored is the raw form data of each step (strings only): never the CSRF
token, never a passcode, never a file. Files go straight to verification when a step is
saved, and the draft keeps only their Evidence rows (see services.evidence).
"""

import copy
import datetime
import json

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.functional import cached_property
from formtools.wizard.storage.base import BaseStorage

from ..models import Application
from ..services.applications import application_save_draft

# A POST records the trainer's activity (what idle reminders and expiry count from, in days)
# at most this often: a POST that changes nothing inside it writes nothing.
ACTIVITY_RESOLUTION = datetime.timedelta(hours=1)

# Posted keys never written to a draft.
SECRET_FIELD_SUFFIXES = ("passcode", "csrfmiddlewaretoken")


def is_secret_key(key: str) -> bool:
    return key.rsplit("-", 1)[-1].endswith(SECRET_FIELD_SUFFIXES)


def without_nul(value) -> str:
    """PostgreSQL's JSON cannot hold U+0000; a posted NUL is never a valid answer anyway."""
    return str(value).replace("\x00", "")


class WizardTempStorage(FileSystemStorage):
    """formtools insists on a file storage once a step has a FileField; this one is private
    (settings.WIZARD_TEMP_ROOT) and stays unused: uploads never wait in the wizard.
    """

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.WIZARD_TEMP_ROOT)


class DraftStorage(BaseStorage):
    """formtools storage over `Application.draft_data` (+ `current_step`)."""

    def __init__(self, prefix, request=None, file_storage=None, *, application: Application):
        super().__init__(prefix, request, file_storage)
        self.application = application
        self.init_data()
        stored = application.draft_data if isinstance(application.draft_data, dict) else {}
        for key in (self.step_data_key, self.step_files_key, self.extra_data_key):
            if isinstance(stored.get(key), dict):
                self.data[key] = copy.deepcopy(stored[key])
        self.data[self.step_key] = application.current_step or stored.get(self.step_key) or None
        self._saved = self._snapshot()
        self._saved_step = self.current_step or ""

    def _snapshot(self) -> str:
        return json.dumps(self.data, sort_keys=True, default=str)

    # -------------------------------------------------------------- step data

    def set_step_data(self, step, cleaned_data):
        """Keeps this step's own fields as lists of strings; drops secrets and files."""
        if isinstance(cleaned_data, MultiValueDict):
            items = cleaned_data.lists()
        else:
            items = (
                (k, v if isinstance(v, list) else [v]) for k, v in (cleaned_data or {}).items()
            )
        own = f"{step}-"
        self.data[self.step_data_key][step] = {
            key: [without_nul(v) for v in values]
            for key, values in items
            if key.startswith(own) and not is_secret_key(key) and "\x00" not in key
        }

    def get_step_files(self, step):
        return None

    def set_step_files(self, step, files):
        # Evidence files are handed to verification by the step's save; nothing waits here.
        return None

    # -------------------------------------------------------------- bookkeeping

    def extra_entry(self, key: str, default):
        return self.data[self.extra_data_key].setdefault(key, default)

    @property
    def completed_steps(self) -> list[str]:
        return self.extra_entry("completed_steps", [])

    def mark_completed(self, step: str, completed: bool = True) -> None:
        steps = self.completed_steps
        if completed and step not in steps:
            steps.append(step)
        elif not completed and step in steps:
            steps.remove(step)

    def update_response(self, response):
        self.save()

    def activity_due(self) -> bool:
        """A POST records activity when none was recorded within ACTIVITY_RESOLUTION."""
        if self.request is None or self.request.method != "POST":
            return False
        last = self.application.last_activity_at
        return last is None or timezone.now() - last >= ACTIVITY_RESOLUTION

    def save(self, *, touch: bool | None = None) -> None:
        """Writes the draft when it changed, and the trainer's activity when it is due; a
        POST that changes nothing writes nothing."""
        if touch is None:
            touch = self.activity_due()
        snapshot = self._snapshot()
        if snapshot == self._saved and not touch:
            return
        # Merged over the row as it is now, so a concurrent request's changes survive.
        application_save_draft(
            application=self.application,
            draft_data=json.loads(snapshot),
            current_step=self.current_step or "",
            touch=touch,
            base=json.loads(self._saved),
            base_step=self._saved_step,
        )
        self._saved = snapshot
        self._saved_step = self.current_step or ""
