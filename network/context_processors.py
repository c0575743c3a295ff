"""Template context for every page: the signed-in person's unread notification count (mentions too) for the nav."""

from django.http import HttpRequest

from accounts.models import User
from core import badges
from network.selectors import UNREAD_CAP, unread_count


def notifications(request: HttpRequest) -> dict[str, str]:
    """Only for signed-in people; a fixed number of queries however many notifications (see unread_count).
    The count as the nav shows it: "" for none, "99+" from the cap."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {}
    count = badges.unread(user.pk, lambda: unread_count(user))
    return {"unread_notifications": f"{UNREAD_CAP}+" if count >= UNREAD_CAP else str(count) if count else ""}
