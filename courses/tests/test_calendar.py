"""The live session as a calendar file: parsed back with the icalendar library."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar, Event

from accounts.models import User
from courses.models import Course, LiveQuestion
from courses.tests.factories import LiveSessionFactory

pytestmark = pytest.mark.django_db


def _event(response: Any) -> Event:  # a test client response
    calendar = Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    assert isinstance(event, Event)
    return event


def test_the_live_session_downloads_as_a_calendar_event_in_utc(client: Client, maria: User, course: Course) -> None:
    week = course.weeks.get(number=1)
    week.title, week.theme_question = "What is innovation?", "Is new; always better?"
    week.save()
    session = LiveSessionFactory.create(
        week=week,
        title="Live with George; questions, answers",
        starts_at=dt.datetime(2030, 3, 5, 1, 0, tzinfo=dt.UTC),
        duration_minutes=45,
        join_url="https://example.org/live?room=1",
    )
    LiveQuestion.objects.create(session=session, author=maria, text="A private question from Maria")
    response = client.get(reverse("courses:live_ics", args=[course.slug, 1]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{course.slug}-week-1-live-session.ics"'
    event = _event(response)
    assert event.decoded("dtstart") == dt.datetime(2030, 3, 5, 1, 0, tzinfo=dt.UTC)
    assert event.decoded("dtend") == dt.datetime(2030, 3, 5, 1, 45, tzinfo=dt.UTC)
    assert str(event["summary"]) == f"{course.title}: Live with George; questions, answers"
    assert str(event["location"]) == "https://example.org/live?room=1"
    page = "http://testserver" + reverse("courses:live", args=[course.slug, 1])
    assert str(event["url"]) == page
    description = str(event["description"])
    assert "Week 1: What is innovation?" in description
    assert "This week's question: Is new; always better?" in description
    assert page in description
    assert "Maria" not in response.content.decode()  # questions name their authors: never in the file
    assert str(event["uid"]) == f"live-session-{session.pk}@testserver"


def test_a_moved_session_keeps_its_event_uid(client: Client, course: Course) -> None:
    session = LiveSessionFactory.create(week=course.weeks.get(number=1))
    url = reverse("courses:live_ics", args=[course.slug, 1])
    first = _event(client.get(url))
    session.starts_at += dt.timedelta(hours=2)
    session.save()
    moved = _event(client.get(url))
    assert str(moved["uid"]) == str(first["uid"])
    assert moved.decoded("dtstart") - first.decoded("dtstart") == dt.timedelta(hours=2)


def test_a_week_without_a_session_has_no_calendar_file(client: Client, course: Course) -> None:
    assert client.get(reverse("courses:live_ics", args=[course.slug, 1])).status_code == 404
    assert client.get(reverse("courses:live_ics", args=["no-such-course", 1])).status_code == 404


def test_the_live_page_links_to_the_calendar_file(client: Client, course: Course, valid_html) -> None:
    LiveSessionFactory.create(week=course.weeks.get(number=1))
    response = client.get(reverse("courses:live", args=[course.slug, 1]))
    valid_html(response.content)
    assert reverse("courses:live_ics", args=[course.slug, 1]) in response.content.decode()
