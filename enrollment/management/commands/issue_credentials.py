"""Issues the credentials that current membership years lack. Safe to run again."""

from django.core.management.base import BaseCommand

from enrollment.credentials.services import credentials_issue_missing


class Command(BaseCommand):
    help = "Signs a credential for every current membership year that has none yet."

    def handle(self, *args, **options):
        self.stdout.write(f"Issued {credentials_issue_missing()} credentials.")
