"""The Mastodon client API through Django's test client: OAuth, instance, visibility, sharing, pages, scopes."""

import base64
import datetime as dt
import hashlib
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from accounts.models import Block, Mute, User
from api.mastodon.selectors import COMMENT_BASE
from api.models import Application, MediaUpload
from courses.models import Course
from network.models import Follow, Open, Share
from posts.models import Artifact, Comment, Tag, Visibility
from posts.tests.factories import ArtifactFactory, CommentFactory

pytestmark = pytest.mark.django_db
OOB = "urn:ietf:wg:oauth:2.0:oob"


def _app(client: Client, redirect: str = OOB, scopes: str = "read write follow") -> dict:
    response = client.post(
        "/api/v1/apps", {"client_name": "Test app", "redirect_uris": redirect, "scopes": scopes, "website": ""}
    )
    assert response.status_code == 200, response.content
    return response.json()


def _pkce() -> tuple[str, str]:
    verifier = "a-verifier-that-is-long-enough-to-count-0123456789"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def _consent(client: Client, app: dict, *, redirect: str = OOB, challenge: str = "", scope: str = "read write") -> str:
    """Sign-in done by the caller; authorize on the consent page and return the code."""
    query = {"client_id": app["client_id"], "redirect_uri": redirect, "scope": scope, "response_type": "code"}
    if challenge:
        query |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    page = client.get("/oauth/authorize", query)
    assert page.status_code == 200
    assert b"Test app" in page.content
    assert b"csrfmiddlewaretoken" in page.content
    response = client.post("/oauth/authorize", {**query, "authorize": "1"})
    if redirect == OOB:
        assert response.status_code == 200
        return response.context["code"]
    assert response.status_code == 302
    return parse_qs(urlsplit(response["Location"]).query)["code"][0]


def _exchange(client: Client, app: dict, code: str, *, redirect: str = OOB, verifier: str = ""):
    data = {
        "grant_type": "authorization_code",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "code": code,
        "redirect_uri": redirect,
    }
    if verifier:
        data["code_verifier"] = verifier
    return client.post("/oauth/token", data)


@pytest.fixture
def token_for(course: Course):
    def make(user: User, scopes: str = "read write follow") -> Client:
        anon = Client()
        app = _app(anon, scopes=scopes)
        browser = Client()
        browser.force_login(user)
        code = _consent(browser, app, scope=scopes)
        secret = _exchange(anon, app, code).json()["access_token"]
        return Client(headers={"Authorization": f"Bearer {secret}"})

    return make


# OAuth


def test_app_secret_is_shown_once_and_stored_hashed(client: Client) -> None:
    app = _app(client)
    stored = Application.objects.get(client_id=app["client_id"])
    assert app["client_secret"] not in stored.client_secret_hash
    assert hashlib.sha256(app["client_secret"].encode()).hexdigest() == stored.client_secret_hash


def test_app_accepts_json(client: Client) -> None:
    response = client.post(
        "/api/v1/apps",
        {"client_name": "J", "redirect_uris": ["https://app.example/cb"], "scopes": "read"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["redirect_uris"] == ["https://app.example/cb"]


def test_app_with_javascript_redirect_is_refused(client: Client) -> None:
    response = client.post("/api/v1/apps", {"client_name": "X", "redirect_uris": "javascript:alert(1)"})
    assert response.status_code == 422
    assert "redirect" in response.json()["error"]


def test_pkce_code_flow_gives_a_token(maria: User, course: Course, login) -> None:
    app = _app(Client(), redirect="https://app.example/cb")
    verifier, challenge = _pkce()
    code = _consent(login(maria), app, redirect="https://app.example/cb", challenge=challenge)
    response = _exchange(Client(), app, code, redirect="https://app.example/cb", verifier=verifier)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    me = Client(headers={"Authorization": f"Bearer {body['access_token']}"}).get("/api/v1/accounts/verify_credentials")
    assert me.json()["username"] == "maria"


def test_wrong_verifier_is_refused(maria: User, login) -> None:
    app = _app(Client())
    _, challenge = _pkce()
    code = _consent(login(maria), app, challenge=challenge)
    response = _exchange(Client(), app, code, verifier="not-the-verifier")
    assert response.status_code == 400
    assert "verifier" in response.json()["error"]


def test_code_works_once(maria: User, login) -> None:
    app = _app(Client())
    code = _consent(login(maria), app)
    assert _exchange(Client(), app, code).status_code == 200
    again = _exchange(Client(), app, code)
    assert again.status_code == 400
    assert "already used" in again.json()["error"]


def test_expired_code_is_refused(maria: User, login) -> None:
    app = _app(Client())
    code = _consent(login(maria), app)
    Application.objects.get(client_id=app["client_id"]).codes.update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert _exchange(Client(), app, code).status_code == 400


def test_oob_shows_the_code_on_the_page(maria: User, login) -> None:
    app = _app(Client())
    browser = login(maria)
    query = {"client_id": app["client_id"], "redirect_uri": OOB, "scope": "read", "response_type": "code"}
    response = browser.post("/oauth/authorize", {**query, "authorize": "1"})
    assert response.status_code == 200
    assert response.context["code"].encode() in response.content


def test_deny_redirects_with_access_denied(maria: User, login) -> None:
    app = _app(Client(), redirect="https://app.example/cb")
    query = {"client_id": app["client_id"], "redirect_uri": "https://app.example/cb", "scope": "read", "state": "s1"}
    response = login(maria).post("/oauth/authorize", {**query, "deny": "1"})
    assert response.status_code == 302
    assert response["Location"] == "https://app.example/cb?error=access_denied&state=s1"


def test_unregistered_redirect_is_shown_not_followed(maria: User, login) -> None:
    app = _app(Client(), redirect="https://app.example/cb")
    query = {"client_id": app["client_id"], "redirect_uri": "https://evil.example/", "scope": "read"}
    response = login(maria).get("/oauth/authorize", query)
    assert response.status_code == 400
    assert b"not registered" in response.content


def test_consent_page_needs_sign_in(client: Client) -> None:
    app = _app(client)
    response = client.get("/oauth/authorize", {"client_id": app["client_id"], "redirect_uri": OOB})
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_consent_post_needs_csrf(maria: User) -> None:
    app = _app(Client())
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(maria)
    query = {"client_id": app["client_id"], "redirect_uri": OOB, "scope": "read", "authorize": "1"}
    assert browser.post("/oauth/authorize", query).status_code == 403


def test_revoked_token_gets_401(maria: User, course: Course, login) -> None:
    app = _app(Client())
    secret = _exchange(Client(), app, _consent(login(maria), app)).json()["access_token"]
    data = {"client_id": app["client_id"], "client_secret": app["client_secret"], "token": secret}
    assert Client().post("/oauth/revoke", data).status_code == 200
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/accounts/verify_credentials")
    assert response.status_code == 401
    assert response.json() == {"error": "The access token is invalid."}


def test_client_credentials_refused_in_words(client: Client) -> None:
    app = _app(client)
    data = {"grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": app["client_secret"]}
    response = client.post("/oauth/token", data)
    assert response.status_code == 400
    assert "authorization code" in response.json()["error"]


# Instance


@pytest.mark.parametrize("path", ["/api/v1/instance", "/api/v1/instance/", "/api/v2/instance", "/api/v2/instance/"])
def test_instance_with_and_without_slash(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["api_versions"] == {"mastodon": 1}
    assert body["version"].startswith("4.3.0")
    assert body["configuration"]["statuses"]["max_characters"] > 0


# Auth and scopes


def test_no_token_is_401(client: Client) -> None:
    response = client.get("/api/v1/accounts/verify_credentials")
    assert response.status_code == 401
    assert "token" in response.json()["error"]


def test_bad_token_is_401(client: Client) -> None:
    response = client.get("/api/v1/timelines/public", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_read_only_token_cannot_post(maria: User, token_for) -> None:
    api = token_for(maria, "read")
    response = api.post("/api/v1/statuses", {"status": "Hello"})
    assert response.status_code == 403
    assert response.json() == {"error": "This action is outside the authorized scopes."}


# Visibility


@pytest.mark.parametrize("visibility", [Visibility.COURSE, Visibility.DRAFT])
def test_hidden_statuses_are_missing(outsider: User, maria: User, course: Course, token_for, visibility) -> None:
    hidden = ArtifactFactory.create(author=maria, course=course, visibility=visibility)
    api = token_for(outsider)
    missing = api.get("/api/v1/statuses/999999")
    response = api.get(f"/api/v1/statuses/{hidden.pk}")
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    assert api.get(f"/api/v1/statuses/{hidden.pk}/context").status_code == 404
    assert hidden.pk not in [int(s["id"]) for s in api.get("/api/v1/timelines/public").json()]


def test_blocked_author_status_is_missing(maria: User, devon: User, course: Course, token_for) -> None:
    post = ArtifactFactory.create(author=maria, course=course)
    reply = CommentFactory.create(artifact=ArtifactFactory.create(author=devon, course=course), author=maria)
    Block.objects.create(blocker=maria, blocked=devon)
    api = token_for(devon)
    assert api.get(f"/api/v1/statuses/{post.pk}").status_code == 404
    assert api.get(f"/api/v1/statuses/{COMMENT_BASE + reply.pk}").status_code == 404
    assert api.get(f"/api/v1/accounts/{maria.pk}").status_code == 404


def test_course_post_visible_to_member(maria: User, devon: User, course: Course, token_for) -> None:
    post = ArtifactFactory.create(author=maria, course=course, visibility=Visibility.COURSE, title="Members")
    response = token_for(devon).get(f"/api/v1/statuses/{post.pk}")
    assert response.status_code == 200
    assert response.json()["visibility"] == "private"
    assert "Members" in response.json()["content"]


def test_anonymous_reads_public_only(maria: User, course: Course, client: Client) -> None:
    public = ArtifactFactory.create(author=maria, course=course)
    members = ArtifactFactory.create(author=maria, course=course, visibility=Visibility.COURSE)
    assert client.get(f"/api/v1/statuses/{public.pk}").status_code == 200
    assert client.get(f"/api/v1/statuses/{members.pk}").status_code == 404


# Statuses


def test_fetching_a_status_records_an_open(maria: User, devon: User, course: Course, token_for) -> None:
    post = ArtifactFactory.create(author=maria, course=course)
    token_for(devon).get(f"/api/v1/statuses/{post.pk}")
    assert Open.objects.filter(user=devon, artifact=post).exists()


def test_reblog_of_unopened_is_422_with_the_message(maria: User, devon: User, course: Course, token_for) -> None:
    post = ArtifactFactory.create(author=maria, course=course)
    api = token_for(devon)
    response = api.post(f"/api/v1/statuses/{post.pk}/reblog")
    assert response.status_code == 422
    assert response.json()["error"].startswith("Open it first")
    api.get(f"/api/v1/statuses/{post.pk}")
    shared = api.post(f"/api/v1/statuses/{post.pk}/reblog")
    assert shared.status_code == 200
    assert shared.json()["reblogged"] is True
    assert Share.objects.filter(sharer=devon, artifact=post).exists()
    assert api.post(f"/api/v1/statuses/{post.pk}/unreblog").json()["reblogged"] is False


def test_post_status_goes_to_latest_course(maria: User, course: Course, token_for) -> None:
    response = token_for(maria).post(
        "/api/v1/statuses", {"status": "My first week\nIt went well #IMMOOC", "visibility": "private"}
    )
    assert response.status_code == 200, response.content
    artifact = Artifact.objects.get(pk=response.json()["id"])
    assert (artifact.course, artifact.title, artifact.visibility) == (course, "My first week", Visibility.COURSE)
    assert response.json()["visibility"] == "private"


def test_post_status_without_course_is_refused(outsider: User, token_for) -> None:
    response = token_for(outsider).post("/api/v1/statuses", {"status": "Hello"})
    assert response.status_code == 422
    assert "Join a course" in response.json()["error"]


def test_direct_is_refused(maria: User, token_for) -> None:
    response = token_for(maria).post("/api/v1/statuses", {"status": "psst", "visibility": "direct"})
    assert response.status_code == 422
    assert "Direct messages" in response.json()["error"]


def test_reply_becomes_a_comment_in_context(maria: User, devon: User, course: Course, token_for) -> None:
    post = ArtifactFactory.create(author=maria, course=course)
    api = token_for(devon)
    first = api.post("/api/v1/statuses", {"status": "Great idea", "in_reply_to_id": str(post.pk)}).json()
    second = api.post("/api/v1/statuses", {"status": "And another", "in_reply_to_id": first["id"]}).json()
    assert int(first["id"]) >= COMMENT_BASE
    assert second["in_reply_to_id"] == first["id"]
    context = api.get(f"/api/v1/statuses/{post.pk}/context").json()
    assert [s["id"] for s in context["descendants"]] == [first["id"], second["id"]]
    ancestors = api.get(f"/api/v1/statuses/{second['id']}/context").json()["ancestors"]
    assert [s["id"] for s in ancestors] == [str(post.pk), first["id"]]


def test_A6_delete_own_status_and_reply_but_not_someone_elses(
    maria: User, devon: User, course: Course, token_for
) -> None:
    post = ArtifactFactory.create(author=maria, course=course)
    reply = CommentFactory.create(artifact=post, author=devon)
    assert token_for(devon).delete(f"/api/v1/statuses/{COMMENT_BASE + reply.pk}").status_code == 200
    assert Comment.objects.get(pk=reply.pk).removed_at is not None
    assert token_for(devon).delete(f"/api/v1/statuses/{post.pk}").status_code == 403  # A6: not theirs
    assert Artifact.objects.filter(pk=post.pk).exists()
    assert token_for(maria).delete(f"/api/v1/statuses/{post.pk}").status_code == 200
    assert not Artifact.objects.filter(pk=post.pk).exists()


def test_favourite_records_nothing(maria: User, devon: User, course: Course, token_for) -> None:
    post = ArtifactFactory.create(author=maria, course=course)
    response = token_for(devon).post(f"/api/v1/statuses/{post.pk}/favourite")
    assert response.status_code == 200
    assert response.json()["favourited"] is False


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_media_upload_then_attach(maria: User, course: Course, token_for) -> None:
    api = token_for(maria)
    upload = io.BytesIO(_png())
    upload.name = "red.png"
    media = api.post("/api/v2/media", {"file": upload, "description": "A red square"})
    assert media.status_code == 200, media.content
    status = api.post("/api/v1/statuses", {"status": "Colour", "media_ids[]": [media.json()["id"]]})
    assert status.status_code == 200, status.content
    assert status.json()["media_attachments"][0]["description"] == "A red square"
    assert not MediaUpload.objects.exists()


def test_media_upload_refuses_non_images(maria: User, token_for) -> None:
    upload = io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    upload.name = "x.svg"
    response = token_for(maria).post("/api/v1/media", {"file": upload})
    assert response.status_code == 422
    assert response.json()["error"]


# Timelines and pagination


def test_public_timeline_pages_with_link_headers(maria: User, course: Course, client: Client) -> None:
    now = timezone.now()
    posts = [
        ArtifactFactory.create(author=maria, course=course, published_at=now - dt.timedelta(minutes=i))
        for i in range(5)
    ]
    first = client.get("/api/v1/timelines/public", {"limit": 2})
    assert [int(s["id"]) for s in first.json()] == [posts[0].pk, posts[1].pk]
    assert 'rel="next"' in first["Link"]
    assert f"max_id={posts[1].pk}" in first["Link"]
    assert f"min_id={posts[0].pk}" in first["Link"]
    second = client.get("/api/v1/timelines/public", {"limit": 2, "max_id": posts[1].pk})
    assert [int(s["id"]) for s in second.json()] == [posts[2].pk, posts[3].pk]
    newer = client.get("/api/v1/timelines/public", {"limit": 2, "min_id": posts[3].pk})
    assert [int(s["id"]) for s in newer.json()] == [posts[1].pk, posts[2].pk]
    since = client.get("/api/v1/timelines/public", {"limit": 2, "since_id": posts[3].pk})
    assert [int(s["id"]) for s in since.json()] == [posts[0].pk, posts[1].pk]


def test_max_id_follows_publication_order_not_ids(maria: User, course: Course, client: Client) -> None:
    now = timezone.now()
    newer = ArtifactFactory.create(author=maria, course=course, published_at=now)
    gathered_late = ArtifactFactory.create(author=maria, course=course, published_at=now - dt.timedelta(days=3))
    middle = ArtifactFactory.create(author=maria, course=course, published_at=now - dt.timedelta(days=1))
    ids = [int(s["id"]) for s in client.get("/api/v1/timelines/public", {"max_id": middle.pk}).json()]
    assert ids == [gathered_late.pk]
    assert newer.pk not in ids


def test_course_hashtag_lists_its_stream(maria: User, course: Course, token_for) -> None:
    post = ArtifactFactory.create(author=maria, course=course, visibility=Visibility.COURSE)
    ids = [int(s["id"]) for s in token_for(maria).get("/api/v1/timelines/tag/immooc").json()]
    assert ids == [post.pk]


def test_home_timeline_shows_followed_people(maria: User, devon: User, course: Course, token_for) -> None:
    post = ArtifactFactory.create(author=maria, course=course)
    api = token_for(devon)
    assert api.get("/api/v1/timelines/home").json() == []
    assert api.post(f"/api/v1/accounts/{maria.pk}/follow").json()["following"] is True
    assert [int(s["id"]) for s in api.get("/api/v1/timelines/home").json()] == [post.pk]


# Accounts and notifications


def test_mute_duration_rounds_up_to_a_day(maria: User, devon: User, course: Course, token_for) -> None:
    response = token_for(devon).post(f"/api/v1/accounts/{maria.pk}/mute", {"duration": "3600"})
    assert response.json()["muting"] is True
    mute = Mute.objects.get(muter=devon, muted=maria)
    assert mute.until is not None
    assert dt.timedelta(hours=23) < mute.until - timezone.now() <= dt.timedelta(days=1)


def test_relationships_and_lookup(maria: User, devon: User, course: Course, token_for) -> None:
    Follow.objects.create(follower=maria, followee=devon)
    api = token_for(devon)
    assert api.get("/api/v1/accounts/lookup", {"acct": "@maria"}).json()["id"] == str(maria.pk)
    rels = api.get("/api/v1/accounts/relationships", {"id[]": [maria.pk]}).json()
    assert rels[0]["followed_by"] is True
    assert rels[0]["following"] is False


def test_notifications_map_kinds(maria: User, devon: User, course: Course, token_for) -> None:
    post = ArtifactFactory.create(author=maria, course=course)
    api = token_for(devon)
    api.post(f"/api/v1/accounts/{maria.pk}/follow")
    api.post("/api/v1/statuses", {"status": "Nice", "in_reply_to_id": str(post.pk)})
    kinds = [n["type"] for n in token_for(maria).get("/api/v1/notifications").json()]
    assert sorted(kinds) == ["follow", "mention"]


def test_search_finds_people(maria: User, devon: User, course: Course, token_for) -> None:
    found = token_for(devon).get("/api/v2/search", {"q": "maria"}).json()
    assert set(found) == {"accounts", "statuses", "hashtags"}


def test_consent_page_is_valid_html_and_names_the_access(maria: User, login, valid_html) -> None:
    app = _app(Client())
    query = {"client_id": app["client_id"], "redirect_uri": OOB, "scope": "read write", "response_type": "code"}
    response = login(maria).get("/oauth/authorize", query)
    valid_html(response.content)
    assert b"Authorize" in response.content
    assert b"Deny" in response.content
    assert b"post, reply, share" in response.content


def test_tag_timeline_pages_below_the_site_page_size(maria: User, course: Course, client: Client) -> None:
    now = timezone.now()
    tagged = [
        ArtifactFactory.create(author=maria, course=course, published_at=now - dt.timedelta(minutes=i))
        for i in range(3)
    ]
    tag = Tag.objects.create(name="fieldtrip")
    for post in tagged:
        post.tags.add(tag)
    first = client.get("/api/v1/timelines/tag/fieldtrip", {"limit": 1})
    assert [int(s["id"]) for s in first.json()] == [tagged[0].pk]
    second = client.get("/api/v1/timelines/tag/fieldtrip", {"limit": 1, "max_id": tagged[0].pk})
    assert [int(s["id"]) for s in second.json()] == [tagged[1].pk]


def test_write_only_token_can_delete_its_post(maria: User, course: Course, token_for) -> None:
    post = ArtifactFactory.create(author=maria, course=course)
    assert token_for(maria, "write").delete(f"/api/v1/statuses/{post.pk}").status_code == 200


def test_home_pages_by_latest_activity(maria: User, george: User, devon: User, course: Course, token_for) -> None:
    now = timezone.now()
    older = ArtifactFactory.create(author=maria, course=course, published_at=now - dt.timedelta(hours=3))
    newer = ArtifactFactory.create(author=maria, course=course, published_at=now - dt.timedelta(hours=2))
    Share.objects.create(sharer=george, artifact=older, created_at=now - dt.timedelta(hours=1))
    Follow.objects.create(follower=devon, followee=maria)
    Follow.objects.create(follower=devon, followee=george)
    api = token_for(devon)
    first = api.get("/api/v1/timelines/home", {"limit": 1})
    assert [int(s["id"]) for s in first.json()] == [older.pk]  # shared an hour ago
    second = api.get("/api/v1/timelines/home", {"limit": 1, "max_id": older.pk})
    assert [int(s["id"]) for s in second.json()] == [newer.pk]


# Keyword filters


def test_a_warning_filter_reaches_clients_as_filtered_and_a_hiding_one_leaves_the_status_out(
    maria: User, devon: User, course: Course, token_for
) -> None:
    from accounts.models import FilterAction
    from accounts.services_filters import add_filter

    Follow.objects.create(follower=maria, followee=devon)
    folded = ArtifactFactory.create(author=devon, course=course, title="Zucchini harvest")
    hidden = ArtifactFactory.create(author=devon, course=course, title="Turnip recipes")
    plain = ArtifactFactory.create(author=devon, course=course, title="Reading notes")
    add_filter(owner=maria, phrase="zucchini", contexts=["home"])
    add_filter(owner=maria, phrase="turnip", contexts=["home"], action=FilterAction.HIDE)
    home = {int(s["id"]): s for s in token_for(maria).get("/api/v1/timelines/home").json()}
    assert hidden.pk not in home
    (result,) = home[folded.pk]["filtered"]
    assert result["filter"]["title"] == "zucchini"
    assert result["filter"]["filter_action"] == "warn"
    assert result["keyword_matches"] == ["zucchini"]
    assert home[plain.pk]["filtered"] == []
