"""Writes for keyword filters: add, change and remove a person's own filters."""

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ExpiryChoice, FilterAction, FilterContext, KeywordFilter, User
from core.exceptions import ActionError
from core.wordfilter import normalize

MAX_FILTERS = 100
MAX_PHRASE = 100


class FilterRefused(ActionError):
    default_message = "That filter could not be saved."


class FilterNotFound(FilterRefused):
    default_message = "There is no such filter."


def expiry_from(choice: ExpiryChoice | str, now: dt.datetime | None = None) -> dt.datetime | None:
    """When a filter set now with this choice runs out (None: never)."""
    choice = ExpiryChoice(choice)
    if choice == ExpiryChoice.NEVER:
        return None
    return (now or timezone.now()) + dt.timedelta(days=int(choice.value))


def _clean(
    *, owner: User, phrase: str, contexts: Iterable[str], action: str, exclude: int | None
) -> tuple[str, set[str]]:
    phrase = " ".join((phrase or "").split())
    if not phrase:
        raise FilterRefused("Type a word or phrase to filter.")
    if len(phrase) > MAX_PHRASE:
        raise FilterRefused(f"Keep the phrase to {MAX_PHRASE} characters or fewer (this one has {len(phrase)}).")
    if not normalize(phrase).split():
        raise FilterRefused("That phrase has no letters or digits to match.")
    chosen = set(contexts)
    if unknown := chosen - set(FilterContext.values):
        raise FilterRefused(f"Unknown place to filter: {', '.join(sorted(unknown))}.")
    if not chosen:
        raise FilterRefused("Choose at least one place where the filter applies.")
    if action not in FilterAction.values:
        raise FilterRefused("Choose whether to hide matching posts or fold them behind a warning.")
    wanted = " ".join(normalize(phrase).split())
    others = KeywordFilter.objects.filter(owner=owner)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if any(" ".join(normalize(p).split()) == wanted for p in others.values_list("phrase", flat=True)):
        raise FilterRefused(f"You already have a filter for “{phrase}”. Edit that one instead.")
    return phrase, chosen


def _save(found: KeywordFilter) -> KeywordFilter:
    try:
        with transaction.atomic():
            found.save()
    except IntegrityError as exc:
        raise FilterRefused(f"You already have a filter for “{found.phrase}”. Edit that one instead.") from exc
    return found


def add_filter(
    *,
    owner: User,
    phrase: str,
    contexts: Iterable[str],
    whole_word: bool = True,
    action: str = FilterAction.WARN,
    expires_in: ExpiryChoice | str = ExpiryChoice.NEVER,
    now: dt.datetime | None = None,
) -> KeywordFilter:
    """Add a filter for the owner. Refuses (FilterRefused) an empty or too long phrase, no place chosen,
    a phrase the owner already filters (ignoring case and accents), and more than MAX_FILTERS filters."""
    phrase, chosen = _clean(owner=owner, phrase=phrase, contexts=contexts, action=action, exclude=None)
    if KeywordFilter.objects.filter(owner=owner).count() >= MAX_FILTERS:
        raise FilterRefused(f"You can have up to {MAX_FILTERS} filters. Remove one you no longer need first.")
    found = KeywordFilter(
        owner=owner,
        phrase=phrase,
        whole_word=whole_word,
        action=action,
        expires_at=expiry_from(expires_in, now),
        created_at=now or timezone.now(),
        **{f"in_{c}": c in chosen for c in FilterContext.values},
    )
    return _save(found)


def update_filter(
    *,
    owner: User,
    filter_id: int,
    phrase: str,
    contexts: Iterable[str],
    whole_word: bool = True,
    action: str = FilterAction.WARN,
    expires_in: ExpiryChoice | str | None = None,
    now: dt.datetime | None = None,
) -> KeywordFilter:
    """Change one of the owner's filters; `expires_in` None keeps its expiry, a choice restarts it from now.

    Refuses as add_filter does, and with FilterNotFound when the filter is not the owner's (or is gone)."""
    found = KeywordFilter.objects.filter(owner=owner, pk=filter_id).first()
    if found is None:
        raise FilterNotFound()
    phrase, chosen = _clean(owner=owner, phrase=phrase, contexts=contexts, action=action, exclude=found.pk)
    found.phrase = phrase
    found.whole_word = whole_word
    found.action = action
    for context in FilterContext.values:
        setattr(found, f"in_{context}", context in chosen)
    if expires_in is not None:
        found.expires_at = expiry_from(expires_in, now)
    return _save(found)


def remove_filter(*, owner: User, filter_id: int) -> None:
    """Delete one of the owner's filters; FilterNotFound when it is not theirs (or is already gone)."""
    deleted, _ = KeywordFilter.objects.filter(owner=owner, pk=filter_id).delete()
    if not deleted:
        raise FilterNotFound()
