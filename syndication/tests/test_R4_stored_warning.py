"""R4 on the real harvest path (loopback blog server → fetch → pre-scan → parse → store): billion laughs and
quadratic blow-up finish quickly, store no field over its cap, and leave the owner a warning in plain words."""

import time
from pathlib import Path

import pytest

from courses.models import Course
from posts.models import Artifact, Origin
from syndication.harvest import harvest_feeds
from syndication.models import Entry, Feed
from syndication.parsing import CONTENT_CAP, SUMMARY_CAP, TITLE_CAP

from .blogserver import BlogServer

pytestmark = pytest.mark.django_db

OVER_BUDGET = "Some entities in the feed would expand too far; we left them unexpanded."


def _feed(doctype: str, title_ref: str, body_ref: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f"<!DOCTYPE rss [{doctype}]>"
        '<rss version="2.0"><channel><title>Maria &title;</title><link>https://maria.example/</link>'
        "<description>Notes</description>"
        f"<item><guid>r4</guid><title>Entities #immooc {title_ref}</title><link>https://maria.example/r4</link>"
        "<pubDate>Mon, 23 Nov 2026 10:00:00 +0000</pubDate>"
        f"<description>{body_ref}</description></item></channel></rss>"
    ).replace("&title;", title_ref)


def _billion_laughs() -> str:
    decls = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    return _feed("".join(decls), "&lol9;", "<p>&lol9;&lol9;&lol9;</p>")


def _quadratic_blowup() -> str:
    """About 1 MB of input: one 50 KB entity referenced 190,000 times (expanded: about 9.5 GB)."""
    refs = "&big;" * 190_000
    return _feed(f'<!ENTITY big "{"x" * 50_000}">', "&big;", refs)


def _assert_capped(feed: Feed) -> None:
    assert len(feed.title) <= 200
    assert len(feed.warnings) <= 300
    assert len(feed.last_error) <= 300
    for entry in Entry.objects.filter(feed=feed):
        assert len(entry.title) <= 200
        assert len(entry.guid) <= 500
    for artifact in Artifact.objects.filter(origin=Origin.HARVESTED):
        assert len(artifact.title) <= TITLE_CAP
        assert len(artifact.body_html) <= CONTENT_CAP
        assert len(artifact.excerpt) <= SUMMARY_CAP
        assert "x" * 100_000 not in artifact.body_html
        assert "lol" * 10_000 not in artifact.body_html


@pytest.mark.parametrize("payload", [_billion_laughs, _quadratic_blowup], ids=["billion_laughs", "quadratic"])
def test_R4_entity_bombs_are_harvested_quickly_capped_and_reported(
    course: Course, maria, blog_server: BlogServer, payload
) -> None:
    body = payload()
    if payload is _quadratic_blowup:
        assert len(body) >= 1_000_000
    feed = Feed.objects.create(course=course, owner=maria, url=blog_server.serve("/feed", body), take_all=True)

    started = time.perf_counter()
    summary = harvest_feeds([feed.pk], workers=1)
    elapsed = time.perf_counter() - started

    assert elapsed < 5, f"the harvest took {elapsed:.1f} s"
    assert summary.failed == 0, summary.errors
    feed.refresh_from_db()
    _assert_capped(feed)
    # The owner reads what happened, in words, on the feed (not an exception, not a code).
    assert OVER_BUDGET in feed.warnings
    assert feed.last_error == ""
    assert feed.failures == 0
    # The entry itself is still taken, its entities left as literal text.
    artifact = Artifact.objects.get(origin=Origin.HARVESTED)
    assert artifact.title.startswith("Entities #immooc")


def test_R4_external_entities_and_dtds_are_never_loaded_and_are_reported(
    course: Course, maria, blog_server: BlogServer, tmp_path: Path
) -> None:
    secret = tmp_path / "hostname"
    secret.write_text("SECRET-HOSTNAME-CONTENTS")
    doctype_target = blog_server.url("/evil.dtd")
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<!DOCTYPE rss SYSTEM "{doctype_target}" [<!ENTITY xxe SYSTEM "file://{secret}">'
        f'<!ENTITY net SYSTEM "{blog_server.url("/entity")}">]>'
        '<rss version="2.0"><channel><title>Maria</title><link>https://maria.example/</link>'
        "<description>Notes</description>"
        "<item><guid>x1</guid><title>External #immooc &xxe;</title><link>https://maria.example/x1</link>"
        "<description>&net; &xxe;</description></item></channel></rss>"
    )
    blog_server.serve("/evil.dtd", '<!ENTITY xxe "FROM-THE-DTD">', content_type="application/xml-dtd")
    blog_server.serve("/entity", "FROM-THE-NETWORK", content_type="text/plain")
    feed = Feed.objects.create(course=course, owner=maria, url=blog_server.serve("/feed", body), take_all=True)

    summary = harvest_feeds([feed.pk], workers=1)

    assert summary.failed == 0, summary.errors
    assert blog_server.requests == ["/feed"]
    feed.refresh_from_db()
    assert "external DTD" in feed.warnings
    assert "external entities" in feed.warnings
    stored = " ".join(f"{a.title} {a.body_html} {a.excerpt}" for a in Artifact.objects.filter(origin=Origin.HARVESTED))
    assert "SECRET-HOSTNAME-CONTENTS" not in stored
    assert "FROM-THE-DTD" not in stored
    assert "FROM-THE-NETWORK" not in stored


def test_R4_an_entity_expanded_within_budget_is_still_capped_in_every_stored_field(
    course: Course, maria, blog_server: BlogServer
) -> None:
    """Within the expansion budget the entity is expanded; what is stored is cut to each field's cap."""
    body = _feed(f'<!ENTITY long "{"word " * 4_000}">', "&long;", "&long;")
    feed = Feed.objects.create(course=course, owner=maria, url=blog_server.serve("/feed", body), take_all=True)

    summary = harvest_feeds([feed.pk], workers=1)

    assert summary.failed == 0, summary.errors
    feed.refresh_from_db()
    _assert_capped(feed)
    artifact = Artifact.objects.get(origin=Origin.HARVESTED)
    assert artifact.title.startswith("Entities #immooc word word")  # expanded, then cut
    assert len(artifact.title) == TITLE_CAP
    assert len(Entry.objects.get(feed=feed).title) <= TITLE_CAP
    assert len(feed.title) <= 200
