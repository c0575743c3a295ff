"""S5 over every route (SECURITY-TESTS 7.6): a POST without a CSRF token answers 403 on every view a browser
session reaches, and no GET changes state.

The routes come from walking the project's URL resolver, so a new view is covered the day it is added. Left
out, by where they live: the admin (Django's own), the uploaded-media server (GET and HEAD only), and the two
token-authenticated APIs, the REST API under /api/v1/ (django-ninja) and the Mastodon-compatible API and its
OAuth endpoints: they read a bearer token, never the session cookie, so a forged cross-site request carries
no credential (their `endpoint` decorator is csrf_exempt on purpose). The one Mastodon view that reads the
session, the OAuth consent form (`mastodon:authorize`), is kept.

For the CSRF check the path's arguments can be anything: CsrfViewMiddleware refuses before the view runs.
For the GET check the arguments name real rows (a course, a week with a prompt and a live session, a book,
an artifact with a comment, a chat, a keyword filter) so most views do their real work; a dummy argument that
404s is fine there. Each GET is made anonymously, as a participant and as a facilitator who is also staff,
and the whole database must read the same afterwards: per model the row count, the largest key and a hash of
every row's values.
"""

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db.models import Count, Max
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import KeywordFilter, User
from api import services as api_services
from chats.models import Chat, ChatQuestion
from courses.models import Course, LiveQuestion, Week
from courses.tests.factories import BookFactory, LiveSessionFactory
from moderation.models import Reason, Report
from posts.models import Artifact, Comment
from posts.tests.factories import ArtifactFactory, CommentFactory
from privacy.models import Export
from syndication import services_digest
from syndication.models import Feed

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", as reverse() takes it
    pattern: str  # the full pattern, for messages
    params: tuple[str, ...]
    callback: Callable[..., Any]


# Left out of the walk (see the module docstring): by the start of the full pattern, and by namespace.
SKIPPED_PREFIXES = ("admin/", "api/v1/", "media/")
SKIPPED_NAMESPACES = {"mastodon"}
KEPT_IN_SKIPPED_NAMESPACE = {"mastodon:authorize"}  # the OAuth consent form reads the session

# Views that take a cross-site POST on purpose, and why. Each must really be csrf_exempt (checked below).
CSRF_EXEMPT: dict[str, str] = {
    "syndication_out:daily_unsubscribe": (
        "RFC 8058 one-click unsubscribe: mail clients POST with no cookie and no CSRF token; the signed token "
        "in the path is the credential and the POST can only stop a digest"
    ),
}

# Rows a GET may change, and why: by route name and model label.
GET_MAY_CHANGE: dict[tuple[str, str], str] = {
    ("network:go", "network.Open"): (
        "the tracked link to an original records that the signed-in viewer opened it (a read receipt about "
        "the viewer only, which 'read before you share' asks for; docstring of network.views.sharing.go)"
    ),
    ("network:artifact_page", "network.Open"): "opening an artifact's page records the same read receipt",
    ("posts:artifact", "network.Open"): "the same path as network:artifact_page (/a/<pk>/), which wins",
    ("insights:course", "insights.CourseMap"): (
        "a derived cache: the facilitators' dashboard draws the network map when the kept drawing is stale "
        "(inline for a small course, else by the worker: insights.services_maps.course_map); it stores what "
        "the rollups already say, and nothing anyone did or sees changes"
    ),
}


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern).lstrip("^")
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            yield from _walk(entry, pattern, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else (entry.name or "")
            if pattern.startswith(SKIPPED_PREFIXES):
                continue
            if namespace in SKIPPED_NAMESPACES and name not in KEPT_IN_SKIPPED_NAMESPACE:
                continue
            params = tuple(entry.pattern.regex.groupindex)
            yield Route(name=name, pattern=pattern, params=params, callback=entry.callback)


ROUTES: list[Route] = list(_walk(get_resolver()))
ROUTE_NAMES = [route.name for route in ROUTES]
BY_NAME = {route.name: route for route in ROUTES}


def test_S5_the_walk_finds_every_route():
    assert len(ROUTES) > 80, ROUTE_NAMES
    assert all(ROUTE_NAMES), [route.pattern for route in ROUTES if not route.name]
    assert len(set(ROUTE_NAMES)) == len(ROUTE_NAMES), "two routes share a name: a failure would not say which"
    # A few from every app, so a broken include shows here.
    for name in [
        "home",
        "accounts:login",
        "accounts:signup",
        "accounts:logout",
        "tokens:revoke",
        "privacy:close",
        "network:follow",
        "posts:comment_create",
        "courses:join",
        "chats:release",
        "moderation:decide",
        "syndication:feed_action",
        "syndication_out:daily_subscribe",
        "insights:course",
        "search:search",
        "failed_jobs",
        "mastodon:authorize",
    ]:
        assert name in BY_NAME, name
    assert set(CSRF_EXEMPT) <= set(BY_NAME)
    assert {name for name, _ in GET_MAY_CHANGE} <= set(BY_NAME)


def _path(route: Route, ids: dict[str, dict[str, object]] | None = None) -> str:
    """A concrete path: dummy values, or the ids of real rows when `ids` gives them (per route, then '*')."""
    values: dict[str, object] = {
        "slug": "x",
        "username": "x",
        "name": "x",
        "number": 1,
        "prompt": 1,
        "book": 1,
        "pk": 1,
        "token": "x",
        "uidb64": "x",
        "kind": "artifact",
        "path": "x",
    }
    if ids is not None:
        values |= ids.get("*", {}) | ids.get(route.name, {})
    return reverse(route.name, kwargs={param: values[param] for param in route.params})


@pytest.fixture
def member(maria: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(maria)
    return client


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_S5_post_without_csrf_token_is_refused(name: str, member: Client):
    """CsrfViewMiddleware refuses before the view runs, so a GET-only view answers 403 too (not 405)."""
    route = BY_NAME[name]
    response = member.post(_path(route), {"anything": "x"})
    if name in CSRF_EXEMPT:
        assert getattr(route.callback, "csrf_exempt", False), f"{name} is listed as exempt but is not"
        return
    assert not getattr(route.callback, "csrf_exempt", False), f"{name} ({route.pattern}) is csrf_exempt"
    assert response.status_code == 403, f"{name} ({route.pattern}) answered {response.status_code}"


# --- GET changes nothing ---------------------------------------------------------------------------------

FULL_HASH_ROWS = 2000  # tables this small (all of them, in this world) are hashed row by row
MODELS = list(apps.get_models())


def _snapshot() -> dict[str, tuple[object, ...]]:
    """Per model: the row count, the largest key and a hash of every row's values (for small tables)."""
    state: dict[str, tuple[object, ...]] = {}
    for model in MODELS:
        manager = model._base_manager
        fields = [f.attname for f in model._meta.concrete_fields]
        rows = list(manager.order_by("pk").values_list(*fields)[: FULL_HASH_ROWS + 1])
        if len(rows) <= FULL_HASH_ROWS:
            keys = [row[fields.index(model._meta.pk.attname)] for row in rows]
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()
            state[model._meta.label] = (len(rows), max(keys, default=None), digest)
        else:
            totals = manager.aggregate(count=Count("pk"), biggest=Max("pk"))
            state[model._meta.label] = (totals["count"], totals["biggest"], "")
    return state


def _changed(before: dict[str, tuple[object, ...]], after: dict[str, tuple[object, ...]]) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


@pytest.fixture
def world(course: Course, george: User, maria: User, devon: User) -> dict[str, dict[str, object]]:
    """Real rows for the paths' arguments: `{route name or '*': {param: value}}`."""
    george.is_staff = True
    george.save(update_fields=["is_staff"])
    week = Week.objects.get(course=course, number=1)
    prompt = week.prompts.get()
    book = BookFactory.create(course=course)
    live = LiveSessionFactory.create(week=week, starts_at=timezone.now() - dt.timedelta(minutes=5))
    question = LiveQuestion.objects.create(session=live, author=devon, text="How do you start?")
    artifact: Artifact = ArtifactFactory.create(author=devon, course=course, prompt=prompt)
    comment: Comment = CommentFactory.create(artifact=artifact, author=devon)
    chat = Chat.objects.create(
        course=course,
        week=week,
        title="Week 1 chat",
        starts_at=timezone.now() - dt.timedelta(hours=1),
        created_by=george,
    )
    ChatQuestion.objects.create(chat=chat, number=1, text="What is innovation?")
    phrase = KeywordFilter.objects.create(owner=maria, phrase="spoiler")
    # maria's own rows behind the settings pages, and the digest link george would find in an email
    token, _secret = api_services.create_token(user=maria, name="My app", scopes=["read"])
    export = Export.objects.create(user=maria)
    blog = Feed.objects.create(course=course, owner=maria, url="https://maria.example.org/feed")
    report = Report.objects.create(
        reporter=maria, course=course, artifact=artifact, excerpt=artifact.title, reason=Reason.SPAM
    )
    services_digest.subscribe(user=george, course=course)
    unsubscribe = services_digest.unsubscribe_token(user=george, course=course)
    return {
        "*": {
            "slug": course.slug,
            "username": devon.username,
            "number": 1,
            "prompt": prompt.pk,
            "book": book.pk,
            "pk": artifact.pk,
            "name": "immooc",
        },
        "accounts:filter_edit": {"pk": phrase.pk},
        "accounts:filter_delete": {"pk": phrase.pk},
        "courses:book_edit": {"pk": book.pk},
        "posts:book": {"pk": book.pk},
        "courses:live_vote": {"pk": question.pk},
        "courses:live_answered": {"pk": question.pk},
        "posts:comment_edit": {"pk": comment.pk},
        "posts:comment_delete": {"pk": comment.pk},
        "posts:comment_tone": {"pk": comment.pk},
        "moderation:report_comment": {"pk": comment.pk},
        "moderation:decide": {"pk": report.pk},
        "tokens:revoke": {"pk": token.pk},
        "privacy:export_download": {"pk": export.pk},
        "syndication:feed_action": {"pk": blog.pk},
        "syndication_out:daily_unsubscribe": {"token": unsubscribe},
        **{name: {"pk": chat.pk} for name in ROUTE_NAMES if name.startswith("chats:")},
    }


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_S5_get_changes_nothing(name: str, world: dict[str, dict[str, object]], maria: User, george: User):
    route = BY_NAME[name]
    path = _path(route, world)
    anonymous = Client()
    participant = Client()
    participant.force_login(maria)
    facilitator = Client()
    facilitator.force_login(george)
    allowed = {label for (route_name, label) in GET_MAY_CHANGE if route_name == name}
    before = _snapshot()
    answers = []
    for who, client in [("anonymous", anonymous), ("participant", participant), ("facilitator", facilitator)]:
        response = client.get(path)
        assert response.status_code < 500, f"GET {path} as {who}: {response.status_code}"
        answers.append(f"{who}: {response.status_code}")
    changed = [label for label in _changed(before, _snapshot()) if label not in allowed]
    assert changed == [], f"GET {path} ({name}) changed {changed} ({', '.join(answers)})"


def test_S5_the_snapshot_sees_a_change(world: dict[str, dict[str, object]], maria: User):
    """The GET check can fail: a row changed in place (same count, same keys) shows."""
    before = _snapshot()
    maria.display_name = "Maria L."
    maria.save(update_fields=["display_name"])
    assert _changed(before, _snapshot()) == ["accounts.User"]
