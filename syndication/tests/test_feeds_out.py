"""Atom and RSS out: well-formed, newest first, only what anyone may see (X8), names and titles as text (X3)."""

import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from courses.tests.factories import PromptFactory
from posts import selectors
from posts.models import Origin, Tag, Visibility
from posts.tests.factories import ArtifactFactory
from syndication.feeds import FEED_LENGTH

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
KINDS = ["atom", "rss"]
SUBJECTS = ["course", "person", "tag", "prompt"]


def _parse(content: bytes) -> etree._Element:
    """The feed's root element; raises on anything that is not well-formed XML."""
    return etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))


def _entries(root: etree._Element) -> list[etree._Element]:
    return root.findall(f"{ATOM}entry") if root.tag == f"{ATOM}feed" else root.findall("channel/item")


def _titles(root: etree._Element) -> list[str]:
    tag = f"{ATOM}title" if root.tag == f"{ATOM}feed" else "title"
    return [entry.findtext(tag) for entry in _entries(root)]


def _normalised(content: bytes, path: str) -> str:
    """The page with what changes per request (the path, the nonce, the CSRF token) blanked."""
    body = content.decode().replace(quote(path, safe=""), "PATH").replace(path, "PATH")
    body = re.sub(r'nonce="[^"]*"', 'nonce=""', body)
    return re.sub(r'"X-CSRFToken": "[^"]*"', '"X-CSRFToken": ""', body)


def _feed_url(subject: str, kind: str, course, maria) -> str:
    prompt = course.weeks.get(number=1).prompts.get(number=1)
    args = {
        "course": [course.slug],
        "person": [maria.username],
        "tag": ["reflection"],
        "prompt": [course.slug, 1, prompt.number],
    }[subject]
    return reverse(f"syndication_out:{subject}_{kind}", args=args)


@pytest.fixture
def three_kinds(course, maria):
    """Maria's public post, course-only post and draft, each answering prompt 1 and tagged #reflection."""
    prompt = course.weeks.get(number=1).prompts.get(number=1)
    tag = Tag.objects.create(name="reflection")
    made = {}
    for visibility, title in [
        (Visibility.PUBLIC, "Public thoughts"),
        (Visibility.COURSE, "Members-only thoughts"),
        (Visibility.DRAFT, "Secret draft"),
    ]:
        artifact = ArtifactFactory.create(
            course=course, author=maria, prompt=prompt, visibility=visibility, title=title
        )
        artifact.tags.add(tag)
        made[visibility] = artifact
    return made


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("subject", SUBJECTS)
def test_X8_every_feed_has_only_public_published_items(client, course, maria, three_kinds, subject, kind) -> None:
    response = client.get(_feed_url(subject, kind, course, maria))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(f"application/{kind}+xml")
    assert _titles(_parse(response.content)) == ["Public thoughts"]
    assert b"Members-only" not in response.content
    assert b"Secret draft" not in response.content


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("subject", SUBJECTS)
def test_X8_signed_in_author_gets_the_same_public_feed(login, course, maria, three_kinds, subject, kind) -> None:
    """A feed is for a feed reader, nobody in particular: the session never widens it (A1, RSS/Atom surface)."""
    response = login(maria).get(_feed_url(subject, kind, course, maria))
    assert _titles(_parse(response.content)) == ["Public thoughts"]


def test_X8_deleted_artifact_leaves_the_feed(client, course, maria) -> None:
    gone = ArtifactFactory.create(course=course, author=maria, title="Soon gone")
    gone.delete()
    response = client.get(reverse("syndication_out:course_atom", args=[course.slug]))
    assert _titles(_parse(response.content)) == []


def test_course_feed_is_newest_first_and_at_most_thirty(client, course, maria) -> None:
    start = timezone.now() - dt.timedelta(days=10)
    for n in range(FEED_LENGTH + 5):
        ArtifactFactory.create(
            course=course, author=maria, title=f"Post {n:02}", published_at=start + dt.timedelta(hours=n)
        )
    root = _parse(client.get(reverse("syndication_out:course_rss", args=[course.slug])).content)
    titles = _titles(root)
    assert len(titles) == FEED_LENGTH
    assert titles[0] == f"Post {FEED_LENGTH + 4:02}"
    assert titles == sorted(titles, reverse=True)


def test_atom_item_carries_link_author_dates_and_categories(client, course, maria) -> None:
    artifact = ArtifactFactory.create(course=course, author=maria, title="On risk", body="I **tried** it.")
    artifact.tags.add(Tag.objects.create(name="risk"), Tag.objects.create(name="immooc"))
    root = _parse(client.get(reverse("syndication_out:course_atom", args=[course.slug])).content)
    [entry] = _entries(root)
    link = f"{settings.SITE_URL}{artifact.get_absolute_url()}"
    assert entry.find(f"{ATOM}link").get("href") == link
    assert entry.findtext(f"{ATOM}id") == link
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Maria López"
    assert entry.findtext(f"{ATOM}author/{ATOM}uri") == f"{settings.SITE_URL}/people/maria/"
    assert entry.findtext(f"{ATOM}published")
    assert entry.findtext(f"{ATOM}updated")
    assert sorted(c.get("term") for c in entry.findall(f"{ATOM}category")) == ["immooc", "risk"]
    assert "<strong>tried</strong>" in entry.findtext(f"{ATOM}summary")
    assert root.findtext(f"{ATOM}title") == "Innovator's Mindset MOOC · Commonplace"


def test_rss_item_carries_creator_guid_and_pubdate(client, course, maria) -> None:
    artifact = ArtifactFactory.create(course=course, author=maria)
    root = _parse(client.get(reverse("syndication_out:person_rss", args=["maria"])).content)
    [item] = _entries(root)
    assert item.findtext("{http://purl.org/dc/elements/1.1/}creator") == "Maria López"
    assert item.findtext("guid") == f"{settings.SITE_URL}{artifact.get_absolute_url()}"
    assert item.findtext("pubDate")
    assert root.findtext("channel/link") == f"{settings.SITE_URL}/people/maria/"


@pytest.mark.parametrize("kind", KINDS)
def test_X3_names_and_titles_with_html_are_text(client, course, maria, kind) -> None:
    """X3: a display name and a title holding markup stay text; nothing in the feed becomes an element."""
    maria.display_name = '<script>alert("name")</script>'
    maria.save()
    title = '<img src=x onerror=alert(1)> & "quoted"'
    ArtifactFactory.create(course=course, author=maria, title=title)
    response = client.get(reverse(f"syndication_out:course_{kind}", args=[course.slug]))
    assert b"<script>" not in response.content
    assert b"<img" not in response.content
    root = _parse(response.content)
    assert _titles(root) == [title]
    assert not root.findall(".//script")
    assert not root.findall(".//img")
    text = etree.tostring(root, method="text", encoding="unicode")
    assert '<script>alert("name")</script>' in text


def test_X3_person_feed_title_escapes_display_name(client, course, maria) -> None:
    maria.display_name = "<script>x</script>"
    maria.save()
    response = client.get(reverse("syndication_out:person_atom", args=["maria"]))
    assert b"<script>" not in response.content
    assert _parse(response.content).findtext(f"{ATOM}title") == "<script>x</script> · Commonplace"


def test_X8_description_html_is_sanitised(client, course, maria) -> None:
    ArtifactFactory.create(
        course=course,
        author=maria,
        body_html='<p>fine</p><script>alert(1)</script><a href="javascript:alert(2)">x</a><img src=x onerror=alert(3)>',
    )
    root = _parse(client.get(reverse("syndication_out:course_atom", args=[course.slug])).content)
    html = _entries(root)[0].findtext(f"{ATOM}summary")
    assert "<p>fine</p>" in html
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onerror" not in html


def test_harvested_item_is_the_excerpt_and_a_link_to_the_original(client, course, maria) -> None:
    ArtifactFactory.create(
        course=course,
        author=maria,
        origin=Origin.HARVESTED,
        source_name="Maria's <b>classroom</b>",
        excerpt="It began with a <question> & a risk.",
        url="https://maria.example/2026/risk",
        body_html="<p>The whole post, which stays on her blog.</p>",
    )
    root = _parse(client.get(reverse("syndication_out:course_rss", args=[course.slug])).content)
    html = _entries(root)[0].findtext("description")
    assert "It began with a &lt;question&gt; &amp; a risk." in html
    assert 'href="https://maria.example/2026/risk"' in html
    assert "Maria's &lt;b&gt;classroom&lt;/b&gt;" in html
    assert "The whole post" not in html


def test_X8_control_characters_do_not_break_the_feed(client, course, maria) -> None:
    ArtifactFactory.create(course=course, author=maria, title="Bell\x07 and\x0b tab")
    response = client.get(reverse("syndication_out:course_atom", args=[course.slug]))
    assert response.status_code == 200
    assert _titles(_parse(response.content)) == ["Bell and tab"]


def test_links_use_the_site_address_not_the_host_header(client, course, maria, settings) -> None:
    settings.ALLOWED_HOSTS = ["evil.example", "testserver"]
    ArtifactFactory.create(course=course, author=maria)
    response = client.get(reverse("syndication_out:course_atom", args=[course.slug]), HTTP_HOST="evil.example")
    assert b"evil.example/a/" not in response.content
    assert f"{settings.SITE_URL}/a/".encode() in response.content


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "args",
    [
        ("course", ["nope"]),
        ("person", ["nobody"]),
        ("tag", ["never-used"]),
        ("prompt", ["immooc", 1, 9]),
        ("prompt", ["immooc", 7, 1]),
        ("prompt", ["nope", 1, 1]),
    ],
)
def test_missing_things_are_404(client, course, kind, args) -> None:
    subject, path_args = args
    assert client.get(reverse(f"syndication_out:{subject}_{kind}", args=path_args)).status_code == 404


def test_tag_with_nothing_public_is_the_same_404_as_a_missing_tag(client, course, maria) -> None:
    """A2: a tag used only on course-only posts answers exactly like one nobody used."""
    hidden = ArtifactFactory.create(course=course, author=maria, visibility=Visibility.COURSE)
    hidden.tags.add(Tag.objects.create(name="members-secret"))
    secret_path = reverse("syndication_out:tag_atom", args=["members-secret"])
    missing_path = reverse("syndication_out:tag_atom", args=["nobody-used-it"])
    secret, missing = client.get(secret_path), client.get(missing_path)
    assert secret.status_code == missing.status_code == 404
    assert _normalised(secret.content, secret_path) == _normalised(missing.content, missing_path)
    assert secret["Content-Type"] == missing["Content-Type"]


def test_tag_feed_normalises_the_name(client, course, maria) -> None:
    artifact = ArtifactFactory.create(course=course, author=maria, title="Tagged")
    artifact.tags.add(Tag.objects.create(name="growth"))
    response = client.get(reverse("syndication_out:tag_atom", args=["Growth"]))
    assert _titles(_parse(response.content)) == ["Tagged"]


@pytest.mark.parametrize("count", [3, 30])
def test_feed_queries_do_not_grow_with_items(client, course, maria, devon, django_assert_max_num_queries, count):
    for n in range(count):
        artifact = ArtifactFactory.create(course=course, author=maria if n % 2 else devon)
        artifact.tags.add(Tag.objects.get_or_create(name=f"tag{n % 4}")[0])
    with django_assert_max_num_queries(4):
        client.get(reverse("syndication_out:course_atom", args=[course.slug]))


def _alternates(html: str) -> list[tuple[str, str]]:
    head = html.split("</head>", 1)[0]
    return re.findall(r'<link rel="alternate" type="application/(atom|rss)\+xml" title="[^"]*" href="([^"]+)">', head)


def test_pages_announce_their_feeds_in_the_head(client, course, maria, valid_html) -> None:
    artifact = ArtifactFactory.create(course=course, author=maria)
    artifact.tags.add(Tag.objects.create(name="reflection"))
    prompt = course.weeks.get(number=1).prompts.get(number=1)
    pages = {
        course.get_absolute_url(): "course",
        reverse("network:stream", args=[course.slug]): "course",
        maria.get_absolute_url(): "person",
        reverse("posts:tag", args=["reflection"]): "tag",
        prompt.get_absolute_url(): "prompt",
    }
    for page, subject in pages.items():
        response = client.get(page)
        assert response.status_code == 200, page
        valid_html(response.content)
        found = _alternates(response.content.decode())
        assert [kind for kind, _ in found] == ["atom", "rss"], page
        for kind, href in found:
            assert href == _feed_url(subject, kind, course, maria)
            assert client.get(href).status_code == 200


def test_X3_feed_alternate_titles_are_escaped(client, course, maria) -> None:
    maria.display_name = '"><script>x</script>'
    maria.save()
    html = client.get(maria.get_absolute_url()).content.decode()
    head = html.split("</head>", 1)[0]
    assert "<script>x" not in head
    assert "&quot;&gt;&lt;script&gt;x&lt;/script&gt; (Atom)" in head


def test_a_second_prompt_has_its_own_feed(client, course, maria) -> None:
    week = course.weeks.get(number=1)
    second = PromptFactory.create(week=week, number=2)
    ArtifactFactory.create(course=course, author=maria, prompt=second, title="Second answer")
    ArtifactFactory.create(course=course, author=maria, title="No prompt")
    url = reverse("syndication_out:prompt_atom", args=[course.slug, 1, 2])
    assert _titles(_parse(Client().get(url).content)) == ["Second answer"]


@pytest.mark.parametrize("sort_limit", [1_000, 1], ids=["sorted", "walked"])
def test_tag_feed_is_the_newest_public_tagged_either_way_it_is_read(
    client, course, maria, devon, monkeypatch, sort_limit
) -> None:
    """The tag feed reads its items as the tag page does (`tagged_with`): through the tag's index and sorted by
    key, or walking the newest; either way the FEED_LENGTH newest public posts carrying the tag, ties by id."""
    monkeypatch.setattr(selectors, "TAG_SORT_LIMIT", sort_limit)
    tag, other = Tag.objects.create(name="makerspace"), Tag.objects.create(name="other")
    base = timezone.now() - dt.timedelta(days=2)
    tagged = []
    for n in range(FEED_LENGTH + 12):
        visibility = Visibility.COURSE if n % 5 == 0 else Visibility.PUBLIC
        when = base + dt.timedelta(minutes=n // 2)  # two at each instant
        artifact = ArtifactFactory.create(course=course, author=[maria, devon][n % 2], visibility=visibility)
        artifact.published_at = when
        artifact.save(update_fields=["published_at"])
        artifact.tags.add(tag if n % 7 else other)
        if visibility == Visibility.PUBLIC and n % 7:
            tagged.append(artifact)
    expected = [a.title for a in sorted(tagged, key=lambda a: (a.published_at, a.pk), reverse=True)][:FEED_LENGTH]
    response = client.get(reverse("syndication_out:tag_atom", args=["makerspace"]))
    assert _titles(_parse(response.content)) == expected
