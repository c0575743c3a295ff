"""Load the demo season (`--if-empty` on every start, `--reset` to rebuild it), through the services."""

import datetime as dt
import os
import time
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.services import register, update_profile
from core.exceptions import ActionError
from courses.models import Book, Course, Prompt, Week
from courses.services import (
    ask_live_question,
    create_course,
    join,
    save_book,
    save_live_session,
    save_prompt,
    save_week,
    set_reading_progress,
)
from network import services as network_services
from network.management import demo_content as content
from network.models import Follow, Open, Share
from posts.models import Artifact, Comment
from posts.services import add_comment, publish

WEEKS_BEFORE_TODAY = 2  # today falls in week 3
DAYS_INTO_WEEK = 2


def demo_users() -> QuerySet[User]:
    """The demo people: a known handle and the demo email domain, so a real account is never matched."""
    handles = [person.handle for person in content.PEOPLE]
    return User.objects.filter(username__in=handles, email__iendswith=f"@{content.EMAIL_DOMAIN}")


def demo_course() -> Course | None:
    """The demo course, if it exists and a demo person facilitates it; None for any other course."""
    course = Course.objects.filter(slug=content.COURSE_SLUG).first()
    if course is None:
        return None
    if not course.enrollments.facilitators().filter(user__in=demo_users()).exists():
        raise CommandError(
            f"A course with the address '{content.COURSE_SLUG}' exists and is not the demo; leaving it alone."
        )
    return course


def delete_demo() -> list[str]:
    """Delete the demo course and the demo people (with everything they made); return their image files."""
    users = demo_users()
    course = demo_course()
    artifacts = Artifact.objects.filter(author__in=users)
    if course is not None:
        artifacts = artifacts | Artifact.objects.filter(course=course)
    files = [name for name in artifacts.exclude(image="").values_list("image", flat=True) if name]
    files += [name for name in users.exclude(avatar="").values_list("avatar", flat=True) if name]
    if course is not None:
        course.delete()
    users.delete()
    return files


def delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


class Loader:
    """Builds the season; every row is written by a service, then a few timestamps are moved into the past."""

    def __init__(self, password: str) -> None:
        self.password = password
        self.now = timezone.now()
        self.start = timezone.localdate() - dt.timedelta(days=7 * WEEKS_BEFORE_TODAY + DAYS_INTO_WEEK)
        self.people: dict[str, User] = {}
        self.weeks: dict[int, Week] = {}
        self.prompts: dict[tuple[int, int], Prompt] = {}
        self.books: list[Book] = []
        self.artifact_count = 0
        self.comment_count = 0
        self.share_count = 0

    def ago(self, days: float) -> dt.datetime:
        return self.now - dt.timedelta(days=days)

    def load(self) -> Course:
        self.load_people()
        course = self.load_course()
        self.load_artifacts(course)
        self.load_network(course)
        return course

    def load_network(self, course: Course) -> None:
        """Follows, opens and shares with notes, so Home, the share page and Your week have something to show."""
        handles = [p.handle for p in content.PEOPLE]
        for i, handle in enumerate(handles):
            person = self.people[handle]
            # Everyone follows the facilitator and the next three people round the circle.
            others = {content.FACILITATOR, *(handles[(i + k) % len(handles)] for k in (1, 2, 3))} - {handle}
            for other in sorted(others):
                network_services.follow(follower=person, followee=self.people[other])
        published = list(
            Artifact.objects.filter(course=course).exclude(visibility="draft").select_related("author", "course")
        )
        for i, handle in enumerate(handles):
            person = self.people[handle]
            by_others = [a for a in published if a.author_id != person.pk]
            # Each person has read a few things by others, and shares some of them with a note.
            for j, artifact in enumerate(by_others[i % 3 :: 4][:4]):
                network_services.record_open(user=person, artifact=artifact)
                if j < 2:
                    network_services.share(
                        sharer=person, artifact=artifact, note=content.SHARE_NOTES[(i + j) % len(content.SHARE_NOTES)]
                    )
                    self.share_count += 1
        self.spread_history(course)

    def spread_history(self, course: Course) -> None:
        """Date follows, opens and shares across the season so far (each after what it depends on), so the
        insights dashboards show weeks of history rather than one day."""
        season_days = (self.now.date() - self.start).days
        for n, follow in enumerate(Follow.objects.filter(follower__in=self.people.values()).order_by("pk")):
            Follow.objects.filter(pk=follow.pk).update(created_at=self.ago(season_days - (n * 7) % season_days))
        shares = Share.objects.filter(artifact__course=course).select_related("artifact").order_by("pk")
        for n, share in enumerate(shares):
            earliest = share.artifact.published_at + dt.timedelta(hours=2)
            when = min(max(earliest, self.ago(1 + (n * 5) % season_days)), self.now - dt.timedelta(hours=1))
            Share.objects.filter(pk=share.pk).update(created_at=when)
            Open.objects.filter(user=share.sharer_id, artifact=share.artifact_id).update(
                first_opened_at=when - dt.timedelta(hours=1)
            )
            # Two shares in three lead a follower of the sharer (the person before them round the circle) to it.
            reader = self.follower_of(share.sharer_id)
            if n % 3 != 2 and reader is not None and reader.pk != share.artifact.author_id:
                network_services.record_open(user=reader, artifact=share.artifact, via_share=share)
                Open.objects.filter(user=reader, artifact=share.artifact, via_share=share).update(
                    first_opened_at=min(when + dt.timedelta(hours=3), self.now - dt.timedelta(minutes=10))
                )

    def follower_of(self, user_id: int) -> User | None:
        handles = [p.handle for p in content.PEOPLE]
        for i, handle in enumerate(handles):
            if self.people[handle].pk == user_id:
                return self.people[handles[i - 1]]
        return None

    def load_people(self) -> None:
        for person in content.PEOPLE:
            user = register(
                username=person.handle,
                email=f"{person.handle}@{content.EMAIL_DOMAIN}",
                password=self.password,
                display_name=person.display_name,
                vetted=True,  # made by the operator, not signed up: never waits for approval (SP5)
            )
            update_profile(
                user=user,
                bio=person.bio,
                role=person.role,
                subjects=person.subjects,
                grade_levels=person.grade_levels,
                time_zone=person.time_zone,
                blog_url=person.blog_url,
            )
            self.people[person.handle] = user
        facilitator = self.people[content.FACILITATOR]
        # Staff and superuser so the demo's admin works; there is no service for granting the admin.
        User.objects.filter(pk=facilitator.pk).update(is_staff=True, is_superuser=True)
        facilitator.refresh_from_db()
        User.objects.filter(pk__in=[u.pk for u in self.people.values()]).update(date_joined=self.ago(30))
        for user in self.people.values():
            user.date_joined = self.ago(30)  # the spam checks read it: demo people are not new accounts

    def load_course(self) -> Course:
        george = self.people[content.FACILITATOR]
        course = create_course(creator=george, start_date=self.start, **content.COURSE)
        books = [
            save_book(
                course=course, actor=george, title=book.title, author=book.author, link=book.link, pages=book.pages
            )
            for book in content.BOOKS
        ]
        self.books = books
        for number, plan in enumerate(content.WEEKS, start=1):
            starts_on = self.start + dt.timedelta(days=7 * (number - 1))
            week = save_week(
                course=course,
                actor=george,
                number=number,
                title=plan.title,
                theme_question=plan.theme_question,
                starts_on=starts_on,
                ends_on=starts_on + dt.timedelta(days=6),
                readings=[(books[index], chapters) for index, chapters in plan.readings],
            )
            self.weeks[number] = week
            for prompt_number, (kind, text) in enumerate(plan.prompts, start=1):
                self.prompts[number, prompt_number] = save_prompt(week=week, actor=george, kind=kind, text=text)
            starts_at = dt.datetime.combine(
                starts_on + dt.timedelta(days=plan.live.day), dt.time(plan.live.hour_utc), tzinfo=dt.UTC
            )
            past = starts_at < self.now
            session = save_live_session(
                week=week,
                actor=george,
                starts_at=starts_at,
                title=plan.live.title,
                duration_minutes=60,
                join_url="" if past else f"https://meet.example.org/immooc-season-5-week-{number}",
                recording_url=f"https://www.youtube.com/watch?v=Imooc5Week{number}" if past else "",
            )
            if number == WEEKS_BEFORE_TODAY + 1 and not past:
                for handle, text in content.LIVE_QUESTIONS:
                    self.join(course, handle)
                    ask_live_question(session=session, author=self.people[handle], text=text)
        for handle in self.people:
            self.join(course, handle)
        for where in content.PROGRESS:
            set_reading_progress(
                book=books[where.book],
                user=self.people[where.handle],
                status=where.status,
                page=where.page,
                percent=where.percent,
            )
        Course.objects.filter(pk=course.pk).update(created_at=self.ago(7 * WEEKS_BEFORE_TODAY + 21))
        course.enrollments.update(joined_at=self.ago(7 * WEEKS_BEFORE_TODAY + DAYS_INTO_WEEK + 3))
        return course

    def join(self, course: Course, handle: str) -> None:
        join(course=course, user=self.people[handle])

    def load_artifacts(self, course: Course) -> None:
        for plan in content.ARTIFACTS:
            artifact = publish(
                author=self.people[plan.author],
                course=course,
                kind=plan.kind,
                title=plan.title,
                body=plan.body,
                url=plan.url,
                image=plan.image() if plan.image else None,
                image_alt=plan.image_alt,
                prompt=self.prompts[plan.prompt] if plan.prompt else None,
                visibility=plan.visibility,
                book=self.books[plan.book] if plan.book is not None else None,
                page=plan.page,
                chapter=plan.chapter,
                passage=plan.passage,
            )
            self.artifact_count += 1
            published_at = self.ago(plan.days_ago)
            for comment_plan in plan.comments:
                self.add_thread(artifact, comment_plan, published_at)
            Artifact.objects.filter(pk=artifact.pk).update(
                published_at=published_at, created_at=published_at, updated_at=published_at
            )

    def add_thread(self, artifact: Artifact, plan: content.CommentPlan, published_at: dt.datetime) -> None:
        """Write a comment and its replies now, then date each a number of hours after the artifact."""
        top = add_comment(artifact=artifact, author=self.people[plan.author], body=plan.body)
        created = [(top, plan.hours_after)]
        for reply_plan in plan.replies:
            reply = add_comment(
                artifact=artifact, author=self.people[reply_plan.author], body=reply_plan.body, parent=top
            )
            created.append((reply, reply_plan.hours_after))
        for comment, hours in created:
            when = min(published_at + dt.timedelta(hours=hours), self.now - dt.timedelta(minutes=5))
            Comment.objects.filter(pk=comment.pk).update(created_at=when)
            self.comment_count += 1


class Command(BaseCommand):
    help = "Load the demo season: a six-week #IMMOOC course, its people, posts, videos, images, links and comments."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--if-empty", action="store_true", help="Load only when there are no courses at all.")
        group.add_argument("--reset", action="store_true", help="Delete the demo course and people, then rebuild.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Course.objects.exists():
            self.stdout.write("Demo not loaded: there are courses already (`commonplace demo --reset` rebuilds it).")
            return
        password = os.environ.get("DEMO_PASSWORD") or content.DEFAULT_PASSWORD
        started = time.monotonic()
        old_files: list[str] = []
        try:
            with transaction.atomic():
                if options["reset"]:
                    old_files = delete_demo()
                elif demo_course() is not None or demo_users().exists():
                    raise CommandError("The demo is already loaded. Use --reset to rebuild it.")
                loader = Loader(password)
                course = loader.load()
                transaction.on_commit(lambda: delete_files(old_files))
        except ActionError as exc:
            raise CommandError(f"Could not load the demo: {exc.message}") from exc
        elapsed = time.monotonic() - started
        summary = (
            f"Loaded the demo season “{course.title}” at {course.get_absolute_url()}: {len(loader.people)} people, "
            f"{len(loader.weeks)} weeks, {loader.artifact_count} artifacts, {loader.comment_count} comments, "
            f"{loader.share_count} shares "
            f"in {elapsed:.1f}s."
        )
        if options["if_empty"]:
            self.stdout.write(summary)
            return
        self.stdout.write(self.style.SUCCESS(summary))
        self.stdout.write(f"Demo logins (password for all: {password}):")
        for person in content.PEOPLE:
            who = "facilitator and site admin" if person.handle == content.FACILITATOR else "participant"
            self.stdout.write(f"  @{person.handle:<8} {person.display_name:<16} {who}")
