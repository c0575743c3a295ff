"""The course page, week page, prompt page, tag page and home."""

import datetime as dt
import random

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from accounts.models import Mute
from courses.models import Course, Prompt, Reading
from courses.tests.factories import BookFactory, LiveSessionFactory, PromptFactory, WeekFactory
from posts import selectors
from posts.models import Artifact, Visibility
from posts.selectors import latest_responses, prompt_summaries
from posts.tests.factories import ArtifactFactory, CommentFactory


def _next_week(course: Course) -> None:
    start = timezone.localdate() + dt.timedelta(days=5)
    week = WeekFactory.create(
        course=course, number=2, title="Future week", starts_on=start, ends_on=start + dt.timedelta(days=6)
    )
    PromptFactory.create(week=week, number=1, text="Next week's prompt about empathy.")


def test_course_page_shows_this_week_first_with_prompts_tags_and_respond_links(
    client, course, prompt, valid_html
) -> None:
    _next_week(course)
    response = client.get(course.get_absolute_url())
    assert response.status_code == 200
    valid_html(response.content)
    html = response.content.decode()
    assert "This week: Week 1: What is innovation?" in html
    assert prompt.text in html
    assert "#immooc-w1-p1" in html
    assert f"{reverse('posts:publish', args=[course.slug])}?prompt={prompt.pk}" in html
    assert "Next week&#x27;s prompt about empathy." not in html  # only this week's prompts in the week block
    assert reverse("posts:week", args=[course.slug, 2]) in html  # but every week is linked
    assert html.count("<h1") == 1


def test_course_page_shows_readings_live_session_in_viewer_time_zone(login, maria, course) -> None:
    week = course.weeks.get(number=1)
    book = BookFactory.create(course=course, title="The Innovator's Mindset", author="George Couros")
    Reading.objects.create(week=week, book=book, chapters="Chapters 1–2")
    LiveSessionFactory.create(
        week=week,
        starts_at=dt.datetime(2030, 1, 15, 1, 0, tzinfo=dt.UTC),
        join_url="https://example.org/live",
        recording_url="https://example.org/recording",
    )
    maria.time_zone = "America/Chicago"
    maria.save()
    html = login(maria).get(course.get_absolute_url()).content.decode()
    assert "Chapters 1–2" in html
    assert "The Innovator&#x27;s Mindset" in html
    assert "Monday 14 January 2030, 19:00" in html  # 01:00 UTC is the evening before in Chicago
    assert "America/Chicago" in html
    assert "https://example.org/live" in html
    assert "https://example.org/recording" in html
    assert reverse("courses:live", args=[course.slug, 1]) in html


def test_course_page_checklist_counts_the_viewers_posts_and_comments(login, maria, devon, course) -> None:
    ArtifactFactory.create(course=course, author=maria)
    ArtifactFactory.create(course=course, author=maria, visibility=Visibility.DRAFT)  # drafts do not count
    others = ArtifactFactory.create(course=course, author=devon)
    CommentFactory.create(artifact=others, author=maria)
    CommentFactory.create(artifact=others, author=maria)
    html = login(maria).get(course.get_absolute_url()).content.decode()
    assert 'class="done">Posts: 1 of 1' in html
    assert 'class="todo">Comments on others\' work: 2 of 3' in html
    assert "Share 3 posts by others" in html
    assert reverse("network:my_week", args=[course.slug]) in html


def test_course_page_for_visitors_offers_sign_up_and_no_checklist(client, course) -> None:
    html = client.get(course.get_absolute_url()).content.decode()
    assert "Join the course to see your own progress" in html
    assert reverse("accounts:signup") in html
    assert "Manage course" not in html


def test_course_page_join_leave_and_manage(login, outsider, maria, george, course) -> None:
    html = login(outsider).get(course.get_absolute_url()).content.decode()
    assert f'action="{reverse("courses:join", args=[course.slug])}"' in html
    html = login(maria).get(course.get_absolute_url()).content.decode()
    assert f'action="{reverse("courses:leave", args=[course.slug])}"' in html
    assert "Manage course" not in html
    html = login(george).get(course.get_absolute_url()).content.decode()
    assert reverse("courses:manage", args=[course.slug]) in html


def test_course_page_says_joining_is_closed(login, outsider, course) -> None:
    course.joining_open = False
    course.save()
    html = login(outsider).get(course.get_absolute_url()).content.decode()
    assert "Joining is closed" in html
    assert reverse("courses:join", args=[course.slug]) not in html


def test_course_page_lists_latest_responses_and_stream(client, course, maria, prompt) -> None:
    ArtifactFactory.create(course=course, author=maria, prompt=prompt, title="My first response")
    html = client.get(course.get_absolute_url()).content.decode()
    assert "1 response<" in html
    assert "My first response" in html
    assert reverse("network:stream", args=[course.slug]) in html


@pytest.mark.parametrize("count", [3, 40])
def test_course_page_query_count_does_not_grow_with_its_artifacts(
    login, maria, course, prompt, django_assert_max_num_queries, count
) -> None:
    for n in range(count):
        artifact = ArtifactFactory.create(course=course, author=maria, prompt=prompt if n % 2 else None)
        artifact.tags.create(name=f"tag{n}")
    client = login(maria)
    # 23, the nav's keyword filters, the latest responses' filters; and the viewer's courses and blocks and mutes,
    # read once for the request (core.scope)
    with django_assert_max_num_queries(27):
        assert client.get(course.get_absolute_url()).status_code == 200


def test_week_page_shows_any_week_and_its_artifacts(client, course, maria, valid_html) -> None:
    _next_week(course)
    future_prompt = Prompt.objects.get(week__number=2)
    ArtifactFactory.create(course=course, author=maria, prompt=future_prompt, title="Early bird answer")
    response = client.get(reverse("posts:week", args=[course.slug, 2]))
    assert response.status_code == 200
    valid_html(response.content)
    html = response.content.decode()
    assert "Next week&#x27;s prompt about empathy." in html
    assert "Early bird answer" in html
    assert client.get(reverse("posts:week", args=[course.slug, 9])).status_code == 404


def test_prompt_page_shows_prompt_and_responses(client, course, maria, prompt, valid_html) -> None:
    ArtifactFactory.create(course=course, author=maria, prompt=prompt, title="Answer one")
    ArtifactFactory.create(course=course, author=maria, title="Not an answer")
    response = client.get(prompt.get_absolute_url())
    valid_html(response.content)
    html = response.content.decode()
    assert prompt.text in html
    assert "Answer one" in html
    assert "Not an answer" not in html
    assert client.get(reverse("posts:prompt", args=[course.slug, 1, 7])).status_code == 404


def test_home_welcomes_and_lists_courses_and_my_courses(client, login, maria, course, valid_html) -> None:
    response = client.get(reverse("home"))
    valid_html(response.content)
    assert course.title.replace("'", "&#x27;") in response.content.decode()
    assert "Your courses" not in response.content.decode()
    response = login(maria).get(reverse("home"))
    assert "Your courses" in response.content.decode()


def test_tag_page_lists_tagged_work(client, course, maria, valid_html) -> None:
    artifact = ArtifactFactory.create(course=course, author=maria, title="Tagged one")
    artifact.tags.create(name="makerspace")
    response = client.get(reverse("posts:tag", args=["makerspace"]))
    valid_html(response.content)
    assert "Tagged one" in response.content.decode()
    assert "Tagged one" not in client.get(reverse("posts:tag", args=["other"])).content.decode()


def test_latest_responses_are_each_prompts_newest_the_viewer_may_see(
    course, prompt, maria, devon, george, outsider
) -> None:
    """The newest three per prompt, newest first (ties by id), of what the viewer may see: against every
    response sorted by hand, for a member, an outsider and someone signed out; a muted writer is left out."""
    rng = random.Random(7)
    week = prompt.week
    prompts = [prompt, PromptFactory.create(week=week, number=2)]
    empty = PromptFactory.create(week=week, number=3)
    base = timezone.now() - dt.timedelta(days=3)
    for n in range(80):
        ArtifactFactory.create(
            course=course,
            author=rng.choice([maria, devon, george]),
            prompt=rng.choice(prompts),
            published_at=base + dt.timedelta(hours=rng.randint(0, 6)),  # many share a time: ids break the tie
            visibility=rng.choice([Visibility.PUBLIC, Visibility.COURSE, Visibility.DRAFT]),
            held_reason="links" if n % 9 == 0 else "",
        )
    Mute.objects.create(muter=maria, muted=george)
    for viewer in (maria, devon, outsider, AnonymousUser()):
        found = latest_responses([*prompts, empty], viewer)
        shown = Artifact.objects.visible_to(viewer).unmuted_for(viewer).published()
        expected = {}
        for each in prompts:
            rows = sorted(shown.filter(prompt=each), key=lambda a: (a.published_at, a.pk), reverse=True)[:3]
            if rows:
                expected[each.pk] = [a.pk for a in rows]
        assert {pk: [a.pk for a in rows] for pk, rows in found.items()} == expected
        assert len(expected) == 2  # both prompts have responses this viewer sees
        assert all(len(rows) == 3 for rows in expected.values())  # enough of each to be ranked
    assert all(a.author_id != george.pk for rows in latest_responses(prompts, maria).values() for a in rows)


def test_prompt_counts_are_what_the_viewer_may_see_up_to_a_cap(
    client, login, monkeypatch, course, prompt, maria, devon, george, outsider
) -> None:
    """Each prompt's count is of the responses the viewer may see (drafts, held work, other courses' members'
    course-only work and muted people left out), against a hand count; above the cap it stops there and the
    course page says "N+"."""
    rng = random.Random(11)
    prompts = [prompt, PromptFactory.create(week=prompt.week, number=2)]
    empty = PromptFactory.create(week=prompt.week, number=3)
    for n in range(40):
        ArtifactFactory.create(
            course=course,
            author=rng.choice([maria, devon, george]),
            prompt=rng.choice(prompts),
            visibility=rng.choice([Visibility.PUBLIC, Visibility.COURSE, Visibility.DRAFT]),
            held_reason="links" if n % 7 == 0 else "",
        )
    Mute.objects.create(muter=maria, muted=george)
    for viewer in (maria, devon, outsider, AnonymousUser()):
        shown = Artifact.objects.visible_to(viewer).unmuted_for(viewer).published()
        counts = {s.prompt.pk: (s.count, s.more) for s in prompt_summaries([*prompts, empty], viewer)}
        expected = {p.pk: (sum(1 for a in shown if a.prompt_id == p.pk), False) for p in [*prompts, empty]}
        assert counts == expected
        assert expected[empty.pk] == (0, False)
        assert all(n > 3 for n, _ in list(expected.values())[:2])

    monkeypatch.setattr(selectors, "RESPONSES_COUNTED", 3)
    capped = prompt_summaries([*prompts, empty], devon)
    assert [(s.count, s.more) for s in capped] == [(3, True), (3, True), (0, False)]
    assert all(len(s.latest) == 3 for s in capped[:2])  # the latest are not cut by the cap
    login(devon)
    html = client.get(course.get_absolute_url()).content.decode()
    assert "3+ responses" in html
    assert "0 responses" in html


def test_the_course_page_reads_the_same_queries_for_one_prompt_or_many_responses_and_readers(
    client, login, course, prompt, maria, devon, george
) -> None:
    """The course page's queries do not follow its prompts, their responses, the books or the people who said
    where they are in them (counts and latest are read per prompt inside one query, progress counted in SQL)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from courses.models import ReadingProgress, ReadingStatus

    book = BookFactory.create(course=course)
    ReadingProgress.objects.create(book=book, user=devon, status=ReadingStatus.READING, percent=10)
    ArtifactFactory.create(course=course, author=devon, prompt=prompt)  # none at all reads no artifacts
    login(maria)
    client.get(course.get_absolute_url())  # the session's and the nav's first reads out of the way
    with CaptureQueriesContext(connection) as few:
        assert client.get(course.get_absolute_url()).status_code == 200
    for number in (2, 3, 4):
        PromptFactory.create(week=prompt.week, number=number)
    for n in range(24):
        ArtifactFactory.create(
            course=course, author=[devon, george][n % 2], prompt=Prompt.objects.filter(week=prompt.week)[n % 4]
        )  # the first prompt ends with 7, the others 6
    other = BookFactory.create(course=course, title="A second book")
    for person in (george, maria):
        for each in (book, other):
            ReadingProgress.objects.create(book=each, user=person, status=ReadingStatus.READING, percent=60)
    with CaptureQueriesContext(connection) as many:
        response = client.get(course.get_absolute_url())
    html = response.content.decode()
    assert html.count("6 responses") == 3  # every prompt drawn with its count
    assert "7 responses" in html
    assert len(many.captured_queries) == len(few.captured_queries)


def test_latest_responses_follow_the_viewers_course_filters(client, login, course, prompt, maria, devon) -> None:
    """A hiding filter for course streams leaves its matches out of a prompt's latest (older responses stand
    in); a warning one folds them behind a warning that names it, on the course page too."""
    from accounts.models import FilterAction
    from accounts.services_filters import add_filter

    base = timezone.now() - dt.timedelta(days=1)
    titles = ["Plain one", "Turnip two", "Plain three", "Zucchini four", "Turnip five"]  # oldest first
    for n, title in enumerate(titles):
        ArtifactFactory.create(
            course=course, author=devon, prompt=prompt, title=title, published_at=base + dt.timedelta(hours=n)
        )
    add_filter(owner=maria, phrase="turnip", contexts=["courses"], action=FilterAction.HIDE)
    add_filter(owner=maria, phrase="zucchini", contexts=["courses"])
    latest = latest_responses([prompt], maria)[prompt.pk]
    assert [(a.title, getattr(a, "filtered_by", "")) for a in latest] == [
        ("Zucchini four", "zucchini"),
        ("Plain three", ""),
        ("Plain one", ""),
    ]
    assert [a.title for a in latest_responses([prompt], devon)[prompt.pk]] == [
        "Turnip five",
        "Zucchini four",
        "Plain three",
    ]
    login(maria)
    html = client.get(course.get_absolute_url()).content.decode()
    assert "Filtered: “zucchini” — show anyway" in html
    assert "Turnip" not in html
