"""Finding a blog's feed from its page: alternate links, sniffing, and the usual paths."""

import pytest

from syndication.discovery import COMMON_FEED_PATHS, fallback_candidates, feed_links, looks_like_feed

WORDPRESS_HEAD = b"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<title>Room 12 Notes</title>
<link rel="alternate" type="application/rss+xml" title="Room 12 Notes &raquo; Feed"
 href="https://room12notes.example.org/feed/" />
<link rel="alternate" type="application/rss+xml" title="Room 12 Notes &raquo; Comments Feed"
 href="https://room12notes.example.org/comments/feed/" />
<link rel="https://api.w.org/" href="https://room12notes.example.org/wp-json/" />
<link rel="alternate" type="application/json+oembed"
 href="https://room12notes.example.org/wp-json/oembed/1.0/embed?url=x" />
<link rel="stylesheet" href="/wp-content/themes/x/style.css" />
</head><body><p>Hello</p></body></html>
"""


def test_wordpress_page_lists_its_feeds_in_document_order():
    assert feed_links(WORDPRESS_HEAD, "https://room12notes.example.org/") == [
        "https://room12notes.example.org/feed/",
        "https://room12notes.example.org/comments/feed/",
    ]


def test_relative_feed_links_resolve_against_the_page_and_base_href():
    page = b"""<html><head>
    <link rel="alternate" type="application/atom+xml" href="/feeds/posts/default">
    <link rel="ALTERNATE feed" type="application/rss+xml; charset=utf-8" href="feeds/posts/default?alt=rss">
    </head></html>"""
    assert feed_links(page, "https://coach.blogspot.example/2026/03/post.html") == [
        "https://coach.blogspot.example/feeds/posts/default",
        "https://coach.blogspot.example/2026/03/feeds/posts/default?alt=rss",
    ]
    with_base = b"""<html><head><base href="https://cdn.example.net/blog/">
    <link rel="alternate" type="application/rss+xml" href="rss.xml"></head></html>"""
    assert feed_links(with_base, "https://example.net/") == ["https://cdn.example.net/blog/rss.xml"]


def test_feed_links_are_deduplicated_http_only_and_rss_or_atom():
    page = b"""<html><head>
    <link rel="alternate" type="application/rss+xml" href="https://a.example/feed">
    <link rel="alternate" type="application/rss+xml" href="https://a.example/feed">
    <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    <link rel="alternate" type="application/rss+xml" href="feed://a.example/other">
    <link rel="alternate" type="application/rss+xml" href="">
    <link rel="alternate" type="application/feed+json" href="https://a.example/feed.json">
    <link rel="alternate" type="text/html" href="https://a.example/fr/">
    <link rel="stylesheet" type="application/rss+xml" href="https://a.example/not-alternate">
    <link rel="alternate" type="application/rdf+xml" href="https://a.example/index.rdf">
    </head></html>"""
    assert feed_links(page, "https://a.example/") == ["https://a.example/feed", "https://a.example/index.rdf"]


@pytest.mark.parametrize(
    "html",
    [b"", b"   ", b"\x00\x01\x02", b"<html><head><link rel=alternate type=application/rss+xml href=/f", b"not html"],
)
def test_feed_links_tolerates_broken_pages(html):
    result = feed_links(html, "https://b.example/")
    assert result in ([], ["https://b.example/f"])


def test_unquoted_attributes_and_links_in_the_body_still_count():
    page = b"<p>hi<link rel=alternate type=application/atom+xml href=/atom.xml></p>"
    assert feed_links(page, "https://c.example/x/") == ["https://c.example/atom.xml"]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b'<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>', "text/html"),
        (b"\xef\xbb\xbf<?xml version='1.0'?><!-- hi --><feed xmlns='http://www.w3.org/2005/Atom'/>", ""),
        (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="x"/>', "application/xml"),
        (b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "b">]>\n<rss/>', ""),
        ('<?xml version="1.0" encoding="utf-16"?><rss/>'.encode("utf-16"), ""),
        (b"  <atom:feed xmlns:atom='http://www.w3.org/2005/Atom'/>", ""),
        (b'<?xml version="1.0"?>', "application/rss+xml"),
    ],
)
def test_looks_like_feed(data, content_type):
    assert looks_like_feed(data, content_type)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"<!DOCTYPE html><html><head><title>feed</title></head></html>", "text/html"),
        (b"<!DOCTYPE html><html><body><rss>", "application/rss+xml"),
        (b'{"version": "https://jsonfeed.org/version/1.1"}', "application/json"),
        (b"", "text/xml"),
        (b"Forbidden", "application/rss+xml"),
        (b'<?xml version="1.0"?><opml version="2.0"/>', "text/xml"),
    ],
)
def test_does_not_look_like_feed(data, content_type):
    assert not looks_like_feed(data, content_type)


def test_fallback_candidates_are_joined_to_the_site_root():
    candidates = fallback_candidates("https://mrclarke.edublogs.example/2026/03/02/a-post/?x=1#top")
    assert candidates == [f"https://mrclarke.edublogs.example{path}" for path in COMMON_FEED_PATHS]
    assert candidates[0] == "https://mrclarke.edublogs.example/feed/"
    assert "https://mrclarke.edublogs.example/?feed=rss2" in candidates


def test_fallback_candidates_keep_the_port_and_refuse_other_schemes():
    assert fallback_candidates("http://127.0.0.1:8000/blog")[1] == "http://127.0.0.1:8000/feed"
    assert fallback_candidates("ftp://example.org/") == []
    assert fallback_candidates("not a url") == []
    assert fallback_candidates("https://[::1") == []
