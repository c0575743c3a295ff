"""The Daily: opting in, what it holds, sending it once a day, one-click unsubscribe, the web version."""

import datetime as dt
import email.policy
import io
import re

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Block, Mute
from core.exceptions import NotAllowed
from courses.models import Enrollment
from courses.tests.factories import CourseFactory, LiveSessionFactory, PromptFactory
from network.models import Share
from posts.models import Visibility
from posts.tests.factories import ArtifactFactory
from syndication import services_digest, tasks_digest
from syndication.digest import OTHER_POSTS, build_digest, digest_window, utc_day
from syndication.models import DigestSubscription
from syndication.services_digest import (
    send_course_digest,
    send_digest,
    subscribe,
    unsubscribe,
    unsubscribe_token,
)

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def now():
    return timezone.now()


def _in_todays_window() -> dt.datetime:
    """A moment inside the period today's Daily covers (it ends at 06:00 UTC, or now before then)."""
    now = timezone.now()
    _, until = digest_window(utc_day(now), now)
    return until - dt.timedelta(minutes=1)


# Opting in and out


def test_members_subscribe_once_and_unsubscribe(course, maria) -> None:
    first = subscribe(user=maria, course=course)
    assert subscribe(user=maria, course=course) == first
    assert DigestSubscription.objects.filter(user=maria, course=course).count() == 1
    assert unsubscribe(user=maria, course=course) is True
    assert unsubscribe(user=maria, course=course) is False


def test_outsiders_cannot_subscribe(course, outsider) -> None:
    with pytest.raises(NotAllowed, match="Only members"):
        subscribe(user=outsider, course=course)
    assert not DigestSubscription.objects.exists()


# What the digest holds


def test_new_posts_are_grouped_by_prompt_with_other_posts_last(course, maria, devon, now) -> None:
    week = course.weeks.get(number=1)
    first = week.prompts.get(number=1)
    second = PromptFactory.create(week=week, number=2)
    ArtifactFactory.create(course=course, author=maria, prompt=second, title="On prompt two", published_at=now - HOUR)
    ArtifactFactory.create(course=course, author=devon, prompt=first, title="On prompt one", published_at=now - HOUR)
    ArtifactFactory.create(course=course, author=devon, title="Free post", published_at=now - 2 * HOUR)
    ArtifactFactory.create(
        course=course, author=maria, prompt=first, title="Members only", visibility=Visibility.COURSE, published_at=now
    )
    ArtifactFactory.create(course=course, author=maria, prompt=first, title="Draft", visibility=Visibility.DRAFT)
    ArtifactFactory.create(course=course, author=maria, prompt=first, title="Too old", published_at=now - 2 * DAY)
    ArtifactFactory.create(author=maria, title="Another course", published_at=now - HOUR)

    digest = build_digest(course, since=now - DAY, now=now)

    assert [(g.heading, [i.artifact.title for i in g.items]) for g in digest.groups] == [
        ("Week 1, prompt 1", ["Members only", "On prompt one"]),
        ("Week 1, prompt 2", ["On prompt two"]),
        (OTHER_POSTS, ["Free post"]),
    ]
    assert digest.groups[0].url.endswith("/courses/immooc/weeks/1/prompts/1/")
    item = digest.groups[0].items[1]
    assert item.author_name == "Devon Clarke"
    assert item.url.startswith("http")
    assert item.url.endswith(item.artifact.get_absolute_url())
    assert digest.new_posts == 4
    assert not digest.is_empty


def test_the_week_its_prompts_and_live_session_are_in_the_digest(course, now) -> None:
    week = course.weeks.get(number=1)
    LiveSessionFactory.create(week=week, title="Live with George")
    digest = build_digest(course, since=now - DAY, now=now)
    assert digest.week == week
    assert [link.prompt.number for link in digest.prompts] == [1]
    assert digest.live_session is not None
    assert digest.live_session.title == "Live with George"
    assert digest.live_url.endswith("/courses/immooc/weeks/1/live/")
    assert digest.is_empty  # nothing posted or shared


def test_no_week_outside_the_season(course, now) -> None:
    digest = build_digest(course, since=now + 29 * DAY, now=now + 30 * DAY)
    assert digest.week is None
    assert digest.prompts == []
    assert digest.live_session is None


def test_most_shared_is_ordered_by_shares_in_each_period(course, maria, devon, george, outsider, now) -> None:
    a = ArtifactFactory.create(course=course, author=maria, title="A", published_at=now - 3 * DAY)
    b = ArtifactFactory.create(course=course, author=devon, title="B", published_at=now - 3 * DAY)
    c = ArtifactFactory.create(course=course, author=devon, title="C", published_at=now - 3 * DAY)
    people = [maria, devon, george, outsider]
    for person in people[1:]:
        Share.objects.create(sharer=person, artifact=a, created_at=now - HOUR)
    Share.objects.create(sharer=maria, artifact=b, created_at=now - 2 * HOUR)
    for person in people[1:]:
        Share.objects.create(sharer=person, artifact=b, created_at=now - 3 * DAY)
    Share.objects.create(sharer=maria, artifact=c, created_at=now - 8 * DAY)

    digest = build_digest(course, since=now - DAY, now=now)

    assert [(i.artifact.title, i.shares) for i in digest.shared_today] == [("A", 3), ("B", 1)]
    assert [(i.artifact.title, i.shares) for i in digest.shared_this_week] == [("B", 4), ("A", 3)]
    assert digest.shared_today[0].author_name == "Maria López"
    assert digest.new_posts == 0
    assert not digest.is_empty


def test_a_viewer_sees_only_what_they_may(course, maria, devon, outsider, now) -> None:
    hidden = ArtifactFactory.create(course=course, author=devon, visibility=Visibility.COURSE, published_at=now - HOUR)
    ArtifactFactory.create(course=course, author=devon, title="Public", published_at=now - HOUR)
    Share.objects.create(sharer=maria, artifact=hidden, created_at=now - HOUR)

    def titles(viewer):
        digest = build_digest(course, since=now - DAY, now=now, viewer=viewer)
        return sorted(i.artifact.title for g in digest.groups for i in g.items), len(digest.shared_today)

    assert titles(maria) == (sorted(["Public", hidden.title]), 1)
    assert titles(outsider) == (["Public"], 0)
    Mute.objects.create(muter=maria, muted=devon)
    assert titles(maria) == ([], 0)


def test_most_shared_counts_only_this_courses_shown_posts_each_viewer_may_see(
    course, maria, devon, george, outsider, now
) -> None:
    """The most-shared lists read the period's shares and judge each one's artifact as the digest's posts are
    judged: this course's, published (no draft, nothing held), visible to the viewer, not by someone they mute or
    are on the other side of a block from."""
    other = CourseFactory.create(slug="elsewhere")
    kept = ArtifactFactory.create(course=course, author=maria, title="Kept", published_at=now - 3 * DAY)
    elsewhere = ArtifactFactory.create(course=other, author=maria, title="Elsewhere", published_at=now - 3 * DAY)
    held = ArtifactFactory.create(course=course, author=maria, title="Held", held_reason="Links to a shop")
    by_devon = ArtifactFactory.create(course=course, author=devon, title="By Devon", published_at=now - 3 * DAY)
    members_only = ArtifactFactory.create(
        course=course, author=george, title="Members", visibility=Visibility.COURSE, published_at=now - 3 * DAY
    )
    for artifact in (kept, elsewhere, held, by_devon, members_only):
        Share.objects.create(sharer=outsider, artifact=artifact, created_at=now - HOUR)

    def shared(viewer):
        digest = build_digest(course, since=now - DAY, now=now, viewer=viewer)
        return sorted(i.artifact.title for i in digest.shared_today)

    assert sorted(i.artifact.title for i in build_digest(course, since=now - DAY, now=now).shared_today) == [
        "By Devon",
        "Kept",
        "Members",
    ]
    assert shared(maria) == ["By Devon", "Kept", "Members"]
    assert shared(outsider) == ["By Devon", "Kept"]
    Mute.objects.create(muter=maria, muted=devon)
    assert shared(maria) == ["Kept", "Members"]
    Block.objects.create(blocker=george, blocked=maria)
    assert shared(maria) == ["Kept"]


def test_a_busy_day_lists_the_newest_and_counts_the_rest(course, maria, now, monkeypatch) -> None:
    monkeypatch.setattr("syndication.digest.MAX_NEW_POSTS", 2)
    for n in range(5):
        ArtifactFactory.create(course=course, author=maria, title=f"Post {n}", published_at=now - (n + 1) * HOUR)
    digest = build_digest(course, since=now - DAY, now=now)
    assert [i.artifact.title for g in digest.groups for i in g.items] == ["Post 0", "Post 1"]
    assert digest.more_posts == 3
    assert digest.new_posts == 5


@pytest.mark.parametrize("count", [3, 30])
def test_building_the_digest_takes_a_fixed_number_of_queries(
    course, maria, devon, george, now, django_assert_max_num_queries, count
) -> None:
    week = course.weeks.get(number=1)
    prompts = [week.prompts.get(number=1), PromptFactory.create(week=week, number=2), None]
    for n in range(count):
        artifact = ArtifactFactory.create(
            course=course, author=[maria, devon][n % 2], prompt=prompts[n % 3], published_at=now - HOUR
        )
        Share.objects.create(sharer=george, artifact=artifact, created_at=now - HOUR)
    LiveSessionFactory.create(week=week)
    with django_assert_max_num_queries(9):  # 8, and the reader's keyword filters
        digest = build_digest(course, since=now - DAY, now=now, viewer=maria)
        for group in digest.groups:
            for item in group.items:
                assert item.author_name
    assert digest.new_posts == count


# Sending


@pytest.fixture
def busy_day(course, maria, devon, george, now):
    """Both participants subscribed; a post from each in the last day, one answering prompt 1."""
    prompt = course.weeks.get(number=1).prompts.get(number=1)
    ArtifactFactory.create(course=course, author=maria, prompt=prompt, title="Maria's answer", published_at=now - HOUR)
    ArtifactFactory.create(course=course, author=devon, title="Devon's musing", published_at=now - HOUR)
    subscribe(user=maria, course=course)
    subscribe(user=devon, course=course)
    return course


def test_sends_each_subscriber_a_text_and_html_email_with_one_click_unsubscribe(busy_day, now) -> None:
    assert send_course_digest(course=busy_day, since=now - DAY, now=now) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["devon@example.org", "maria@example.org"]
    message = next(m for m in mail.outbox if m.to == ["maria@example.org"])
    assert isinstance(message, EmailMultiAlternatives)
    day = utc_day(now)
    assert message.subject == f"The Daily · Innovator's Mindset MOOC · {day.day} {day:%B %Y}"
    assert "Week 1, prompt 1" in message.body
    assert "Maria's answer, by Maria López" in message.body
    assert "Devon's musing" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert isinstance(html, str)
    assert "Maria&#x27;s answer" in html
    link = re.fullmatch(r"<(.+)>", message.extra_headers["List-Unsubscribe"])
    assert link
    assert "/daily/unsubscribe/" in link.group(1)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link.group(1) in message.body
    assert link.group(1) in html


def test_unsubscribe_headers_reach_the_wire_as_plain_urls(busy_day, maria, now, settings) -> None:
    """Folded at 78 characters, Python would turn the address into encoded words no mail client reads."""
    settings.SITE_URL = "https://commonplace.example.org"
    send_course_digest(course=busy_day, since=now - DAY, now=now)
    raw = mail.outbox[0].message(policy=email.policy.SMTP).as_bytes().decode()
    header = re.search(r"^List-Unsubscribe: (.*)$", raw, re.M)
    assert header
    assert re.fullmatch(r"<https://commonplace\.example\.org/daily/unsubscribe/[^>\s]+/>\r?", header.group(1))
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw


def test_a_rerun_the_same_day_sends_nothing_more(busy_day, maria, now) -> None:
    # Later the same UTC day, whatever the hour the test runs at (an hour later crossed midnight after 23:00).
    later_today = max(now, now.astimezone(dt.UTC).replace(hour=23, minute=59, second=59, microsecond=0))
    assert send_course_digest(course=busy_day, since=now - DAY, now=now) == 2
    assert send_course_digest(course=busy_day, since=now - DAY, now=later_today) == 0
    assert len(mail.outbox) == 2
    assert DigestSubscription.objects.get(user=maria).last_sent_on == utc_day(now)
    assert send_course_digest(course=busy_day, since=now - DAY, now=now + DAY) == 2


def test_a_stale_subscription_row_cannot_send_twice(busy_day, maria, now) -> None:
    """Two workers holding the same row: the compare-and-set on last_sent_on lets only one send."""
    stale = DigestSubscription.objects.select_related("user", "course").get(user=maria)
    again = DigestSubscription.objects.select_related("user", "course").get(user=maria)
    assert send_digest(subscription=stale, since=now - DAY, now=now)
    assert not send_digest(subscription=again, since=now - DAY, now=now)
    assert len(mail.outbox) == 1


def test_a_failed_send_is_retried_on_the_next_run(busy_day, maria, now, monkeypatch) -> None:
    def broken(self, fail_silently=False):
        raise ConnectionError("SMTP is down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    subscription = DigestSubscription.objects.select_related("user", "course").get(user=maria)
    with pytest.raises(ConnectionError):
        send_digest(subscription=subscription, since=now - DAY, now=now)
    assert DigestSubscription.objects.get(user=maria).last_sent_on is None


def test_a_course_with_nothing_new_sends_nothing(course, maria, now) -> None:
    subscribe(user=maria, course=course)
    ArtifactFactory.create(course=course, author=maria, published_at=now - 3 * DAY)
    ArtifactFactory.create(course=course, author=maria, visibility=Visibility.DRAFT, published_at=now - HOUR)
    assert send_course_digest(course=course, since=now - DAY, now=now) == 0
    assert mail.outbox == []


def test_no_email_for_people_who_left_are_inactive_or_have_no_address(busy_day, maria, devon, now) -> None:
    Enrollment.objects.filter(user=devon, course=busy_day).delete()
    maria.is_active = False
    maria.save()
    assert send_course_digest(course=busy_day, since=now - DAY, now=now) == 0
    maria.is_active = True
    maria.email = ""
    maria.save()
    assert send_course_digest(course=busy_day, since=now - DAY, now=now) == 0
    assert mail.outbox == []


def test_each_email_respects_the_subscribers_blocks(busy_day, maria, devon, now) -> None:
    Block.objects.create(blocker=maria, blocked=devon)
    send_course_digest(course=busy_day, since=now - DAY, now=now)
    to_maria = next(m for m in mail.outbox if m.to == ["maria@example.org"])
    to_devon = next(m for m in mail.outbox if m.to == ["devon@example.org"])
    assert "Devon's musing" not in to_maria.body
    assert "Maria's answer" not in to_devon.body


def test_task_sends_and_the_schedule_enqueues_courses_with_subscribers(busy_day, monkeypatch) -> None:
    ArtifactFactory.create(course=busy_day, author=busy_day.enrollments.first().user, published_at=_in_todays_window())
    assert tasks_digest.send_daily_digest.call(busy_day.pk) == 2
    assert tasks_digest.send_daily_digest.call(busy_day.pk) == 0
    assert tasks_digest.send_daily_digest.call(999_999) == 0
    CourseFactory.create()  # no subscribers: not enqueued
    enqueued = []

    class FakeTask:
        def enqueue(self, course_id):
            enqueued.append(course_id)

    monkeypatch.setattr(tasks_digest, "send_daily_digest", FakeTask())
    tasks_digest.schedule_daily_digests.call_local()
    assert enqueued == [busy_day.pk]


def test_the_digest_period_ends_at_six_utc() -> None:
    day = dt.date(2026, 3, 3)
    early = dt.datetime(2026, 3, 3, 4, tzinfo=dt.UTC)
    late = dt.datetime(2026, 3, 3, 18, tzinfo=dt.UTC)
    six = dt.datetime(2026, 3, 3, 6, tzinfo=dt.UTC)
    assert digest_window(day, late) == (six - DAY, six)
    assert digest_window(day, early) == (six - DAY, early)


# Unsubscribing by the link in the email


def _unsubscribe_path(user, course) -> str:
    return reverse("syndication_out:daily_unsubscribe", args=[unsubscribe_token(user=user, course=course)])


def test_unsubscribe_link_asks_first_then_unsubscribes(client, course, maria, valid_html) -> None:
    subscribe(user=maria, course=course)
    path = _unsubscribe_path(maria, course)
    page = client.get(path)
    assert page.status_code == 200
    valid_html(page.content)
    assert b"Stop these emails" in page.content
    assert DigestSubscription.objects.filter(user=maria).exists()  # a GET (a link scanner) changes nothing
    done = client.post(path)
    assert done.status_code == 200
    valid_html(done.content)
    assert not DigestSubscription.objects.filter(user=maria).exists()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token.replace(token.split(":")[0], "WzEsMV0"),
        lambda token: "not-a-token",
    ],
)
def test_tampered_token_is_404_and_changes_nothing(client, course, maria, tamper) -> None:
    subscribe(user=maria, course=course)
    path = reverse("syndication_out:daily_unsubscribe", args=[tamper(unsubscribe_token(user=maria, course=course))])
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
    assert DigestSubscription.objects.filter(user=maria).exists()


def test_token_for_one_course_does_not_unsubscribe_another(client, course, maria) -> None:
    other = CourseFactory.create()
    Enrollment.objects.create(course=other, user=maria)
    subscribe(user=maria, course=course)
    subscribe(user=maria, course=other)
    client.post(_unsubscribe_path(maria, other))
    assert list(DigestSubscription.objects.filter(user=maria).values_list("course", flat=True)) == [course.pk]


def test_one_click_post_works_without_login_cookie_or_csrf(course, maria) -> None:
    """RFC 8058: the mail client POSTs List-Unsubscribe=One-Click to the header's address, nothing else."""
    subscribe(user=maria, course=course)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        _unsubscribe_path(maria, course),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not DigestSubscription.objects.exists()


# The web version and its opt-in


def test_web_version_shows_members_course_only_posts_and_others_public_ones(
    client, login, course, maria, devon, valid_html
) -> None:
    when = _in_todays_window()
    ArtifactFactory.create(course=course, author=devon, title="For everyone", published_at=when)
    ArtifactFactory.create(
        course=course, author=devon, title="For members", visibility=Visibility.COURSE, published_at=when
    )
    url = reverse("syndication_out:daily", args=[course.slug])

    anonymous = client.get(url)
    valid_html(anonymous.content)
    assert b"For everyone" in anonymous.content
    assert b"For members" not in anonymous.content
    assert b"Email me The Daily" not in anonymous.content

    member = login(maria).get(url)
    valid_html(member.content)
    assert b"For everyone" in member.content
    assert b"For members" in member.content
    assert b"Email me The Daily" in member.content
    assert b'name="csrfmiddlewaretoken"' in member.content


def test_the_daily_follows_the_readers_course_filters(login, course, maria, devon, george, now) -> None:
    """Built for a reader, The Daily leaves out what their hiding filters match and lists what a warning one
    matches under the filter's name (the link kept), in new posts and in the most shared."""
    from accounts.models import FilterAction
    from accounts.services_filters import add_filter

    for title in ("Turnip recipes", "Zucchini harvest", "Reading notes"):
        artifact = ArtifactFactory.create(course=course, author=devon, title=title, published_at=now - HOUR)
        Share.objects.create(sharer=george, artifact=artifact, created_at=now - HOUR)
    add_filter(owner=maria, phrase="turnip", contexts=["courses"], action=FilterAction.HIDE)
    add_filter(owner=maria, phrase="zucchini", contexts=["courses"])

    def titles(digest) -> tuple[list[str], list[str]]:
        new = sorted(item.title for group in digest.groups for item in group.items)
        return new, sorted(item.title for item in digest.shared_today)

    expected = ["Filtered: “zucchini”", "Reading notes"]
    assert titles(build_digest(course, since=now - DAY, now=now, viewer=maria)) == (expected, expected)
    everyone = ["Reading notes", "Turnip recipes", "Zucchini harvest"]
    assert titles(build_digest(course, since=now - DAY, now=now, viewer=devon)) == (everyone, everyone)
    assert titles(build_digest(course, since=now - DAY, now=now)) == (everyone, everyone)


def test_members_toggle_the_email_from_the_web_version(login, course, maria) -> None:
    client = login(maria)
    page = reverse("syndication_out:daily", args=[course.slug])
    response = client.post(reverse("syndication_out:daily_subscribe", args=[course.slug]))
    assert response.status_code == 302
    assert response["Location"] == page
    assert DigestSubscription.objects.filter(user=maria, course=course).exists()
    assert b"Stop emailing me" in client.get(page).content
    client.post(reverse("syndication_out:daily_stop", args=[course.slug]))
    assert not DigestSubscription.objects.exists()
    assert b"Email me The Daily" in client.get(page).content


def test_toggle_needs_csrf_login_and_membership(client, login, course, outsider) -> None:
    subscribe_url = reverse("syndication_out:daily_subscribe", args=[course.slug])
    assert client.post(subscribe_url).status_code == 302  # to the log-in page
    assert login(outsider).post(subscribe_url).status_code == 403
    assert client.get(subscribe_url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(course.enrollments.first().user)
    assert strict.post(subscribe_url).status_code == 403
    assert not DigestSubscription.objects.exists()


def test_web_version_of_an_earlier_day(client, course, devon) -> None:
    now = timezone.now()
    day = utc_day(now) - 3 * DAY
    _since, until = digest_window(day, now)
    ArtifactFactory.create(course=course, author=devon, title="Back then", published_at=until - HOUR)
    url = reverse("syndication_out:daily", args=[course.slug])
    assert b"Back then" in client.get(url, {"date": day.isoformat()}).content
    assert b"Back then" not in client.get(url).content
    assert client.get(url, {"date": "garbage"}).status_code == 200
    assert client.get(url, {"date": "2999-01-01"}).status_code == 200


def test_web_version_of_a_missing_course_is_404(client, db) -> None:
    assert client.get(reverse("syndication_out:daily", args=["nope"])).status_code == 404


# The command


def test_dry_run_prints_the_digest_and_sends_nothing(busy_day, devon) -> None:
    ArtifactFactory.create(course=busy_day, author=devon, title="Fresh this morning", published_at=_in_todays_window())
    out = io.StringIO()
    call_command("digest", "--course", busy_day.slug, "--dry-run", stdout=out)
    assert "The Daily · Innovator's Mindset MOOC" in out.getvalue()
    assert "Fresh this morning" in out.getvalue()
    assert mail.outbox == []
    assert not DigestSubscription.objects.filter(last_sent_on__isnull=False).exists()


def test_command_sends_and_says_how_many(busy_day, devon) -> None:
    ArtifactFactory.create(course=busy_day, author=devon, published_at=_in_todays_window())
    out = io.StringIO()
    call_command("digest", "--course", busy_day.slug, stdout=out)
    assert "to 2 subscribers" in out.getvalue()
    assert len(mail.outbox) == 2


def test_command_since_a_date(busy_day, now) -> None:
    out = io.StringIO()
    since = (utc_day(now) - 5 * DAY).isoformat()
    call_command("digest", "--course", busy_day.slug, "--since", since, "--dry-run", stdout=out)
    assert "Maria's answer" in out.getvalue()


def test_command_refuses_bad_input(course) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No course"):
        call_command("digest", "--course", "nope")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("digest", "--course", course.slug, "--since", "yesterday")


def test_email_unsubscribe_link_reads_back_to_the_subscriber(course, maria) -> None:
    token = unsubscribe_token(user=maria, course=course)
    assert services_digest.read_unsubscribe_token(token) == (maria, course)
    assert services_digest.read_unsubscribe_token(token + "x") is None
