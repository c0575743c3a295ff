"""Who to follow: people worth following, each with the reasons in words."""

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.expressions import Expression
from django.db.models.functions import Coalesce, Collate, Lower, NullIf
from django.utils import timezone

from accounts.models import User
from accounts.selectors import hidden_people
from core.arrays import one_of
from courses.models import Course, Enrollment
from courses.selectors import course_ids
from network.models import Follow, Open, Share
from posts.models import Artifact, Comment, visible_q

LIMIT = 20
STRENGTH_CAP = 5  # many opens of one person count, but not without bound
OFTEN = 3  # replies from a followee that make it "often"
CONVERSE_DAYS = 30  # how far back the replies of the people you follow are read
POSTS_LOOKED_AT = 500  # of the viewer's own posts, the newest: where their tags are counted
TAGS_LOOKED_AT = 10  # of the viewer's own tags, the most used
RECENT_PER_TAG = 200  # the newest posts on each of them whose writers may be suggested
PEOPLE_READ = 200  # of the people whose work the viewer opened (or shared), or whom the people they follow replied
# to, the most opened (shared, replied to)
REPLIES_READ = 5_000  # of the comments of the people the viewer follows, the newest
COURSES_LOOKED_AT = 10  # of the viewer's courses, the newest: where their classmates' latest posts are read
RECENT_PER_COURSE = 200  # the newest posts of each of them whose writers are "keeping at it"
ACTIVE_DAYS = 14  # how old the newest posts may be
_PROMPT_TAG = re.compile(r"-w\d+-p\d+$")


@dataclass
class Suggestion:
    person: User
    reasons: list[str] = field(default_factory=list)
    score: int = 0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _suggestible(user: User, followed: list[int], person: str = "pk") -> Q:
    """People who may be suggested to the viewer (`person` is the path to one): not the viewer, no one they follow
    (`followed`, their ids, read once: as a subquery, PostgreSQL checked every artifact against it rather than the
    viewer's few hundred opens), block or mute, no one who blocks them."""
    return ~(Q(**{person: user.pk}) | one_of(person, followed) | hidden_people(user, person))


def _name_key(path: str = "") -> Expression:
    """The name people are ranked by among equals, made by the database for both the classmates' cut and the final
    ranking, so the two agree: the name shown (display name, else username) lower-cased, compared code point by code
    point (as Python compares strings; PostgreSQL's own collation may not, so "C" there; SQLite's is binary)."""
    key = Lower(Coalesce(NullIf(f"{path}display_name", Value("")), f"{path}username"))
    return Collate(key, "C") if connection.vendor == "postgresql" else key


def _newest_of_each(reads: Sequence[QuerySet[Any]], limit: int, column: str) -> list[Any]:
    """`column` of the `limit` first rows of each read (each ordered newest first, from its own index), in one
    statement: a UNION ALL of the reads, each limited inside its own subquery (SQLite takes no LIMIT in a part of a
    UNION)."""
    parts = [
        read.model.objects.filter(pk__in=read.values("pk")[:limit]).order_by().values_list(column, flat=True)
        for read in reads
    ]
    return list(parts[0].union(*parts[1:], all=True))


def _recent_writers(user: User, mine: list[int]) -> Counter[int]:
    """How many of the latest posts in the viewer's courses (`mine`, newest first) each person wrote: the
    RECENT_PER_COURSE newest, from the last ACTIVE_DAYS, of each of the COURSES_LOOKED_AT newest, that the viewer may
    see. One read (each course's newest from its own stream index), so the cost does not follow a course's size."""
    courses = mine[:COURSES_LOOKED_AT]
    if not courses:
        return Counter()
    recent = (
        Artifact.objects.published()
        .visible_to(user)
        .filter(published_at__gte=timezone.now() - dt.timedelta(days=ACTIVE_DAYS))
        .exclude(author=user)
    )
    newest = [recent.filter(course_id=course_id).order_by("-published_at", "-id") for course_id in courses]
    return Counter(_newest_of_each(newest, RECENT_PER_COURSE, "author_id"))


def _titles(user: User, mine: list[int], people: Collection[int]) -> dict[int, list[str]]:
    """The titles of the viewer's courses (`mine`) each of `people` is in too, for those in one."""
    titles: dict[int, list[str]] = defaultdict(list)
    if people:
        for person_id, title in (
            Enrollment.objects.filter(one_of("course_id", mine), one_of("user_id", people))
            .exclude(user=user)
            .order_by("course__title")
            .values_list("user_id", "course__title")
        ):
            titles[person_id].append(title)
    return titles


def _strongest_classmates(user: User, followed: list[int], mine: list[int], known: set[int], limit: int) -> list[int]:
    """The `limit` strongest of the viewer's classmates beyond `known` (those with other reasons), as the page ranks
    people with that reason alone: most courses shared, then by name; the same exclusions before the cut as the
    final list. Everyone in a 5,000-person course is a classmate: reading them all was most of the page (105 ms at
    1M; 540 for someone in three big courses); this cut still groups them all (~20 ms at 1M), so the page asks for it
    only when it may need it."""
    strongest = (
        Enrollment.objects.filter(one_of("course_id", mine), user__is_active=True)
        .exclude(user=user)
        .filter(_suggestible(user, followed, "user_id"))
        .values("user_id")
        .annotate(n=Count("course_id"), name=_name_key("user__"))
        .order_by("-n", "name", "user_id")
        .values_list("user_id", flat=True)[: limit + len(known)]
    )
    return [pk for pk in strongest if pk not in known][:limit]


def _ranked(user: User, followed: list[int], people: Collection[int]) -> list[tuple[int, str]]:
    """Those of `people` who may be suggested (active, not followed, blocked or muted), with the name they are ranked
    by among equals; by the people's names and ids alone (only the chosen are read in full)."""
    return list(
        User.objects.filter(one_of("pk", people), is_active=True)
        .filter(_suggestible(user, followed))
        .annotate(rank_name=_name_key())
        .values_list("pk", "rank_name")
    )


def _in_courses(reasons: dict[int, list[tuple[int, str]]], titles: dict[int, list[str]]) -> None:
    """The reason "In <courses> with you", first, for each person in `titles`."""
    for person_id, shared in titles.items():
        reasons[person_id].insert(0, (len(shared), f"In {_and(shared)} with you"))


def _conversations(user: User, followed: list[int]) -> dict[int, tuple[int, str]]:
    """People the viewer's connections converse with lately: for each, how often the followee who replied to them most
    did in CONVERSE_DAYS, and that followee's name. Only the followees' newest REPLIES_READ comments are weighed (each
    followee's from their own index), then the PEOPLE_READ pairs with the most replies: following 2,700 people who
    wrote 40,000 comments in the month, joining them all took 220 ms on SQLite, and PostgreSQL, given the followees
    and the exclusions as subqueries, read every artifact (360 ms); so the newest replies' ids are read first and go
    in as values, and whom each answers is the comment's own column (`artifact_author`)."""
    if not followed:
        return {}
    newest_replies = list(
        Comment.objects.shown()
        .filter(one_of("author_id", followed))
        .filter(created_at__gte=timezone.now() - dt.timedelta(days=CONVERSE_DAYS))
        # Before the cut, what the comment's own columns say: no self-reply, no one who may not be suggested (the
        # people one's followees answer most are often those one follows already).
        .exclude(artifact_author_id=F("author_id"))
        .filter(_suggestible(user, followed, "artifact_author_id"))
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[:REPLIES_READ]
    )
    best: dict[int, tuple[int, str]] = {}
    if not newest_replies:
        return best
    for reply in (
        Comment.objects.filter(one_of("pk", newest_replies))
        .filter(visible_q(user, via="artifact__"))  # nothing learnt from a conversation the viewer may not see
        .values("artifact_author_id", "author_id", "author__display_name", "author__username")
        .annotate(n=Count("pk"))
        .order_by("-n", "artifact_author_id", "author_id")[:PEOPLE_READ]
    ):
        person_id = reply["artifact_author_id"]
        if reply["n"] > best.get(person_id, (0, ""))[0]:
            best[person_id] = (reply["n"], reply["author__display_name"] or reply["author__username"])
    return best


def who_to_follow(user: User, limit: int = LIMIT) -> list[Suggestion]:
    """Up to `limit` people to follow, strongest reasons first, in a fixed handful of queries.

    Reasons: sharing a course, and writing some of its latest posts; having opened or shared their work; people
    the viewer follows replying to them lately; writing on the viewer's own tags. Leaves out the viewer, people they
    follow, blocks either way and people they mute.
    """
    reasons: dict[int, list[tuple[int, str]]] = defaultdict(list)
    followed = list(Follow.objects.filter(follower=user).values_list("followee_id", flat=True))

    # People whose work you opened or shared: the PEOPLE_READ you opened (or shared) most. Someone who has opened
    # 10,000 posts by 8,000 people gave the ranking 8,000 candidates to weigh (most of a 590 ms page).
    for model, who, verb, weight in ((Open, "user", "opened", 1), (Share, "sharer", "shared", 2)):
        rows = (
            model.objects.filter(**{who: user})  # type: ignore[attr-defined]
            # Left out before the cut (closed accounts after it: they are few).
            .filter(_suggestible(user, followed, "artifact__author_id"))
            .values("artifact__author_id", "artifact__author__display_name", "artifact__author__username")
            .annotate(n=Count("pk"))
            .order_by("-n", "artifact__author_id")[:PEOPLE_READ]
        )
        for row in rows:
            n, name = row["n"], row["artifact__author__display_name"] or row["artifact__author__username"]
            text = f"You {verb} {name}'s post" if n == 1 else f"You {verb} {n} of {name}'s posts"
            reasons[row["artifact__author_id"]].append((weight * min(n, STRENGTH_CAP), text))

    # People your connections converse with lately.
    for person_id, (n, name) in _conversations(user, followed).items():
        how = "replies to them often" if n >= OFTEN else "has replied to them"
        reasons[person_id].append((min(n, STRENGTH_CAP), f"{name}, whom you follow, {how}"))

    # People who write on your tags (not course hashtags or prompt tags, which everyone shares): among the newest
    # RECENT_PER_TAG posts tagged with each of your TAGS_LOOKED_AT most used tags (each tag's own index, newest first),
    # so the cost does not follow the tags' size (everyone who ever wrote on a tag on 220,000 of 1M artifacts: 2.6 s).
    # Your tags are those of your POSTS_LOOKED_AT newest posts (a prolific author's 7,000 posts' tags: 60 ms).
    used: dict[int, int] = defaultdict(int)
    names: dict[int, str] = {}
    yours = (
        Artifact.objects.published().filter(author=user).order_by("-published_at", "-id").values("pk")[:POSTS_LOOKED_AT]
    )
    for tag_id, name in Artifact.tags.through.objects.filter(artifact_id__in=yours).values_list("tag_id", "tag__name"):
        if not _PROMPT_TAG.search(name):
            used[tag_id] += 1
            names[tag_id] = name
    if names:
        hashtags = Q()
        for name in names.values():
            hashtags |= Q(hashtag__iexact=name) | Q(hashtag__iexact="#" + name)
        course_tags = {c.tag for c in Course.objects.filter(hashtags).only("hashtag")}
        names = {pk: name for pk, name in names.items() if name not in course_tags}
    if names:
        looked_at = sorted(names, key=lambda pk: (-used[pk], names[pk]))[:TAGS_LOOKED_AT]
        # The posts' ids first, in one read (each tag's newest links from its own index), then the posts by those
        # ids: given the ids as subqueries, PostgreSQL checked all 1M artifacts against them (620 ms at 1M).
        links = Artifact.tags.through.objects
        newest = [links.filter(tag_id=tag_id).order_by("-id") for tag_id in looked_at]
        recent = set(_newest_of_each(newest, RECENT_PER_TAG, "artifact_id"))
        tagged: dict[int, set[str]] = defaultdict(set)
        for person_id, name in (
            Artifact.objects.visible_to(user)
            .published()
            .filter(one_of("pk", recent))
            .filter(tags__id__in=looked_at)
            .exclude(author=user)
            .values_list("author_id", "tags__name")
            .distinct()
        ):
            tagged[person_id].add(name)
        for person_id, found_names in tagged.items():
            shown = sorted(found_names)[:3]
            reasons[person_id].append((len(found_names), f"Writes about {_and(['#' + n for n in shown])}, like you"))

    # People in your courses, those who wrote some of their latest posts first: they keep at it, and a course of
    # 5,000 otherwise ties on the name.
    mine = course_ids(user)
    writers = _recent_writers(user, mine)
    titles = _titles(user, mine, set(reasons) | set(writers))
    for person_id, n in writers.items():
        if person_id in titles:
            text = (
                "Wrote one of the latest posts in your courses"
                if n == 1
                else f"Wrote {n} of the latest posts in your courses"
            )
            reasons[person_id].append((min(n, STRENGTH_CAP), text))
    _in_courses(reasons, titles)
    candidates = _ranked(user, followed, reasons) if reasons else []

    def score(pk: int) -> int:
        return len(reasons[pk]) * 10 + sum(s for s, _ in reasons[pk])

    # A classmate with no other reason scores at most 10 + the viewer's courses: once `limit` people score more,
    # none of them can make the list, and the strongest of them are not read (last: only then are they needed).
    if sum(score(pk) > 10 + len(mine) for pk, _ in candidates) < limit and mine:
        rest = [pk for pk in _strongest_classmates(user, followed, mine, set(titles), limit) if pk not in reasons]
        _in_courses(reasons, _titles(user, mine, rest))
        candidates += _ranked(user, followed, rest) if rest else []
    ranked = sorted(candidates, key=lambda row: (-score(row[0]), row[1], row[0]))[:limit]
    people = User.objects.in_bulk([pk for pk, _ in ranked])
    return [
        Suggestion(
            people[pk],
            [text for _, text in sorted(reasons[pk], key=lambda r: -r[0])],
            score(pk),
        )
        for pk, _ in ranked
        if pk in people
    ]
