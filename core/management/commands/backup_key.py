"""`commonplace backup_key`: a new age key pair for encrypting backups, and what to do with each half."""

import datetime as dt
from typing import Any

import pyrage
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Print a new age identity (the private key that opens backups) and its public key for "
        "COMMONPLACE_BACKUP_RECIPIENTS. Run it on your own computer, not on the server."
    )
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        identity = pyrage.x25519.Identity.generate()
        public = str(identity.to_public())
        # The identity file format of age-keygen, so `age -d -i FILE` opens a backup too.
        self.stdout.write(f"# created: {dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()}")
        self.stdout.write(f"# public key: {public}")
        self.stdout.write(str(identity))
        self.stderr.write(
            "\nThe three lines above are the identity file. Save them, e.g. with\n\n"
            "    (umask 077; commonplace backup_key > commonplace-backup.key)\n\n"
            "and keep that file OFF the server: in a password manager or on an encrypted stick, with a second "
            "copy elsewhere. Without it no backup can be restored; with it anyone can read them.\n\n"
            "On the server, set the public key (it can only encrypt):\n\n"
            f"    COMMONPLACE_BACKUP_RECIPIENTS={public}\n\n"
            "To restore: commonplace restore FILE --identity commonplace-backup.key"
        )
