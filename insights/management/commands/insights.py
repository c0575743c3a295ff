"""Rollups from the command line: `insights fill [--since DATE] [--until DATE]` (re)counts finished days."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from core.exceptions import ActionError
from insights.models import CourseDay, PersonDay
from insights.services import fill_range


def _date(option: str, value: str | None, default: dt.date) -> dt.date:
    if value is None:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} must be a date like 2026-03-01, not {value!r}.") from None


class Command(BaseCommand):
    help = "Fill the daily rollups (insights) for finished UTC days, with a progress bar and a summary."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        fill = sub.add_parser("fill", help="Recount days: by default yesterday; --since backfills from a date.")
        fill.add_argument("--since", metavar="YYYY-MM-DD", help="First day to fill (default: the last day).")
        fill.add_argument("--until", metavar="YYYY-MM-DD", help="Last day to fill (default: yesterday, UTC).")
        fill.add_argument(
            "--if-empty", action="store_true", help="Only when there are no rollups yet (a new install or the demo)."
        )

    def handle(self, *args: Any, action: str, since: str | None, until: str | None, **options: Any) -> None:
        if options.get("if_empty") and (CourseDay.objects.exists() or PersonDay.objects.exists()):
            self.stdout.write("Rollups exist already: nothing filled (without --if-empty, days are recounted).")
            return
        yesterday = timezone.now().astimezone(dt.UTC).date() - dt.timedelta(days=1)
        last = _date("--until", until, yesterday)
        first = _date("--since", since, last)
        if first > last:
            raise CommandError(f"--since ({first.isoformat()}) is after --until ({last.isoformat()}).")
        days = (last - first).days + 1
        try:
            with tqdm(total=days, unit="day", file=self.stderr, disable=None) as bar:
                summary = fill_range(first, last, progress=bar.update)
        except ActionError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(f"{summary} ({first.isoformat()} to {last.isoformat()})"))
