from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from enrollment.demo import DEMO_PASSWORD, load_demo_data


class Command(BaseCommand):
    help = (
        "Loads the demo catalogs and the demo accounts of docs/spec.md §10 "
        "(DEBUG only; idempotent)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: demo accounts share a published "
                "password and must never exist on a real portal."
            )
        emails = load_demo_data()
        self.stdout.write(
            self.style.SUCCESS(f"Demo data loaded. Password for every account: {DEMO_PASSWORD}")
        )
        for email in emails:
            self.stdout.write(f"  {email}")
