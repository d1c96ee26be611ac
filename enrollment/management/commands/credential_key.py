"""Creates a new credential signing key (Ed25519, PEM) at a path outside the web root."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enrollment.credentials.keys import generate_private_key_pem


class Command(BaseCommand):
    help = (
        "Writes a new Ed25519 private key for signing membership credentials. Put its path "
        "first in CREDENTIAL_SIGNING_KEYS and keep the old paths after it (rotation)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="where to write the PEM file")

    def handle(self, *args, out: str, **options):
        path = Path(out)
        if path.exists():
            raise CommandError(f"{path} exists already: a key is never overwritten.")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(generate_private_key_pem())
        self.stdout.write(f"Wrote {path}.")
