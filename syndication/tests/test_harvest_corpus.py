"""The whole quirky corpus through the real harvester: served by the loopback blog server, fetched by the
guarded client, parsed by the fast path, stored. What is stored must equal what the tolerant path
(feedparser alone) reads from the same bytes at the same address: the entries, their titles, links and dates.
"""

import datetime as dt

import pytest

from posts.models import Artifact, Origin
from syndication import parsing
from syndication.harvest import harvest_feeds
from syndication.models import Entry, Feed, FeedStatus

from .test_parsing import CORPUS, FEEDS

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)


def tolerant(data: bytes, url: str) -> parsing.ParsedFeed:
    return parsing._parse(data, url=url, content_type="application/xml", max_entries=200, allow_fast=False)


def test_the_corpus_is_stored_as_the_tolerant_path_reads_it(course, maria, blog_server):
    feeds: dict[int, tuple[str, bytes, str]] = {}
    for name in CORPUS:
        data = (FEEDS / name).read_bytes()
        url = blog_server.serve(f"/corpus/{name}", data, content_type="application/xml")
        feed = Feed.objects.create(course=course, owner=maria, url=url, status=FeedStatus.ACTIVE, take_all=True)
        feeds[feed.pk] = (name, data, url)

    summary = harvest_feeds(list(feeds), workers=1, now=lambda: NOW)

    assert summary.failed == 0
    assert summary.fetched == len(CORPUS)
    fast_read = 0
    for feed in Feed.objects.filter(pk__in=feeds):
        name, data, url = feeds[feed.pk]
        expected = tolerant(data, url)
        assert feed.last_error == "", name
        assert feed.title == expected.title[:200], name
        stored = {
            entry.guid: entry for entry in Entry.objects.filter(feed=feed).select_related("artifact").order_by("pk")
        }
        assert sorted(stored) == sorted(e.guid[:500] for e in expected.entries), name
        for want in expected.entries:
            entry = stored[want.guid[:500]]
            published = want.published or want.updated or NOW
            assert (entry.title, entry.link, entry.published_at, entry.updated_at) == (
                want.title[:200],
                want.link[:1000],
                want.published,
                want.updated,
            ), (name, want.guid)
            artifact = entry.artifact
            assert artifact is not None, (name, want.guid)
            assert (artifact.title, artifact.url, artifact.published_at, artifact.source_name) == (
                (want.title or "Untitled post").strip()[:200],
                want.link[:1000],
                min(published, NOW),
                expected.title[:200] or artifact.source_name,
            ), (name, want.guid)
            assert artifact.body_html == (want.content_html or want.summary_html), (name, want.guid)
        fast_read += parsing.parse_feed(data, url=url, content_type="application/xml").parser == "fast"

    # The comparison means something only if the harvester really took the fast path for most of the corpus.
    assert fast_read >= len(CORPUS) - 2
    assert Entry.objects.count() >= len(CORPUS)  # every feed gave at least one entry
    assert Artifact.objects.filter(origin=Origin.HARVESTED).count() == Entry.objects.count()
