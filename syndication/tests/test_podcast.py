"""The course's recorded live shows as a podcast feed: parsed back with feedparser, enclosures checked."""

import datetime as dt

import feedparser
import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from courses.models import Course, LiveQuestion
from courses.tests.factories import LiveSessionFactory, WeekFactory
from syndication.feeds import recording_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def shows(course: Course, maria: User) -> Course:
    week1 = course.weeks.get(number=1)
    week1.theme_question = "What <b>is</b> innovation?"
    week1.save()
    first = LiveSessionFactory.create(
        week=week1,
        title="Live with George & friends",
        starts_at=dt.datetime(2026, 9, 7, 18, tzinfo=dt.UTC),
        duration_minutes=75,
        recording_url="https://media.example.org/immooc/week-1.mp3",
        show_notes="Slides: https://example.org/slides",
    )
    LiveQuestion.objects.create(session=first, author=maria, text="A question from Maria")
    LiveSessionFactory.create(
        week=WeekFactory.create(course=course, number=2),
        title="Week two",
        starts_at=dt.datetime(2026, 9, 14, 18, tzinfo=dt.UTC),
        recording_url="https://www.youtube.com/watch?v=abc123",
    )
    LiveSessionFactory.create(  # not recorded (yet): not an episode
        week=WeekFactory.create(course=course, number=3), starts_at=dt.datetime(2026, 9, 21, 18, tzinfo=dt.UTC)
    )
    return course


def test_recorded_shows_are_episodes_with_enclosures_and_itunes_tags(client: Client, shows: Course, settings) -> None:
    response = client.get(reverse("syndication_out:podcast", args=[shows.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert "itunes" in parsed.namespaces
    assert parsed.feed.title == f"{shows.title}: the live shows"
    assert parsed.feed.author == shows.title
    assert [tag.term for tag in parsed.feed.tags] == ["Education"]
    newest, oldest = parsed.entries
    assert newest.title == "Week 2: Week two"
    assert newest.enclosures == []  # a YouTube page is linked, not enclosed
    assert "https://www.youtube.com/watch?v=abc123" in newest.summary
    assert oldest.title == "Week 1: Live with George & friends"
    [enclosure] = oldest.enclosures
    assert (enclosure.href, enclosure.type) == ("https://media.example.org/immooc/week-1.mp3", "audio/mpeg")
    assert oldest.itunes_duration == "1:15:00"
    assert oldest.itunes_episode == "1"
    assert oldest.link == f"{settings.SITE_URL}{reverse('courses:live', args=[shows.slug, 1])}"
    assert "What <b>is</b> innovation?" in oldest.summary  # text, escaped by the XML writer
    assert "Show notes: Slides: https://example.org/slides" in oldest.summary
    assert "Maria" not in response.content.decode()


def test_recording_types_come_from_the_file_name() -> None:
    assert recording_type("https://example.org/show.m4a?x=1") == "audio/mp4"
    assert recording_type("https://example.org/show.mp4") == "video/mp4"
    assert recording_type("https://example.org/show") is None
    assert recording_type("https://example.org/notes.pdf") is None


def test_the_podcast_of_a_missing_course_is_not_found(client: Client) -> None:
    assert client.get(reverse("syndication_out:podcast", args=["no-such-course"])).status_code == 404


def test_the_session_page_links_to_the_podcast(client: Client, shows: Course, valid_html) -> None:
    response = client.get(reverse("courses:live", args=[shows.slug, 1]))
    valid_html(response.content)
    assert reverse("syndication_out:podcast", args=[shows.slug]) in response.content.decode()


def test_the_podcast_feed_costs_the_same_for_many_episodes(
    client: Client, shows: Course, django_assert_max_num_queries
) -> None:
    for number in range(4, 12):
        LiveSessionFactory.create(
            week=WeekFactory.create(course=shows, number=number), recording_url=f"https://e.org/{number}.mp3"
        )
    with django_assert_max_num_queries(3):
        client.get(reverse("syndication_out:podcast", args=[shows.slug]))
