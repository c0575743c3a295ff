"""The course list, joining and leaving, and the facilitator's pages, through the test client."""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from courses import views as course_views
from courses.models import Book, Course, Enrollment, LiveQuestion, LiveSession, MemberRole, Prompt, Week
from courses.tests.factories import (
    BookFactory,
    CourseFactory,
    EnrollmentFactory,
    LiveSessionFactory,
    PromptFactory,
    WeekFactory,
)

Login = Callable[[User], Client]
HtmlCheck = Callable[[bytes | str], None]


def course_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Reading Together 2026",
        "slug": "reading-2026",
        "hashtag": "ReadTogether",
        "description": "Six weeks, one book.",
        "start_date": "2026-09-07",
        "joining_open": "on",
        "norm_posts": 1,
        "norm_comments": 3,
        "norm_shares": 3,
        "comment_window_days": 14,
    }
    data.update(overrides)
    return data


def week_data(**overrides: object) -> dict[str, object]:
    today = timezone.localdate()
    data: dict[str, object] = {
        "number": 2,
        "title": "Relationships first",
        "theme_question": "How do relationships make innovation possible?",
        "starts_on": (today + dt.timedelta(days=5)).isoformat(),
        "ends_on": (today + dt.timedelta(days=11)).isoformat(),
    }
    data.update(overrides)
    return data


def week_page(course: Course, number: int) -> str:
    return reverse("posts:week", kwargs={"slug": course.slug, "number": number})


# The course list


@pytest.mark.django_db
def test_course_list_shows_hashtag_dates_members_and_joining(client: Client, course: Course, valid_html) -> None:
    CourseFactory.create(title="Closed season", joining_open=False)
    response = client.get(reverse("courses:list"))
    assert response.status_code == 200
    valid_html(response.content)
    html = response.content.decode()
    assert "Innovator&#x27;s Mindset MOOC" in html
    assert "#IMMOOC" in html
    assert "3 members" in html
    assert "Joining is open" in html
    assert "Joining is closed" in html


@pytest.mark.django_db
def test_course_list_counts_each_courses_members_and_finds_its_last_day(course: Course, maria: User) -> None:
    """Members and the last week's end per course, against a hand count: several weeks and members each (the
    join of both once counted members per week), a course with neither, and the viewer's own role."""
    from accounts.tests.factories import UserFactory
    from courses.selectors import course_list
    from courses.tests.factories import EnrollmentFactory

    start = timezone.localdate()
    for n in (2, 3, 4):
        WeekFactory.create(
            course=course,
            number=n,
            starts_on=start + dt.timedelta(weeks=n),
            ends_on=start + dt.timedelta(weeks=n, days=6),
        )
    other = CourseFactory.create(title="Second season")
    for person in UserFactory.create_batch(5):
        EnrollmentFactory.create(course=other, user=person)
    WeekFactory.create(course=other, number=1, starts_on=start, ends_on=start + dt.timedelta(days=6))
    empty = CourseFactory.create(title="Not set up yet")
    found = {c.pk: (c.member_total, c.last_day, c.viewer_role) for c in course_list(maria)}  # type: ignore[attr-defined]
    expected = {
        each.pk: (
            Enrollment.objects.filter(course=each).count(),
            max((w.ends_on for w in Week.objects.filter(course=each)), default=None),
            Enrollment.objects.filter(course=each, user=maria).values_list("role", flat=True).first(),
        )
        for each in (course, other, empty)
    }
    assert found == expected
    assert found[course.pk][0] == 3
    assert found[other.pk][0] == 5
    assert found[empty.pk] == (0, None, None)


@pytest.mark.django_db
def test_course_list_offers_join_to_a_signed_in_outsider(login: Login, outsider: User, course: Course) -> None:
    html = login(outsider).get(reverse("courses:list")).content.decode()
    assert reverse("courses:join", args=[course.slug]) in html


@pytest.mark.django_db
def test_course_list_offers_manage_to_the_facilitator(login: Login, george: User, course: Course, valid_html) -> None:
    response = login(george).get(reverse("courses:list"))
    valid_html(response.content)
    assert reverse("courses:manage", args=[course.slug]) in response.content.decode()


# Creating a course


def test_course_create_address_reaches_the_create_page() -> None:
    assert resolve(reverse("courses:create")).view_name == "courses:create"


@pytest.mark.django_db
def test_course_slug_new_is_reserved(login: Login, outsider: User) -> None:
    response = login(outsider).post(reverse("courses:create"), course_data(slug="new"))
    assert response.status_code == 200
    assert "used by the site itself" in response.content.decode()
    assert not Course.objects.filter(slug="new").exists()


@pytest.mark.django_db
def test_create_course_needs_login(client: Client) -> None:
    response = client.get(reverse("courses:create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_create_course_page_is_valid_html(login: Login, outsider: User, valid_html) -> None:
    response = login(outsider).get(reverse("courses:create"))
    assert response.status_code == 200
    valid_html(response.content)


@pytest.mark.django_db
def test_anyone_signed_in_can_create_a_course_and_becomes_its_facilitator(login: Login, outsider: User) -> None:
    response = login(outsider).post(reverse("courses:create"), course_data())
    course = Course.objects.get(slug="reading-2026")
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:manage", args=[course.slug])
    assert course.hashtag == "#ReadTogether"
    assert course.start_date == dt.date(2026, 9, 7)
    assert Enrollment.objects.get(course=course, user=outsider).role == MemberRole.FACILITATOR


@pytest.mark.django_db
def test_refused_course_keeps_what_was_typed(login: Login, outsider: User, course: Course, valid_html) -> None:
    response = login(outsider).post(reverse("courses:create"), course_data(slug="immooc", hashtag="1bad tag"))
    assert response.status_code == 200
    valid_html(response.content)
    form = response.context["form"]
    assert "slug" in form.errors
    assert "hashtag" in form.errors
    assert 'value="Reading Together 2026"' in response.content.decode()
    assert Course.objects.count() == 1


# Joining and leaving


@pytest.mark.django_db
def test_outsider_joins_an_open_course(login: Login, outsider: User, course: Course) -> None:
    response = login(outsider).post(reverse("courses:join", args=[course.slug]))
    assert response.status_code == 302
    assert response["Location"] == course.get_absolute_url()
    assert Enrollment.objects.get(course=course, user=outsider).role == MemberRole.PARTICIPANT


@pytest.mark.django_db
def test_joining_a_closed_course_is_refused_with_a_message(login: Login, outsider: User, course: Course) -> None:
    course.joining_open = False
    course.save()
    client = login(outsider)
    response = client.post(reverse("courses:join", args=[course.slug]), follow=False)
    assert response.status_code == 302
    assert not Enrollment.objects.filter(course=course, user=outsider).exists()
    messages = [str(m) for m in response.wsgi_request._messages]  # type: ignore[attr-defined]
    assert any("Joining this course is closed" in m for m in messages)


@pytest.mark.django_db
def test_anonymous_join_goes_to_login(client: Client, course: Course) -> None:
    response = client.post(reverse("courses:join", args=[course.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert course.enrollments.count() == 3


@pytest.mark.django_db
def test_participant_leaves_a_course(login: Login, maria: User, course: Course) -> None:
    response = login(maria).post(reverse("courses:leave", args=[course.slug]))
    assert response.status_code == 302
    assert not Enrollment.objects.filter(course=course, user=maria).exists()


@pytest.mark.django_db
def test_last_facilitator_cannot_leave(login: Login, george: User, course: Course) -> None:
    response = login(george).post(reverse("courses:leave", args=[course.slug]))
    assert response.status_code == 302
    assert Enrollment.objects.get(course=course, user=george).role == MemberRole.FACILITATOR
    messages = [str(m) for m in response.wsgi_request._messages]  # type: ignore[attr-defined]
    assert any("only facilitator" in m for m in messages)


@pytest.mark.django_db
def test_S5_get_on_join_and_leave_changes_nothing(login: Login, outsider: User, maria: User, course: Course) -> None:
    client = login(outsider)
    assert client.get(reverse("courses:join", args=[course.slug])).status_code == 405
    assert not Enrollment.objects.filter(course=course, user=outsider).exists()
    client = login(maria)
    assert client.get(reverse("courses:leave", args=[course.slug])).status_code == 405
    assert Enrollment.objects.filter(course=course, user=maria).exists()


@pytest.mark.django_db
def test_S5_join_without_csrf_token_is_refused(outsider: User, course: Course) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(outsider)
    assert client.post(reverse("courses:join", args=[course.slug])).status_code == 403
    assert not Enrollment.objects.filter(course=course, user=outsider).exists()


@pytest.mark.django_db
def test_S5_manage_without_csrf_token_is_refused(george: User, course: Course) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(george)
    response = client.post(reverse("courses:manage", args=[course.slug]), course_data(slug="immooc", title="Changed"))
    assert response.status_code == 403
    course.refresh_from_db()
    assert course.title == "Innovator's Mindset MOOC"


@pytest.mark.django_db
def test_join_follows_a_safe_next_only(login: Login, outsider: User, course: Course) -> None:
    client = login(outsider)
    response = client.post(reverse("courses:join", args=[course.slug]), {"next": "//evil.test"})
    assert response["Location"] == course.get_absolute_url()


# The manage page


@pytest.mark.django_db
def test_manage_page_lists_books_weeks_and_members_link(login: Login, george: User, course: Course, valid_html) -> None:
    BookFactory.create(course=course, title="The Innovator's Mindset")
    response = login(george).get(reverse("courses:manage", args=[course.slug]))
    assert response.status_code == 200
    valid_html(response.content)
    html = response.content.decode()
    assert "The Innovator&#x27;s Mindset" in html
    assert reverse("courses:week_edit", args=[course.slug, 1]) in html
    assert reverse("courses:week_create", args=[course.slug]) in html
    assert reverse("courses:book_create", args=[course.slug]) in html
    assert reverse("courses:members", args=[course.slug]) in html


@pytest.mark.django_db
def test_facilitator_edits_course_settings(login: Login, george: User, course: Course) -> None:
    data = course_data(slug="immooc", title="IMMOOC season 5", joining_open="", norm_comments=2)
    response = login(george).post(reverse("courses:manage", args=[course.slug]), data)
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.title == "IMMOOC season 5"
    assert course.joining_open is False
    assert course.norm_comments == 2


@pytest.mark.django_db
def test_refused_course_settings_keep_typed_values_and_links(login: Login, george: User, course: Course) -> None:
    data = course_data(slug="Not A Slug!", title="Typed title", comment_window_days=0)
    response = login(george).post(reverse("courses:manage", args=[course.slug]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Typed title"' in html
    assert reverse("courses:members", args=["immooc"]) in html
    course.refresh_from_db()
    assert course.title == "Innovator's Mindset MOOC"


# A6: only facilitators may use the manage pages


def manage_urls(course: Course) -> list[str]:
    week = course.weeks.get(number=1)
    prompt = week.prompts.get()
    book = BookFactory.create(course=course)
    LiveSessionFactory.create(week=week)
    slug = course.slug
    return [
        reverse("courses:manage", args=[slug]),
        reverse("courses:members", args=[slug]),
        reverse("courses:book_create", args=[slug]),
        reverse("courses:book_edit", args=[slug, book.pk]),
        reverse("courses:week_create", args=[slug]),
        reverse("courses:week_edit", args=[slug, 1]),
        reverse("courses:prompt_create", args=[slug, 1]),
        reverse("courses:prompt_edit", args=[slug, 1, prompt.number]),
        reverse("courses:prompt_delete", args=[slug, 1, prompt.number]),
        reverse("courses:live_edit", args=[slug, 1]),
    ]


def snapshot(course: Course) -> tuple[object, ...]:
    return (
        tuple(Course.objects.values_list("title", "slug", "joining_open")),
        tuple(Week.objects.values_list("number", "title", "theme_question")),
        tuple(Prompt.objects.values_list("number", "kind", "text")),
        tuple(Book.objects.values_list("title", "author")),
        tuple(LiveSession.objects.values_list("title", "starts_at", "join_url")),
        tuple(Enrollment.objects.values_list("user_id", "role")),
    )


EVERYTHING = {
    **course_data(slug="hijacked", title="Hijacked"),
    **week_data(number=9, title="Hijacked"),
    "kind": "video",
    "text": "Hijacked",
    "author": "Hijacked",
    "date": "2030-01-01",
    "time": "10:00",
    "duration_minutes": 60,
    "join_url": "https://evil.test/",
    "member": "1",
    "role": "facilitator",
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["maria", "outsider"])
def test_A6_participant_or_outsider_cannot_use_any_manage_page(
    request: pytest.FixtureRequest, login: Login, course: Course, who: str
) -> None:
    client = login(request.getfixturevalue(who))
    urls = manage_urls(course)
    before = snapshot(course)
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, EVERYTHING).status_code == 403, url
    assert snapshot(course) == before


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_login_from_manage_pages(client: Client, course: Course) -> None:
    urls = manage_urls(course)
    before = snapshot(course)
    for url in urls:
        response = client.post(url, EVERYTHING)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login"))
    assert snapshot(course) == before


@pytest.mark.django_db
def test_A6_facilitator_of_one_course_cannot_reach_another_courses_objects(login: Login, course: Course) -> None:
    other = CourseFactory.create(slug="other")
    other_week = WeekFactory.create(course=other, number=7, title="Other week")
    other_prompt = PromptFactory.create(week=other_week, number=1, text="Other prompt")
    other_book = BookFactory.create(course=other, title="Other book")
    LiveSessionFactory.create(week=other_week, title="Other live")
    george = User.objects.get(username="george")
    client = login(george)
    before = snapshot(course)
    # Another course's ids under george's own course: not found, nothing changes.
    assert client.post(reverse("courses:book_edit", args=["immooc", other_book.pk]), EVERYTHING).status_code == 404
    assert client.post(reverse("courses:week_edit", args=["immooc", 7]), EVERYTHING).status_code == 404
    assert client.post(reverse("courses:prompt_edit", args=["immooc", 7, 1]), EVERYTHING).status_code == 404
    assert client.post(reverse("courses:prompt_delete", args=["immooc", 7, 1])).status_code == 404
    assert client.post(reverse("courses:live_edit", args=["immooc", 7]), EVERYTHING).status_code == 404
    assert client.post(reverse("courses:prompt_edit", args=["immooc", 1, 99]), EVERYTHING).status_code == 404
    # The other course itself: forbidden.
    assert client.post(reverse("courses:week_edit", args=["other", 7]), EVERYTHING).status_code == 403
    assert client.post(reverse("courses:prompt_delete", args=["other", 7, 1])).status_code == 403
    assert snapshot(course) == before
    assert Prompt.objects.filter(pk=other_prompt.pk, text="Other prompt").exists()
    assert Book.objects.get(pk=other_book.pk).title == "Other book"


@pytest.mark.django_db
def test_members_page_cannot_change_someone_in_another_course(login: Login, george: User, course: Course) -> None:
    other = CourseFactory.create(slug="other")
    stranger = User.objects.create(username="stranger", email="s@example.org")
    enrollment = Enrollment.objects.create(course=other, user=stranger)
    response = login(george).post(
        reverse("courses:members", args=[course.slug]), {"member": enrollment.pk, "role": "facilitator"}
    )
    assert response.status_code == 404
    enrollment.refresh_from_db()
    assert enrollment.role == MemberRole.PARTICIPANT
    assert not Enrollment.objects.filter(course=course, user=stranger).exists()


# Members


@pytest.mark.django_db
@pytest.mark.parametrize("member", ["", "abc", "1 OR 1=1", "-1"])
def test_members_page_refuses_a_malformed_member_id(login: Login, george: User, course: Course, member: str) -> None:
    response = login(george).post(
        reverse("courses:members", args=[course.slug]), {"member": member, "role": "facilitator"}
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_members_page_lists_members_with_roles(login: Login, george: User, course: Course, valid_html) -> None:
    response = login(george).get(reverse("courses:members", args=[course.slug]))
    assert response.status_code == 200
    valid_html(response.content)
    html = response.content.decode()
    assert html.index("George") < html.index("Devon Clarke") < html.index("Maria López")
    assert "Make Maria López a facilitator" in html


@pytest.mark.django_db
def test_members_page_goes_a_page_at_a_time_and_finds_people(
    login: Login, george: User, course: Course, valid_html, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big course's members a page at a time (facilitators first, then by name, every member once); a search by
    name or username, its words kept in the box; a page past the end gives the last one."""
    monkeypatch.setattr(course_views, "MEMBERS_PER_PAGE", 2)
    for name in ("Zoe Zed", "Ana Ames", "Bo Brook"):
        EnrollmentFactory.create(course=course, user=UserFactory.create(display_name=name))
    client = login(george)
    url = reverse("courses:members", args=[course.slug])
    shown = []
    for number in (1, 2, 3):
        response = client.get(url, {"page": number})
        valid_html(response.content)
        html = response.content.decode()
        assert f"Page {number} of 3" in html
        shown += re.findall(r"Make (.+?) a (?:participant|facilitator)</button>", html)
    assert shown == ["George", "Ana Ames", "Bo Brook", "Devon Clarke", "Maria López", "Zoe Zed"]
    assert 'rel="next"' in client.get(url, {"page": 1}).content.decode()
    assert "Make Zoe Zed" in client.get(url, {"page": 99}).content.decode()

    found = client.get(url, {"find": "  BROOK "}).content.decode()
    assert re.findall(r"Make (.+?) a ", found) == ["Bo Brook"]
    assert 'value="BROOK"' in found
    assert "1 member matching" in found
    assert "Make Bo Brook" in client.get(url, {"find": "Bro\x00ok"}).content.decode()  # a NUL is dropped, not a 500
    nobody = client.get(url, {"find": "nobody-here"}).content.decode()
    assert "No member matches" in nobody
    assert "<table" not in nobody


@pytest.mark.django_db
def test_changing_a_role_returns_to_the_same_page_of_the_list(
    login: Login, george: User, maria: User, course: Course, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(course_views, "MEMBERS_PER_PAGE", 2)
    enrollment = Enrollment.objects.get(course=course, user=maria)
    url = reverse("courses:members", args=[course.slug])
    response = login(george).post(url, {"member": enrollment.pk, "role": "facilitator", "find": "mar", "page": "2"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?find=mar&page=2"
    enrollment.refresh_from_db()
    assert enrollment.role == MemberRole.FACILITATOR


@pytest.mark.django_db
def test_facilitator_promotes_and_demotes_a_member(login: Login, george: User, maria: User, course: Course) -> None:
    client = login(george)
    enrollment = Enrollment.objects.get(course=course, user=maria)
    url = reverse("courses:members", args=[course.slug])
    assert client.post(url, {"member": enrollment.pk, "role": "facilitator"}).status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.role == MemberRole.FACILITATOR
    client.post(url, {"member": enrollment.pk, "role": "participant"})
    enrollment.refresh_from_db()
    assert enrollment.role == MemberRole.PARTICIPANT


@pytest.mark.django_db
def test_last_facilitator_cannot_demote_themself(login: Login, george: User, course: Course) -> None:
    enrollment = Enrollment.objects.get(course=course, user=george)
    response = login(george).post(
        reverse("courses:members", args=[course.slug]), {"member": enrollment.pk, "role": "participant"}, follow=True
    )
    assert "at least one facilitator" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.role == MemberRole.FACILITATOR


@pytest.mark.django_db
def test_unknown_role_is_refused(login: Login, george: User, maria: User, course: Course) -> None:
    enrollment = Enrollment.objects.get(course=course, user=maria)
    response = login(george).post(
        reverse("courses:members", args=[course.slug]), {"member": enrollment.pk, "role": "admin"}, follow=True
    )
    assert "Unknown role" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.role == MemberRole.PARTICIPANT


# Books


@pytest.mark.django_db
def test_facilitator_adds_and_edits_a_book(login: Login, george: User, course: Course, valid_html) -> None:
    client = login(george)
    page = client.get(reverse("courses:book_create", args=[course.slug]))
    valid_html(page.content)
    response = client.post(
        reverse("courses:book_create", args=[course.slug]), {"title": "Innovate Inside the Box", "author": "G. Couros"}
    )
    assert response.status_code == 302
    book = course.books.get()
    assert book.title == "Innovate Inside the Box"
    edit = reverse("courses:book_edit", args=[course.slug, book.pk])
    valid_html(client.get(edit).content)
    client.post(edit, {"title": "Innovate Inside the Box", "author": "George Couros", "link": ""})
    book.refresh_from_db()
    assert book.author == "George Couros"


@pytest.mark.django_db
def test_refused_book_keeps_what_was_typed(login: Login, george: User, course: Course) -> None:
    response = login(george).post(
        reverse("courses:book_create", args=[course.slug]), {"title": "Typed", "author": "", "link": "nope"}
    )
    assert response.status_code == 200
    assert 'value="Typed"' in response.content.decode()
    assert not course.books.exists()


# Weeks


@pytest.mark.django_db
def test_facilitator_creates_a_week_with_readings(login: Login, george: User, course: Course, valid_html) -> None:
    book_a = BookFactory.create(course=course, title="The Innovator's Mindset", position=1)
    book_b = BookFactory.create(course=course, title="Innovate Inside the Box", position=2)
    client = login(george)
    page = client.get(reverse("courses:week_create", args=[course.slug]))
    assert page.status_code == 200
    valid_html(page.content)
    html = page.content.decode()
    assert "Chapters of The Innovator&#x27;s Mindset this week" in html
    assert 'name="number" value="2"' in html
    data = week_data(**{f"book_{book_a.pk}": "Chapters 3–4", f"book_{book_b.pk}": ""})
    response = client.post(reverse("courses:week_create", args=[course.slug]), data)
    assert response.status_code == 302
    assert response["Location"] == week_page(course, 2)
    week = course.weeks.get(number=2)
    assert week.theme_question == "How do relationships make innovation possible?"
    assert [(r.book.title, r.chapters) for r in week.readings.all()] == [("The Innovator's Mindset", "Chapters 3–4")]


@pytest.mark.django_db
def test_facilitator_edits_a_week_and_its_readings(login: Login, george: User, course: Course, valid_html) -> None:
    book = BookFactory.create(course=course)
    week = course.weeks.get(number=1)
    week.readings.create(book=book, chapters="Chapter 1")
    client = login(george)
    url = reverse("courses:week_edit", args=[course.slug, 1])
    page = client.get(url)
    valid_html(page.content)
    assert 'value="Chapter 1"' in page.content.decode()
    response = client.post(url, week_data(number=1, title="Why innovate?", **{f"book_{book.pk}": "Chapters 1–2"}))
    assert response["Location"] == week_page(course, 1)
    week.refresh_from_db()
    assert week.title == "Why innovate?"
    assert week.readings.get().chapters == "Chapters 1–2"


@pytest.mark.django_db
def test_week_with_a_taken_number_is_refused(login: Login, george: User, course: Course) -> None:
    response = login(george).post(reverse("courses:week_create", args=[course.slug]), week_data(number=1))
    assert response.status_code == 200
    assert "already has a week 1" in response.content.decode()
    assert course.weeks.count() == 1


@pytest.mark.django_db
def test_week_ending_before_it_starts_is_refused(login: Login, george: User, course: Course) -> None:
    data = week_data(starts_on="2026-09-10", ends_on="2026-09-01")
    response = login(george).post(reverse("courses:week_create", args=[course.slug]), data)
    assert response.status_code == 200
    assert 'value="Relationships first"' in response.content.decode()
    assert course.weeks.count() == 1


# Prompts


@pytest.mark.django_db
def test_facilitator_adds_a_prompt_numbered_automatically(
    login: Login, george: User, course: Course, valid_html
) -> None:
    client = login(george)
    url = reverse("courses:prompt_create", args=[course.slug, 1])
    valid_html(client.get(url).content)
    response = client.post(url, {"kind": "video", "text": "Record a two-minute video about a risk you took."})
    assert response.status_code == 302
    assert response["Location"] == week_page(course, 1)
    prompt = Prompt.objects.get(week__course=course, number=2)
    assert prompt.kind == "video"


@pytest.mark.django_db
def test_facilitator_edits_a_prompt(login: Login, george: User, course: Course, valid_html) -> None:
    client = login(george)
    url = reverse("courses:prompt_edit", args=[course.slug, 1, 1])
    valid_html(client.get(url).content)
    response = client.post(url, {"kind": "image", "text": "Share a picture of your learning space."})
    assert response["Location"] == week_page(course, 1)
    prompt = Prompt.objects.get(week__course=course, number=1)
    assert (prompt.kind, prompt.text) == ("image", "Share a picture of your learning space.")


@pytest.mark.django_db
def test_refused_prompt_keeps_what_was_typed(login: Login, george: User, course: Course) -> None:
    response = login(george).post(
        reverse("courses:prompt_create", args=[course.slug, 1]), {"kind": "podcast", "text": "Typed text"}
    )
    assert response.status_code == 200
    assert "Typed text" in response.content.decode()
    assert Prompt.objects.filter(week__course=course).count() == 1


@pytest.mark.django_db
def test_prompt_delete_asks_first_and_get_changes_nothing(
    login: Login, george: User, course: Course, valid_html
) -> None:
    client = login(george)
    url = reverse("courses:prompt_delete", args=[course.slug, 1, 1])
    page = client.get(url)
    assert page.status_code == 200
    valid_html(page.content)
    assert Prompt.objects.filter(week__course=course).count() == 1
    response = client.post(url)
    assert response["Location"] == reverse("courses:week_edit", args=[course.slug, 1])
    assert not Prompt.objects.filter(week__course=course).exists()


# Live sessions


@pytest.mark.django_db
def test_facilitator_schedules_live_session_in_their_own_time_zone(
    login: Login, george: User, course: Course, valid_html
) -> None:
    george.time_zone = "America/Edmonton"
    george.save()
    client = login(george)
    url = reverse("courses:live_edit", args=[course.slug, 1])
    page = client.get(url)
    valid_html(page.content)
    assert "America/Edmonton" in page.content.decode()
    data = {
        "title": "Live with Katie",
        "date": "2030-01-15",
        "time": "19:30",
        "duration_minutes": 45,
        "join_url": "https://www.youtube.com/watch?v=abcdefghijk",
        "recording_url": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == week_page(course, 1)
    session = LiveSession.objects.get(week__course=course)
    # 19:30 in Edmonton (UTC−7 in January) is 02:30 UTC the next day.
    assert session.starts_at == dt.datetime(2030, 1, 16, 2, 30, tzinfo=dt.UTC)
    assert session.duration_minutes == 45
    edit = client.get(url).content.decode()
    assert 'value="2030-01-15"' in edit
    assert 'value="19:30"' in edit


@pytest.mark.django_db
def test_refused_live_session_keeps_what_was_typed(login: Login, george: User, course: Course) -> None:
    data = {"title": "Typed title", "date": "2030-01-15", "time": "25:99", "duration_minutes": 60, "join_url": ""}
    response = login(george).post(reverse("courses:live_edit", args=[course.slug, 1]), data)
    assert response.status_code == 200
    assert 'value="Typed title"' in response.content.decode()
    assert "time" in response.context["form"].errors
    assert not LiveSession.objects.exists()


@pytest.mark.django_db
def test_live_page_shows_the_time_in_the_viewers_time_zone(
    login: Login, maria: User, course: Course, valid_html
) -> None:
    week = course.weeks.get(number=1)
    LiveSessionFactory.create(
        week=week, title="Live with George", starts_at=dt.datetime(2030, 3, 5, 1, 0, tzinfo=dt.UTC)
    )
    maria.time_zone = "Asia/Tokyo"
    maria.save()
    response = login(maria).get(reverse("courses:live", args=[course.slug, 1]))
    assert response.status_code == 200
    valid_html(response.content)
    html = response.content.decode()
    assert "Tuesday 5 March 2030, 10:00" in html
    assert "Asia/Tokyo" in html
    assert "https://example.org/live" in html


@pytest.mark.django_db
def test_live_page_for_anonymous_visitor_is_in_utc_and_hides_who_asked(
    client: Client, maria: User, course: Course, valid_html
) -> None:
    week = course.weeks.get(number=1)
    session = LiveSessionFactory.create(week=week, starts_at=dt.datetime(2030, 3, 5, 1, 0, tzinfo=dt.UTC))
    LiveQuestion.objects.create(session=session, author=maria, text="A question from Maria")
    response = client.get(reverse("courses:live", args=[course.slug, 1]))
    valid_html(response.content)
    html = response.content.decode()
    assert "Tuesday 5 March 2030, 01:00" in html
    assert "UTC" in html
    assert "https://example.org/live" in html
    assert "1 question sent in so far" in html
    assert "A question from Maria" not in html


@pytest.mark.django_db
def test_live_page_of_a_week_without_session_is_not_found(client: Client, course: Course) -> None:
    assert client.get(reverse("courses:live", args=[course.slug, 1])).status_code == 404


@pytest.mark.django_db
def test_member_sends_a_question_ahead(login: Login, maria: User, george: User, course: Course, valid_html) -> None:
    session = LiveSessionFactory.create(week=course.weeks.get(number=1))
    client = login(maria)
    response = client.post(
        reverse("courses:live_question", args=[course.slug, 1]), {"text": "How do you start with <b>one</b> change?"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:live", args=[course.slug, 1])
    question = LiveQuestion.objects.get(session=session)
    assert question.author == maria
    page = login(george).get(reverse("courses:live", args=[course.slug, 1]))
    valid_html(page.content)
    assert "How do you start with &lt;b&gt;one&lt;/b&gt; change?" in page.content.decode()


@pytest.mark.django_db
def test_outsider_cannot_send_a_question(login: Login, outsider: User, course: Course) -> None:
    LiveSessionFactory.create(week=course.weeks.get(number=1))
    response = login(outsider).post(reverse("courses:live_question", args=[course.slug, 1]), {"text": "Hello?"})
    assert response.status_code == 200
    assert response.context["form"].errors["text"] == ["Join the course to send in a question."]
    assert not LiveQuestion.objects.exists()


@pytest.mark.django_db
def test_question_after_the_session_started_is_refused_and_kept(login: Login, maria: User, course: Course) -> None:
    LiveSessionFactory.create(week=course.weeks.get(number=1), starts_at=timezone.now() - dt.timedelta(minutes=5))
    response = login(maria).post(reverse("courses:live_question", args=[course.slug, 1]), {"text": "Too late?"})
    assert response.status_code == 200
    assert "already started" in response.content.decode()
    assert "Too late?" in response.content.decode()
    assert not LiveQuestion.objects.exists()


@pytest.mark.django_db
def test_S5_question_without_csrf_token_is_refused(maria: User, course: Course) -> None:
    LiveSessionFactory.create(week=course.weeks.get(number=1))
    client = Client(enforce_csrf_checks=True)
    client.force_login(maria)
    response = client.post(reverse("courses:live_question", args=[course.slug, 1]), {"text": "Hi"})
    assert response.status_code == 403
    assert not LiveQuestion.objects.exists()


# Voting for questions and marking them answered


@pytest.fixture
def asked(course: Course, maria: User, devon: User) -> list[LiveQuestion]:
    session = LiveSessionFactory.create(week=course.weeks.get(number=1))
    return [
        LiveQuestion.objects.create(session=session, author=maria, text="First, from Maria"),
        LiveQuestion.objects.create(session=session, author=devon, text="Second, from Devon"),
    ]


def _vote(client: Client, course: Course, question: LiveQuestion) -> Any:
    return client.post(reverse("courses:live_vote", args=[course.slug, 1, question.pk]))


@pytest.mark.django_db
def test_members_vote_once_each_and_the_most_wanted_question_comes_first(
    login: Login, course: Course, maria: User, devon: User, george: User, asked, valid_html
) -> None:
    first, second = asked
    client = login(maria)
    assert _vote(client, course, second).status_code == 302
    _vote(client, course, second)  # a second click takes the vote back
    assert second.votes.count() == 0
    _vote(client, course, second)
    response = client.get(reverse("courses:live", args=[course.slug, 1]))
    valid_html(response.content)
    html = response.content.decode()
    assert html.index("Second, from Devon") < html.index("First, from Maria")
    assert "1 vote" in html
    assert 'aria-pressed="true">Take back my vote' in html
    own = _vote(client, course, first)  # her own question
    assert first.votes.count() == 0
    assert "votes are for other people" in login(maria).get(own["Location"]).content.decode()


@pytest.mark.django_db
def test_outsiders_cannot_vote_and_voting_closes_when_the_session_ends(
    login: Login, course: Course, outsider: User, devon: User, asked
) -> None:
    first, _ = asked
    _vote(login(outsider), course, first)
    assert first.votes.count() == 0
    first.session.starts_at = timezone.now() - dt.timedelta(hours=3)
    first.session.save()
    _vote(login(devon), course, first)
    assert first.votes.count() == 0


@pytest.mark.django_db
def test_facilitators_mark_questions_answered_and_answered_ones_go_last(
    login: Login, course: Course, george: User, maria: User, asked
) -> None:
    first, _ = asked
    url = reverse("courses:live_answered", args=[course.slug, 1, first.pk])
    assert login(maria).post(url, {"answered": "1"}).status_code == 404  # not a facilitator: no such action
    first.refresh_from_db()
    assert first.answered_at is None
    client = login(george)
    client.post(url, {"answered": "1"})
    first.refresh_from_db()
    assert first.answered_at is not None
    html = client.get(reverse("courses:live", args=[course.slug, 1])).content.decode()
    assert html.index("Second, from Devon") < html.index("First, from Maria")
    assert "<strong>Answered</strong>" in html
    client.post(url, {"answered": "0"})
    first.refresh_from_db()
    assert first.answered_at is None


@pytest.mark.django_db
def test_a_question_of_another_session_is_not_found_here(login: Login, course: Course, maria: User, asked) -> None:
    other_week = WeekFactory.create(course=course, number=2)
    LiveSessionFactory.create(week=other_week)
    url = reverse("courses:live_vote", args=[course.slug, 2, asked[1].pk])
    assert login(maria).post(url).status_code == 404


@pytest.mark.django_db
def test_show_notes_after_the_show_are_on_the_session_page(
    login: Login, george: User, maria: User, course: Course, valid_html
) -> None:
    client = login(george)
    url = reverse("courses:live_edit", args=[course.slug, 1])
    notes = "We talked about <script>alert(1)</script> student voice.\nSlides: https://example.org/slides"
    data = {
        "title": "Live with Katie",
        "date": "2030-01-15",
        "time": "19:30",
        "duration_minutes": 45,
        "join_url": "",
        "recording_url": "https://media.example.org/katie.mp3",
        "show_notes": notes,
    }
    assert client.post(url, data).status_code == 302
    assert LiveSession.objects.get(week__course=course).show_notes == notes
    page = login(maria).get(reverse("courses:live", args=[course.slug, 1]))
    valid_html(page.content)
    html = page.content.decode()
    assert '<h2 id="notes-heading">Show notes</h2>' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert '<a href="https://example.org/slides" rel="nofollow">https://example.org/slides</a>' in html
