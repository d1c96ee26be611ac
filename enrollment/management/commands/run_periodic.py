"""Runs the beat schedule's periodic tasks once, synchronously, in this process.

The embedded default has no beat process: this is how its periodic work gets done (by
hand or from cron). The tasks decide themselves what is due, so running them more often
than scheduled does no harm.
"""

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Runs the periodic tasks of CELERY_BEAT_SCHEDULE once, synchronously. "
        "--task limits it to some of them (schedule entry name or task name)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--task",
            action="append",
            dest="tasks",
            metavar="NAME",
            help=(
                "A schedule entry (send-renewal-reminders) or a task name "
                "(enrollment.tasks.send_renewal_reminders, or send_renewal_reminders). "
                "Repeat to run several."
            ),
        )

    def handle(self, *args, tasks=None, **options):
        schedule = settings.CELERY_BEAT_SCHEDULE
        entries = [self._find(schedule, name) for name in tasks] if tasks else list(schedule)
        current_app.loader.import_default_modules()

        failed = []
        for entry_name in entries:
            entry = schedule[entry_name]
            task = current_app.tasks.get(entry["task"])
            if task is None:
                failed.append(entry_name)
                self.stderr.write(f"{entry_name}: task {entry['task']} is not registered.")
                continue
            result = task.apply(
                args=entry.get("args", ()), kwargs=entry.get("kwargs", {}), throw=False
            )
            if result.failed():
                failed.append(entry_name)
                self.stderr.write(f"{entry_name}: failed — {result.result!r}")
            else:
                self.stdout.write(f"{entry_name}: done ({result.result})")
        if failed:
            raise CommandError(f"{len(failed)} periodic task(s) failed: {', '.join(failed)}")

    @staticmethod
    def _find(schedule: dict, name: str) -> str:
        for entry_name, entry in schedule.items():
            if name in (entry_name, entry["task"], entry["task"].rsplit(".", 1)[-1]):
                return entry_name
        known = ", ".join(sorted(schedule))
        raise CommandError(f"No periodic task called {name!r}. Scheduled tasks: {known}.")
