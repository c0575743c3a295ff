"""Blogs in courses from the command line: `feeds add` and `feeds list`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from core.exceptions import ActionError
from courses.models import Course
from courses.selectors import facilitators
from syndication.models import Feed
from syndication.services import preview_feed, register_feed


class Command(BaseCommand):
    help = "Register a participant's blog in a course, or list a course's blogs and their state."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Find the blog's feed, test-read it, and register it.")
        add.add_argument("--course", required=True, metavar="SLUG")
        add.add_argument("--user", required=True, metavar="USERNAME", help="The blog's owner, a course member.")
        add.add_argument("--take-all", action="store_true", help="Take every post, not only course-tagged ones.")
        add.add_argument("--no-check", action="store_true", help="Register the address as given, without reading it.")
        add.add_argument("url")
        listing = sub.add_parser("list", help="List the course's blogs with their state.")
        listing.add_argument("--course", required=True, metavar="SLUG")

    def handle(self, *args: Any, action: str, course: str, **options: Any) -> None:
        try:
            the_course = Course.objects.get(slug=course)
        except Course.DoesNotExist:
            raise CommandError(f"No course with the slug {course!r}.") from None
        if action == "list":
            for feed in Feed.objects.filter(course=the_course).select_related("owner").order_by("pk"):
                self.stdout.write(f"{feed.pk}\t@{feed.owner.username}\t{feed.url}\t{feed.state_in_words}")
            return
        self.add(the_course, **options)

    def add(self, course: Course, *, user: str, url: str, take_all: bool, no_check: bool, **options: Any) -> None:
        try:
            owner = User.objects.get(username=user)
        except User.DoesNotExist:
            raise CommandError(f"No person with the username {user!r}.") from None
        # The command line acts as the course's (first) facilitator: it may register anyone's blog.
        actor = facilitators(course).first()
        if actor is None:
            raise CommandError("The course has no facilitator to act for.")
        try:
            feed_url, title, site_url = url, "", ""
            if not no_check:
                preview = preview_feed(course=course, page_url=url, take_all=take_all)
                feed_url, title, site_url = preview.feed_url, preview.title, preview.site_url
                self.stdout.write(f"Found {preview.feed_url} ({preview.title or 'untitled'}):")
                for entry in preview.entries:
                    mark = "take" if entry.taken else "skip"
                    self.stdout.write(f"  [{mark}] {entry.title}")
            feed = register_feed(
                course=course,
                owner=owner,
                url=feed_url,
                actor=actor,
                title=title,
                site_url=site_url,
                take_all=take_all,
            )
        except ActionError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(f"Registered feed {feed.pk} for @{owner.username}: {feed.url}"))
