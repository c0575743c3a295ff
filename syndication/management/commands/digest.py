"""Send a course's Daily to its subscribers, or with --dry-run print it and send nothing."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from courses.models import Course
from syndication.digest import build_digest, digest_window, utc_day
from syndication.services_digest import digest_text, send_course_digest


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since takes a date as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = "Send The Daily of a course to its subscribers (by default the 24 hours up to 06:00 UTC today)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--course", required=True, metavar="SLUG", help="The course's slug.")
        parser.add_argument("--dry-run", action="store_true", help="Print the digest's text; send nothing.")
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="Cover posts since this day (00:00 UTC) until now.")

    def handle(self, *args: Any, course: str, dry_run: bool, since: str | None, **options: Any) -> None:
        found = Course.objects.filter(slug=course).first()
        if found is None:
            raise CommandError(f"No course with the slug {course!r}.")
        now = timezone.now()
        if since:
            start, until = dt.datetime.combine(_date(since), dt.time.min, tzinfo=dt.UTC), now
            if start >= until:
                raise CommandError("--since must be a day before now.")
        else:
            start, until = digest_window(utc_day(now), now)
        if dry_run:
            digest = build_digest(found, since=start, now=until)
            self.stdout.write(digest_text(digest))
            if digest.is_empty:
                self.stderr.write("Nothing new: this digest would not be sent.")
            return
        sent = send_course_digest(course=found, since=start, now=until)
        self.stdout.write(
            self.style.SUCCESS(f"Sent The Daily of {found.title} to {sent} subscriber{'' if sent == 1 else 's'}.")
        )
