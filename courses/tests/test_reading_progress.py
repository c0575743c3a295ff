"""Reading together: each participant says where they are in a course book; the course page shows where
everyone is, in words and as a bar."""

import random

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory
from core.exceptions import Invalid, NotAllowed
from courses import services
from courses.models import Book, Course, ReadingProgress, ReadingStatus
from courses.selectors import where_everyone_is
from courses.tests.factories import BookFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(course: Course) -> Book:
    return BookFactory.create(course=course, title="The Innovator's Mindset", author="George Couros")


def test_a_member_says_where_they_are_and_changes_it_in_place(book: Book, maria: User) -> None:
    services.set_reading_progress(book=book, user=maria, status=ReadingStatus.READING, percent=30, page=80)
    progress = services.set_reading_progress(book=book, user=maria, status=ReadingStatus.FINISHED, page=250)
    assert ReadingProgress.objects.filter(book=book, user=maria).count() == 1
    assert (progress.status, progress.percent, progress.page) == ("finished", 100, 250)
    wanted = services.set_reading_progress(book=book, user=maria, status=ReadingStatus.WANT, percent=40, page=9)
    assert (wanted.percent, wanted.page) == (None, None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "reading", "percent": 101}, "between 0 and 100"),
        ({"status": "reading", "page": 0}, "between 1 and 5,000"),
        ({"status": "skimming"}, "Choose want to read"),
    ],
)
def test_bad_progress_is_refused(book: Book, maria: User, fields: dict, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        services.set_reading_progress(book=book, user=maria, **fields)
    assert not ReadingProgress.objects.exists()


def test_only_members_share_their_progress(book: Book, outsider: User) -> None:
    with pytest.raises(NotAllowed):
        services.set_reading_progress(book=book, user=outsider, status=ReadingStatus.READING)


def test_where_everyone_is_counts_each_stage_and_quarter(book: Book, maria: User, devon: User, george: User) -> None:
    services.set_reading_progress(book=book, user=maria, status=ReadingStatus.READING, percent=30)
    services.set_reading_progress(book=book, user=devon, status=ReadingStatus.FINISHED)
    services.set_reading_progress(book=book, user=george, status=ReadingStatus.READING)
    [(book_id, where)] = where_everyone_is([book], maria).items()
    assert book_id == book.pk
    assert (where.want, where.reading, where.finished, where.quarters) == (0, 2, 1, [0, 1, 0, 0])
    assert where.text == "1 finished · 2 reading (1 in the second quarter)"
    assert where.mine is not None
    assert where.mine.percent == 30


def test_where_everyone_is_matches_a_count_by_hand(course: Course, book: Book, maria: User) -> None:
    """Two books, 120 people at every stage and at each quarter's edges (0, 24, 25 … 100, none said): the counts
    made in the database match each row counted here, and only the viewer's own progress is theirs."""
    rng = random.Random(3)
    other = BookFactory.create(course=course, title="Another book")
    people = UserFactory.create_batch(120)
    rows = []
    for person in people:
        for each in (book, other):
            if rng.random() < 0.2:
                continue
            status = rng.choice(list(ReadingStatus))
            percent = rng.choice([None, 0, 24, 25, 49, 50, 74, 75, 99, 100]) if status == "reading" else None
            rows.append(ReadingProgress(book=each, user=person, status=status, percent=percent))
    ReadingProgress.objects.bulk_create(rows)
    mine = ReadingProgress.objects.create(book=other, user=maria, status=ReadingStatus.WANT)
    found = where_everyone_is([book, other], maria)
    for each in (book, other):
        kept = [r for r in [*rows, mine] if r.book_id == each.pk]
        reading = [r for r in kept if r.status == ReadingStatus.READING]
        said = [r.percent for r in reading if r.percent is not None]
        expected = (
            sum(r.status == ReadingStatus.WANT for r in kept),
            len(reading),
            sum(r.status == ReadingStatus.FINISHED for r in kept),
            [sum(min(p // 25, 3) == q for p in said) for q in range(4)],
        )
        where = found[each.pk]
        assert (where.want, where.reading, where.finished, where.quarters) == expected
        assert all(expected[:3])  # every stage is there to be counted
        assert all(expected[3])  # and every quarter
    assert found[book.pk].mine is None
    assert found[other.pk].mine == mine


def test_the_course_page_shows_where_everyone_is(
    client: Client, course: Course, book: Book, maria: User, devon: User, valid_html
) -> None:
    services.set_reading_progress(book=book, user=devon, status=ReadingStatus.FINISHED)
    client.force_login(maria)
    url = reverse("courses:reading_progress", args=[course.slug, book.pk])
    response = client.post(url, {"status": "reading", "percent": "55"})
    assert response.status_code == 302
    page = client.get(course.get_absolute_url())
    valid_html(page.content)
    html = page.content.decode()
    assert "Where everyone is: 1 finished · 1 reading (1 in the third quarter)" in html
    assert "You: Reading, 55%" in html
    assert '<progress max="2" value="1"' in html


def test_the_course_page_gives_each_book_its_own_form_filled_in_with_where_you_are(
    client: Client, course: Course, book: Book, maria: User
) -> None:
    """With two books, each form's fields have ids of their own (the same form twice repeated every id, and a
    label could name the other book's field), and each is filled in with where the reader said they are."""
    import re

    second = BookFactory.create(course=course, title="Empower", author="A. J. Juliani")
    services.set_reading_progress(book=second, user=maria, status=ReadingStatus.READING, percent=40, page=80)
    client.force_login(maria)
    html = client.get(course.get_absolute_url()).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert html.count("Save where I am") == 2
    for label_for in re.findall(r'<label for="([^"]+)"', html):
        assert label_for in ids, label_for
    forms = re.findall(r'<form method="post" action="([^"]+)" novalidate>(.*?)</form>', html, re.S)
    by_action = {action: body for action, body in forms}
    mine = by_action[reverse("courses:reading_progress", args=[course.slug, second.pk])]
    assert re.search(r'value="reading"[^>]*checked', mine)
    assert 'value="40"' in mine
    assert 'value="80"' in mine
    other = by_action[reverse("courses:reading_progress", args=[course.slug, book.pk])]
    assert "checked" not in other
    assert f'id="id_book{second.pk}_percent"' in mine


def test_a_refused_progress_form_keeps_what_was_typed(client: Client, course: Course, book: Book, maria: User) -> None:
    client.force_login(maria)
    response = client.post(
        reverse("courses:reading_progress", args=[course.slug, book.pk]), {"status": "reading", "percent": "150"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="150"' in html
    assert "less than or equal to 100" in html
    assert not ReadingProgress.objects.exists()


def test_signed_out_visitors_see_the_counts_but_no_form(client: Client, course: Course, book: Book) -> None:
    html = client.get(course.get_absolute_url()).content.decode()
    assert "Nobody has said where they are yet." in html
    assert "Save where I am" not in html
    response = client.post(reverse("courses:reading_progress", args=[course.slug, book.pk]), {"status": "reading"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
