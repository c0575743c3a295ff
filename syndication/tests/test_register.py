"""Registering a blog: discovery, preview, confirm, duplicates, approval, OPML import, and who may do what."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.exceptions import Invalid, NotAllowed
from courses.models import Course
from syndication import services
from syndication.models import Feed, FeedStatus

from .blogserver import item, rss

pytestmark = pytest.mark.django_db

HOME_PAGE = """<!doctype html><html><head><title>Maria's classroom</title>
<link rel="alternate" type="application/rss+xml" title="Posts" href="/feed.xml">
</head><body><h1>Hello</h1></body></html>"""


@pytest.fixture
def maria_blog(blog_server):
    blog_server.serve("/", HOME_PAGE, content_type="text/html; charset=utf-8")
    blog_server.serve(
        "/feed.xml",
        rss(
            item("p1", "Innovation week", categories=("IMMOOC",)),
            item("p2", "Holiday photos"),
            item("p3", "Prompt one", categories=("immooc-w1-p1",)),
        ),
    )
    return blog_server


def test_preview_finds_the_feed_from_the_home_page_and_says_what_would_be_taken(course, maria_blog):
    preview = services.preview_feed(course=course, page_url=maria_blog.url("/"))

    assert preview.feed_url == maria_blog.url("/feed.xml")
    assert preview.title == "Maria's classroom"
    assert [(e.title, e.taken) for e in preview.entries] == [
        ("Innovation week", True),
        ("Holiday photos", False),
        ("Prompt one", True),
    ]
    assert preview.entries[2].prompt is not None
    assert preview.entries[2].prompt.number == 1
    assert not Feed.objects.exists()  # a preview stores nothing


def test_common_paths_are_tried_when_the_page_has_no_link(course, blog_server):
    blog_server.serve("/", "<html><head></head><body>no links</body></html>", content_type="text/html")
    blog_server.serve("/feed/", rss(item("x", "Tagged #immooc")))
    preview = services.preview_feed(course=course, page_url=blog_server.url("/"))
    assert preview.feed_url == blog_server.url("/feed/")


def test_a_page_without_any_feed_is_explained(course, blog_server):
    blog_server.serve("/", "<html><body>nothing</body></html>", content_type="text/html")
    with pytest.raises(Invalid, match="couldn't find a feed"):
        services.preview_feed(course=course, page_url=blog_server.url("/"))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.org/feed",
        "gopher://example.org/",
        "data:text/xml,<rss/>",
        "javascript:alert(1)",
        "feed://example.org/rss",
        "example.org/feed",
    ],
)
def test_H1_bad_schemes_are_refused_at_input_and_nothing_is_stored(course, maria, url, blog_server):
    with pytest.raises(Invalid):
        services.register_feed(course=course, owner=maria, actor=maria, url=url)
    assert not Feed.objects.exists()
    assert blog_server.requests == []


def test_a_blog_is_registered_once_per_course(course, maria, devon, maria_blog):
    url = maria_blog.url("/feed.xml")
    services.register_feed(course=course, owner=maria, actor=maria, url=url)
    with pytest.raises(services.DuplicateFeed, match="already registered"):
        services.register_feed(course=course, owner=devon, actor=devon, url=url)
    assert Feed.objects.count() == 1


def test_only_members_register_and_only_for_themselves(course, maria, devon, outsider, maria_blog):
    url = maria_blog.url("/feed.xml")
    with pytest.raises(NotAllowed):
        services.register_feed(course=course, owner=outsider, actor=outsider, url=url)
    with pytest.raises(NotAllowed):
        services.register_feed(course=course, owner=maria, actor=devon, url=url)
    with pytest.raises(NotAllowed):  # take-everything is the facilitators' call
        services.register_feed(course=course, owner=maria, actor=maria, url=url, take_all=True)
    assert not Feed.objects.exists()


def test_approval_queue(course, maria, george, maria_blog, client, login):
    Course.objects.filter(pk=course.pk).update(require_feed_approval=True)
    course.refresh_from_db()
    feed = services.register_feed(course=course, owner=maria, actor=maria, url=maria_blog.url("/feed.xml"))
    assert feed.status == FeedStatus.PENDING

    login(george)
    page = client.get(reverse("syndication:manage", args=[course.slug]))
    assert "Waiting for approval (1)" in page.content.decode()
    client.post(
        reverse("syndication:feed_action", args=[course.slug, feed.pk]), {"action": "approve", "from": "manage"}
    )
    feed.refresh_from_db()
    assert feed.status == FeedStatus.ACTIVE
    assert feed.reviewed_by == george


def test_register_through_the_pages(
    course, maria, maria_blog, client, login, valid_html, settings, django_capture_on_commit_callbacks
):
    settings.HARVEST_ON_REGISTER = True  # Huey runs tasks immediately in tests: the first harvest happens now
    login(maria)
    url = reverse("syndication:my_blogs", args=[course.slug])
    page = client.post(url, {"url": maria_blog.url("/")})
    html = page.content.decode()
    valid_html(html)
    assert "2</strong> would be gathered" in html
    assert "Not gathered: no #IMMOOC tag" in html

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url,
            {"confirm": "1", "feed_url": maria_blog.url("/feed.xml"), "site_url": "", "title": "Maria's classroom"},
            follow=True,
        )
    feed = Feed.objects.get()
    assert (feed.owner, feed.status) == (maria, FeedStatus.ACTIVE)
    assert "Your blog is registered" in done.content.decode()
    # Registered → checked at once: the tagged posts are in the course stream.
    stream = client.get(reverse("network:stream", args=[course.slug])).content.decode()
    assert "Innovation week" in stream
    assert "Holiday photos" not in stream
    assert "Read it on Maria&#x27;s classroom" in stream


def test_a_refused_address_keeps_what_was_typed(course, maria, client, login):
    login(maria)
    page = client.post(reverse("syndication:my_blogs", args=[course.slug]), {"url": "myblog.example/feed"})
    html = page.content.decode()
    assert "starting with https://" in html
    assert 'value="myblog.example/feed"' in html
    assert not Feed.objects.exists()


def test_non_members_and_strangers_are_kept_out(course, maria, devon, outsider, maria_blog, client, login):
    feed = services.register_feed(course=course, owner=maria, actor=maria, url=maria_blog.url("/feed.xml"))
    login(outsider)
    assert client.get(reverse("syndication:my_blogs", args=[course.slug])).status_code == 403
    assert client.get(reverse("syndication:manage", args=[course.slug])).status_code == 403
    login(devon)
    # Someone else's feed answers exactly like a missing one (A2), and nothing changes.
    theirs = client.post(reverse("syndication:feed_action", args=[course.slug, feed.pk]), {"action": "remove"})
    missing = client.post(reverse("syndication:feed_action", args=[course.slug, 999_999]), {"action": "remove"})
    assert theirs.status_code == missing.status_code == 404
    assert Feed.objects.filter(pk=feed.pk).exists()


def test_owner_pauses_resumes_and_removes(course, maria, maria_blog, client, login):
    feed = services.register_feed(course=course, owner=maria, actor=maria, url=maria_blog.url("/feed.xml"))
    login(maria)
    action = reverse("syndication:feed_action", args=[course.slug, feed.pk])
    client.post(action, {"action": "pause"})
    feed.refresh_from_db()
    assert feed.status == FeedStatus.PAUSED
    client.post(action, {"action": "resume"})
    feed.refresh_from_db()
    assert feed.status == FeedStatus.ACTIVE
    client.post(action, {"action": "take_all"})  # not hers to decide
    feed.refresh_from_db()
    assert not feed.take_all
    client.post(action, {"action": "remove"})
    assert not Feed.objects.exists()


OPML = """<?xml version="1.0"?><opml version="2.0"><head><title>IMMOOC blogs</title></head><body>
<outline text="Blogs">
  <outline type="rss" text="Maria's classroom" xmlUrl="https://maria.example/feed" htmlUrl="https://www.maria.example/"/>
  <outline type="rss" text="@devon" xmlUrl="https://devon.example/rss"/>
  <outline type="rss" text="A stranger" xmlUrl="https://stranger.example/feed"/>
  <outline type="rss" text="Sneaky" xmlUrl="file:///etc/passwd"/>
</outline></body></opml>"""


def test_opml_import_matches_participants_by_blog_address_or_handle(course, maria, devon, george):
    maria.blog_url = "https://maria.example"
    maria.save()
    result = services.import_opml(course=course, data=OPML.encode(), actor=george)

    assert sorted(f.owner.username for f in result.added) == ["devon", "maria"]
    assert result.unmatched == ["A stranger (https://stranger.example/feed)"]
    assert len(result.refused) == 1
    assert "Sneaky" in result.refused[0]
    again = services.import_opml(course=course, data=OPML.encode(), actor=george)
    assert len(again.duplicates) == 2
    assert not again.added
    with pytest.raises(NotAllowed):
        services.import_opml(course=course, data=OPML.encode(), actor=maria)


def test_feeds_add_command_registers_without_checking(course, maria):
    call_command("feeds", "add", "--course", course.slug, "--user", "maria", "--no-check", "https://maria.example/feed")
    feed = Feed.objects.get()
    assert (feed.owner, feed.url, feed.status) == (maria, "https://maria.example/feed", FeedStatus.ACTIVE)


def test_feeds_add_command_previews(course, maria, maria_blog, capsys):
    call_command("feeds", "add", "--course", course.slug, "--user", "maria", maria_blog.url("/"))
    out = capsys.readouterr().out
    assert "[take] Innovation week" in out
    assert "[skip] Holiday photos" in out
    assert Feed.objects.get().url == maria_blog.url("/feed.xml")


def test_harvest_command_prints_a_summary(course, maria, maria_blog, capsys):
    services.register_feed(course=course, owner=maria, actor=maria, url=maria_blog.url("/feed.xml"))
    call_command("harvest", "--course", course.slug)
    assert "1 feed: 1 fetched, 0 not modified, 3 new, 0 updated, 0 failed" in capsys.readouterr().out
