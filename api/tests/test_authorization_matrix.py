"""A1–A3 for the REST API: the same one table as the pages (network/tests/test_authorization_matrix.py) decides
what each viewer reads through the API; hidden and missing answer byte for byte alike; refused writes leave
nothing behind and tell nobody."""

import pytest
from django.test import Client

from accounts.models import User
from api import services
from courses.models import Course
from network.models import Notification, Share
from network.tests.test_authorization_matrix import VIEWERS, VISIBILITIES, cast, make, may_see
from posts.models import Comment, Visibility

pytestmark = pytest.mark.django_db
__all__ = ["cast"]  # the cast of viewers is the pages' own fixture


def _client(user: User | None) -> tuple[Client, dict[str, str]]:
    if user is None:
        return Client(), {}
    _, secret = services.create_token(user=user, name="matrix", scopes=["read", "write"])
    return Client(), {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_A1_api_reads_follow_the_table(
    cast: dict[str, User | None], course: Course, viewer: str, visibility: str
) -> None:
    artifact = make(course, cast["author"], visibility)  # type: ignore[arg-type]
    client, headers = _client(cast[viewer])
    one = client.get(f"/api/v1/artifacts/{artifact.pk}", headers=headers)
    comments = client.get(f"/api/v1/artifacts/{artifact.pk}/comments", headers=headers)
    by_author = client.get("/api/v1/artifacts", {"author": "maria"}, headers=headers)
    listed = artifact.pk in [a["id"] for a in by_author.json()] if by_author.status_code == 200 else False
    if may_see(viewer, visibility):
        assert one.status_code == comments.status_code == 200
        assert listed
    else:
        assert one.status_code == comments.status_code == 404
        assert not listed


@pytest.mark.parametrize("suffix", ["", "/comments"])
@pytest.mark.parametrize("accept", ["application/json", "text/html", "*/*"])
def test_A2_hidden_and_missing_answer_byte_for_byte_alike(
    cast: dict[str, User | None], course: Course, suffix: str, accept: str
) -> None:
    hidden = make(course, cast["author"], Visibility.DRAFT)  # type: ignore[arg-type]
    client, headers = _client(cast["member"])
    headers = {**headers, "Accept": accept}
    a = client.get(f"/api/v1/artifacts/{hidden.pk}{suffix}", headers=headers)
    b = client.get(f"/api/v1/artifacts/{hidden.pk + 1000}{suffix}", headers=headers)
    assert a.status_code == b.status_code == 404
    assert a.content == b.content
    assert sorted(a.headers.items()) == sorted(b.headers.items())


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v not in {"anonymous", "author"}])
def test_A3_api_share_and_reply_follow_the_table_and_a_refusal_leaves_nothing(
    cast: dict[str, User | None], course: Course, viewer: str, visibility: str
) -> None:
    author = cast["author"]
    artifact = make(course, author, visibility)  # type: ignore[arg-type]
    client, headers = _client(cast[viewer])
    client.get(f"/api/v1/artifacts/{artifact.pk}", headers=headers)  # open it first, where allowed
    before = Notification.objects.filter(recipient=author).count()
    share = client.post(
        f"/api/v1/artifacts/{artifact.pk}/share", {"note": "Worth it"}, content_type="application/json", headers=headers
    )
    reply = client.post(
        f"/api/v1/artifacts/{artifact.pk}/comments",
        {"body": "Thanks!"},
        content_type="application/json",
        headers=headers,
    )
    allowed = may_see(viewer, visibility) and visibility != Visibility.DRAFT
    if allowed:
        assert share.status_code == reply.status_code == 201
    else:
        assert share.status_code == reply.status_code == 404
        assert not Share.objects.filter(artifact=artifact).exists()
        assert not Comment.objects.filter(artifact=artifact).exists()
        assert Notification.objects.filter(recipient=author).count() == before


# The same table through the Mastodon client API


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_A1_mastodon_status_reads_follow_the_table(
    cast: dict[str, User | None], course: Course, viewer: str, visibility: str
) -> None:
    artifact = make(course, cast["author"], visibility)  # type: ignore[arg-type]
    client, headers = _client(cast[viewer])
    status = client.get(f"/api/v1/statuses/{artifact.pk}", headers=headers)
    context = client.get(f"/api/v1/statuses/{artifact.pk}/context", headers=headers)
    expected = 200 if may_see(viewer, visibility) else 404
    assert (status.status_code, context.status_code) == (expected, expected)


def test_A2_mastodon_hidden_and_missing_statuses_are_byte_identical(
    cast: dict[str, User | None], course: Course
) -> None:
    hidden = make(course, cast["author"], Visibility.DRAFT)  # type: ignore[arg-type]
    client, headers = _client(cast["member"])
    for suffix in ("", "/", "/context"):
        a = client.get(f"/api/v1/statuses/{hidden.pk}{suffix}", headers=headers)
        b = client.get(f"/api/v1/statuses/{hidden.pk + 1000}{suffix}", headers=headers)
        assert a.status_code == b.status_code == 404
        assert a.content == b.content


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v not in {"anonymous", "author"}])
def test_A3_mastodon_reblog_and_reply_follow_the_table_and_a_refusal_leaves_nothing(
    cast: dict[str, User | None], course: Course, viewer: str, visibility: str
) -> None:
    author = cast["author"]
    artifact = make(course, author, visibility)  # type: ignore[arg-type]
    client, headers = _client(cast[viewer])
    client.get(f"/api/v1/statuses/{artifact.pk}", headers=headers)  # opening it, where allowed
    before = Notification.objects.filter(recipient=author).count()
    reblog = client.post(f"/api/v1/statuses/{artifact.pk}/reblog", headers=headers)
    reply = client.post(
        "/api/v1/statuses",
        {"status": "Thanks for this!", "in_reply_to_id": str(artifact.pk)},
        content_type="application/json",
        headers=headers,
    )
    if may_see(viewer, visibility) and visibility != Visibility.DRAFT:
        assert reblog.status_code == reply.status_code == 200
    else:
        assert reblog.status_code == reply.status_code == 404
        assert not Share.objects.filter(artifact=artifact).exists()
        assert not Comment.objects.filter(artifact=artifact).exists()
        assert Notification.objects.filter(recipient=author).count() == before
