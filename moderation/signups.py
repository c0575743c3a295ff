"""Whether anyone is watching the site, for sign-ups (SP5): with no moderator active for a week, open sign-up
turns into approval-required (accounts.services.register asks through SIGNUP_APPROVAL_CHECK), so an unwatched
site cannot be filled with spam accounts that nobody removes."""

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from courses.models import Enrollment, MemberRole
from moderation.models import Report


def moderators() -> Q:
    """Who moderates: staff, and every course's facilitators (they decide their course's reports)."""
    facilitating = Enrollment.objects.filter(role=MemberRole.FACILITATOR).values("user_id")
    return Q(is_active=True) & (Q(is_staff=True) | Q(pk__in=facilitating))


def no_moderator_active(now: dt.datetime | None = None) -> bool:
    """True when no moderator has signed in, or decided a report, in the last SIGNUP_MODERATOR_IDLE_DAYS."""
    since = (now or timezone.now()) - dt.timedelta(days=settings.SIGNUP_MODERATOR_IDLE_DAYS)
    signed_in = User.objects.filter(moderators(), last_login__gte=since).exists()
    decided = Report.objects.filter(decided_at__gte=since, decided_by__isnull=False).exists()
    return not (signed_in or decided)
