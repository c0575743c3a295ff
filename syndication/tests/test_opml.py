"""OPML: built well-formed and escaped, read back exactly, hostile files refused, the blogroll download."""

import datetime as dt
import io
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from accounts.tests.factories import UserFactory
from syndication.models import Feed, FeedStatus
from syndication.opml import OPMLError, Outline, build_opml, course_blogroll, parse_opml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<opml version="2.0"><head><title>&lol9;</title></head>
<body><outline text="&lol9;" xmlUrl="https://a.example/feed"/></body></opml>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
<opml version="2.0"><head><title>x</title></head>
<body><outline text="&secret;" xmlUrl="https://a.example/feed"/></body></opml>"""


def _opml(body: str) -> bytes:
    head = '<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>T</title></head>'
    return f"{head}<body>{body}</body></opml>".encode()


def test_build_is_well_formed_opml_two(tmp_path) -> None:
    created = dt.datetime(2026, 3, 2, 7, 30, tzinfo=dt.UTC)
    data = build_opml("Blogs & <friends>", [Outline("Maria", "https://maria.example/feed")], created=created)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(data)
    assert root.tag == "opml"
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "Blogs & <friends>"
    assert root.findtext("head/dateCreated") == "Mon, 02 Mar 2026 07:30:00 GMT"
    [outline] = root.findall("body/outline")
    assert outline.attrib == {"type": "rss", "text": "Maria", "xmlUrl": "https://maria.example/feed"}


def test_round_trip_keeps_every_field_and_escapes() -> None:
    outlines = [
        Outline('Maria\'s "classroom" & <lab>', "https://maria.example/feed?a=1&b=2", "https://maria.example/", "M"),
        Outline("Devon — principal’s notes", "http://devon.example/rss", title="Devon"),
        Outline("Plain", "https://plain.example/atom.xml"),
    ]
    parsed = parse_opml(build_opml("Round trip", outlines))
    assert list(parsed) == outlines
    assert parsed.title == "Round trip"
    assert parsed.refused == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(
                st.text(st.characters(exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp")), min_size=1, max_size=12),
                min_size=1,
                max_size=4,
            ),
            st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20),
        ),
        max_size=8,
        unique_by=lambda t: t[1],
    )
)
def test_round_trip_property(items) -> None:
    outlines = [
        Outline(" ".join(words), f"https://{host}.example/feed", f"https://{host}.example/") for words, host in items
    ]
    outlines = [o for o in outlines if o.text.strip() == o.text and len(o.text) <= 200]
    assert list(parse_opml(build_opml("P", outlines))) == outlines


def test_control_characters_are_dropped_when_building() -> None:
    data = build_opml("Bell\x07", [Outline("Tab\x0bbed", "https://a.example/feed")])
    assert list(parse_opml(data)) == [Outline("Tabbed", "https://a.example/feed")]


def test_nested_outlines_are_flattened_and_categories_skipped() -> None:
    data = _opml(
        '<outline text="Teachers">'
        '  <outline text="Maria" type="rss" xmlUrl="https://maria.example/feed" htmlUrl="https://maria.example/"/>'
        '  <outline text="Deeper"><outline title="Only a title" xmlurl="https://deep.example/feed"/></outline>'
        "</outline>"
        '<outline text="A note without a feed"/>'
        '<outline text="Devon" XMLURL=" https://devon.example/rss "/>'
    )
    assert list(parse_opml(data)) == [
        Outline("Maria", "https://maria.example/feed", "https://maria.example/"),
        Outline("Only a title", "https://deep.example/feed", title="Only a title"),
        Outline("Devon", "https://devon.example/rss"),
    ]


def test_outline_without_text_is_named_by_its_address() -> None:
    [outline] = parse_opml(_opml('<outline xmlUrl="https://a.example/feed"/>'))
    assert outline.text == "https://a.example/feed"


def test_other_schemes_are_refused_with_a_reason_and_not_listed() -> None:
    data = _opml(
        '<outline text="ok" xmlUrl="https://ok.example/feed"/>'
        '<outline text="js" xmlUrl="javascript:alert(1)"/>'
        '<outline text="file" xmlUrl="file:///etc/passwd"/>'
        '<outline text="ftp" xmlUrl="ftp://files.example/feed"/>'
        '<outline text="no host" xmlUrl="https:///feed"/>'
        '<outline text="bad site" xmlUrl="https://b.example/feed" htmlUrl="javascript:alert(1)"/>'
    )
    parsed = parse_opml(data)
    assert [o.text for o in parsed] == ["ok", "bad site"]
    assert parsed[1].html_url == ""
    assert [r.outline.text for r in parsed.refused] == ["js", "file", "ftp", "no host"]
    assert all("http" in r.reason for r in parsed.refused)


def test_the_same_feed_twice_is_listed_once() -> None:
    data = _opml(
        '<outline text="a" xmlUrl="https://a.example/feed"/><outline text="b" xmlUrl="https://a.example/feed"/>'
    )
    assert [o.text for o in parse_opml(data)] == ["a"]


def test_too_many_feeds_is_refused() -> None:
    data = _opml("".join(f'<outline text="{n}" xmlUrl="https://{n}.example/feed"/>' for n in range(11)))
    assert len(parse_opml(data, max_outlines=11)) == 11
    with pytest.raises(OPMLError, match="more than 10 feeds"):
        parse_opml(data, max_outlines=10)


def test_billion_laughs_is_refused_without_expanding() -> None:
    started = time.monotonic()
    with pytest.raises(OPMLError, match="DOCTYPE"):
        parse_opml(BILLION_LAUGHS)
    assert time.monotonic() - started < 1


def test_external_entity_is_refused_and_never_read() -> None:
    with pytest.raises(OPMLError) as raised:
        parse_opml(EXTERNAL_ENTITY)
    assert "DOCTYPE" in raised.value.message
    try:
        hostname = Path("/etc/hostname").read_text().strip()
    except OSError:
        hostname = ""
    if hostname:
        assert hostname not in raised.value.message


@pytest.mark.parametrize("entity", ['SYSTEM "file:///etc/hostname"', '"just text"'])
def test_doctype_hidden_in_utf16_is_refused(entity) -> None:
    """UTF-16 hides the DOCTYPE from a byte search; the parsed document's DTD still gives it away."""
    text = (
        f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE opml [<!ENTITY e {entity}>]>'
        '<opml version="2.0"><head><title>&e;</title></head><body><outline xmlUrl="https://a.example/f"/></body></opml>'
    )
    with pytest.raises(OPMLError, match="DOCTYPE"):
        parse_opml(text.encode("utf-16"))


def test_utf16_opml_without_doctype_is_read() -> None:
    text = _opml('<outline text="Zoë" xmlUrl="https://z.example/feed"/>').decode()
    data = text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert [o.text for o in parse_opml(data)] == ["Zoë"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00garbage\xff\xfe", "not well-formed"),
        (b"<opml><body><outline", "not well-formed"),
        (b"just some text", "not well-formed"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "not <opml>"),
        (b'<?xml version="1.0"?><opml version="2.0"><head/></opml>', "no <body>"),
        (b"x" * (2 * 1024 * 1024 + 1), "larger than"),
    ],
)
def test_garbage_is_an_opml_error_in_plain_words(data, words) -> None:
    with pytest.raises(OPMLError, match=words):
        parse_opml(data)


# The course blogroll


@pytest.fixture
def blogs(course, maria, devon, george):
    Feed.objects.create(
        course=course, owner=maria, url="https://maria.example/feed", site_url="https://maria.example/", title="Room 12"
    )
    Feed.objects.create(course=course, owner=devon, url="https://devon.example/rss")
    Feed.objects.create(course=course, owner=george, url="https://pending.example/feed", status=FeedStatus.PENDING)
    Feed.objects.create(course=course, owner=george, url="https://rejected.example/feed", status=FeedStatus.REJECTED)
    stranger = UserFactory.create(username="stranger", display_name="<b>Stranger</b> & co")
    Feed.objects.create(course=course, owner=stranger, url="https://s.example/feed")


def test_blogroll_lists_active_feeds_by_blog_or_owner_name(course, blogs) -> None:
    assert course_blogroll(course) == [
        Outline("<b>Stranger</b> & co", "https://s.example/feed", title="<b>Stranger</b> & co"),
        Outline("Devon Clarke", "https://devon.example/rss", title="Devon Clarke"),
        Outline("Room 12", "https://maria.example/feed", "https://maria.example/", "Room 12"),
    ]


def test_blogroll_download_is_an_opml_attachment_for_anyone(client, course, blogs) -> None:
    response = client.get(reverse("syndication_out:blogroll", args=[course.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/x-opml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="immooc-blogroll.opml"'
    parsed = parse_opml(response.content)
    assert parsed.title == "Innovator's Mindset MOOC blogroll · Commonplace"
    assert {o.xml_url for o in parsed} == {
        "https://maria.example/feed",
        "https://devon.example/rss",
        "https://s.example/feed",
    }
    assert b"pending.example" not in response.content
    assert b"rejected.example" not in response.content
    assert b"<b>" not in response.content


def test_blogroll_of_a_missing_course_is_404(client, db) -> None:
    assert client.get(reverse("syndication_out:blogroll", args=["nope"])).status_code == 404


def test_blogroll_refuses_post(client, course) -> None:
    assert client.post(reverse("syndication_out:blogroll", args=[course.slug])).status_code == 405


def test_export_command_prints_the_blogroll(course, blogs) -> None:
    out = io.StringIO()
    call_command("opml", "export", "--course", course.slug, stdout=out)
    assert [o.text for o in parse_opml(out.getvalue().encode())] == ["<b>Stranger</b> & co", "Devon Clarke", "Room 12"]


def test_export_command_needs_a_known_course(db) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No course"):
        call_command("opml", "export", "--course", "nope")


def test_import_command_hands_the_file_to_the_import_service(course, tmp_path, monkeypatch) -> None:
    import syndication.services

    calls = []

    class Result:
        added = ["one"]
        duplicates = ["Old (https://old.example/feed)"]
        unmatched: list[str] = []
        refused: list[str] = []

    def fake_import(*, course, data, actor):
        calls.append((course, data, actor))
        return Result()

    monkeypatch.setattr(syndication.services, "import_opml", fake_import)
    path = tmp_path / "blogs.opml"
    path.write_bytes(_opml('<outline text="a" xmlUrl="https://a.example/feed"/>'))
    out = io.StringIO()
    call_command("opml", "import", "--course", course.slug, str(path), stdout=out)
    assert calls == [(course, path.read_bytes(), None)]
    assert "Already registered: Old" in out.getvalue()
    assert "Added 1 blog." in out.getvalue()
