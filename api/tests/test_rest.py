"""The REST API: tokens and scopes, typed errors, the one visibility rule, read-before-share, keyset pages,
rate limits, and a facilitator scripting a season."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from api import services
from api.models import Token
from courses.models import Course, Week
from network.models import Open, Share
from posts.models import Artifact, Comment, Visibility
from posts.tests.factories import ArtifactFactory

from .conftest import TokenClient

pytestmark = pytest.mark.django_db
Api = Callable[..., TokenClient]


# Tokens and who is calling


def test_a_token_secret_is_kept_only_as_its_hash(maria: User) -> None:
    token, secret = services.create_token(user=maria, name="script", scopes=["read"])
    assert secret.startswith("cp_")
    assert len(secret) > 40
    assert secret not in token.key_hash
    assert token.prefix == secret[:10]
    assert not Token.objects.filter(key_hash=secret).exists()


def test_me_with_a_token(api_as: Api, maria: User) -> None:
    response = api_as(maria, "read").get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["handle"] == "maria"
    assert Token.objects.get().last_used_at is not None


@pytest.mark.parametrize("header", ["Bearer cp_not-a-real-token", "Bearer ", "Basic abc"])
def test_a_bad_token_is_refused_with_a_typed_error(maria: User, header: str) -> None:
    response = Client().get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response.json()["error"]["message"]


def test_a_revoked_token_stops_working_at_once(maria: User) -> None:
    token, secret = services.create_token(user=maria, name="script", scopes=["read"])
    client = TokenClient(secret)
    assert client.get("/api/v1/me").status_code == 200
    services.revoke_token(token=token, actor=maria)
    assert client.get("/api/v1/me").status_code == 401


def test_an_expired_token_does_not_work(maria: User) -> None:
    token, secret = services.create_token(user=maria, name="script", scopes=["read"])
    Token.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert TokenClient(secret).get("/api/v1/me").status_code == 401


def test_a_read_token_cannot_write(api_as: Api, course: Course, maria: User) -> None:
    response = api_as(maria, "read").post("/api/v1/artifacts", {"course": course.slug, "title": "Hello"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "scope"
    assert not Artifact.objects.exists()


def test_creating_a_course_needs_the_facilitate_scope(api_as: Api, maria: User) -> None:
    data = {"slug": "season6", "title": "Season 6", "hashtag": "#IMMOOC6", "start_date": "2027-01-10"}
    assert api_as(maria, "read", "write").post("/api/v1/courses", data).status_code == 403
    response = api_as(maria, "facilitate").post("/api/v1/courses", data)
    assert response.status_code == 201
    assert response.json()["hashtag"] == "#IMMOOC6"
    assert Course.objects.get(slug="season6").enrollments.get().user == maria


def test_the_session_works_for_the_sites_own_pages_and_changes_need_csrf(course: Course, maria: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(maria)
    assert client.get("/api/v1/me").json()["handle"] == "maria"
    refused = client.post(
        "/api/v1/artifacts", {"course": course.slug, "title": "Forged"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf"
    client.get(reverse("accounts:settings"))  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    made = client.post(
        "/api/v1/artifacts",
        {"course": course.slug, "title": "From the page"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert made.status_code == 201
    assert Artifact.objects.get().title == "From the page"


# Typed errors


def test_bad_input_gets_a_message_that_names_the_fields(api_as: Api, maria: User) -> None:
    response = api_as(maria).post("/api/v1/artifacts", {"title": ""})
    body = response.json()["error"]
    assert response.status_code == 422
    assert body["code"] == "invalid"
    assert "course: Field required" in body["message"]
    assert "title:" in body["message"]


def test_a_refusal_from_a_service_keeps_its_words(api_as: Api, course: Course, outsider: User) -> None:
    response = api_as(outsider).post("/api/v1/artifacts", {"course": course.slug, "title": "Hi"})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Join the course to publish in it."


# Artifacts and the one visibility rule


@pytest.mark.parametrize("visibility", [Visibility.COURSE, Visibility.DRAFT])
def test_hidden_and_missing_artifacts_answer_identically(
    api_as: Api, course: Course, maria: User, outsider: User, visibility: str
) -> None:
    hidden = ArtifactFactory.create(course=course, author=maria, visibility=visibility)
    client = api_as(outsider)
    seen = client.get(f"/api/v1/artifacts/{hidden.pk}")
    missing = client.get(f"/api/v1/artifacts/{hidden.pk + 1000}")
    assert seen.status_code == missing.status_code == 404
    assert seen.content == missing.content
    assert client.get(f"/api/v1/artifacts/{hidden.pk}/comments").status_code == 404
    listed = client.get("/api/v1/artifacts", course=course.slug).json()
    assert hidden.pk not in [a["id"] for a in listed]


def test_a_member_reads_course_only_work(api_as: Api, course: Course, maria: User, devon: User) -> None:
    post = ArtifactFactory.create(course=course, author=maria, visibility=Visibility.COURSE)
    assert api_as(devon).get(f"/api/v1/artifacts/{post.pk}").json()["visibility"] == "course"


def test_write_edit_comment_and_delete_an_artifact(api_as: Api, course: Course, maria: User, devon: User) -> None:
    client = api_as(maria)
    made = client.post(
        "/api/v1/artifacts",
        {"course": course.slug, "title": "Genius hour", "body": "We *tried* it.", "tags": ["genius-hour"]},
    )
    assert made.status_code == 201
    pk = made.json()["id"]
    assert made.json()["html"].strip() == "<p>We <em>tried</em> it.</p>"
    assert made.json()["tags"] == ["genius-hour"]
    assert client.patch(f"/api/v1/artifacts/{pk}", {"title": "Genius hour, week 2"}).json()["title"].endswith("2")
    assert api_as(devon).patch(f"/api/v1/artifacts/{pk}", {"title": "Mine now"}).status_code == 403
    reply = api_as(devon).post(f"/api/v1/artifacts/{pk}/comments", {"body": "How did you start?"})
    assert reply.status_code == 201
    assert reply.json()["tone"] == "question"
    answer = client.post(f"/api/v1/artifacts/{pk}/comments", {"body": "Slowly.", "parent": reply.json()["id"]})
    assert answer.json()["parent"] == reply.json()["id"]
    listed = client.get(f"/api/v1/artifacts/{pk}/comments").json()
    assert [c["body"] for c in listed] == ["How did you start?", "Slowly."]
    assert client.delete(f"/api/v1/artifacts/{pk}").status_code == 204
    assert not Artifact.objects.exists()
    assert not Comment.objects.exists()


def test_responses_to_a_prompt_by_its_tag(api_as: Api, course: Course, maria: User) -> None:
    tag = Week.objects.get(course=course).prompts.get().tag
    made = api_as(maria).post("/api/v1/artifacts", {"course": course.slug, "title": "My answer", "prompt": tag})
    assert made.json()["prompt"] == tag
    listed = api_as(None).get("/api/v1/artifacts", prompt=tag).json()
    assert [a["title"] for a in listed] == ["My answer"]
    assert api_as(None).get("/api/v1/artifacts", prompt="nope-w9-p9").status_code == 404


def test_lists_need_exactly_one_filter(api_as: Api, course: Course) -> None:
    assert api_as(None).get("/api/v1/artifacts").status_code == 400
    assert api_as(None).get("/api/v1/artifacts", course=course.slug, tag="x").status_code == 400


def test_keyset_pages_follow_the_link_header(api_as: Api, course: Course, maria: User) -> None:
    now = timezone.now()
    for n in range(25):
        ArtifactFactory.create(course=course, author=maria, title=f"Post {n}", published_at=now - dt.timedelta(hours=n))
    client = api_as(None)
    first = client.get("/api/v1/artifacts", course=course.slug)
    assert [a["title"] for a in first.json()][:2] == ["Post 0", "Post 1"]
    assert len(first.json()) == 20
    link = first["Link"]
    assert link.endswith('>; rel="next"')
    second = client.client.get(link[1 : link.index(">")])
    assert [a["title"] for a in second.json()] == [f"Post {n}" for n in range(20, 25)]
    assert "Link" not in second


# Read before you share (409), follows, mutes


def test_sharing_an_unopened_artifact_is_refused_with_409(
    api_as: Api, course: Course, maria: User, devon: User
) -> None:
    post = ArtifactFactory.create(course=course, author=maria)
    client = api_as(devon)
    refused = client.post(f"/api/v1/artifacts/{post.pk}/share", {"note": "Worth it"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "open_first"
    assert "Open it first" in refused.json()["error"]["message"]
    assert not Share.objects.exists()
    client.get(f"/api/v1/artifacts/{post.pk}")  # reading a native post through the API opens it
    assert Open.objects.filter(user=devon, artifact=post).exists()
    shared = client.post(f"/api/v1/artifacts/{post.pk}/share", {"note": "Worth it"})
    assert shared.status_code == 201
    assert Share.objects.get().note == "Worth it"
    assert client.delete(f"/api/v1/artifacts/{post.pk}/share").status_code == 204
    assert not Share.objects.exists()


def test_follow_mute_and_block_people(api_as: Api, maria: User, devon: User) -> None:
    client = api_as(devon)
    assert client.post("/api/v1/people/maria/follow").status_code == 204
    assert devon.following.filter(followee=maria).exists()
    assert client.post("/api/v1/me/mutes/maria", {"days": 1}).status_code == 204
    mute = devon.mutes.get()
    assert mute.until is not None
    assert client.delete("/api/v1/me/mutes/maria").status_code == 204
    assert client.post("/api/v1/me/blocks/maria").status_code == 204
    assert not devon.following.exists()  # a block ends follows
    assert api_as(maria).get("/api/v1/people/devon").status_code == 404  # blocked people are missing
    assert client.delete("/api/v1/me/blocks/maria").status_code == 204


def test_notifications_tell_of_replies(api_as: Api, course: Course, maria: User, devon: User) -> None:
    post = ArtifactFactory.create(course=course, author=maria)
    api_as(devon).post(f"/api/v1/artifacts/{post.pk}/comments", {"body": "Lovely idea."})
    items = api_as(maria).get("/api/v1/me/notifications").json()
    assert items[0]["actor"]["handle"] == "devon"
    assert items[0]["link"].endswith(Comment.objects.get().get_absolute_url())


# Rate limits


@pytest.fixture
def _still_clock(monkeypatch) -> None:
    """The limits count in windows of the clock: a test must not straddle two of them."""
    monkeypatch.setattr("api.rest.throttle.time.time", lambda: 1_800_000_030.0)


@pytest.mark.usefixtures("_still_clock")
def test_each_token_has_its_own_rate_limit(api_as: Api, maria: User, devon: User, settings) -> None:
    settings.API_RATE = "3/m"
    client = api_as(maria, "read")
    assert [client.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get("/api/v1/me")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited["Retry-After"]) >= 1
    assert api_as(devon, "read").get("/api/v1/me").status_code == 200  # someone else's token is not limited


@pytest.mark.usefixtures("_still_clock")
def test_forged_forwarded_for_does_not_escape_the_anonymous_limit(settings) -> None:
    settings.API_RATE_ANONYMOUS = "2/m"
    client = Client()
    codes = [client.get("/api/v1/courses", headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code for n in range(3)]
    assert codes == [200, 200, 429]


# A facilitator scripts a season


def test_a_facilitator_scripts_a_season_with_weeks_prompts_and_live_sessions(api_as: Api, george: User) -> None:
    client = api_as(george, "facilitate")
    course = {"slug": "immooc-s6", "title": "IMMOOC season 6", "hashtag": "#IMMOOC", "start_date": "2027-01-11"}
    assert client.post("/api/v1/courses", course).status_code == 201
    start = dt.date(2027, 1, 11)
    for n in range(1, 7):
        week = {
            "number": n,
            "title": f"Week {n}",
            "starts_on": (start + dt.timedelta(weeks=n - 1)).isoformat(),
            "ends_on": (start + dt.timedelta(weeks=n - 1, days=6)).isoformat(),
        }
        assert client.post("/api/v1/courses/immooc-s6/weeks", week).status_code == 201
        for kind in ("blog", "video"):
            made = client.post(f"/api/v1/courses/immooc-s6/weeks/{n}/prompts", {"kind": kind, "text": f"{kind} {n}"})
            assert made.status_code == 201
        live = {"title": "Live", "starts_at": f"{week['starts_on']}T19:00:00-07:00"}
        assert client.put(f"/api/v1/courses/immooc-s6/weeks/{n}/live", live).status_code == 200
    weeks = api_as(None).get("/api/v1/courses/immooc-s6/weeks").json()
    assert [w["number"] for w in weeks] == [1, 2, 3, 4, 5, 6]
    assert [p["tag"] for p in weeks[2]["prompts"]] == ["immooc-w3-p1", "immooc-w3-p2"]
    assert weeks[0]["live_session"]["starts_at"].startswith("2027-01-12T02:00:00")
    bad = client.post("/api/v1/courses/immooc-s6/weeks", {**week, "ends_on": "2020-01-01"})
    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "A week must end on or after the day it starts."


def test_a_participant_cannot_change_someone_elses_course(api_as: Api, course: Course, maria: User) -> None:
    response = api_as(maria, "facilitate").patch(f"/api/v1/courses/{course.slug}", {"title": "Mine"})
    assert response.status_code == 403
    assert Course.objects.get(pk=course.pk).title == course.title


# The token page


def test_the_settings_page_makes_a_token_shows_it_once_and_revokes_it(login, maria: User, devon: User) -> None:
    client = login(maria)
    response = client.post(reverse("tokens:list"), {"name": "season script", "scopes": ["read", "facilitate"]})
    html = response.content.decode()
    token = Token.objects.get()
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    secret = html.split('id="new-token" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert TokenClient(secret).get("/api/v1/me").json()["handle"] == "maria"
    assert secret not in client.get(reverse("tokens:list")).content.decode()  # shown once
    login(devon)
    assert client.post(reverse("tokens:revoke", args=[token.pk])).status_code == 404  # not devon's
    login(maria)
    client.post(reverse("tokens:revoke", args=[token.pk]))
    assert TokenClient(secret).get("/api/v1/me").status_code == 401


def test_a_token_without_a_name_or_scope_is_refused_and_the_form_kept(login, maria: User) -> None:
    response = login(maria).post(reverse("tokens:list"), {"name": "  ", "scopes": []})
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_the_docs_and_schema_come_from_this_site(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/artifacts/{pk}/share" in schema["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle" in docs
    assert "cdn" not in docs.lower()


def test_a_write_token_reads_what_it_writes_and_null_leaves_a_field_alone(
    api_as: Api, course: Course, maria: User
) -> None:
    client = api_as(maria, "write")
    made = client.post("/api/v1/artifacts", {"course": course.slug, "title": "Written with a write token"})
    assert made.status_code == 201  # not a 403 after the post was made
    pk = made.json()["id"]
    kept = client.patch(f"/api/v1/artifacts/{pk}", {"title": None, "body": "New text"})
    assert kept.status_code == 200
    assert kept.json()["title"] == "Written with a write token"
    assert kept.json()["body"] == "New text"


# Keyword filters


def test_a_warning_filter_is_named_on_artifacts_and_comments_and_a_hiding_one_leaves_them_out(
    api_as: Api, maria: User, devon: User, course: Course
) -> None:
    from accounts.models import FilterAction
    from accounts.services_filters import add_filter
    from posts import services as posts

    folded = ArtifactFactory.create(author=devon, course=course, title="Zucchini harvest")
    hidden = ArtifactFactory.create(author=devon, course=course, title="Turnip recipes")
    plain = ArtifactFactory.create(author=devon, course=course, title="Reading notes")
    posts.add_comment(artifact=plain, author=devon, body="More zucchini than anyone needs")
    posts.add_comment(artifact=plain, author=devon, body="A turnip for everyone")
    add_filter(owner=maria, phrase="zucchini", contexts=["courses", "comments"])
    add_filter(owner=maria, phrase="turnip", contexts=["courses", "comments"], action=FilterAction.HIDE)
    api = api_as(maria, "read")
    listed = {a["id"]: a["filtered_by"] for a in api.get("/api/v1/artifacts", course=course.slug).json()}
    assert hidden.pk not in listed
    assert (listed[folded.pk], listed[plain.pk]) == ("zucchini", "")
    comments = api.get(f"/api/v1/artifacts/{plain.pk}/comments").json()
    assert [(c["body"], c["filtered_by"]) for c in comments] == [("More zucchini than anyone needs", "zucchini")]


def test_a_notification_a_warning_filter_matches_names_it(
    api_as: Api, maria: User, devon: User, course: Course
) -> None:
    from accounts.services_filters import add_filter
    from posts import services as posts

    mine = ArtifactFactory.create(author=maria, course=course, title="Garden plans")
    posts.add_comment(artifact=mine, author=devon, body="Plant zucchini early")
    posts.add_comment(artifact=mine, author=devon, body="And beans")
    add_filter(owner=maria, phrase="zucchini", contexts=["notifications"])
    items = api_as(maria, "read").get("/api/v1/me/notifications").json()
    assert sorted(item["filtered_by"] for item in items) == ["", "zucchini"]
