"""What search reads of people: name, @handle, and what they say about themselves (bio, role, subjects,
grade levels), kept current by the account services and rebuilt by `commonplace search reindex`."""

from collections.abc import Callable, Iterable

from accounts.models import User
from core import search

PEOPLE = "search_people"


def person_document(user: User) -> search.Document:
    return {
        "name": user.display_name,
        "handle": user.username,
        "about": " ".join((user.bio, user.get_role_display(), user.subjects, user.grade_levels)),
    }


def index_people(ids: Iterable[int]) -> int:
    """(Re-)index these people; inactive or missing accounts are taken out."""
    ids = list(ids)
    found = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}
    search.remove(PEOPLE, [pk for pk in ids if pk not in found])
    return search.store(PEOPLE, ((pk, person_document(u)) for pk, u in found.items()))


def rebuild(progress: Callable[[int], None] | None = None, *, batch: int = 2000) -> int:
    search.clear(PEOPLE)
    total = 0
    ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        part = ids[start : start + batch]
        total += index_people(part)
        if progress:
            progress(len(part))
    search.optimize(PEOPLE)
    return total
