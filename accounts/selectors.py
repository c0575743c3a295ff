"""Reads for accounts: the keyword filters that apply to a viewer."""

import datetime as dt

from django.contrib.auth.models import AnonymousUser

from accounts.models import FilterAction, FilterContext, KeywordFilter, User
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
