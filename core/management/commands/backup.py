"""`commonplace backup PATH`: the database and media in one archive with a manifest of checksums."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the media files into one archive (.tar.gz) with checksums."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="Where to write the archive, e.g. commonplace-2026-11-27.tar.gz")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if path.exists():
            raise CommandError(f"{path} already exists; choose a new name so no backup is overwritten.")
        try:
            done = backup(path, progress=lambda step: self.stderr.write(step))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Backed up {done.rows} rows in {done.tables} tables and {done.media} media files to {path}.")
