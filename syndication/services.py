"""Writes for blogs in courses: discover and register a feed, review it, import many by OPML."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.exceptions import Invalid, NotAllowed
from core.fetch import FetchError, FetchResult, fetch_one
from core.netguard import BlockedURL, check_url
from courses.models import Course, Prompt
from courses.selectors import can_facilitate, is_member
from syndication.discovery import fallback_candidates, feed_links, looks_like_feed
from syndication.harvest import decide
from syndication.jobs import prepare
from syndication.models import Feed, FeedStatus
from syndication.parsing import FeedError, ParsedFeed, parse_feed

PREVIEW_ENTRIES = 8
MAX_DISCOVERY_TRIES = 6


class DuplicateFeed(Invalid):
    default_message = "This blog is already registered in this course."


def clean_feed_url(url: str) -> str:
    """The one check for a typed-in address: http(s) only, a public host, no tricks (H1, H6)."""
    url = (url or "").strip()
    if not url:
        raise Invalid("Please paste your blog's address.")
    if "://" not in url:
        raise Invalid("Please paste the full address, starting with https:// (for example https://myblog.example/).")
    try:
        check_url(url)
    except BlockedURL as exc:
        raise Invalid(exc.message) from None
    return url


# --- Discovery and preview ----------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewEntry:
    title: str
    link: str
    published: dt.datetime | None
    taken: bool
    prompt: Prompt | None = None


@dataclass(frozen=True)
class Preview:
    feed_url: str
    site_url: str
    title: str
    entries: list[PreviewEntry]
    warnings: tuple[str, ...] = ()

    @property
    def taken_count(self) -> int:
        return sum(1 for e in self.entries if e.taken)


def _fetch(url: str) -> FetchResult:
    try:
        return fetch_one(url)
    except FetchError as exc:
        raise Invalid(exc.message) from None


def find_feed(page_url: str) -> tuple[str, FetchResult]:
    """The feed behind a blog address: the address itself, its <link rel="alternate">, or a common path."""
    url = clean_feed_url(page_url)
    first = _fetch(url)
    if looks_like_feed(first.body, first.content_type):
        return first.url, first
    candidates = list(dict.fromkeys([*feed_links(first.body, first.url), *fallback_candidates(first.url)]))
    for candidate in candidates[:MAX_DISCOVERY_TRIES]:
        try:
            check_url(candidate)
            result = fetch_one(candidate)
        except (BlockedURL, FetchError):
            continue
        if looks_like_feed(result.body, result.content_type):
            return result.url, result
    raise Invalid(
        "We couldn't find a feed on that page. Paste your blog's feed address instead "
        "(it often ends in /feed, /rss or /atom.xml)."
    )


def preview_feed(*, course: Course, page_url: str, take_all: bool = False) -> Preview:
    """Find and test-read the feed; show its latest entries and which the course would take."""
    feed_url, result = find_feed(page_url)
    try:
        content_type = result.headers.get("content-type", result.content_type)
        parsed: ParsedFeed = parse_feed(result.body, url=result.url, content_type=content_type)
    except FeedError as exc:
        raise Invalid(exc.message) from None
    prompts = {p.tag: p for p in Prompt.objects.filter(week__course=course).select_related("week__course")}
    prompt_ids = {tag: p.pk for tag, p in prompts.items()}
    by_id = {p.pk: p for p in prompts.values()}
    entries = []
    for entry in parsed.entries[:PREVIEW_ENTRIES]:
        decision = decide(prepare(entry).tags, course_tag=course.tag, prompts=prompt_ids, take_all=take_all)
        entries.append(
            PreviewEntry(
                title=entry.title or "Untitled post",
                link=entry.link,
                published=entry.published or entry.updated,
                taken=decision.taken,
                prompt=by_id.get(decision.prompt_id) if decision.prompt_id else None,
            )
        )
    return Preview(
        feed_url=feed_url, site_url=parsed.link, title=parsed.title, entries=entries, warnings=parsed.warnings
    )


# --- Registering and reviewing ------------------------------------------------------------------


def _check_owner(course: Course, owner: User, actor: User) -> None:
    if actor.pk != owner.pk and not can_facilitate(course, actor):
        raise NotAllowed("Only the blog's owner or a facilitator can register it.")
    if not is_member(course, owner):
        raise NotAllowed("Join the course first, then add your blog.")


def _harvest_soon(feed: Feed) -> None:
    if feed.status == FeedStatus.ACTIVE and settings.HARVEST_ON_REGISTER:
        from syndication.tasks import harvest_one

        transaction.on_commit(lambda: harvest_one.enqueue(feed.pk))


@transaction.atomic
def register_feed(
    *,
    course: Course,
    owner: User,
    url: str,
    actor: User,
    site_url: str = "",
    title: str = "",
    take_all: bool = False,
) -> Feed:
    """Add a blog's feed to the course; a course that approves blogs first puts it in the queue."""
    _check_owner(course, owner, actor)
    url = clean_feed_url(url)
    facilitator = can_facilitate(course, actor)
    if take_all and not facilitator:
        raise NotAllowed("Only a facilitator can set a blog to take every post.")
    if Feed.objects.filter(course=course, url=url).exists():
        raise DuplicateFeed()
    status = FeedStatus.PENDING if course.require_feed_approval and not facilitator else FeedStatus.ACTIVE
    try:
        with transaction.atomic():
            feed = Feed.objects.create(
                course=course,
                owner=owner,
                url=url,
                site_url=site_url[:1000] if site_url.startswith(("http://", "https://")) else "",
                title=title.strip()[:200],
                status=status,
                take_all=take_all,
                reviewed_by=actor if facilitator else None,
            )
    except IntegrityError:  # registered by someone else a moment ago
        raise DuplicateFeed() from None
    _harvest_soon(feed)
    return feed


def _check_facilitator(feed: Feed, actor: User) -> None:
    if not can_facilitate(feed.course, actor):
        raise NotAllowed("Only the course's facilitators can do that.")


def _check_owner_or_facilitator(feed: Feed, actor: User) -> None:
    if feed.owner_id != actor.pk and not can_facilitate(feed.course, actor):
        raise NotAllowed("Only the blog's owner or a facilitator can do that.")


@transaction.atomic
def approve_feed(*, feed: Feed, actor: User) -> Feed:
    _check_facilitator(feed, actor)
    feed.status = FeedStatus.ACTIVE
    feed.reviewed_by = actor
    feed.next_check_at = timezone.now()
    feed.save(update_fields=["status", "reviewed_by", "next_check_at"])
    _harvest_soon(feed)
    return feed


@transaction.atomic
def reject_feed(*, feed: Feed, actor: User) -> Feed:
    _check_facilitator(feed, actor)
    feed.status = FeedStatus.REJECTED
    feed.reviewed_by = actor
    feed.save(update_fields=["status", "reviewed_by"])
    return feed


@transaction.atomic
def set_take_all(*, feed: Feed, actor: User, take_all: bool) -> Feed:
    _check_facilitator(feed, actor)
    feed.take_all = take_all
    feed.save(update_fields=["take_all"])
    return feed


@transaction.atomic
def set_paused(*, feed: Feed, actor: User, paused: bool) -> Feed:
    _check_owner_or_facilitator(feed, actor)
    if feed.status not in {FeedStatus.ACTIVE, FeedStatus.PAUSED}:
        raise Invalid("Only a gathered blog can be paused or resumed.")
    feed.status = FeedStatus.PAUSED if paused else FeedStatus.ACTIVE
    feed.next_check_at = timezone.now()
    feed.leased_at = None
    feed.save(update_fields=["status", "next_check_at", "leased_at"])
    return feed


@transaction.atomic
def remove_feed(*, feed: Feed, actor: User) -> None:
    """Stop gathering the blog. Posts already gathered stay, as the author's artifacts (they can delete them)."""
    _check_owner_or_facilitator(feed, actor)
    feed.delete()


def check_now(*, feed: Feed, actor: User) -> None:
    """Ask for a check of this feed as soon as a worker is free."""
    _check_owner_or_facilitator(feed, actor)
    if feed.status != FeedStatus.ACTIVE:
        raise Invalid("This blog is not being gathered, so it can't be checked.")
    from syndication.tasks import harvest_one

    transaction.on_commit(lambda: harvest_one.enqueue(feed.pk))


# --- OPML import ----------------------------------------------------------------------------------


@dataclass
class ImportResult:
    added: list[Feed] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _site_key(url: str) -> str:
    """Compare blog addresses without scheme, www, case or trailing slash."""
    parts = urlsplit(url.strip().lower())
    host = (parts.hostname or "").removeprefix("www.")
    return host + parts.path.rstrip("/")


def _owners_by_site(course: Course) -> tuple[dict[str, User], dict[str, User]]:
    members = User.objects.filter(enrollments__course=course)
    by_site: dict[str, User] = {}
    by_handle: dict[str, User] = {}
    for user in members:
        by_handle[user.username.lower()] = user
        for url in (user.blog_url, user.website):
            if url:
                by_site.setdefault(_site_key(url), user)
    return by_site, by_handle


def _match(
    outline_texts: Iterable[str], urls: Iterable[str], by_site: dict[str, User], by_handle: dict[str, User]
) -> User | None:
    for url in urls:
        if url and (user := by_site.get(_site_key(url))):
            return user
    for text in outline_texts:
        handle = text.strip().lstrip("@").lower()
        if handle in by_handle:
            return by_handle[handle]
    return None


def import_opml(*, course: Course, data: bytes, actor: User | None) -> ImportResult:
    """Register every blog of an OPML file whose owner is a participant (matched by their profile's blog or
    website address, or by @handle as the outline's text). Facilitators only; `actor=None` is the command line."""
    from syndication.opml import OPMLError, parse_opml

    if actor is not None and not can_facilitate(course, actor):
        raise NotAllowed("Only the course's facilitators can import blogs.")
    try:
        outlines = parse_opml(data)
    except OPMLError as exc:
        raise Invalid(exc.message) from None
    by_site, by_handle = _owners_by_site(course)
    result = ImportResult()
    for refused in outlines.refused:
        label = refused.outline.title or refused.outline.text or refused.outline.xml_url
        result.refused.append(f"{label}: {refused.reason}")
    for outline in outlines:
        label = outline.title or outline.text or outline.xml_url
        try:
            url = clean_feed_url(outline.xml_url)
        except Invalid as exc:
            result.refused.append(f"{label}: {exc.message}")
            continue
        owner = _match([outline.text, outline.title], [outline.html_url, outline.xml_url], by_site, by_handle)
        if owner is None:
            result.unmatched.append(f"{label} ({url})")
            continue
        if Feed.objects.filter(course=course, url=url).exists():
            result.duplicates.append(f"{label} ({url})")
            continue
        with transaction.atomic():
            feed = Feed.objects.create(
                course=course,
                owner=owner,
                url=url,
                site_url=outline.html_url if outline.html_url.startswith(("http://", "https://")) else "",
                title=(outline.title or outline.text)[:200],
                status=FeedStatus.ACTIVE,
                reviewed_by=actor,
            )
            _harvest_soon(feed)
        result.added.append(feed)
    return result
