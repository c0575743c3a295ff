"""The notification summary email: content, once per period, the setting, the task, the schedule, the command."""

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.utils import timezone

from accounts.forms import ProfileForm
from accounts.models import NotificationEmail
from network import services
from network.models import SummaryEmail
from network.services_email import send_summary
from network.summary import due_for_summary, period_start
from network.tasks import periods_due, send_summaries
from posts.tests.factories import ArtifactFactory, CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_maria(maria, devon, george, course, settings):
    """Maria with three unread notifications: a follow, a reply and a mention."""
    settings.SITE_URL = "https://commonplace.example"
    work = ArtifactFactory.create(course=course, author=maria, title="Fractions with <b>pizza</b>")
    services.follow(follower=devon, followee=maria)
    CommentFactory.create(artifact=work, author=devon)
    ArtifactFactory.create(course=course, author=george, title="Week 1 wrap-up", body="Great work by @maria")
    return maria


def test_summary_lists_unread_notifications_with_links(busy_maria) -> None:
    assert send_summary(user=busy_maria, now=timezone.now())
    [message] = mail.outbox
    assert message.to == ["maria@example.org"]
    assert message.subject == "Commonplace: 3 new notifications"
    assert "George mentioned you in: Week 1 wrap-up" in message.body
    assert "Devon Clarke replied to your work: Fractions with <b>pizza</b>" in message.body
    assert "Devon Clarke followed you" in message.body
    assert "All your notifications: https://commonplace.example/notifications/" in message.body
    assert "https://commonplace.example/accounts/settings/" in message.body
    assert isinstance(message, EmailMultiAlternatives)
    [(content, mimetype)] = message.alternatives
    html = str(content)
    assert mimetype == "text/html"
    assert "Fractions with &lt;b&gt;pizza&lt;/b&gt;" in html
    assert 'href="https://commonplace.example' in html
    assert "Change or turn off notification emails" in html


def test_a_notification_a_warning_filter_matches_is_named_not_shown(busy_maria) -> None:
    """The site folds it behind the filter's name; an email cannot fold, so it names the filter instead."""
    from accounts.services_filters import add_filter

    add_filter(owner=busy_maria, phrase="wrap-up", whole_word=False, contexts=["notifications"])
    assert send_summary(user=busy_maria, now=timezone.now())
    [message] = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    for text in (message.body, html):
        assert "Filtered: “wrap-up”" in text
        assert "Week 1 wrap-up" not in text
        assert "followed you" in text  # the others as before


def test_summary_is_sent_once_per_period(busy_maria, devon, course) -> None:
    now = timezone.now()
    assert send_summary(user=busy_maria, now=now)
    assert not send_summary(user=busy_maria, now=now + dt.timedelta(minutes=5))
    assert len(mail.outbox) == 1
    assert SummaryEmail.objects.get().count == 3


def test_next_summary_holds_only_what_came_after_the_last(busy_maria, devon, course) -> None:
    now = timezone.now()
    busy_maria.notification_email = NotificationEmail.DAILY
    busy_maria.save()
    send_summary(user=busy_maria, now=now)
    tomorrow = now + dt.timedelta(days=1)
    assert not send_summary(user=busy_maria, now=tomorrow)  # nothing new
    ArtifactFactory.create(course=course, author=devon, title="New", body="@maria", published_at=tomorrow)
    assert send_summary(user=busy_maria, now=tomorrow + dt.timedelta(minutes=1))
    assert mail.outbox[-1].subject == "Commonplace: 1 new notification"


def test_read_notifications_are_not_emailed(busy_maria) -> None:
    services.mark_read(user=busy_maria)
    assert not send_summary(user=busy_maria, now=timezone.now())
    assert mail.outbox == []


def test_setting_off_sends_nothing(busy_maria) -> None:
    busy_maria.notification_email = NotificationEmail.OFF
    busy_maria.save()
    assert not send_summary(user=busy_maria, now=timezone.now())
    assert not due_for_summary("weekly", now=timezone.now()).filter(pk=busy_maria.pk).exists()
    assert send_summaries.call("weekly") == 0
    assert mail.outbox == []


def test_task_sends_to_everyone_due_once(busy_maria, devon) -> None:
    assert set(due_for_summary("weekly", now=timezone.now())) >= {busy_maria, devon}
    assert send_summaries.call("weekly") == 1  # devon has nothing unread
    assert send_summaries.call("weekly") == 0
    assert [m.to for m in mail.outbox] == [["maria@example.org"]]
    assert send_summaries.call("daily") == 0
    with pytest.raises(ValueError, match="Unknown summary period"):
        send_summaries.call("hourly")


def test_schedule_is_daily_and_weekly_on_mondays() -> None:
    monday = dt.datetime(2026, 3, 2, 7, tzinfo=dt.UTC)
    assert periods_due(monday) == ["daily", "weekly"]
    assert periods_due(monday + dt.timedelta(days=1)) == ["daily"]
    assert period_start("weekly", monday + dt.timedelta(days=6)) == monday.date()
    assert period_start("daily", monday + dt.timedelta(hours=20)) == dt.date(2026, 3, 3)


def test_command_dry_run_prints_and_sends_nothing(busy_maria) -> None:
    out = StringIO()
    call_command("notify_summary", "--period", "weekly", "--dry-run", stdout=out)
    assert "Would send @maria <maria@example.org>: 3 unread" in out.getvalue()
    assert "1 weekly summary would be sent." in out.getvalue()
    assert mail.outbox == []
    assert not SummaryEmail.objects.exists()


def test_command_sends(busy_maria) -> None:
    out = StringIO()
    call_command("notify_summary", "--period", "weekly", stdout=out)
    assert "Sent @maria" in out.getvalue()
    assert len(mail.outbox) == 1


def test_profile_form_changes_the_setting_and_keeps_it_when_left_out(maria) -> None:

    form = ProfileForm({"role": "teacher", "time_zone": "UTC", "notification_email": "daily"}, instance=maria)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["notification_email"] == "daily"
    maria.refresh_from_db()
    form = ProfileForm({"role": "teacher", "time_zone": "UTC"}, instance=maria)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["notification_email"] == "weekly"
