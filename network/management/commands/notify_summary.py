"""Send (or, with --dry-run, list) the notification summary emails due now."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from network.services_email import send_summary
from network.summary import PERIODS, due_for_summary, summary_for


class Command(BaseCommand):
    help = "Send the daily or weekly notification summary emails that are due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", choices=PERIODS, default="daily")
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; send nothing.")

    def handle(self, *args: Any, period: str, dry_run: bool, **options: Any) -> None:
        now = timezone.now()
        sent = 0
        for user in due_for_summary(period, now=now):
            if dry_run:
                summary = summary_for(user, now=now)
                if summary is not None:
                    self.stdout.write(f"Would send @{user.username} <{user.email}>: {len(summary.items)} unread")
                    sent += 1
            elif send_summary(user=user, now=now):
                self.stdout.write(f"Sent @{user.username}")
                sent += 1
        verb = "would be sent" if dry_run else "sent"
        self.stdout.write(self.style.SUCCESS(f"{sent} {period} summar{'y' if sent == 1 else 'ies'} {verb}."))
