"""Check participants' blogs now: every active feed, a course's, or one feed."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from courses.models import Course
from syndication.harvest import harvest_feeds
from syndication.models import Feed, FeedStatus


class Command(BaseCommand):
    help = "Harvest participants' blogs now, with a progress bar and a summary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--course", metavar="SLUG", help="Only this course's blogs.")
        parser.add_argument("--feed", type=int, metavar="ID", help="Only this feed.")
        parser.add_argument("--workers", type=int, default=None, help="Parsing processes (default: one per core).")

    def handle(self, *args: Any, course: str | None, feed: int | None, workers: int | None, **options: Any) -> None:
        feeds = Feed.objects.filter(status=FeedStatus.ACTIVE)
        if course:
            if not Course.objects.filter(slug=course).exists():
                raise CommandError(f"No course with the slug {course!r}.")
            feeds = feeds.filter(course__slug=course)
        if feed is not None:
            if not Feed.objects.filter(pk=feed).exists():
                raise CommandError(f"No feed with the id {feed}.")
            feeds = feeds.filter(pk=feed)
        ids = list(feeds.values_list("pk", flat=True))
        if not ids:
            self.stdout.write("No active feeds to harvest.")
            return
        with tqdm(total=len(ids), unit="feed", file=self.stderr, disable=None) as bar:
            summary = harvest_feeds(ids, workers=workers, progress=bar.update)
        for error in summary.errors[:20]:
            self.stdout.write(self.style.WARNING(error))
        if len(summary.errors) > 20:
            self.stdout.write(self.style.WARNING(f"… and {len(summary.errors) - 20} more failures."))
        self.stdout.write(self.style.SUCCESS(str(summary)))
