"""Reads for accounts: the keyword filters that apply to a viewer, and who may fetch an avatar."""

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from accounts.models import FilterAction, FilterContext, KeywordFilter, User
from core.views import Audience
from core.wordfilter import Rule, WordFilter, build


def filters_for(
    viewer: User | AnonymousUser | None, context: FilterContext | str, now: dt.datetime | None = None
) -> WordFilter | None:
    """The viewer's active filters for one place as a matcher; None when signed out or nothing applies.

    One query for a signed-in viewer, none otherwise. Hiding filters come first, so when a text matches
    both a hiding and a warning filter it is hidden.
    """
    if viewer is None or not viewer.is_authenticated:
        return None
    context = FilterContext(context)
    rows = (
        KeywordFilter.objects.active(now)
        .filter(owner_id=viewer.pk, **{f"in_{context.value}": True})
        .order_by("phrase", "id")
        .values_list("phrase", "whole_word", "action")
    )
    rules = [Rule(phrase, whole_word, action == FilterAction.HIDE) for phrase, whole_word, action in rows]
    rules.sort(key=lambda rule: not rule.hide)
    return build(rules)


def filters_of(owner: User) -> list[KeywordFilter]:
    """Every filter the person has, active or expired, by phrase (for their settings page)."""
    return list(KeywordFilter.objects.filter(owner=owner).order_by("phrase", "id"))


def avatar_audience(request: HttpRequest, name: str) -> Audience | None:
    """Who may fetch the avatar stored as `name` (a `core.views.media` reader): everyone, like the profile it
    belongs to, while an active person has it; None once it was replaced or its owner is gone. One query."""
    has_it = User.objects.filter(avatar=name, is_active=True).exclude(avatar="")  # uses the index user_avatar
    return Audience.EVERYONE if has_it.exists() else None


def awaiting_signups() -> list[User]:
    """Accounts waiting for a staff member's approval (SIGNUP_APPROVAL), oldest first."""
    return list(User.objects.filter(awaiting_approval=True).order_by("date_joined", "pk"))
