"""`commonplace restore PATH`: restore a backup into an empty installation (checksums checked first)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by `commonplace backup` into this installation, which must be empty."
    # On a new machine the database does not exist yet: the checks would try to open it first.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--identity",
            type=Path,
            metavar="FILE",
            help="The age identity file (AGE-SECRET-KEY-1…) that opens an encrypted backup.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = restore(options["path"], progress=lambda step: self.stderr.write(step), identity=options["identity"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Restored {done.rows} rows in {done.tables} tables and {done.media} media files.")
