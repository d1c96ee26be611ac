"""`manage.py import <kind> FILE`: the same import as the admin's, run by a Celery task."""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ... import services
from ...feeds import FEEDS
from ...models import ImportRun, ImportState
from ...reading import ENCODINGS


class Command(BaseCommand):
    help = "Imports a CSV feed (checked, then written in one transaction) through a Celery task."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(FEEDS))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check and count only.")
        parser.add_argument(
            "--valid-rows-only",
            action="store_true",
            help="Import the valid rows even when some rows are in error.",
        )
        parser.add_argument("--encoding", choices=sorted(ENCODINGS), default="auto")
        parser.add_argument("--user", help="Username recorded as the importer.")
        parser.add_argument(
            "--no-wait", action="store_true", help="Queue the import and return at once."
        )

    def handle(self, *args, kind, file, dry_run, valid_rows_only, encoding, user, no_wait, **kw):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        by = None
        if user:
            by = get_user_model().objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"No user {user!r}.")
        with path.open("rb") as source:
            run = services.import_run_create(
                kind=kind,
                source=source,
                file_name=path.name,
                by=by,
                encoding=encoding,
                preview=dry_run,
                valid_rows_only=valid_rows_only,
            )
        self.stdout.write(f"Import {run.pk} queued: {path.name} (SHA-256 {run.sha256}).")
        if no_wait:
            return
        shown = None
        while True:
            run = ImportRun.objects.get(pk=run.pk)
            status = f"{run.get_state_display()} {run.percent}%"
            if status != shown:
                self.stdout.write(status)
                shown = status
            if not run.is_running:
                break
            time.sleep(1)
        self._report(run)
        if run.state not in (ImportState.DONE, ImportState.PREVIEWED):
            raise CommandError(run.file_error or f"{run.rows_error} row(s) in error.")

    def _report(self, run: ImportRun) -> None:
        if run.file_error:
            self.stderr.write(run.file_error)
            return
        self.stdout.write(
            f"Rows: {run.rows_total}; created {run.rows_created}, updated {run.rows_updated}, "
            f"unchanged {run.rows_unchanged}, in error {run.rows_error}."
        )
        for note in run.notes:
            self.stdout.write(note)
        for error in run.errors:
            column = f" [{error['column']}]" if error["column"] else ""
            self.stderr.write(f"Line {error['line']}{column}: {error['reason']}")
