"""Writes for personal weekly goals: set one, or go back to the course norm."""

from django.db import transaction

from accounts.models import User
from core.exceptions import Invalid, NotAllowed
from courses.models import Course, Enrollment
from network.models import WeeklyGoal

GOAL_MAX = 50


def _require_member(user: User, course: Course) -> None:
    if not Enrollment.objects.filter(course=course, user=user).exists():
        raise NotAllowed("Join the course to set a weekly goal in it.")


@transaction.atomic
def set_goal(*, user: User, course: Course, posts: int, comments: int, shares: int) -> WeeklyGoal:
    """Save the person's own weekly goal in the course.

    Raises NotAllowed for non-members and Invalid when a number is outside 0–50 or all three are zero.
    """
    _require_member(user, course)
    for label, value in (("posts", posts), ("comments", comments), ("shares", shares)):
        if not 0 <= value <= GOAL_MAX:
            raise Invalid(f"The number of {label} must be between 0 and {GOAL_MAX}.")
    if posts == comments == shares == 0:
        raise Invalid("Set at least one part of your goal above zero.")
    goal, _ = WeeklyGoal.objects.update_or_create(
        user=user, course=course, defaults={"posts": posts, "comments": comments, "shares": shares}
    )
    return goal


def reset_goal(*, user: User, course: Course) -> None:
    """Drop the person's own goal so the course norm applies again. Raises NotAllowed for non-members."""
    _require_member(user, course)
    WeeklyGoal.objects.filter(user=user, course=course).delete()
