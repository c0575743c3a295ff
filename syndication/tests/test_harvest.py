"""The harvester end to end against a loopback blog server: what is taken, updates, failures, schedules."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from courses.models import Course
from network.models import Notification, NotificationKind
from network.selectors import notifications_for, unread_count
from posts.models import Artifact, Origin
from syndication import harvest as harvest_module
from syndication import jobs, tasks
from syndication.harvest import backoff, harvest_feeds
from syndication.models import MAX_BACKOFF, Entry, Feed, FeedStatus
from syndication.tasks import LEASE, LOST_MESSAGE, enqueue_due

from .blogserver import item, rss

pytestmark = pytest.mark.django_db


@pytest.fixture
def maria_feed(course, maria, blog_server):
    url = blog_server.serve(
        "/feed",
        rss(
            item("a1", "Week one: what is innovation?", categories=("IMMOOC",)),
            item("a2", "Our garden project", categories=("gardening",)),
            item("a3", "Why #IMMOOC matters", body="<p>Short.</p>"),
            item("a4", "Answering the prompt", categories=("immooc-w1-p1",)),
        ),
    )
    return Feed.objects.create(course=course, owner=maria, url=url)


def test_tagged_entries_become_artifacts_of_the_blog_owner(maria_feed, maria, course):
    summary = harvest_feeds([maria_feed.pk], workers=1)

    assert (summary.fetched, summary.new, summary.failed) == (1, 4, 0)
    harvested = Artifact.objects.filter(origin=Origin.HARVESTED).order_by("title")
    assert [a.title for a in harvested] == [
        "Answering the prompt",
        "Week one: what is innovation?",
        "Why #IMMOOC matters",
    ]
    first = harvested.get(title="Week one: what is innovation?")
    assert first.author == maria
    assert first.course == course
    assert first.url == "https://maria.example/a1"
    assert first.source_name == "Maria's classroom"
    assert first.excerpt == "Some thoughts."
    assert first.published_at == dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)
    assert "immooc" in {t.name for t in first.tags.all()}
    # A prompt's tag makes the entry a response to that prompt.
    answer = harvested.get(title="Answering the prompt")
    assert answer.prompt is not None
    assert answer.prompt.tag == "immooc-w1-p1"
    # Every entry is remembered, taken or not, so none is considered twice.
    assert Entry.objects.filter(feed=maria_feed).count() == 4
    assert Entry.objects.filter(feed=maria_feed, taken=False).get().title == "Our garden project"
    maria_feed.refresh_from_db()
    assert maria_feed.title == "Maria's classroom"
    assert maria_feed.site_url == "https://maria.example/"
    assert maria_feed.failures == 0
    assert maria_feed.last_success_at is not None


def test_take_all_takes_untagged_entries(maria_feed):
    Feed.objects.filter(pk=maria_feed.pk).update(take_all=True)
    harvest_feeds([maria_feed.pk], workers=1)
    assert Artifact.objects.filter(origin=Origin.HARVESTED).count() == 4


def test_R7_second_harvest_is_conditional_and_stores_nothing_twice(maria_feed, blog_server):
    harvest_feeds([maria_feed.pk], workers=1)
    summary = harvest_feeds([maria_feed.pk], workers=1)

    assert (summary.not_modified, summary.new) == (1, 0)
    assert Artifact.objects.filter(origin=Origin.HARVESTED).count() == 3
    assert Entry.objects.count() == 4


def test_R7_an_updated_entry_is_updated_in_place(maria_feed, blog_server):
    harvest_feeds([maria_feed.pk], workers=1)
    artifact = Artifact.objects.get(title="Week one: what is innovation?")
    blog_server.serve(
        "/feed",
        rss(
            item("a1", "Week one, revised", categories=("IMMOOC",), body="<p>Second thoughts.</p>"),
            item("a2", "Our garden project #immooc", categories=("gardening",)),
        ),
    )
    summary = harvest_feeds([maria_feed.pk], workers=1)

    assert (summary.updated, summary.new) == (2, 0)
    artifact.refresh_from_db()
    assert (artifact.title, artifact.excerpt) == ("Week one, revised", "Second thoughts.")
    # An entry newly tagged for the course is taken now.
    assert Artifact.objects.filter(title="Our garden project #immooc").exists()
    assert Artifact.objects.filter(origin=Origin.HARVESTED).count() == 4
    assert Entry.objects.count() == 4


def test_an_artifact_deleted_by_its_author_stays_deleted(maria_feed, blog_server):
    harvest_feeds([maria_feed.pk], workers=1)
    Artifact.objects.filter(title="Why #IMMOOC matters").delete()
    blog_server.serve("/feed", rss(item("a3", "Why #IMMOOC matters", body="<p>Edited.</p>")))
    harvest_feeds([maria_feed.pk], workers=1)
    assert not Artifact.objects.filter(title="Why #IMMOOC matters").exists()


def test_one_broken_feed_never_stops_the_others(course, maria, devon, blog_server):
    good = Feed.objects.create(
        course=course, owner=maria, url=blog_server.serve("/good", rss(item("g", "Tagged", categories=("immooc",))))
    )
    garbage = Feed.objects.create(
        course=course,
        owner=devon,
        url=blog_server.serve("/garbage", "<html><body>not a feed", content_type="text/html"),
    )
    missing = Feed.objects.create(course=course, owner=devon, url=blog_server.url("/gone"))

    summary = harvest_feeds([good.pk, garbage.pk, missing.pk], workers=1)

    assert (summary.fetched, summary.failed) == (1, 2)
    assert Artifact.objects.filter(title="Tagged").exists()
    for feed in (garbage, missing):
        feed.refresh_from_db()
        assert feed.failures == 1
        assert feed.last_error  # in words
        assert "127.0.0.1" not in feed.last_error
        assert str(blog_server.port) not in feed.last_error
        assert feed.next_check_at > timezone.now() + dt.timedelta(minutes=30)
        assert "Failing" in feed.state_in_words


def test_R8_backoff_grows_to_a_cap_and_the_feed_recovers(maria_feed, maria, blog_server):
    blog_server.pages.pop("/feed")
    now = timezone.now()
    waits = []
    for _ in range(8):
        harvest_feeds([maria_feed.pk], workers=1)
        maria_feed.refresh_from_db()
        waits.append(maria_feed.next_check_at - maria_feed.last_checked_at)
    assert waits == sorted(waits)
    assert waits[0] < waits[-1]
    assert waits[-1] == MAX_BACKOFF  # capped at 48 hours, never a silent permanent stop
    assert maria_feed.status == FeedStatus.ACTIVE
    assert maria_feed.failures == 8
    # After three failures in a row the owner is told, once.
    notices = Notification.objects.filter(recipient=maria, kind=NotificationKind.FEED_FAILED)
    assert notices.count() == 1
    assert notices.get().message.startswith(f"We could not read your blog “{maria_feed.url}” for a while:")
    # It reaches her notifications page and the unread count in the navigation.
    assert any(n.text == notices.get().message for n in notifications_for(maria))
    assert unread_count(maria) == 1

    blog_server.serve("/feed", rss(item("back", "Back again #immooc")))
    harvest_feeds([maria_feed.pk], workers=1)
    maria_feed.refresh_from_db()
    assert (maria_feed.failures, maria_feed.last_error, maria_feed.failure_notified) == (0, "", False)
    assert maria_feed.next_check_at > now
    assert Artifact.objects.filter(title="Back again #immooc").exists()


def test_backoff_never_waits_less_than_retry_after():
    assert backoff(dt.timedelta(hours=1), 1) == dt.timedelta(hours=2)
    assert backoff(dt.timedelta(hours=1), 1, retry_after=5 * 3600) == dt.timedelta(hours=5)
    assert backoff(dt.timedelta(hours=1), 30) == MAX_BACKOFF
    assert backoff(dt.timedelta(hours=1), 1, retry_after=10**9) == MAX_BACKOFF


def test_R9_retry_after_is_honoured(maria_feed, blog_server):
    blog_server.serve("/feed", "slow down", status=429, content_type="text/plain", headers={"Retry-After": "36000"})
    harvest_feeds([maria_feed.pk], workers=1)
    maria_feed.refresh_from_db()
    assert maria_feed.next_check_at - maria_feed.last_checked_at >= dt.timedelta(hours=10)


def test_busy_blogs_are_checked_more_often_and_dormant_ones_less(maria_feed, blog_server):
    harvest_feeds([maria_feed.pk], workers=1)  # new entries
    maria_feed.refresh_from_db()
    busy = maria_feed.interval
    harvest_feeds([maria_feed.pk], workers=1)  # nothing new
    harvest_feeds([maria_feed.pk], workers=1)
    maria_feed.refresh_from_db()
    assert busy < dt.timedelta(hours=1) < maria_feed.interval


def test_D2_a_crash_while_storing_leaves_nothing_half_written(maria_feed, monkeypatch):
    real = harvest_module.insert_rows

    def crash(*args, **kwargs):
        raise RuntimeError("worker died")

    monkeypatch.setattr(harvest_module, "insert_rows", crash)
    summary = harvest_feeds([maria_feed.pk], workers=1)
    assert summary.failed == 1
    # The artifacts created before the crash were rolled back with the feed's savepoint.
    assert not Artifact.objects.filter(origin=Origin.HARVESTED).exists()
    assert not Entry.objects.exists()

    monkeypatch.setattr(harvest_module, "insert_rows", real)
    Feed.objects.filter(pk=maria_feed.pk).update(etag="", last_modified="")
    harvest_feeds([maria_feed.pk], workers=1)
    harvest_feeds([maria_feed.pk], workers=1)
    assert Artifact.objects.filter(origin=Origin.HARVESTED).count() == 3
    assert Entry.objects.count() == 4


def test_D4_a_lost_lease_counts_as_a_visible_failure(maria_feed, monkeypatch, django_capture_on_commit_callbacks):
    enqueued: list[list[int]] = []
    monkeypatch.setattr(tasks, "harvest_batch", SimpleNamespace(enqueue=enqueued.append))
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due(now) == 1
    assert enqueued == [[maria_feed.pk]]
    maria_feed.refresh_from_db()
    assert maria_feed.leased_at == now
    assert enqueue_due(now + dt.timedelta(minutes=5)) == 0  # leased: not handed out twice

    enqueue_due(now + LEASE + dt.timedelta(minutes=1))  # the worker never reported back
    maria_feed.refresh_from_db()
    assert (maria_feed.failures, maria_feed.last_error, maria_feed.leased_at) == (1, LOST_MESSAGE, None)
    assert maria_feed.next_check_at > now + LEASE


def test_paused_and_pending_feeds_are_not_harvested(maria_feed):
    Feed.objects.filter(pk=maria_feed.pk).update(status=FeedStatus.PAUSED)
    assert harvest_feeds(workers=1).feeds == 0
    Feed.objects.filter(pk=maria_feed.pk).update(status=FeedStatus.PENDING)
    assert harvest_feeds(workers=1).feeds == 0
    assert not Artifact.objects.exists()


def test_harvest_in_worker_processes_gives_the_same_result(course, maria, blog_server):
    feeds = [
        Feed.objects.create(
            course=course,
            owner=maria,
            url=blog_server.serve(f"/f{i}", rss(*(item(f"{i}-{j}", f"Post {i}.{j} #immooc") for j in range(3)))),
        )
        for i in range(harvest_module.PROCESS_THRESHOLD)
    ]
    summary = harvest_feeds([f.pk for f in feeds], workers=2)
    assert (summary.fetched, summary.new, summary.failed) == (len(feeds), 3 * len(feeds), 0)
    assert Artifact.objects.filter(origin=Origin.HARVESTED).count() == 3 * len(feeds)
    first = {f.pk: f for f in Feed.objects.filter(pk__in=[f.pk for f in feeds])}
    assert all(f.etag and f.interval == dt.timedelta(minutes=30) for f in first.values())  # busy: checked sooner

    again = harvest_feeds([f.pk for f in feeds], workers=2)  # every feed answers 304 now
    assert (again.not_modified, again.new) == (len(feeds), 0)
    for feed in Feed.objects.filter(pk__in=[f.pk for f in feeds]):
        before = first[feed.pk].last_checked_at
        assert feed.last_checked_at is not None
        assert before is not None
        assert feed.last_checked_at > before
        assert feed.interval == dt.timedelta(minutes=45)  # nothing new: checked less often
        assert feed.next_check_at == feed.last_checked_at + feed.interval
        assert feed.etag == first[feed.pk].etag


def test_visible_text_reads_sanitised_html_quickly_and_correctly():
    html = '<p>Caf&eacute; &amp; <a href="https://x.example/#immooc" title="a > b">link</a></p><ul><li>one</li></ul>'
    assert jobs.visible_text(html) == "Café & link one"
    assert jobs.first_words("a b c", 2) == "a b…"
    assert jobs.first_words("a b", 2) == "a b"


def test_a_hashtag_only_inside_a_link_address_does_not_tag_the_entry(maria_feed, blog_server):
    blog_server.serve("/feed", rss(item("h", "Link only", body='<p><a href="https://x.example/#immooc">x</a></p>')))
    harvest_feeds([maria_feed.pk], workers=1)
    assert not Artifact.objects.filter(title="Link only").exists()


def test_a_dead_worker_process_is_replaced_on_the_next_harvest(course, maria, blog_server):
    feeds = [
        Feed.objects.create(
            course=course, owner=maria, url=blog_server.serve(f"/w{i}", rss(item(f"w{i}", f"Post {i} #immooc")))
        )
        for i in range(harvest_module.PROCESS_THRESHOLD)
    ]
    workers = harvest_module._Workers.get(2)
    workers.processes[0].kill()
    workers.processes[0].join()
    summary = harvest_feeds([f.pk for f in feeds], workers=2)
    assert (summary.new, summary.failed) == (len(feeds), 0)
    replaced = harvest_module._Workers.current
    assert replaced is not None
    assert replaced is not workers
    assert replaced.alive()


def test_a_feed_that_fails_to_store_does_not_cost_the_rest_of_its_group(course, maria, devon, blog_server, monkeypatch):
    good = Feed.objects.create(course=course, owner=maria, url=blog_server.serve("/g", rss(item("g", "Good #immooc"))))
    bad = Feed.objects.create(course=course, owner=devon, url=blog_server.serve("/b", rss(item("b", "Bad #immooc"))))
    real = harvest_module._Store.entries

    def entries(self, feed, *args, **kwargs):
        if feed.pk == bad.pk:
            raise RuntimeError("a bug in storing this feed")
        return real(self, feed, *args, **kwargs)

    monkeypatch.setattr(harvest_module._Store, "entries", entries)
    summary = harvest_feeds([good.pk, bad.pk], workers=1)

    assert (summary.new, summary.failed) == (1, 1)
    assert list(Artifact.objects.values_list("title", flat=True)) == ["Good #immooc"]
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.failures == 1
    assert "our side" in bad.last_error
    assert good.failures == 0
    assert good.last_success_at is not None


def test_the_course_shows_an_excerpt_unless_full_posts_are_on(maria_feed, course, client, blog_server):
    long_text = " ".join(f"word{i}" for i in range(200))
    blog_server.serve("/feed", rss(item("long", "A long post #immooc", body=f"<p>{long_text}</p>")))
    harvest_feeds([maria_feed.pk], workers=1)
    artifact = Artifact.objects.get(title="A long post #immooc")
    assert artifact.body_html.count("word") == 200  # the full text is stored (sanitised), for search

    page = client.get(artifact.get_absolute_url()).content.decode()
    assert "word59" in page
    assert "word60 " not in page
    assert "word199" not in page
    assert f'href="/go/{artifact.pk}/"' in page  # the original, through the outbound link

    Course.objects.filter(pk=course.pk).update(show_full_posts=True)
    assert "word199" in client.get(artifact.get_absolute_url()).content.decode()


def test_H7_addresses_inside_entries_are_never_fetched(maria_feed, blog_server):
    body = (
        '<p><img src="http://10.0.0.1/pixel.png" srcset="http://169.254.169.254/x 2x">'
        f'<img src="{blog_server.url("/tracker.png")}"><a href="http://127.0.0.1:1/admin">x</a></p>'
    )
    blog_server.serve("/feed", rss(item("h7", "Pictures #immooc", body=body)))
    harvest_feeds([maria_feed.pk], workers=1)
    assert Artifact.objects.filter(title="Pictures #immooc").exists()
    assert blog_server.requests == ["/feed"]  # the loopback one included; the tripwire guards the others


def test_D3_no_harvest_is_enqueued_when_the_registration_rolls_back(
    course, maria, blog_server, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from syndication import services

    settings.HARVEST_ON_REGISTER = True
    enqueued: list[int] = []
    monkeypatch.setattr(tasks, "harvest_one", SimpleNamespace(enqueue=enqueued.append))
    url = blog_server.serve("/d3", rss())

    def register_then_fail() -> None:
        with transaction.atomic():
            services.register_feed(course=course, owner=maria, actor=maria, url=url)
            raise RuntimeError("the request failed after registering")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        register_then_fail()
    assert callbacks == []
    assert not Feed.objects.filter(url=url).exists()
    assert enqueued == []
    # The same registration, committed, enqueues the first check.
    with django_capture_on_commit_callbacks(execute=True):
        feed = services.register_feed(course=course, owner=maria, actor=maria, url=url)
    assert enqueued == [feed.pk]
