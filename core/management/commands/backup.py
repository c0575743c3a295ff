"""`commonplace backup PATH`: the database and media in one encrypted archive with a manifest of checksums."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database and the media files into one archive with checksums, encrypted with age to "
        "COMMONPLACE_BACKUP_RECIPIENTS and readable by its owner only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", type=Path, help="Where to write the archive, e.g. commonplace-2026-11-27.tar.gz.age"
        )
        parser.add_argument(
            "--unencrypted",
            action="store_true",
            help="Write a plain .tar.gz (development and tests only: it holds e-mail addresses and private posts).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if path.exists():
            raise CommandError(f"{path} already exists; choose a new name so no backup is overwritten.")
        if options["unencrypted"]:
            self.stderr.write(
                self.style.WARNING(
                    "Warning: this backup is NOT encrypted. It holds everyone's e-mail addresses, private posts and "
                    "password hashes: keep it off shared disks and delete it when done."
                )
            )
        try:
            done = backup(path, progress=lambda step: self.stderr.write(step), unencrypted=options["unencrypted"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        sealed = "" if options["unencrypted"] else " (encrypted)"
        self.stdout.write(
            f"Backed up {done.rows} rows in {done.tables} tables and {done.media} media files to {path}{sealed}."
        )
