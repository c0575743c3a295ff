"""Reading together: quotes and notes anchored to a page or chapter of a course book, and the book's page."""

import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services as account_services
from accounts.models import FilterAction, FilterContext, User
from accounts.services_filters import add_filter
from core.exceptions import Invalid
from courses import services as course_services
from courses.models import Book, Course, ReadingStatus
from courses.tests.factories import BookFactory, CourseFactory, EnrollmentFactory
from posts import services
from posts.models import Artifact, Kind, Visibility
from posts.reading import BOOK_PAGE_SIZE, NO_PAGE, book_quotes
from posts.selectors import course_stream
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(course: Course) -> Book:
    return BookFactory.create(course=course, title="Launch", author="John Spencer", pages=300)


@pytest.fixture
def other_book(db) -> Book:
    return BookFactory.create(course=CourseFactory.create(), title="Elsewhere", pages=100)


def _quote(course: Course, author: User, book: Book, page: int | None, **fields) -> Artifact:
    fields.setdefault("title", f"On page {page}")
    return ArtifactFactory.create(course=course, author=author, book=book, page=page, kind=Kind.QUOTE, **fields)


def _book_url(course: Course, book: Book) -> str:
    return reverse("posts:book", args=[course.slug, book.pk])


def _publish_url(course: Course) -> str:
    return reverse("posts:publish", args=[course.slug])


# The service


def test_a_quote_is_anchored_to_a_page_and_chapter_of_a_course_book(course: Course, maria: User, book: Book) -> None:
    quote = services.publish(
        author=maria,
        course=course,
        kind=Kind.QUOTE,
        title="Making is learning",
        body="This is why I let them build first.",
        book=book,
        page=42,
        chapter="  Chapter 3: Why maker education  ",
        passage="  Making is a mindset.  ",
    )
    quote.refresh_from_db()
    assert (quote.kind, quote.book_id, quote.page) == ("quote", book.pk, 42)
    assert (quote.chapter, quote.passage) == ("Chapter 3: Why maker education", "Making is a mindset.")
    assert "let them build first" in quote.body_html


def test_a_note_may_omit_the_passage_and_give_a_chapter_only(course: Course, maria: User, book: Book) -> None:
    note = services.publish(
        author=maria, course=course, kind=Kind.QUOTE, title="A note", body="Mine.", book=book, chapter="Chapter 1"
    )
    assert (note.page, note.passage) == (None, "")


def test_any_kind_may_be_anchored_to_a_book(course: Course, maria: User, book: Book) -> None:
    post = services.publish(author=maria, course=course, kind=Kind.POST, title="Thoughts", book=book, page=12)
    assert (post.kind, post.book_id, post.page) == ("post", book.pk, 12)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": Kind.QUOTE, "book": "other", "page": 5}, "That book belongs to another course."),
        ({"kind": Kind.QUOTE, "page": 301}, "Launch has 300 pages: page 301 is beyond its end."),
        ({"kind": Kind.QUOTE, "book": None, "page": 5}, "Please choose the book your quote or note comes from."),
        ({"kind": Kind.QUOTE}, "Please give the page (or the chapter) the quote or note is about."),
        ({"kind": Kind.POST, "book": None, "page": 5}, "Please choose the book the page, chapter or passage"),
        ({"kind": Kind.POST, "book": None, "passage": "Words."}, "Please choose the book the page, chapter or passage"),
        ({"kind": Kind.QUOTE, "page": 0}, "A page number is between 1 and 5,000."),
        ({"kind": Kind.QUOTE, "page": 5001}, "A page number is between 1 and 5,000."),
        ({"kind": Kind.QUOTE, "page": 9, "passage": "x" * 2001}, "under 2,000 characters"),
    ],
)
def test_bad_anchors_are_refused_with_what_to_fix(
    course: Course, maria: User, book: Book, other_book: Book, fields: dict, message: str
) -> None:
    chosen = fields.pop("book", book)
    fields["book"] = other_book if chosen == "other" else chosen
    with pytest.raises(Invalid) as refused:
        services.publish(author=maria, course=course, title="A quote", **fields)
    assert message in refused.value.message
    assert not Artifact.objects.exists()


def test_a_page_within_a_book_of_unknown_length_is_accepted(course: Course, maria: User, book: Book) -> None:
    book.pages = None
    book.save()
    quote = services.publish(author=maria, course=course, kind=Kind.QUOTE, title="Late", book=book, page=4000)
    assert quote.page == 4000


def test_editing_checks_the_anchor_too(course: Course, maria: User, book: Book, other_book: Book) -> None:
    quote = _quote(course, maria, book, 10)
    with pytest.raises(Invalid, match="beyond its end"):
        services.edit_artifact(artifact=quote, actor=maria, page=400)
    with pytest.raises(Invalid, match="another course"):
        services.edit_artifact(artifact=Artifact.objects.get(pk=quote.pk), actor=maria, book=other_book)
    quote.refresh_from_db()
    assert (quote.book_id, quote.page) == (book.pk, 10)
    edited = services.edit_artifact(artifact=quote, actor=maria, page=250, chapter="Chapter 9", passage="Ship it.")
    assert (edited.page, edited.chapter, edited.passage) == (250, "Chapter 9", "Ship it.")


# The publish form


def test_share_a_quote_link_preselects_the_kind_and_the_book(login, maria: User, course: Course, book: Book) -> None:
    html = login(maria).get(_publish_url(course), {"kind": "quote", "book": book.pk}).content.decode()
    assert '<option value="quote" selected>Quote or note</option>' in html
    assert f'<option value="{book.pk}" selected>Launch (John Spencer)</option>' in html
    assert "The page it is on." in html  # help text
    assert 'name="passage"' in html
    assert 'name="chapter"' in html


def test_only_the_course_books_are_offered(login, maria: User, course: Course, book: Book, other_book: Book) -> None:
    html = login(maria).get(_publish_url(course)).content.decode()
    assert "Launch (John Spencer)" in html
    assert "Elsewhere" not in html


def test_a_refused_quote_keeps_everything_typed(login, maria: User, course: Course, book: Book, valid_html) -> None:
    response = login(maria).post(
        _publish_url(course),
        {
            "kind": "quote",
            "title": "Beyond the end",
            "book": book.pk,
            "page": "301",
            "chapter": "Epilogue & after",
            "passage": "The words I copied <carefully>.",
            "body": "My own note about it.",
            "visibility": "public",
        },
    )
    assert response.status_code == 200
    valid_html(response.content)
    html = response.content.decode()
    assert "Launch has 300 pages: page 301 is beyond its end." in html
    assert 'value="Beyond the end"' in html
    assert 'value="301"' in html
    assert 'value="Epilogue &amp; after"' in html
    assert "The words I copied &lt;carefully&gt;.</textarea>" in html
    assert "My own note about it.</textarea>" in html
    assert f'<option value="{book.pk}" selected>' in html
    assert not Artifact.objects.exists()


def test_the_form_asks_for_the_book_of_a_quote(login, maria: User, course: Course, book: Book) -> None:
    response = login(maria).post(
        _publish_url(course), {"kind": "quote", "title": "No book", "page": "3", "visibility": "public"}
    )
    assert response.status_code == 200
    assert "Please choose the book your quote or note comes from." in response.content.decode()
    assert not Artifact.objects.exists()


def test_publishing_a_quote_through_the_form(login, maria: User, course: Course, book: Book) -> None:
    response = login(maria).post(
        _publish_url(course),
        {"kind": "quote", "title": "Yes", "book": book.pk, "page": "42", "passage": "P", "visibility": "public"},
    )
    quote = Artifact.objects.get()
    assert response.status_code == 302
    assert (quote.book_id, quote.page, quote.passage) == (book.pk, 42, "P")


def test_the_edit_form_shows_the_anchor(login, maria: User, course: Course, book: Book) -> None:
    quote = _quote(course, maria, book, 42, chapter="Chapter 3", passage="Words here.")
    html = login(maria).get(reverse("posts:artifact_edit", args=[quote.pk])).content.decode()
    assert 'value="42"' in html
    assert 'value="Chapter 3"' in html
    assert "Words here.</textarea>" in html
    assert f'<option value="{book.pk}" selected>' in html


# Showing the anchor


def test_the_card_and_the_page_show_the_anchor_and_the_passage(
    client: Client, course: Course, maria: User, book: Book, valid_html
) -> None:
    quote = _quote(course, maria, book, 42, chapter="Chapter 3", passage="Make, then learn.", body="Mine.")
    book_link = f'<a href="{_book_url(course, book)}"><cite>Launch</cite></a>'
    for url in (quote.get_absolute_url(), course.get_absolute_url()):
        response = client.get(url)
        valid_html(response.content)
        html = response.content.decode()
        assert f"p. 42 · Chapter 3 · {book_link}" in html
        assert '<blockquote class="passage"><p>Make, then learn.</p></blockquote>' in html


# The book page


def test_the_course_page_links_each_book_to_its_page(client: Client, course: Course, book: Book) -> None:
    html = client.get(course.get_absolute_url()).content.decode()
    assert f'<a href="{_book_url(course, book)}"><cite>Launch</cite></a>' in html


def test_the_book_page_lists_quotes_and_notes_in_page_order(
    login, course: Course, maria: User, devon: User, book: Book, valid_html
) -> None:
    _quote(course, devon, book, 120, title="Late quote")
    _quote(course, maria, book, None, chapter="Chapter 2", title="Chapter-only note")
    _quote(course, maria, book, 5, title="Early quote")
    _quote(course, devon, book, 42, title="Middle quote")
    ArtifactFactory.create(course=course, author=maria, title="Not about the book")
    response = login(maria).get(_book_url(course, book))
    assert response.status_code == 200
    valid_html(response.content)
    titles = re.findall(r'class="card-title"><a href="[^"]+">([^<]+)</a>', response.content.decode())
    assert titles == ["Early quote", "Middle quote", "Late quote", "Chapter-only note"]


def test_the_book_page_shows_where_everyone_is_and_the_share_link(
    login, course: Course, maria: User, devon: User, book: Book
) -> None:
    course_services.set_reading_progress(book=book, user=devon, status=ReadingStatus.FINISHED)
    html = login(maria).get(_book_url(course, book)).content.decode()
    assert "1 finished" in html
    assert f"{_publish_url(course)}?kind=quote&amp;book={book.pk}" in html
    assert reverse("courses:reading_progress", args=[course.slug, book.pk]) in html


def test_the_book_page_keeps_to_the_visibility_rule(
    client: Client, login, course: Course, maria: User, devon: User, outsider: User, book: Book
) -> None:
    _quote(course, maria, book, 1, title="For everyone")
    _quote(course, maria, book, 2, title="For members", visibility=Visibility.COURSE)
    _quote(course, maria, book, 3, title="Maria's draft", visibility=Visibility.DRAFT)
    url = _book_url(course, book)
    anonymous = client.get(url).content.decode()
    assert "For everyone" in anonymous
    assert "For members" not in anonymous
    members = login(devon).get(url).content.decode()
    assert "For members" in members
    assert "Maria's draft" not in members
    assert "For members" not in login(outsider).get(url).content.decode()


def test_the_book_page_leaves_out_muted_people(
    login, course: Course, maria: User, devon: User, george: User, book: Book
) -> None:
    _quote(course, maria, book, 1, title="Muted voice")
    _quote(course, george, book, 2, title="Still heard")
    account_services.mute(muter=devon, muted=maria, days=None)
    html = login(devon).get(_book_url(course, book)).content.decode()
    assert "Muted voice" not in html
    assert "Still heard" in html


def test_another_courses_book_is_as_missing_as_a_missing_one(
    client: Client, course: Course, book: Book, other_book: Book
) -> None:
    def page(pk: int) -> tuple[int, str]:
        path = reverse("posts:book", args=[course.slug, pk])
        response = client.get(path)
        body = response.content.decode().replace(quote(path, safe=""), "PATH").replace(path, "PATH")
        body = re.sub(r'nonce="[^"]*"', 'nonce=""', body)
        return response.status_code, re.sub(r'"X-CSRFToken": "[^"]*"', '"X-CSRFToken": ""', body)

    assert page(other_book.pk) == page(other_book.pk + 1000)
    assert page(other_book.pk)[0] == 404
    assert client.get(_book_url(course, book)).status_code == 200


def test_saving_progress_on_the_book_page_comes_back_to_it(login, course: Course, maria: User, book: Book) -> None:
    url = _book_url(course, book)
    progress_url = reverse("courses:reading_progress", args=[course.slug, book.pk])
    response = login(maria).post(progress_url, {"status": "reading", "page": "80", "next": url})
    assert response.status_code == 302
    assert response["Location"] == url
    html = login(maria).get(url).content.decode()
    assert "You: Reading, page 80." in html
    assert 'name="page" value="80"' in html
    offsite = login(maria).post(progress_url, {"status": "reading", "next": "https://evil.example/"})
    assert offsite["Location"] == f"{course.get_absolute_url()}#book-{book.pk}"


def test_book_pages_go_on_in_page_order_without_gaps(course: Course, maria: User, book: Book) -> None:
    made = [_quote(course, maria, book, page, title=f"q{n}") for n, page in enumerate([9, None, 3, 9, 3, None, 300, 1])]
    expected = sorted(made, key=lambda a: (a.page or NO_PAGE, a.pk))
    seen, cursor = [], None
    for _ in range(10):
        page = book_quotes(book=book, viewer=maria, cursor=cursor, limit=3)
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [a.pk for a in seen] == [a.pk for a in expected]
    assert book_quotes(book=book, viewer=maria, cursor="nonsense", limit=3).items == expected[:3]


def test_book_page_query_count_does_not_grow_with_its_quotes(
    login, course: Course, maria: User, devon: User, george: User, book: Book
) -> None:
    """5 quotes or 20 (by two people, with tags, comments, some folded): the same queries."""
    course_services.set_reading_progress(book=book, user=devon, status=ReadingStatus.READING, page=100)
    client = login(devon)

    def add_quotes(numbers: range) -> None:
        for n in numbers:
            quote = _quote(course, maria if n % 2 else george, book, n * 15 + 1, passage="Words.")
            quote.tags.create(name=f"tag{n}")
            services.add_comment(artifact=quote, author=devon, body="Good one.")

    def page_queries(expect_folded: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            html = client.get(_book_url(course, book)).content.decode()
        assert html.count('<details class="spoiler">') == expect_folded
        return len(queries)

    add_quotes(range(5))
    five = page_queries(expect_folded=0)  # pages 1 to 61
    add_quotes(range(5, 20))
    assert page_queries(expect_folded=13) == five  # pages 106 to 286 are ahead of page 100


def test_a_member_of_two_courses_sees_only_this_course_books(login, course: Course, maria: User, book: Book) -> None:
    other = CourseFactory.create()
    EnrollmentFactory.create(course=other, user=maria)
    elsewhere = BookFactory.create(course=other, title="Another read")
    _quote(other, maria, elsewhere, 4, title="Quote elsewhere")
    html = login(maria).get(_book_url(course, book)).content.decode()
    assert "Quote elsewhere" not in html


def test_a_long_book_page_goes_on_with_later_pages(login, course: Course, maria: User, book: Book) -> None:
    for n in range(BOOK_PAGE_SIZE + 1):
        _quote(course, maria, book, n + 1, title=f"Quote on page {n + 1}")
    client = login(maria)
    first = client.get(_book_url(course, book)).content.decode()
    assert first.count('class="card-title"') == BOOK_PAGE_SIZE
    [later] = re.findall(r'<a href="(\?after=[^"]+)" hx-get', first)
    rest = client.get(_book_url(course, book) + later.replace("&amp;", "&"), headers={"HX-Request": "true"})
    html = rest.content.decode()
    assert "<html" not in html  # htmx gets the list only
    assert re.findall(r'class="card-title"><a href="[^"]+">([^<]+)</a>', html) == [
        f"Quote on page {BOOK_PAGE_SIZE + 1}"
    ]
    assert "Later pages" not in html


def test_a_keyword_filter_reads_the_quoted_passage(course: Course, maria: User, devon: User) -> None:
    book = BookFactory.create(course=course)
    services.publish(
        author=maria, course=course, kind=Kind.QUOTE, title="A line", book=book, page=3, passage="Zeppelins ahead."
    )
    add_filter(owner=devon, phrase="zeppelins", contexts=[FilterContext.COURSES], action=FilterAction.HIDE)
    assert course_stream(course=course, viewer=devon).items == []
    assert [a.title for a in course_stream(course=course, viewer=maria).items] == ["A line"]
