"""Writes for The Daily: opting in and out (also by a signed link), and sending it once a day."""

import datetime as dt
import email.message
import email.policy

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.exceptions import NotAllowed
from courses.models import Course
from courses.selectors import is_member
from syndication.digest import Digest, build_digest, digest_window, utc_day
from syndication.models import DigestSubscription

UNSUBSCRIBE_SALT = "syndication.digest.unsubscribe"


def subscribe(*, user: User, course: Course) -> DigestSubscription:
    """Opt in to the course's Daily (doing it twice changes nothing); NotAllowed for someone not in the course."""
    if not is_member(course, user):
        raise NotAllowed("Only members of the course can get The Daily. Join the course first.")
    subscription, _ = DigestSubscription.objects.get_or_create(user=user, course=course)
    return subscription


def unsubscribe(*, user: User, course: Course) -> bool:
    """Opt out; True when there was a subscription. Never refuses: anyone may stop getting email."""
    deleted, _ = DigestSubscription.objects.filter(user=user, course=course).delete()
    return bool(deleted)


def _signer() -> signing.Signer:
    return signing.Signer(salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(*, user: User, course: Course) -> str:
    """A signed token naming the person and the course, good only for unsubscribing (it does not expire)."""
    return _signer().sign_object([user.pk, course.pk])


def read_unsubscribe_token(token: str) -> tuple[User, Course] | None:
    """The person and course a token names; None for a tampered or malformed one, or one for nobody."""
    try:
        user_id, course_id = _signer().unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    user = User.objects.filter(pk=user_id).first()
    course = Course.objects.filter(pk=course_id).first()
    if user is None or course is None:
        return None
    return user, course


def unsubscribe_url(*, user: User, course: Course) -> str:
    token = unsubscribe_token(user=user, course=course)
    return f"{settings.SITE_URL}{reverse('syndication_out:daily_unsubscribe', kwargs={'token': token})}"


class DigestEmail(EmailMultiAlternatives):
    """Headers may run to the 998 characters RFC 5322 allows: folded at 78, Python's email package would
    turn the List-Unsubscribe address into encoded words, which mail clients do not read as a URL."""

    def message(self, *, policy: email.policy.Policy | None = None) -> email.message.EmailMessage:
        return super().message(policy=(policy or email.policy.default).clone(max_line_length=998))


def digest_text(digest: Digest, *, unsubscribe_link: str = "") -> str:
    """The plain-text Daily (the email's text part; the dry run prints it without an unsubscribe link)."""
    return render_to_string("syndication/digest_email.txt", {"digest": digest, "unsubscribe_url": unsubscribe_link})


def digest_message(digest: Digest, *, user: User) -> EmailMultiAlternatives:
    """The email for one subscriber: text and HTML, in their time zone, with RFC 8058 one-click unsubscribe."""
    link = unsubscribe_url(user=user, course=digest.course)
    context = {"digest": digest, "unsubscribe_url": link, "user": user}
    with timezone.override(user.time_zone or "UTC"):
        text = digest_text(digest, unsubscribe_link=link)
        html = render_to_string("syndication/digest_email.html", context)
    message = DigestEmail(
        subject=digest.subject,
        body=text,
        to=[user.email],
        headers={"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(html, "text/html")
    return message


def send_digest(*, subscription: DigestSubscription, since: dt.datetime, now: dt.datetime) -> bool:
    """E-mail The Daily for the period (since, now] to one subscriber; True when it was sent.

    Sends nothing when the person is inactive, has no address, has left the course, already got the Daily
    of now's (UTC) day, or nothing they may see is new. The day is claimed (compare-and-set on
    `last_sent_on`) in the same transaction as the send: a rerun or a second worker sends nothing, and a
    failed send rolls the claim back so the next run retries.
    """
    user, course = subscription.user, subscription.course
    day = utc_day(now)
    if not user.is_active or not user.email or subscription.last_sent_on == day or not is_member(course, user):
        return False
    digest = build_digest(course, since=since, now=now, viewer=user)
    if digest.is_empty:
        return False
    message = digest_message(digest, user=user)
    with transaction.atomic():
        unsent = DigestSubscription.objects.filter(pk=subscription.pk).exclude(last_sent_on=day)
        if not unsent.update(last_sent_on=day):
            return False
        message.send()
    subscription.last_sent_on = day
    return True


def send_course_digest(*, course: Course, now: dt.datetime, since: dt.datetime | None = None) -> int:
    """Send the course's Daily to each subscriber; returns how many were sent.

    The period defaults to the Daily of now's day (the 24 hours up to 06:00 UTC). A course with nothing
    new for its members sends nothing at all.
    """
    if since is None:
        since, now = digest_window(utc_day(now), now)
    if build_digest(course, since=since, now=now).is_empty:
        return 0
    subscriptions = (
        DigestSubscription.objects.filter(course=course)
        .exclude(last_sent_on=utc_day(now))
        .select_related("user", "course")
        .order_by("pk")
    )
    return sum(send_digest(subscription=s, since=since, now=now) for s in subscriptions)
