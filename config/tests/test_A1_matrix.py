"""A1 as one table over every surface that shows an artifact (SECURITY-TESTS 7.5).

One expected-allow table, `MAY_SEE` (viewer kind × visibility → may see it; in the spirit of Mastodon's
`status_policy_spec.rb`), and the one way each kind of surface reads it:

* a **page** (the artifact's HTML page, the REST read) shows it exactly when the table says so, and a
  hidden artifact answers exactly as a missing one (A2);
* a **list** (search results, notifications about a mention or a reply) shows it when the table says so and
  the viewer has not muted the author (a mute hides from lists, not from pages: A5);
* a **feed** (the course's and the author's RSS and Atom) is read by nobody in particular, so it shows what
  the table gives an anonymous viewer, whoever asks.

The artifact is an image post: wherever it is hidden, its media URL must not appear either, and the media URL
itself is a page surface (`core.views.media` asks `api.mastodon.selectors.image_audience`, the same rule; more on
media in test_A9_media.py).
The course blogroll (OPML) lists blogs, not artifacts, so it is not a surface of this table.

Two more columns hold the same public and course-only post **held for a facilitator** (SP1: a check held it
when it was published): its page shows only to its author and those who may release it (the course's
facilitators, site staff), where its own visibility lets them, and the lists follow the same rule (its
author finds it in search, a facilitator sees the reply to their comment on it); a feed, read by nobody in
particular, never shows it.

The page surfaces for the smaller cast also live in network/ and api/ (test_authorization_matrix.py); this
table adds the follower, the facilitator and the admin, and the list and feed surfaces.
"""

import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.models import Block, Mute, User
from accounts.tests.factories import UserFactory
from api import services as api_services
from courses.models import Course
from network import services as network_services
from network.selectors import unread_count
from network.tests.test_authorization_matrix import MAY_SEE as BASE
from posts import services as posts_services
from posts.models import Artifact, Kind, Visibility
from posts.tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

VIEWERS = [
    "anonymous",
    "author",
    "member",
    "non_member",
    "follower",
    "blocked_by_author",
    "blocking_author",
    "muter",
    "facilitator",
    "admin",
]
VISIBILITIES = [Visibility.PUBLIC, Visibility.COURSE, Visibility.DRAFT]
# The "held" column: the same post held for a facilitator (moderation) when it was published.
HELD_PUBLIC, HELD_COURSE = "held_public", "held_course"
COLUMNS = [*VISIBILITIES, HELD_PUBLIC, HELD_COURSE]
HELD = {HELD_PUBLIC: Visibility.PUBLIC, HELD_COURSE: Visibility.COURSE}
# Who sees a held post where the post's own visibility lets them: its author and those who can release it.
MODERATORS_AND_AUTHOR = {"author", "facilitator", "admin"}

# The one table: may this viewer see an artifact of this visibility? Anything not listed is False. It is
# network's table (the page surfaces there and in api/ read it; its "outsider" is this file's "non_member"),
# with the three kinds of viewer only this file has.
MAY_SEE: dict[tuple[str, str], bool] = {
    **{("non_member" if viewer == "outsider" else viewer, seen): allowed for (viewer, seen), allowed in BASE.items()},
    ("follower", Visibility.PUBLIC): True,  # following a person opens nothing beyond what is public
    ("facilitator", Visibility.PUBLIC): True,
    ("facilitator", Visibility.COURSE): True,  # a facilitator sees members' posts, not their drafts
    ("admin", Visibility.PUBLIC): True,  # the site admin reads the site like anyone outside the course
}

TITLE = "Quokka reflections on feedback"


def may_see(viewer: str, visibility: str) -> bool:
    if visibility in HELD:
        return viewer in MODERATORS_AND_AUTHOR and may_see(viewer, HELD[visibility])
    return MAY_SEE.get((viewer, visibility), False)


def expected(surface_kind: str, viewer: str, visibility: str) -> bool:
    if surface_kind == "page":
        return may_see(viewer, visibility)
    if surface_kind == "list":
        return may_see(viewer, visibility) and viewer != "muter"
    assert surface_kind == "feed"
    return may_see("anonymous", visibility)


@pytest.fixture
def cast(course: Course, george: User, maria: User, devon: User, outsider: User) -> dict[str, User | None]:
    follower = UserFactory.create(username="fiona_follower")
    blocked = UserFactory.create(username="blocked_one")
    blocking = UserFactory.create(username="blocking_one")
    muter = UserFactory.create(username="muter_one")
    admin = UserFactory.create(username="site_admin", is_staff=True, is_superuser=True)
    for person in (blocked, blocking, muter):
        course.enrollments.create(user=person)
    network_services.follow(follower=follower, followee=maria)
    Block.objects.create(blocker=maria, blocked=blocked)
    Block.objects.create(blocker=blocking, blocked=maria)
    Mute.objects.create(muter=muter, muted=maria)
    return {
        "anonymous": None,
        "author": maria,
        "member": devon,
        "non_member": outsider,
        "follower": follower,
        "blocked_by_author": blocked,
        "blocking_author": blocking,
        "muter": muter,
        "facilitator": george,
        "admin": admin,
    }


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 12), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Scene:
    viewer: str
    user: User | None
    artifact: Artifact
    client: Client
    headers: dict[str, str]

    @property
    def media_name(self) -> str:
        return str(self.artifact.image.name)


def hold_everything(submission: object) -> str:
    return "Held for the A1 table"


def scene(cast: dict[str, User | None], course: Course, viewer: str, visibility: str) -> Scene:
    """Maria's image post of this visibility, mentioning the viewer; the viewer commented on it (back when
    they could) and Maria replied to that comment. Through the services, so search indexes it."""
    maria, user = cast["author"], cast[viewer]
    assert maria is not None
    mention = f" Thanks @{user.username} for the idea." if user is not None and user != maria else ""
    held = visibility in HELD
    visibility = HELD.get(visibility, visibility)
    artifact = posts_services.publish(
        author=maria,
        course=course,
        kind=Kind.IMAGE,
        title=TITLE,
        body=f"What my students said about feedback.{mention}",
        image=png(),
        image_alt="A chart of the answers",
        visibility=visibility,
    )
    assert bool(artifact.held_reason) is held
    if user is not None and user != maria:
        theirs = CommentFactory.create(artifact=artifact, author=user, body="Which question worked best?")
        CommentFactory.create(artifact=artifact, author=maria, parent=theirs, body="The second one.")
    client, headers = Client(), {}
    if user is not None:
        client.force_login(user)
        _, secret = api_services.create_token(user=user, name="matrix", scopes=["read"])
        headers = {"Authorization": f"Bearer {secret}"}
    return Scene(viewer, user, artifact, client, headers)


def normalise(html: str) -> str:
    """Blank what differs on every response anyway: CSRF tokens and CSP nonces."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": ""', html)
    return re.sub(r'nonce="[^"]+"', 'nonce=""', html)


# --- The surfaces: each answers whether the artifact showed, and the bytes it answered with. --------------


def artifact_page(s: Scene) -> tuple[bool, bytes]:
    path = reverse("posts:artifact", args=[s.artifact.pk])
    response = s.client.get(path)
    assert response.status_code in (200, 404)
    if response.status_code == 404:
        missing_path = reverse("posts:artifact", args=[s.artifact.pk + 1000])
        missing = s.client.get(missing_path)
        assert missing.status_code == 404
        assert normalise(response.content.decode()).replace(path, "P") == normalise(missing.content.decode()).replace(
            missing_path, "P"
        ), "A2: hidden and missing answer alike"
        return False, response.content
    assert TITLE.encode() in response.content
    assert s.artifact.image.url.encode() in response.content
    return True, response.content


def rest_read(s: Scene) -> tuple[bool, bytes]:
    response = s.client.get(f"/api/v1/artifacts/{s.artifact.pk}", headers=s.headers)
    assert response.status_code in (200, 404)
    if response.status_code == 404:
        missing = s.client.get(f"/api/v1/artifacts/{s.artifact.pk + 1000}", headers=s.headers)
        assert (missing.status_code, missing.content) == (404, response.content), "A2: byte for byte"
        return False, response.content
    assert response.json()["title"] == TITLE
    return True, response.content


def media_url(s: Scene) -> tuple[bool, bytes]:
    url = s.artifact.image.url
    response = s.client.get(url)
    # Read to the end, which closes a served file (closing it again would close the database connection).
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    assert response.status_code in (200, 404)
    if response.status_code == 404:
        missing_url = re.sub(r"[0-9a-f]{32}", "0" * 32, url)
        missing = s.client.get(missing_url)
        assert missing.status_code == 404
        assert normalise(body.decode()) == normalise(missing.content.decode()).replace(missing_url, url), "A2"
        headers = [{k: re.sub(r"'nonce-[^']+'", "", v) for k, v in r.headers.items()} for r in (response, missing)]
        assert headers[0] == headers[1], "A2: the same headers"
        # The 404 page repeats the path that was asked for (its log-in link); that is no leak.
        return False, body.replace(url.encode(), b"")
    assert body.startswith(b"\x89PNG")
    return True, body


def mentioned(s: Scene, body: bytes) -> bool:
    """Whether a list names the artifact: its title (search marks the words it matched) or its address."""
    text = re.sub(rb"</?mark>", b"", body)
    return TITLE.encode() in text or f"/a/{s.artifact.pk}/".encode() in text


def search_results(s: Scene) -> tuple[bool, bytes]:
    response = s.client.get(reverse("search:search"), {"q": "quokka feedback"})
    assert response.status_code == 200
    return mentioned(s, response.content), response.content


def notifications(s: Scene) -> tuple[bool, bytes]:
    response = s.client.get(reverse("network:notifications"))
    assert s.user is not None
    assert response.status_code == 200
    shown = mentioned(s, response.content)
    assert (unread_count(s.user) > 0) is shown, "the nav's count agrees with the page"
    return shown, response.content


def feed(name: str, **kwargs: str) -> Callable[[Scene], tuple[bool, bytes]]:
    def read(s: Scene) -> tuple[bool, bytes]:
        response = s.client.get(reverse(f"syndication_out:{name}", kwargs=kwargs))
        assert response.status_code == 200
        return mentioned(s, response.content), response.content

    return read


SURFACES: dict[str, tuple[str, Callable[[Scene], tuple[bool, bytes]]]] = {
    "artifact_page": ("page", artifact_page),
    "rest_read": ("page", rest_read),
    "media_url": ("page", media_url),
    "search": ("list", search_results),
    "notifications": ("list", notifications),
    "course_rss": ("feed", feed("course_rss", slug="immooc")),
    "course_atom": ("feed", feed("course_atom", slug="immooc")),
    "person_rss": ("feed", feed("person_rss", username="maria")),
    "person_atom": ("feed", feed("person_atom", username="maria")),
}
# Notifications are for signed-in people, and nobody is notified of their own post; every other surface is
# asked of every viewer.
CASES = [
    pytest.param(surface, viewer, visibility, id=f"{surface}-{viewer}-{visibility}")
    for surface in SURFACES
    for viewer in VIEWERS
    for visibility in COLUMNS
    if not (surface == "notifications" and viewer in {"anonymous", "author"})
]


@pytest.mark.parametrize(("surface", "viewer", "visibility"), CASES)
def test_A1_every_surface_follows_the_one_table(
    cast: dict[str, User | None], course: Course, surface: str, viewer: str, visibility: str, settings
) -> None:
    kind, read = SURFACES[surface]
    if visibility in HELD:  # a check that holds everything, in place of the spam checks
        settings.CONTENT_CHECKS = ["config.tests.test_A1_matrix.hold_everything"]
    s = scene(cast, course, viewer, visibility)

    shown, body = read(s)

    assert shown is expected(kind, viewer, visibility)
    if not shown:
        assert s.media_name.encode() not in body, "a hidden image's URL must not leak"


def test_A1_notifications_ask_anonymous_visitors_to_sign_in(client: Client) -> None:
    response = client.get(reverse("network:notifications"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_A1_the_table_matches_the_rule_it_describes() -> None:
    # The table is written out by hand; these are the rule's own words, so a typo in either shows here.
    for viewer in VIEWERS:
        assert may_see(viewer, Visibility.PUBLIC) is (viewer not in {"blocked_by_author", "blocking_author"})
        assert may_see(viewer, Visibility.COURSE) is (viewer in {"author", "member", "muter", "facilitator"})
        assert may_see(viewer, Visibility.DRAFT) is (viewer == "author")
        assert may_see(viewer, HELD_PUBLIC) is (viewer in {"author", "facilitator", "admin"})
        assert may_see(viewer, HELD_COURSE) is (viewer in {"author", "facilitator"})
