"""Every posts surface shows an artifact only to those the one visibility rule allows."""

import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from accounts.models import User
from core.formguard import stamp
from courses.models import Course, Prompt
from posts.models import Artifact, Visibility
from posts.tests.factories import ArtifactFactory

SHOWN = stamp(ago=60)  # the comment form was shown a minute ago (core.formguard)

# (visibility, viewer) -> may see?
CASES = [
    (Visibility.PUBLIC, None, True),
    (Visibility.PUBLIC, "devon", True),
    (Visibility.PUBLIC, "outsider", True),
    (Visibility.PUBLIC, "maria", True),
    (Visibility.COURSE, None, False),
    (Visibility.COURSE, "devon", True),
    (Visibility.COURSE, "outsider", False),
    (Visibility.COURSE, "maria", True),
    (Visibility.DRAFT, None, False),
    (Visibility.DRAFT, "devon", False),
    (Visibility.DRAFT, "outsider", False),
    (Visibility.DRAFT, "maria", True),
]
LIST_CASES = [case for case in CASES if case[0] != Visibility.DRAFT] + [
    # drafts never appear in shared lists, not even for their author; only on the author's own profile
    (Visibility.DRAFT, None, False),
    (Visibility.DRAFT, "devon", False),
    (Visibility.DRAFT, "outsider", False),
    (Visibility.DRAFT, "maria", False),
]


@pytest.fixture
def viewer_client(client: Client, request: pytest.FixtureRequest) -> Callable[[str | None], Client]:
    def _as(name: str | None) -> Client:
        if name is not None:
            client.force_login(request.getfixturevalue(name))
        return client

    return _as


def _artifact(course: Course, maria: User, prompt: Prompt, visibility: str) -> Artifact:
    artifact = ArtifactFactory.create(
        course=course, author=maria, prompt=prompt, title="Zebra crossing thoughts", visibility=visibility
    )
    artifact.tags.create(name="zebras")
    return artifact


@pytest.mark.parametrize(("visibility", "viewer", "visible"), CASES)
def test_artifact_page_respects_visibility(course, maria, prompt, viewer_client, visibility, viewer, visible) -> None:
    artifact = _artifact(course, maria, prompt, visibility)
    response = viewer_client(viewer).get(artifact.get_absolute_url())
    assert response.status_code == (200 if visible else 404)
    assert (b"Zebra crossing thoughts" in response.content) is visible


@pytest.mark.parametrize(("visibility", "viewer", "visible"), LIST_CASES)
@pytest.mark.parametrize("surface", ["stream", "tag", "prompt", "course", "week"])
def test_lists_respect_visibility(course, maria, prompt, viewer_client, surface, visibility, viewer, visible) -> None:
    _artifact(course, maria, prompt, visibility)
    url = {
        "stream": reverse("network:stream", args=[course.slug]),
        "tag": reverse("posts:tag", args=["zebras"]),
        "prompt": prompt.get_absolute_url(),
        "course": course.get_absolute_url(),
        "week": reverse("posts:week", args=[course.slug, 1]),
    }[surface]
    response = viewer_client(viewer).get(url)
    assert response.status_code == 200
    assert (b"Zebra crossing thoughts" in response.content) is visible


@pytest.mark.parametrize(("visibility", "viewer", "visible"), CASES)
def test_person_page_respects_visibility_and_shows_drafts_only_to_author(
    course, maria, prompt, viewer_client, visibility, viewer, visible
) -> None:
    _artifact(course, maria, prompt, visibility)
    response = viewer_client(viewer).get(maria.get_absolute_url())
    assert response.status_code == 200
    assert (b"Zebra crossing thoughts" in response.content) is visible


def _normalised(response: HttpResponse, path: str) -> str:
    """The body with what changes per request (nonce, CSRF token, the path in the log-in link) blanked."""
    body = response.content.decode().replace(quote(path, safe=""), "PATH").replace(path, "PATH")
    body = re.sub(r'nonce="[^"]*"', 'nonce=""', body)
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value=""', body)
    return re.sub(r'"X-CSRFToken": "[^"]*"', '"X-CSRFToken": ""', body)


@pytest.mark.parametrize("viewer", [None, "outsider", "devon"])
def test_hidden_and_missing_artifacts_give_identical_404(
    viewer_client, course, course_post, draft_post, viewer
) -> None:
    client = viewer_client(viewer)
    hidden = [draft_post] if viewer == "devon" else [course_post, draft_post]
    missing_path = reverse("posts:artifact", args=[999_999])
    missing = client.get(missing_path)
    assert missing.status_code == 404
    for artifact in hidden:
        response = client.get(artifact.get_absolute_url())
        assert response.status_code == 404
        assert _normalised(response, artifact.get_absolute_url()) == _normalised(missing, missing_path)


def test_hidden_artifact_edit_delete_and_comment_routes_also_404(login, outsider, course_post) -> None:
    client = login(outsider)
    for name in ("posts:artifact_edit", "posts:artifact_delete"):
        assert client.get(reverse(name, args=[course_post.pk])).status_code == 404
    response = client.post(reverse("posts:comment_create", args=[course_post.pk]), {"rendered": SHOWN, "body": "hello"})
    assert response.status_code == 404
    assert course_post.comments.count() == 0
