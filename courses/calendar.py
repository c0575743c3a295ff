"""Calendar files (RFC 5545, written with the `icalendar` library) for a week's live session, so people
can put it in the calendar they already use, in their own time zone."""

import datetime as dt

from django.utils import timezone
from icalendar import Calendar, Event

from courses.models import LiveSession


def live_session_ics(session: LiveSession, *, page_url: str, host: str) -> bytes:
    """One VEVENT for the session: its time in UTC (calendars show it in each person's zone), the join link
    as its location, and the session's page. The UID is stable, so a changed time updates the event."""
    week = session.week
    course = week.course
    calendar = Calendar()
    calendar.add("prodid", "-//Commonplace//Live sessions//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"live-session-{session.pk}@{host}")
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", session.starts_at.astimezone(dt.UTC))
    event.add("dtend", session.ends_at.astimezone(dt.UTC))
    event.add("summary", f"{course.title}: {session}")
    lines = [f"Week {week.number}: {week.title}"]
    if week.theme_question:
        lines.append(f"This week's question: {week.theme_question}")
    if session.join_url:
        lines.append(f"Join: {session.join_url}")
    lines.append(f"Details and questions: {page_url}")
    event.add("description", "\n".join(lines))
    event.add("url", page_url)
    if session.join_url:
        event.add("location", session.join_url)
    calendar.add_component(event)
    return calendar.to_ical()
