"""SP3 and SP6: Akismet, only with AKISMET_KEY, against a fake Akismet on 127.0.0.1 (never the internet).
A failing Akismet never loses a comment or gives a 500: it is held for a facilitator and a warning logged.
A facilitator's verdict is recorded and sent as submit-spam or submit-ham."""

import logging
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.urls import reverse

from accounts.models import User
from core.formguard import stamp
from courses.models import Course
from moderation import akismet, services
from moderation.models import Report, Verdict
from moderation.selectors import HeldItem, held_one
from posts import services as posts_services
from posts.models import Artifact, Comment
from posts.review import Client
from posts.tests.factories import ArtifactFactory

FROM_THE_WEB = Client(ip="127.0.0.1", user_agent="test browser")  # Akismet is asked only with an address

pytestmark = pytest.mark.django_db


def _held(course: Course, kind: str, pk: int) -> HeldItem:
    item = held_one(course, kind, pk)
    assert item is not None, f"the {kind} is not held"
    return item


TEXT = "Thanks, we tried portfolios too and the parents loved the conferences."


class FakeAkismet(ThreadingHTTPServer):
    """Answers Akismet's REST calls as told (`mode`), and keeps every request it got."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = "ham"
        self.received: list[tuple[str, dict[str, str]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeAkismet

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        self.server.received.append((self.path, form))
        mode = self.server.mode
        if mode == "slow":
            time.sleep(1.5)
        if mode == "500":
            self._answer(500, "Internal error")
        elif mode == "invalid":
            self._answer(200, "invalid", {"X-akismet-debug-help": "We were unable to verify your API key."})
        elif self.path.endswith("comment-check"):
            self._answer(200, "true" if mode == "spam" else "false")
        else:
            self._answer(200, "Thanks for making the web a better place.")

    def _answer(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def post(course: Course, maria: User) -> Artifact:
    return ArtifactFactory.create(course=course, author=maria, title="Portfolio nights")


def _post_comment(login, user: User, artifact: Artifact, body: str = TEXT) -> int:
    response = login(user).post(
        reverse("posts:comment_create", args=[artifact.pk]),
        {"body": body, "rendered": stamp(ago=60)},
        HTTP_USER_AGENT="Mozilla/5.0 (test)",
    )
    return response.status_code


def test_SP3_akismet_is_asked_only_with_a_key_and_told_no_name_or_email(
    settings, fake: FakeAkismet, login, post: Artifact, devon: User
) -> None:
    settings.AKISMET_KEY = ""
    assert _post_comment(login, devon, post) == 302
    assert fake.received == []
    settings.AKISMET_KEY = "test-key"
    assert _post_comment(login, devon, post, body=TEXT + " Again.") == 302
    [(path, form)] = fake.received
    assert path == "/1.1/comment-check"
    assert form["api_key"] == "test-key"
    assert form["comment_content"] == TEXT + " Again."
    assert form["comment_type"] == "comment"
    assert form["user_ip"] == "127.0.0.1"
    assert form["user_agent"] == "Mozilla/5.0 (test)"
    assert form["permalink"].endswith(post.get_absolute_url())
    assert not {"comment_author", "comment_author_email"} & set(form)
    assert devon.email not in str(form)
    assert devon.display_name not in str(form)
    assert not Comment.objects.get(body=TEXT + " Again.").held


def test_SP3_what_akismet_calls_spam_is_held_with_the_reason(fake: FakeAkismet, login, post: Artifact, devon) -> None:
    fake.mode = "spam"
    assert _post_comment(login, devon, post) == 302
    comment = Comment.objects.get()
    assert comment.held_reason == akismet.SPAM


@pytest.mark.parametrize("mode", ["slow", "500", "invalid"])
def test_SP3_a_failing_akismet_keeps_the_comment_and_queues_it_without_a_500(
    fake: FakeAkismet, login, post: Artifact, devon: User, george: User, caplog, mode: str
) -> None:
    fake.mode = mode
    with caplog.at_level(logging.WARNING, logger="moderation.akismet"):
        status = _post_comment(login, devon, post)
    assert status == 302
    comment = Comment.objects.get()
    assert comment.body == TEXT
    assert comment.held_reason == akismet.UNCHECKED
    assert any("Akismet check failed" in r.getMessage() for r in caplog.records)
    html = login(george).get(reverse("moderation:queue", args=[post.course.slug])).content.decode()
    assert "the spam check (Akismet) could not be reached" in html


def test_SP3_akismet_requests_go_through_the_guarded_fetcher(
    settings, fake: FakeAkismet, post: Artifact, devon: User
) -> None:
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = []  # core.fetch refuses loopback unless allowed
    comment = posts_services.add_comment(artifact=post, author=devon, body=TEXT, client=FROM_THE_WEB)
    assert fake.received == []
    assert comment.held_reason == akismet.UNCHECKED


@pytest.mark.parametrize(("verdict", "method"), [(Verdict.SPAM, "submit-spam"), (Verdict.KEPT, "submit-ham")])
def test_SP6_a_facilitators_verdict_is_recorded_and_sent_to_akismet(
    fake: FakeAkismet, post: Artifact, devon: User, george: User, verdict: str, method: str
) -> None:
    fake.mode = "spam"
    comment = posts_services.add_comment(artifact=post, author=devon, body=TEXT, client=FROM_THE_WEB)
    fake.mode = "ham"
    report = services.decide_held(held=_held(post.course, "comment", comment.pk), actor=george, verdict=verdict)
    assert (report.verdict, report.decided_by, report.note) == (verdict, george, akismet.SPAM)
    path, form = fake.received[-1]
    assert path == f"/1.1/{method}"
    assert form["comment_content"] == TEXT
    assert form["comment_type"] == "comment"
    assert not {"comment_author", "comment_author_email", "user_ip"} & set(form)
    comment.refresh_from_db()
    assert comment.held == (verdict != Verdict.KEPT)
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_SP6_removing_a_reported_comment_as_spam_submits_it(fake: FakeAkismet, post: Artifact, devon, maria, george):
    comment = posts_services.add_comment(
        artifact=post, author=devon, body="Cheap essays: essays.example.org", client=FROM_THE_WEB
    )
    report = services.report_comment(reporter=maria, comment=comment, reason="spam")
    services.decide(report=report, actor=george, verdict=Verdict.SPAM)
    assert fake.received[-1][0] == "/1.1/submit-spam"
    assert fake.received[-1][1]["comment_content"] == "Cheap essays: essays.example.org"


def test_SP6_a_failing_submission_still_records_the_verdict(
    fake: FakeAkismet, post: Artifact, devon: User, george: User, caplog
) -> None:
    fake.mode = "spam"
    comment = posts_services.add_comment(artifact=post, author=devon, body=TEXT, client=FROM_THE_WEB)
    fake.mode = "500"
    with caplog.at_level(logging.WARNING, logger="moderation.akismet"):
        services.decide_held(held=_held(post.course, "comment", comment.pk), actor=george, verdict=Verdict.SPAM)
    assert Report.objects.get().verdict == Verdict.SPAM
    assert any("submit-spam failed" in r.getMessage() for r in caplog.records)


def test_SP6_without_a_key_verdicts_are_recorded_and_nothing_is_sent(
    settings, fake: FakeAkismet, post: Artifact, devon: User, george: User
) -> None:
    settings.AKISMET_KEY = ""
    comment = posts_services.add_comment(
        artifact=post, author=devon, body="Great article, check out https://cheap.example.com/"
    )
    assert comment.held  # the local scorer still holds
    services.decide_held(held=_held(post.course, "comment", comment.pk), actor=george, verdict=Verdict.SPAM)
    assert Report.objects.get().verdict == Verdict.SPAM
    assert fake.received == []


def test_SP3_without_a_web_request_akismet_is_not_asked_and_nothing_is_held_for_it(
    fake: FakeAkismet, post: Artifact, devon: User
) -> None:
    """Akismet needs the sender's address: a comment from the API (no request) is left to the local checks,
    not held because Akismet could not be asked properly."""
    fake.mode = "spam"
    comment = posts_services.add_comment(artifact=post, author=devon, body=TEXT)
    assert fake.received == []
    assert comment.held_reason == ""


def test_SP6_removing_a_reported_post_as_spam_submits_it_with_its_address(
    fake: FakeAkismet, post: Artifact, devon: User, george: User
) -> None:
    """The post is deleted by the verdict; its address was taken before, so Akismet is still told."""
    report = services.report_artifact(reporter=devon, artifact=post, reason="spam")
    address = post.get_absolute_url()
    services.decide(report=report, actor=george, verdict=Verdict.SPAM)
    assert not Artifact.objects.filter(pk=post.pk).exists()
    path, form = fake.received[-1]
    assert path == "/1.1/submit-spam"
    assert form["permalink"].endswith(address)
