"""The Daily: what a course's morning email and its web version hold (reads only)."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Max, Prefetch
from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import FilterContext, User
from accounts.selectors import filters_for
from courses.models import Course, LiveSession, Prompt, Week
from network.models import Share
from posts.models import Artifact, ArtifactQuerySet, published_q, unmuted_q, visible_q
from posts.selectors import filter_keeper

Viewer = User | AnonymousUser

DIGEST_HOUR = 6  # UTC: The Daily of a day covers the 24 hours before this hour that morning.
MAX_NEW_POSTS = 100
MOST_SHARED = 5
OTHER_POSTS = "Other posts"


@dataclass(frozen=True)
class DigestItem:
    artifact: Artifact
    url: str
    author_name: str
    author_url: str
    original_url: str = ""
    shares: int = 0
    filtered_by: str = ""  # the phrase of the reader's warning filter it matches

    @property
    def title(self) -> str:
        """The title, or, where a warning filter of the reader's matches, the filter's name in its place (an
        email cannot fold it away as the site does; the link is still there)."""
        return f"Filtered: “{self.filtered_by}”" if self.filtered_by else self.artifact.title


@dataclass(frozen=True)
class PromptLink:
    prompt: Prompt
    url: str


@dataclass(frozen=True)
class PromptGroup:
    """New posts answering one prompt; `prompt` None is the "Other posts" group."""

    prompt: Prompt | None
    heading: str
    url: str
    items: list[DigestItem]


@dataclass(frozen=True)
class Digest:
    course: Course
    day: dt.date
    since: dt.datetime
    until: dt.datetime
    week: Week | None
    prompts: list[PromptLink]
    live_session: LiveSession | None
    live_url: str
    groups: list[PromptGroup]
    more_posts: int
    shared_today: list[DigestItem]
    shared_this_week: list[DigestItem]
    course_url: str
    web_url: str

    @property
    def new_posts(self) -> int:
        return sum(len(group.items) for group in self.groups) + self.more_posts

    @property
    def is_empty(self) -> bool:
        """Nothing posted and nothing shared in the period: no reason to send it."""
        return self.new_posts == 0 and not self.shared_today

    @property
    def subject(self) -> str:
        return f"The Daily · {self.course.title} · {self.day.day} {self.day:%B %Y}"


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def utc_day(when: dt.datetime) -> dt.date:
    return when.astimezone(dt.UTC).date()


def digest_window(day: dt.date, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The period The Daily of `day` covers: from DIGEST_HOUR UTC the day before to DIGEST_HOUR that day
    (or to `now`, when that morning has not come yet)."""
    until = dt.datetime.combine(day, dt.time(DIGEST_HOUR), tzinfo=dt.UTC)
    return until - dt.timedelta(days=1), min(until, now)


def daily_url(course: Course, day: dt.date | None = None) -> str:
    """The web version's address (absolute), for one day or for the latest."""
    path = reverse("syndication_out:daily", kwargs={"slug": course.slug})
    return absolute(f"{path}?{urlencode({'date': day.isoformat()})}" if day else path)


def _artifacts(course: Course, viewer: Viewer | None) -> ArtifactQuerySet:
    """The course's published artifacts; for a viewer, only those they may see (and not muted)."""
    qs = Artifact.objects.filter(course=course)
    if viewer is not None:
        qs = qs.visible_to(viewer).unmuted_for(viewer)
    return qs.published()


def _item(artifact: Artifact, shares: int = 0) -> DigestItem:
    return DigestItem(
        artifact=artifact,
        url=absolute(artifact.get_absolute_url()),
        author_name=artifact.author.name,
        author_url=absolute(artifact.author.get_absolute_url()),
        original_url=artifact.url if artifact.harvested else "",
        shares=shares,
        filtered_by=getattr(artifact, "filtered_by", ""),
    )


def _current_week(course: Course, day: dt.date) -> Week | None:
    week = (
        Week.objects.filter(course=course, starts_on__lte=day, ends_on__gte=day)
        .select_related("live_session")
        .prefetch_related(Prefetch("prompts", queryset=Prompt.objects.order_by("number")))
        .order_by("number")
        .first()
    )
    if week is not None:
        week.course = course
        for prompt in week.prompts.all():
            prompt.week = week  # the prompt's URL and tag need no further query
    return week


def _groups(posts: list[Artifact], week: Week | None) -> list[PromptGroup]:
    """Posts by prompt: this week's prompts in order, then older prompts, then "Other posts"."""
    by_prompt: dict[int | None, list[Artifact]] = {}
    for artifact in posts:
        by_prompt.setdefault(artifact.prompt_id, []).append(artifact)
    this_week = [p.pk for p in week.prompts.all()] if week is not None else []

    def order(prompt_id: int | None) -> tuple[int, int, int]:
        if prompt_id is None:
            return (2, 0, 0)
        if prompt_id in this_week:
            return (0, this_week.index(prompt_id), 0)
        prompt = by_prompt[prompt_id][0].prompt
        assert prompt is not None
        return (1, prompt.week.number, prompt.number)

    groups = []
    for prompt_id in sorted(by_prompt, key=order):
        items = [_item(artifact) for artifact in by_prompt[prompt_id]]
        prompt = by_prompt[prompt_id][0].prompt
        if prompt is None:
            groups.append(PromptGroup(prompt=None, heading=OTHER_POSTS, url="", items=items))
        else:
            heading = f"Week {prompt.week.number}, prompt {prompt.number}"
            groups.append(PromptGroup(prompt, heading, absolute(prompt.get_absolute_url()), items))
    return groups


def _share_counts(course: Course, viewer: Viewer | None, since: dt.datetime, now: dt.datetime) -> list[tuple[int, int]]:
    """(artifact id, shares) for the most-shared artifacts in the period: most shares, then most recent. Of
    `_artifacts(course, viewer)`, told through the share's own artifact: the period's shares are read from their
    time index and each joined to its artifact (at 1M artifacts, a week's 42,000 shares of every course), where
    "shares of these artifacts" listed the course's 93,000 artifacts first (136 ms for each of the two periods)."""
    rows = Share.objects.filter(created_at__gt=since, created_at__lte=now, artifact__course=course)
    rows = rows.filter(published_q("artifact__"))
    if viewer is not None:
        rows = rows.filter(visible_q(viewer, via="artifact__"), unmuted_q(viewer, via="artifact__"))
    counted = (
        rows.values("artifact_id")
        .annotate(n=Count("id"), latest=Max("created_at"))
        .order_by("-n", "-latest", "-artifact_id")[:MOST_SHARED]
    )
    return [(row["artifact_id"], row["n"]) for row in counted]


def build_digest(course: Course, *, since: dt.datetime, now: dt.datetime, viewer: Viewer | None = None) -> Digest:
    """The Daily of the course for the period (since, now]: the week running on now's (UTC) day with its
    prompts and live session, the new posts grouped by prompt, and the most-shared of the last day and week.

    Without a viewer it is what any member sees (public and course-only posts; never drafts), which is
    what the course-wide "anything new?" check and the dry run use. With a viewer it is what that person
    may see (`visible_to`, mutes left out), with their keyword filters for course streams: what a hiding
    filter matches is left out, what a warning one matches is listed under the filter's name. The email to
    each subscriber and the web version use that. A fixed number of queries, however many posts.
    """
    day = utc_day(now)
    artifacts = _artifacts(course, viewer)
    keep = filter_keeper(filters_for(viewer, FilterContext.COURSES)) if viewer is not None else None
    week = _current_week(course, day)
    tagged = ("tags",) if keep is not None else ()  # keyword filters read tag names
    posts = list(
        artifacts.filter(published_at__gt=since, published_at__lte=now)
        .select_related("author", "prompt__week__course")
        .prefetch_related(*tagged)
        .order_by("-published_at", "-id")[: MAX_NEW_POSTS + 1]
    )
    if keep is not None:
        posts = [artifact for artifact in posts if keep(artifact)]
    more_posts = 0
    if len(posts) > MAX_NEW_POSTS:
        posts = posts[:MAX_NEW_POSTS]
        more_posts = artifacts.filter(published_at__gt=since, published_at__lte=now).count() - MAX_NEW_POSTS
    today = _share_counts(course, viewer, now - dt.timedelta(days=1), now)
    this_week = _share_counts(course, viewer, now - dt.timedelta(days=7), now)
    wanted = {pk for pk, _ in today + this_week}
    shared = (
        {a.pk: a for a in artifacts.filter(pk__in=wanted).select_related("author").prefetch_related(*tagged)}
        if wanted
        else {}
    )
    if keep is not None:
        shared = {pk: artifact for pk, artifact in shared.items() if keep(artifact)}
    session: LiveSession | None = getattr(week, "live_session", None) if week is not None else None
    return Digest(
        course=course,
        day=day,
        since=since,
        until=now,
        week=week,
        prompts=[PromptLink(p, absolute(p.get_absolute_url())) for p in week.prompts.all()] if week else [],
        live_session=session,
        live_url=absolute(reverse("courses:live", kwargs={"slug": course.slug, "number": week.number}))
        if week is not None and session is not None
        else "",
        groups=_groups(posts, week),
        more_posts=more_posts,
        shared_today=[_item(shared[pk], n) for pk, n in today if pk in shared],
        shared_this_week=[_item(shared[pk], n) for pk, n in this_week if pk in shared],
        course_url=absolute(course.get_absolute_url()),
        web_url=daily_url(course, day),
    )
