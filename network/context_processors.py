"""Template context for every page: the signed-in person's unread notification count (mentions too) for the nav."""

from django.http import HttpRequest

from accounts.models import User
from network.selectors import unread_count


def notifications(request: HttpRequest) -> dict[str, int]:
    """Only for signed-in people; a fixed number of queries however many notifications (see unread_count)."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {}
    return {"unread_notifications": unread_count(user)}
