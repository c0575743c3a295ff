"""A1 for the network's surfaces: who may see an artifact is one table, and every surface agrees with it.

Viewers × visibilities × surfaces; hidden and missing answer alike (A2), refused shares leave nothing (A3),
blocks work both ways (A4), and a mute hides someone from lists without changing what the muted person sees (A5).
"""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Block, Mute, User
from accounts.tests.factories import UserFactory
from courses.models import Course
from network import services
from network.models import Notification, Open, Share
from posts.models import Artifact, Visibility
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db

VIEWERS = ["anonymous", "author", "member", "outsider", "blocked_by_author", "blocking_author", "muter"]
VISIBILITIES = [Visibility.PUBLIC, Visibility.COURSE, Visibility.DRAFT]

# The one table: may this viewer see an artifact of this visibility?
MAY_SEE: dict[tuple[str, str], bool] = {
    ("anonymous", Visibility.PUBLIC): True,
    ("author", Visibility.PUBLIC): True,
    ("author", Visibility.COURSE): True,
    ("author", Visibility.DRAFT): True,
    ("member", Visibility.PUBLIC): True,
    ("member", Visibility.COURSE): True,
    ("outsider", Visibility.PUBLIC): True,
    ("muter", Visibility.PUBLIC): True,  # a mute hides from lists, not from the page itself
    ("muter", Visibility.COURSE): True,
}


def normalise(html: str) -> str:
    """Blank what differs on every response anyway: CSRF tokens, CSP nonces and form stamps (core.formguard)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', html)
    html = re.sub(r'name="rendered" value="[^"]+"', 'name="rendered" value=""', html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": ""', html)
    return re.sub(r'nonce="[^"]+"', 'nonce=""', html)


def may_see(viewer: str, visibility: str) -> bool:
    return MAY_SEE.get((viewer, visibility), False)


@pytest.fixture
def cast(course: Course, maria: User, devon: User, outsider: User) -> dict[str, User | None]:
    blocked = UserFactory.create(username="blocked_one")
    blocking = UserFactory.create(username="blocking_one")
    muter = UserFactory.create(username="muter_one")
    for person in (blocked, blocking, muter):
        course.enrollments.create(user=person)
    Block.objects.create(blocker=maria, blocked=blocked)
    Block.objects.create(blocker=blocking, blocked=maria)
    Mute.objects.create(muter=muter, muted=maria)
    return {
        "anonymous": None,
        "author": maria,
        "member": devon,
        "outsider": outsider,
        "blocked_by_author": blocked,
        "blocking_author": blocking,
        "muter": muter,
    }


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def make(course: Course, author: User, visibility: str) -> Artifact:
    return ArtifactFactory.create(
        course=course, author=author, visibility=visibility, kind="link", url="https://example.org/original"
    )


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_A1_artifact_page_and_go_link_follow_the_table(
    cast: dict[str, User | None], course: Course, viewer: str, visibility: str
) -> None:
    artifact = make(course, cast["author"], visibility)  # type: ignore[arg-type]
    client = client_for(cast[viewer])
    page = client.get(reverse("posts:artifact", args=[artifact.pk]))
    go = client.get(reverse("network:go", args=[artifact.pk]))
    if may_see(viewer, visibility):
        assert page.status_code == 200
        assert go.status_code == 302
        assert go["Location"] == "https://example.org/original"
    else:
        assert page.status_code == 404
        assert go.status_code == 404
        if cast[viewer] is not None:
            assert not Open.objects.filter(user=cast[viewer], artifact=artifact).exists()


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v not in {"anonymous", "author"}])
def test_A3_share_follows_the_table_and_a_refusal_leaves_nothing(
    cast: dict[str, User | None], course: Course, viewer: str, visibility: str
) -> None:
    author = cast["author"]
    artifact = make(course, author, visibility)  # type: ignore[arg-type]
    client = client_for(cast[viewer])
    client.get(reverse("network:go", args=[artifact.pk]))  # open it first, where allowed
    before = Notification.objects.filter(recipient=author).count()
    response = client.post(reverse("network:share", args=[artifact.pk]), {"note": "Worth your time."})
    shared = Share.objects.filter(sharer=cast[viewer], artifact=artifact).exists()
    if may_see(viewer, visibility) and visibility != Visibility.DRAFT:
        assert shared
        assert response.status_code == 302
    else:
        assert response.status_code == 404
        assert not shared
        assert Notification.objects.filter(recipient=author).count() == before


def test_A2_hidden_and_missing_answer_alike_on_go_and_share(cast: dict[str, User | None], course: Course) -> None:
    hidden = make(course, cast["author"], Visibility.DRAFT)  # type: ignore[arg-type]
    missing = hidden.pk + 1000
    client = client_for(cast["member"])
    for name in ("network:go", "network:share"):
        a = client.get(reverse(name, args=[hidden.pk]))
        b = client.get(reverse(name, args=[missing]))
        assert a.status_code == b.status_code == 404
        path_a, path_b = reverse(name, args=[hidden.pk]), reverse(name, args=[missing])
        assert normalise(a.content.decode()).replace(path_a, "P") == normalise(b.content.decode()).replace(path_b, "P")


@pytest.mark.parametrize("viewer", ["member", "blocked_by_author", "blocking_author", "muter"])
def test_A4_A5_home_timeline_of_a_follower_follows_blocks_and_mutes(
    cast: dict[str, User | None], course: Course, viewer: str
) -> None:
    person = cast[viewer]
    author = cast["author"]
    assert person is not None
    assert author is not None
    if viewer in {"member", "muter"}:
        services.follow(follower=person, followee=author)
    else:
        with pytest.raises(Exception, match="cannot follow"):
            services.follow(follower=person, followee=author)
    artifact = make(course, author, Visibility.PUBLIC)
    html = client_for(person).get(reverse("network:home")).content.decode()
    assert (artifact.title in html) is (viewer == "member")


def test_A5_the_muted_person_sees_no_difference(cast: dict[str, User | None], course: Course) -> None:
    maria = cast["author"]
    muter = cast["muter"]
    assert maria is not None
    assert muter is not None
    theirs = make(course, muter, Visibility.PUBLIC)
    pages: Callable[[], list[bytes]] = lambda: [  # noqa: E731
        client_for(maria).get(url).content
        for url in (
            reverse("posts:artifact", args=[theirs.pk]),
            reverse("network:stream", args=[course.slug]),
            reverse("network:person", args=[muter.username]),
        )
    ]
    with_mute = pages()
    Mute.objects.filter(muter=muter).delete()
    without_mute = pages()
    strip = lambda b: normalise(b.decode().split("<main", 1)[1].split("</main>", 1)[0])  # noqa: E731
    assert [strip(b) for b in with_mute] == [strip(b) for b in without_mute]
