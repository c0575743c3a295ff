"""X1 (and X4) across every surface that serves a post's HTML (SECURITY-TESTS 7.3).

Hostile HTML in a blog entry is harvested through the real path (a loopback blog server, the harvester, the
feed parser's normaliser) and must be stored sanitised; then the artifact page, the REST API, the Mastodon
status `content` and the course's RSS and Atom feeds must all serve it without anything script-capable, and
serve the same sanitised HTML (the feeds carry a harvested post's excerpt and a link, so for a harvested post
they are checked for safety and for the excerpt; for a native post they carry its whole HTML). A native post
whose Markdown holds the same payloads goes through the same surfaces.

Safety is checked on the parsed markup (every element and attribute on nh3's allowlist, no `on…` handler, no
`style`, no URL but http(s)/mailto), and on the raw text for the markers that must never appear as markup.
"""

import re
import socket
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser

import pytest
from django.test import Client
from lxml import etree

from accounts.models import User
from api import services as api_services
from core.text import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES
from courses.models import Course
from posts import services as posts_services
from posts.models import Artifact, Kind, Origin
from syndication.harvest import harvest_feeds
from syndication.models import Feed
from syndication.tests.blogserver import BlogServer, item, rss

pytestmark = pytest.mark.django_db

HOSTILE_HTML = """<p>Quokka before the payloads.</p>
<script>alert('script')</script>
<p><img src="https://maria.example/x.png" onerror="alert('img')" alt="pic"></p>
<p><a href="javascript:alert('a')">plain javascript link</a></p>
<p><a href="jav&#x09;ascript:alert('tab')">tab in the scheme</a></p>
<p><a href=" JaVaScRiPt:alert('case')">mixed case</a></p>
<p><a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data url</a></p>
<iframe src="https://evil.test/frame"></iframe>
<style>body { background: url(javascript:alert('style')) }</style>
<p style="background:url(javascript:alert('attr'))">styled paragraph</p>
<svg onload="alert('svg')"><circle r="1"></circle></svg>
<math><mtext><table><mglyph><style><img src=x onerror=alert('math')></style></mglyph></table></mtext></math>
<object data="https://evil.test/x.swf"></object>
<embed src="https://evil.test/x.swf">
<form action="https://evil.test/"><input name="q"><button formaction="javascript:alert(1)">go</button></form>
<meta http-equiv="refresh" content="0;url=https://evil.test/">
<base href="https://evil.test/">
<p>Quokka after the payloads, with <a href="https://ok.example/page">a fine link</a>.</p>
"""

HOSTILE_MARKDOWN = """Quokka before the payloads.

<script>alert('script')</script>

<img src=x onerror=alert('img')>

[plain javascript link](javascript:alert('a'))

[tab in the scheme](jav&#x09;ascript:alert('tab'))

[data url](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)

![pic](x" onerror="alert('md'))

<iframe src="https://evil.test/frame"></iframe>

<style>body { background: url(javascript:alert('style')) }</style>

<svg onload="alert('svg')"></svg>

<a href="javascript:alert('raw')">raw link</a>

Quokka after the payloads, with [a fine link](https://ok.example/page).
"""

# Markup that must never be live, whatever the surface.
NEVER_AS_MARKUP = ("<script", "<iframe", "<style", "<svg", "<math", "<object", "<embed", "<form", "<meta", "<base")
# In a harvested post none of these survive even as text: the sanitiser drops them with their elements.
NEVER_IN_HARVESTED = (*NEVER_AS_MARKUP, "onerror", "onload", "javascript:", "data:text/html", "alert(")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background", "poster"}
SCHEME_RE = re.compile(r"([a-z][a-z0-9+.\-]*):")
ATOM = "{http://www.w3.org/2005/Atom}"


class _Audit(HTMLParser):
    """Every element and attribute in a fragment, and what is wrong with them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"<{tag}> is not on the allowlist")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        for name, value in attrs:
            if name.startswith("on") or name == "style" or name not in allowed:
                self.problems.append(f"<{tag} {name}=…> is not allowed")
            if name in URL_ATTRIBUTES and value is not None:
                # As a browser reads it (WHATWG URL): C0 controls and spaces trimmed, tabs and newlines
                # dropped anywhere; a scheme is a letter then letters, digits, "+", "-", "."; anything else
                # (such as `jav%09ascript:`) is a relative path.
                squeezed = re.sub(r"[\t\n\r]", "", value.strip("".join(map(chr, range(33))))).lower()
                match = SCHEME_RE.match(squeezed)
                scheme = match.group(1) if match else ""
                if scheme and scheme not in URL_SCHEMES:
                    self.problems.append(f"<{tag} {name}={value!r}> has a {scheme}: URL")

    handle_startendtag = handle_starttag


def assert_safe(html: str, *, harvested: bool, where: str) -> None:
    audit = _Audit()
    audit.feed(html)
    audit.close()
    assert audit.problems == [], f"{where}: {audit.problems}"
    lowered = html.lower()
    for marker in NEVER_IN_HARVESTED if harvested else NEVER_AS_MARKUP:
        assert marker not in lowered, f"{where}: {marker!r} survived"
    assert "Quokka before the payloads." in html, f"{where}: text kept"
    assert "Quokka after the payloads" in html, f"{where}: text kept"
    assert 'href="https://ok.example/page"' in html, f"{where}: a fine link is kept"


@pytest.fixture
def blog_server(settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[BlogServer]:
    """The syndication tests' loopback blog server, and their tripwire against leaving loopback."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and not (str(host).startswith("127.") or host in {"::1", "localhost"}):
            pytest.fail(f"Tried to connect outside loopback: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    server = BlogServer()
    server.thread.start()
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = [f"127.0.0.1:{server.port}"]
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def harvested(course: Course, maria: User, blog_server: BlogServer) -> Artifact:
    Course.objects.filter(pk=course.pk).update(show_full_posts=True)  # the page shows the whole post
    url = blog_server.serve("/feed", rss(item("x1", "Quokka hostile entry", body=HOSTILE_HTML)))
    feed = Feed.objects.create(course=course, owner=maria, url=url, take_all=True)
    summary = harvest_feeds([feed.pk], workers=1)
    assert (summary.new, summary.failed) == (1, 0)
    return Artifact.objects.get(origin=Origin.HARVESTED, title="Quokka hostile entry")


@pytest.fixture
def native(course: Course, maria: User) -> Artifact:
    return posts_services.publish(
        author=maria, course=course, kind=Kind.POST, title="Quokka hostile markdown", body=HOSTILE_MARKDOWN
    )


def _api(user: User) -> tuple[Client, dict[str, str]]:
    _, secret = api_services.create_token(user=user, name="x1", scopes=["read"])
    return Client(), {"Authorization": f"Bearer {secret}"}


def _page(artifact: Artifact) -> str:
    response = Client().get(f"/a/{artifact.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _rest(artifact: Artifact, user: User) -> str:
    client, headers = _api(user)
    response = client.get(f"/api/v1/artifacts/{artifact.pk}", headers=headers)
    assert response.status_code == 200
    return str(response.json()["html"])


def _mastodon(artifact: Artifact, user: User) -> str:
    client, headers = _api(user)
    response = client.get(f"/api/v1/statuses/{artifact.pk}", headers=headers)
    assert response.status_code == 200
    return str(response.json()["content"])


def _feed_items(kind: str) -> dict[str, str]:
    """The course feed's items: title → the description's HTML, as a feed reader gets it after XML parsing."""
    response = Client().get(f"/courses/immooc/feed.{kind}")
    assert response.status_code == 200
    # Well-formed XML, or this raises; as test_feeds_out.py parses it (no entities, no network).
    root = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False, no_network=True))
    found: dict[str, str] = {}
    if kind == "rss":
        for entry in root.iter("item"):
            found[entry.findtext("title") or ""] = entry.findtext("description") or ""
    else:
        for entry in root.iter(f"{ATOM}entry"):
            body = entry.find(f"{ATOM}content")
            if body is None:
                body = entry.find(f"{ATOM}summary")
            assert body is None or body.get("type") in (None, "html")
            found[entry.findtext(f"{ATOM}title") or ""] = body.text or "" if body is not None else ""
    return found


def test_X1_a_harvested_entry_is_stored_sanitised(harvested: Artifact) -> None:
    assert_safe(harvested.body_html, harvested=True, where="stored body_html")
    for marker in NEVER_IN_HARVESTED:
        assert marker not in harvested.excerpt.lower(), f"excerpt: {marker!r}"


def test_X1_the_page_serves_the_stored_sanitised_html(harvested: Artifact) -> None:
    page = _page(harvested)
    assert harvested.body_html in page, "the page shows exactly the stored, sanitised HTML"
    prose = page.split('<div class="prose">', 1)[1].split("</div>", 1)[0]
    assert prose == harvested.body_html
    assert_safe(prose, harvested=True, where="artifact page")
    for marker in ("alert(", "onerror", "javascript:", "evil.test"):
        assert marker not in page.lower(), f"artifact page: {marker!r} anywhere on the page"


def test_X1_the_rest_api_serves_the_same_sanitised_html(harvested: Artifact, devon: User) -> None:
    html = _rest(harvested, devon)
    assert html == harvested.body_html
    assert_safe(html, harvested=True, where="REST API")


def test_X1_the_mastodon_api_serves_the_same_sanitised_html(harvested: Artifact, devon: User) -> None:
    content = _mastodon(harvested, devon)
    assert harvested.body_html in content
    audit = _Audit()
    audit.feed(content)
    assert audit.problems == [], f"Mastodon content: {audit.problems}"
    assert_safe(harvested.body_html, harvested=True, where="Mastodon content")
    for marker in NEVER_IN_HARVESTED:
        assert marker not in content.lower(), f"Mastodon content: {marker!r}"


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_X1_the_course_feeds_carry_only_sanitised_html(harvested: Artifact, kind: str) -> None:
    description = _feed_items(kind)["Quokka hostile entry"]
    # A harvested post goes out as its excerpt and a link to the original.
    audit = _Audit()
    audit.feed(description)
    assert audit.problems == [], f"{kind}: {audit.problems}"
    for marker in NEVER_IN_HARVESTED:
        assert marker not in description.lower(), f"{kind}: {marker!r} survived"
    assert unescape(description).count("Quokka before the payloads.") == 1
    assert harvested.url in unescape(description)


def test_X1_a_native_markdown_post_is_sanitised_after_rendering_X4(native: Artifact) -> None:
    assert_safe(native.body_html, harvested=False, where="stored body_html")
    # Raw HTML typed into a post is shown as text, not run.
    assert "&lt;script&gt;" in native.body_html
    assert "javascript:" not in "".join(_hrefs(native.body_html)).lower()


def _hrefs(html: str) -> list[str]:
    audit = _Audit()
    found: list[str] = []
    audit.handle_starttag = lambda tag, attrs: found.extend(v or "" for n, v in attrs if n in URL_ATTRIBUTES)  # type: ignore[method-assign]
    audit.feed(html)
    return found


def test_X1_every_surface_serves_a_native_markdown_posts_same_sanitised_html(native: Artifact, devon: User) -> None:
    stored = native.body_html
    page = _page(native)
    prose = page.split('<div class="prose">', 1)[1].split("</div>", 1)[0]
    surfaces = {
        "artifact page": prose,
        "REST API": _rest(native, devon),
        "Mastodon content": _mastodon(native, devon).replace("<p>Quokka hostile markdown</p>", "", 1),
        "course RSS": _feed_items("rss")["Quokka hostile markdown"],
        "course Atom": _feed_items("atom")["Quokka hostile markdown"],
    }
    for where, html in surfaces.items():
        assert_safe(html, harvested=False, where=where)
        assert html == stored, f"{where} serves the same sanitised HTML as is stored"
