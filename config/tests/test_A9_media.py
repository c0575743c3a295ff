"""A9 for media: an uploaded image obeys the one visibility rule, and leaves shared caches within the delay.

An artifact's image is served by `core.views.media` to whoever may see the artifact (`posts.models.visible_q`,
through `api.mastodon.selectors.image_audience`); anyone else gets exactly the 404 of a file that does not exist (A2).
Public images (a public post's, an avatar) may be kept by shared caches for MEDIA_PUBLIC_MAX_AGE seconds, never
"forever"; any other image is `private, no-store`. A Mastodon API upload is its owner's alone until a status
takes it.
"""

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from accounts import services as accounts_services
from accounts.models import Block, User
from accounts.tests.factories import UserFactory
from api import services as api_services
from api.mastodon import services as mastodon_services
from courses.models import Course
from posts import services as posts_services
from posts.models import Artifact, Kind, Visibility
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db

NEVER = "0123456789abcdef0123456789abcdef"  # a generated-looking name no file ever had


def png(colour: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 12), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def image_post(author: User, course: Course, visibility: str = Visibility.PUBLIC) -> Artifact:
    return posts_services.publish(
        author=author,
        course=course,
        kind=Kind.IMAGE,
        title="Our class garden",
        body="What grew this term.",
        image=png(),
        image_alt="Seedlings in egg boxes",
        visibility=visibility,
    )


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@dataclass
class Reply:
    status_code: int
    content: bytes
    headers: dict[str, str]

    def __getitem__(self, name: str) -> str:
        return self.headers[name]


def fetch(client: Client, url: str, **headers: str) -> Reply:
    """GET `url` and read the whole answer (a served file streams; reading it to the end closes it, as the
    test client does: closing it again would close the database connection too)."""
    response = client.get(url, headers=headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    return Reply(response.status_code, body, dict(response.headers))


def normalised(reply: Reply, url: str) -> tuple[int, str, dict[str, str]]:
    """Status, body and headers, with what differs on every response anyway blanked: CSP nonces, the masked
    CSRF token, and the requested path where a page repeats it."""
    body = re.sub(r'nonce="[^"]+"', 'nonce=""', reply.content.decode()).replace(url, "URL")
    body = re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": ""', body)
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', body)
    headers = {name: re.sub(r"'nonce-[^']+'", "'nonce-'", value) for name, value in reply.headers.items()}
    return reply.status_code, body, headers


def missing_beside(url: str) -> str:
    """A file that never existed, in the same folder and with a name of the same length."""
    folder, _, name = url.rpartition("/")
    return f"{folder}/{NEVER}.{name.rpartition('.')[2]}"


def assert_same_as_missing(client: Client, url: str, **headers: str) -> None:
    """A2: the hidden image answers exactly what a file that never existed answers, byte for byte but for
    the nonces and CSRF masks every page has."""
    missing = missing_beside(url)
    hidden, never = fetch(client, url, **headers), fetch(client, missing, **headers)
    assert hidden.status_code == 404
    assert normalised(hidden, url) == normalised(never, missing)


def assert_served_to_everyone(response: Reply) -> None:
    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG")
    assert response["Cache-Control"] == f"public, max-age={settings.MEDIA_PUBLIC_MAX_AGE}"


def assert_served_privately(response: Reply) -> None:
    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG")
    assert response["Cache-Control"] == "private, no-store"
    assert "Cookie" in re.split(r"\s*,\s*", response["Vary"])


# --- Artifacts: the one rule ---------------------------------------------------------------------------------


def test_A9_image_gone_after_post_made_draft(course: Course, maria: User, devon: User) -> None:
    artifact = image_post(maria, course)
    url = artifact.image.url
    assert_served_to_everyone(fetch(Client(), url))

    posts_services.edit_artifact(artifact=artifact, actor=maria, visibility=Visibility.DRAFT)

    for viewer in (None, devon):
        assert_same_as_missing(client_for(viewer), url)
    assert_served_privately(fetch(client_for(maria), url))


def test_A9_image_gone_after_public_post_made_course_only(course: Course, maria: User, outsider: User) -> None:
    artifact = image_post(maria, course)
    url = artifact.image.url

    posts_services.edit_artifact(artifact=artifact, actor=maria, visibility=Visibility.COURSE)

    assert_same_as_missing(Client(), url)
    assert_same_as_missing(client_for(outsider), url)


def test_A9_course_only_image_is_for_members_only(
    course: Course, maria: User, devon: User, george: User, outsider: User
) -> None:
    artifact = image_post(maria, course, Visibility.COURSE)
    url = artifact.image.url
    blocked = UserFactory.create(username="blocked_one")
    course.enrollments.create(user=blocked)
    Block.objects.create(blocker=maria, blocked=blocked)

    for member in (maria, devon, george):
        assert_served_privately(fetch(client_for(member), url))
    for other in (None, outsider, blocked):
        assert_same_as_missing(client_for(other), url)


def test_A9_held_image_is_for_its_author_and_facilitators_only(
    course: Course, maria: User, devon: User, george: User
) -> None:
    artifact = image_post(maria, course)
    Artifact.objects.filter(pk=artifact.pk).update(held_reason="new account with a link")

    for allowed in (maria, george):
        assert_served_privately(fetch(client_for(allowed), artifact.image.url))
    for other in (None, devon):
        assert_same_as_missing(client_for(other), artifact.image.url)


def test_A9_deleted_post_image_is_404_and_its_file_removed(
    course: Course, maria: User, django_capture_on_commit_callbacks
) -> None:
    artifact = image_post(maria, course)
    url, path = artifact.image.url, Path(artifact.image.path)
    assert path.is_file()

    with django_capture_on_commit_callbacks(execute=True):
        posts_services.delete_artifact(artifact=artifact, actor=maria)

    assert not path.exists()
    for viewer in (None, maria):
        assert_same_as_missing(client_for(viewer), url)


def test_A9_image_file_left_behind_by_a_cascade_is_404(course: Course, maria: User) -> None:
    # Deleting a course or a person cascades in the database without the service, so the file stays on disk.
    artifact = image_post(maria, course)
    url, path = artifact.image.url, Path(artifact.image.path)

    Artifact.objects.filter(pk=artifact.pk).delete()

    assert path.is_file()
    for viewer in (None, maria):
        assert_same_as_missing(client_for(viewer), url)


def test_A9_replaced_image_is_404(course: Course, maria: User) -> None:
    old = image_post(maria, course)
    url = old.image.url

    posts_services.edit_artifact(artifact=old, actor=maria, image=png("orange"))

    old.refresh_from_db()
    assert old.image.url != url
    assert_served_to_everyone(fetch(Client(), old.image.url))
    for viewer in (None, maria):
        assert_same_as_missing(client_for(viewer), url)


# --- Avatars and API uploads ---------------------------------------------------------------------------------


def test_A9_avatar_is_public_until_replaced(maria: User) -> None:
    accounts_services.update_profile(user=maria, avatar=png())
    url = maria.avatar.url

    assert_served_to_everyone(fetch(Client(), url))
    assert_served_to_everyone(fetch(client_for(maria), url))

    accounts_services.update_profile(user=maria, avatar=png("orange"))

    assert_same_as_missing(Client(), url)


def test_A9_avatar_of_a_deactivated_person_is_404(maria: User) -> None:
    accounts_services.update_profile(user=maria, avatar=png())
    url = maria.avatar.url
    User.objects.filter(pk=maria.pk).update(is_active=False)

    assert_same_as_missing(Client(), url)


def test_A9_media_upload_only_to_its_owner(course: Course, maria: User, devon: User) -> None:
    upload = mastodon_services.upload_media(user=maria, data=png(), description="A red square")
    url = upload.image.url
    _, mine = api_services.create_token(user=maria, name="app", scopes=["read"])
    _, theirs = api_services.create_token(user=devon, name="app", scopes=["read"])

    assert_served_privately(fetch(client_for(maria), url))
    response = fetch(Client(), url, Authorization=f"Bearer {mine}")
    assert_served_privately(response)
    assert "Authorization" in re.split(r"\s*,\s*", response["Vary"])

    for other in (None, devon):
        assert_same_as_missing(client_for(other), url)
    for header in (f"Bearer {theirs}", "Bearer cp_not_a_token"):
        assert_same_as_missing(Client(), url, Authorization=header)


def test_A9_an_app_with_a_members_token_loads_a_course_only_image(
    course: Course, maria: User, devon: User, outsider: User
) -> None:
    """A Mastodon app sends its token, not the site's cookie: a member's token loads a course-only post's
    image as the site does for them; an outsider's token or a bad one gets the missing file's 404."""
    url = image_post(maria, course, Visibility.COURSE).image.url
    _, members = api_services.create_token(user=devon, name="app", scopes=["read"])
    _, outsiders = api_services.create_token(user=outsider, name="app", scopes=["read"])

    assert_served_privately(fetch(Client(), url, Authorization=f"Bearer {members}"))
    for header in (f"Bearer {outsiders}", "Bearer cp_not_a_token"):
        assert_same_as_missing(Client(), url, Authorization=header)


def test_A9_media_upload_is_404_once_a_status_took_it(course: Course, maria: User) -> None:
    upload = mastodon_services.upload_media(user=maria, data=png(), description="A red square")
    url = upload.image.url

    artifact = mastodon_services.post_status(author=maria, text="Colour", media_ids=[str(upload.pk)])

    assert_same_as_missing(client_for(maria), url)
    assert_served_to_everyone(fetch(Client(), artifact.image.url))


# --- Caching --------------------------------------------------------------------------------------------------


def test_A9_public_image_cached_for_the_documented_delay_not_forever(settings, course: Course, maria: User) -> None:
    settings.MEDIA_PUBLIC_MAX_AGE = 120
    response = fetch(Client(), image_post(maria, course).image.url)

    assert response["Cache-Control"] == "public, max-age=120"
    assert "immutable" not in response["Cache-Control"]


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.COURSE])
def test_A9_image_keeps_its_protective_headers(course: Course, maria: User, devon: User, visibility: str) -> None:
    artifact = image_post(maria, course, visibility)
    name = Path(str(artifact.image.name)).name

    response = fetch(client_for(devon), artifact.image.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; img-src 'self'; sandbox"
    assert response["Content-Disposition"] == f"inline; filename=\"{name}\"; filename*=UTF-8''{name}"
    expected = "public" if visibility == Visibility.PUBLIC else "private, no-store"
    assert response["Cache-Control"].startswith(expected)


# --- Cost -----------------------------------------------------------------------------------------------------


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert fetch(client, url).status_code == 200
    return len(captured)


def test_A9_one_media_request_costs_a_small_constant_number_of_queries(
    course: Course, maria: User, devon: User
) -> None:
    public, members = image_post(maria, course), image_post(maria, course, Visibility.COURSE)
    counts = (queries_for(Client(), public.image.url), queries_for(client_for(devon), members.image.url))

    # More posts, people, blocks and courses change nothing: the rule is one query.
    for _ in range(5):
        other = UserFactory.create()
        course.enrollments.create(user=other)
        Block.objects.create(blocker=other, blocked=devon)
        ArtifactFactory.create(author=other, course=course, visibility=Visibility.COURSE)
        image_post(other, course, Visibility.COURSE)

    assert counts == (1, 3), "the artifact; with a session: the session, the person and the artifact"
    assert (queries_for(Client(), public.image.url), queries_for(client_for(devon), members.image.url)) == counts


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plans are fixed; PostgreSQL's depend on statistics")
def test_A9_the_lookup_by_file_name_uses_an_index_not_a_scan(course: Course, maria: User) -> None:
    """At a million posts a scan per image would make every page's images slow (and a cheap way to load the
    server): the lookups by file name use the partial indexes artifact_image and user_avatar."""
    post = image_post(maria, course)
    maria.avatar = "avatars/" + "a" * 32 + ".png"
    maria.save(update_fields=["avatar"])
    for url in (post.image.url, "/media/" + maria.avatar.name):
        with CaptureQueriesContext(connection) as seen:
            Client().get(url)
        lookup = next(q["sql"] for q in seen.captured_queries if "image" in q["sql"] or "avatar" in q["sql"])
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + lookup)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "USING INDEX artifact_image" in plan or "USING INDEX user_avatar" in plan, plan
