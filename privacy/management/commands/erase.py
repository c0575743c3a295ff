"""`commonplace erase`: finish every account erasure that has not finished (say, a worker crashed half-way)."""

from typing import Any

from django.core.management.base import BaseCommand

from privacy.erasure import erase, unfinished


class Command(BaseCommand):
    help = "Finish the erasure of deleted accounts that a crash left half-way. Safe to run any time."

    def handle(self, *args: Any, **options: Any) -> None:
        pending = unfinished()
        for user_id in pending:
            erase(user_id)
        self.stdout.write(f"Finished {len(pending)} erasure{'s' if len(pending) != 1 else ''}.")
