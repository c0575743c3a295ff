"""Links shared in chat answers: found in what people wrote, titled through the guarded fetch client."""

import pytest

from chats import services
from chats.links import page_title, urls_in
from chats.models import LinkTitle

from .conftest import Pages


def test_urls_are_found_in_text_and_markdown_once_each_in_order() -> None:
    text = (
        "Read https://example.org/a, then [this one](https://example.org/b?x=1&y=2) "
        "and (https://example.org/c). Again: https://example.org/a! ftp://no.example and http://ok.example/"
    )
    assert urls_in(text) == [
        "https://example.org/a",
        "https://example.org/b?x=1&y=2",
        "https://example.org/c",
        "http://ok.example/",
    ]


def test_nothing_is_found_in_text_without_links() -> None:
    assert urls_in("No links here, just example.org written out.") == []


@pytest.mark.parametrize(
    ("html", "title"),
    [
        (b"<html><head><title> Genius\n Hour </title></head></html>", "Genius Hour"),
        (b'<html><head><meta property="og:title" content="OG wins"><title>Plain</title></head></html>', "OG wins"),
        (b"<html><body><p>No title at all</p></body></html>", ""),
        (b"", ""),
        ("<title>Caf\u00e9 des \u00e9l\u00e8ves</title>".encode(), "Caf\u00e9 des \u00e9l\u00e8ves"),
    ],
)
def test_page_title(html: bytes, title: str) -> None:
    assert page_title(html) == title


def test_page_title_follows_the_charset_named_by_the_server_or_the_page() -> None:
    latin = "<title>Caf\u00e9</title>".encode("latin-1")
    assert page_title(latin, "iso-8859-1") == "Caf\u00e9"
    assert page_title(b'<meta charset="iso-8859-1">' + latin) == "Caf\u00e9"


@pytest.mark.django_db
def test_titles_are_looked_up_and_a_broken_link_does_not_stop_the_others(web: Pages) -> None:
    good = web.serve("/good", "<html><head><title>Student-led conferences</title></head></html>")
    plain = web.serve("/plain", "just text", content_type="text/plain")
    missing = web.url("/missing")
    assert services.look_up_titles([missing, good, plain, good]) == 3
    titles = {t.url: (t.title, bool(t.error)) for t in LinkTitle.objects.all()}
    assert titles == {missing: ("", True), good: ("Student-led conferences", False), plain: ("", True)}
    assert services.look_up_titles([good]) == 0  # looked up once


@pytest.mark.django_db
def test_private_addresses_are_refused_by_the_guard(settings) -> None:
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = []
    assert services.look_up_titles(["http://127.0.0.1:9/secret"]) == 1
    row = LinkTitle.objects.get()
    assert row.title == ""
    assert row.error
