"""`commonplace export_account HANDLE FOLDER`: an administrator's download of everything that is one person's,
for an account that cannot sign in to ask for it itself (suspended), written at once, not by the worker."""

import os
import secrets
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import User
from privacy.export import write_export
from privacy.models import Erasure


class Command(BaseCommand):
    help = (
        "Write the same download a person can ask for (profile, posts, comments, media, follows, mutes, blocks, "
        "feeds, shares) for the account HANDLE into FOLDER, even if the account is suspended. The zip holds the "
        "person's e-mail address and private drafts: it is readable by its owner only; hand it over and delete it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("handle", help="the account's @handle, without the @")
        parser.add_argument("folder", type=Path, help="an existing folder to write the zip into")

    def handle(self, *args: Any, **options: Any) -> None:
        handle, folder = str(options["handle"]).lstrip("@"), Path(options["folder"])
        user = User.objects.filter(username__iexact=handle).first()
        if user is None:
            raise CommandError(f"No account @{handle}.")
        if Erasure.objects.filter(user=user).exists():
            raise CommandError(f"@{user.username} deleted their account; what was theirs is erased, not exported.")
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        now = timezone.now()
        target = folder / f"commonplace-{user.username}-{now:%Y-%m-%d}-{secrets.token_hex(4)}.zip"
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # the owner's only, from the start
        try:
            size = write_export(user, target, now.isoformat())
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        state = "" if user.is_active else " (the account is suspended)"
        self.stdout.write(f"Wrote {target} ({size:,} bytes) for @{user.username}{state}.")
