"""H1 through the web form, and H7 for the addresses inside a feed other than img/srcset/a: an RSS enclosure,
the channel image / Atom icon and logo (favicon), and a WebSub hub. None is fetched, during or after a harvest,
and none is rendered as something a browser would fetch beyond what the sanitiser allows."""

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse

from core import fetch as fetch_module
from courses.models import Course
from posts.models import Artifact, Origin
from syndication import services
from syndication.harvest import harvest_feeds
from syndication.models import Feed

from .blogserver import BlogServer, item, rss

pytestmark = pytest.mark.django_db

BAD_SCHEMES = [
    "file:///etc/passwd",
    "javascript:alert(1)",
    "gopher://127.0.0.1/",
    "ftp://example.org/feed",
    "data:text/xml,<rss/>",
]
BLOCKED = ("http://127.0.0.1:9/", "http://169.254.169.254/")


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address handed to the outbound client (core.fetch), whichever way it is called."""
    seen: list[str] = []
    real_fetch = fetch_module.Fetcher.fetch

    async def recording_fetch(self: fetch_module.Fetcher, url: str, **kwargs: object) -> fetch_module.FetchResult:
        seen.append(url)
        return await real_fetch(self, url, **kwargs)  # type: ignore[arg-type]

    real_one = services.fetch_one

    def recording_one(url: str, **kwargs: object) -> fetch_module.FetchResult:
        seen.append(url)
        return real_one(url, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fetch_module.Fetcher, "fetch", recording_fetch)
    monkeypatch.setattr(services, "fetch_one", recording_one)
    return seen


# --- H1 through the web form ----------------------------------------------------------------------


@pytest.mark.parametrize("url", BAD_SCHEMES)
def test_H1_the_add_a_blog_form_refuses_bad_schemes(course: Course, maria, login, url: str, fetched, blog_server):
    client = login(maria)
    page = client.post(reverse("syndication:my_blogs", args=[course.slug]), {"url": url})
    html = page.content.decode()
    assert page.status_code == 200  # the form again, with the reason
    assert 'class="errorlist' in html
    reason = html.split('class="errorlist', 1)[1][:500]
    assert "only http and https addresses" in reason or "starting with https://" in reason
    assert not Feed.objects.exists()
    assert fetched == []
    assert blog_server.requests == []


@pytest.mark.parametrize("url", BAD_SCHEMES)
def test_H1_the_confirm_step_stores_and_fetches_nothing_for_a_bad_scheme(
    course: Course, maria, url: str, fetched, blog_server, settings, django_capture_on_commit_callbacks
):
    """The confirm step posts the feed address in a hidden field: a hand-made post is checked again."""
    settings.HARVEST_ON_REGISTER = True
    client = Client(raise_request_exception=False)
    client.force_login(maria)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            reverse("syndication:my_blogs", args=[course.slug]),
            {"confirm": "1", "feed_url": url, "site_url": "", "title": "Mine"},
        )
    assert page.status_code != 302  # not "registered"
    assert not Feed.objects.exists()
    assert fetched == []
    assert blog_server.requests == []


@pytest.mark.parametrize("url", BAD_SCHEMES[:2])
def test_H1_the_confirm_step_explains_a_refused_address(course: Course, maria, login, url: str, fetched):
    page = login(maria).post(
        reverse("syndication:my_blogs", args=[course.slug]),
        {"confirm": "1", "feed_url": url, "site_url": "", "title": "Mine"},
    )
    assert page.status_code == 200
    assert "only http and https" in page.content.decode() or "starting with https://" in page.content.decode()
    assert not Feed.objects.exists()
    assert fetched == []


# --- H7: addresses inside a feed that are not img/srcset/a ------------------------------------------


@pytest.fixture
def bystander(settings, blog_server: BlogServer) -> Iterator[BlogServer]:
    """A second loopback server the guard would let through (allow-listed): only counting tells if it is hit."""
    server = BlogServer()
    server.thread.start()
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = [f"127.0.0.1:{blog_server.port}", f"127.0.0.1:{server.port}"]
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def _targets(bystander: BlogServer) -> dict[str, str]:
    return {
        "enclosure": bystander.url("/enclosure.mp3"),
        "enclosure_private": "http://169.254.169.254/latest/meta-data/",
        "image": bystander.url("/channel-image.png"),
        "image_private": "http://127.0.0.1:9/favicon.ico",
        "icon": bystander.url("/icon.png"),
        "logo": bystander.url("/logo.png"),
        "hub": bystander.url("/hub"),
        "hub_private": "http://169.254.169.254/hub",
        "self": bystander.url("/self.xml"),
        "media": bystander.url("/media-thumb.jpg"),
    }


def _rss_feed(t: dict[str, str]) -> str:
    entry = (
        "<item><guid>enc1</guid><title>Episode one #immooc</title><link>https://maria.example/e1</link>"
        "<pubDate>Mon, 23 Nov 2026 10:00:00 +0000</pubDate>"
        "<description><![CDATA[<p>Listen to this.</p>]]></description>"
        f'<enclosure url="{t["enclosure"]}" length="1000" type="audio/mpeg"/>'
        f'<enclosure url="{t["enclosure_private"]}" length="1000" type="image/png"/>'
        f'<media:thumbnail url="{t["media"]}"/><media:content url="{t["media"]}" medium="image"/>'
        "</item>"
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">'
        "<channel><title>Maria's podcast</title><link>https://maria.example/</link><description>Notes</description>"
        f'<atom:link rel="hub" href="{t["hub"]}"/><atom:link rel="hub" href="{t["hub_private"]}"/>'
        f'<atom:link rel="self" href="{t["self"]}"/>'
        f"<image><url>{t['image']}</url><title>Maria</title><link>https://maria.example/</link></image>"
        f"<image><url>{t['image_private']}</url><title>Maria</title><link>https://maria.example/</link></image>"
        f"{entry}</channel></rss>"
    )


def _atom_feed(t: dict[str, str]) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Devon's notes</title><id>urn:devon</id><updated>2026-11-23T10:00:00Z</updated>"
        '<link rel="alternate" href="https://devon.example/"/>'
        f'<link rel="hub" href="{t["hub"]}"/><link rel="hub" href="{t["hub_private"]}"/>'
        f'<link rel="self" href="{t["self"]}"/>'
        f"<icon>{t['icon']}</icon><logo>{t['logo']}</logo>"
        "<entry><id>urn:devon:1</id><title>Atom entry #immooc</title><updated>2026-11-23T10:00:00Z</updated>"
        '<link rel="alternate" href="https://devon.example/1"/>'
        f'<link rel="enclosure" href="{t["enclosure"]}" type="audio/mpeg" length="1000"/>'
        f'<link rel="enclosure" href="{t["enclosure_private"]}" type="audio/mpeg" length="1000"/>'
        '<content type="html">&lt;p&gt;Words.&lt;/p&gt;</content></entry></feed>'
    )


def test_H7_enclosures_favicons_and_hubs_are_never_fetched(
    course: Course, maria, devon, blog_server: BlogServer, bystander: BlogServer, fetched: list[str], client
):
    t = _targets(bystander)
    rss_url = blog_server.serve("/rss", _rss_feed(t))
    atom_url = blog_server.serve("/atom", _atom_feed(t), content_type="application/atom+xml")
    feeds = [
        Feed.objects.create(course=course, owner=maria, url=rss_url),
        Feed.objects.create(course=course, owner=devon, url=atom_url),
    ]

    summary = harvest_feeds([f.pk for f in feeds], workers=1)

    assert (summary.fetched, summary.failed) == (2, 0)
    assert set(Artifact.objects.filter(origin=Origin.HARVESTED).values_list("title", flat=True)) == {
        "Episode one #immooc",
        "Atom entry #immooc",
    }
    assert sorted(fetched) == sorted([rss_url, atom_url])  # the feeds themselves, nothing they point at
    assert sorted(blog_server.requests) == ["/atom", "/rss"]
    assert bystander.requests == []

    # After the harvest: a second (conditional) harvest, and the pages showing the harvested posts.
    harvest_feeds([f.pk for f in feeds], workers=1)
    Course.objects.filter(pk=course.pk).update(show_full_posts=True)
    client.force_login(maria)
    pages = [client.get(reverse("network:stream", args=[course.slug])).content.decode()]
    for artifact in Artifact.objects.filter(origin=Origin.HARVESTED):
        response = client.get(artifact.get_absolute_url())
        assert response.status_code == 200
        pages.append(response.content.decode())
    pages.append(client.get(reverse("syndication:my_blogs", args=[course.slug])).content.decode())
    for html in pages:
        for name, url in t.items():
            assert url not in html, f"the feed's {name} address is on a page"
    assert sorted(fetched) == sorted([rss_url, atom_url] * 2)
    assert bystander.requests == []


def test_H7_the_artifact_page_offers_nothing_fetchable_beyond_img_and_links(
    course: Course, maria, blog_server: BlogServer, bystander: BlogServer, fetched: list[str], client
):
    """Media and embedding tags in an entry's body that point at private or bystander addresses are dropped by
    the sanitiser; only img src (the reader's browser loads it, never the server) and a href may remain."""
    b = bystander.url
    body = (
        f'<p>Watch <video src="{b("/v.mp4")}" poster="http://169.254.169.254/poster.png">'
        f'<source src="{b("/source.mp4")}"><track src="{b("/t.vtt")}"></video>'
        f'<audio src="http://127.0.0.1:9/a.mp3"></audio><iframe src="{b("/frame")}"></iframe>'
        f'<object data="{b("/object")}"></object><embed src="{b("/embed")}">'
        f'<input type="image" src="{b("/input.png")}"><link rel="stylesheet" href="{b("/style.css")}">'
        f'<svg><image href="{b("/svg.png")}"/></svg><span style="background:url({b("/bg.png")})">x</span>'
        f'<img src="{b("/ok.png")}" srcset="{b("/srcset.png")} 2x" longdesc="{b("/longdesc")}"></p>'
    )
    url = blog_server.serve("/feed", rss(item("m1", "Media #immooc", body=body)))
    feed = Feed.objects.create(course=course, owner=maria, url=url)
    harvest_feeds([feed.pk], workers=1)
    artifact = Artifact.objects.get(title="Media #immooc")
    Course.objects.filter(pk=course.pk).update(show_full_posts=True)
    client.force_login(maria)
    html = client.get(artifact.get_absolute_url()).content.decode()

    for path in (
        "/v.mp4",
        "/source.mp4",
        "/t.vtt",
        "/frame",
        "/object",
        "/embed",
        "/input.png",
        "/style.css",
        "/svg.png",
        "/bg.png",
        "/srcset.png",
        "/longdesc",
    ):
        assert b(path) not in html, path
    assert "169.254.169.254" not in html
    assert "127.0.0.1:9/" not in html
    assert not re.search(r"<(video|audio|source|track|iframe|object|embed|input type=\"image\"|svg)\b", html)
    assert fetched == [url]
    assert bystander.requests == []
