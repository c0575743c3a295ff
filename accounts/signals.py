"""S4: disabling an account ends its access for good, not only while it is disabled.

Sessions and tokens are checked against `is_active` on every request, so a disabled account is out at once.
When staff disable an account (the admin's form, or any save that turns `is_active` off), this also raises
its `session_version`, so the sessions signed in before never come back if it is enabled again, and sends
`account_disabled`, on which the api app revokes the account's tokens. A bulk `update()` sends no signal:
the per-request checks still keep the account out while it is disabled.
"""

from typing import Any

from django.db.models import F
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import Signal, receiver

from accounts.models import Block, KeywordFilter, Mute, User
from core.scope import forget

account_disabled = Signal()  # sent with `user`, after its sessions were ended


@receiver(pre_save, sender=User, dispatch_uid="accounts.end_access_when_disabled")
def end_access_when_disabled(
    sender: type[User], instance: User, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    if raw or instance._state.adding or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return  # a save of other fields of an inactive account
    if not User.objects.filter(pk=instance.pk, is_active=True).exists():
        return  # it was disabled already
    User.objects.filter(pk=instance.pk).update(session_version=F("session_version") + 1)
    instance.session_version = User.objects.values_list("session_version", flat=True).get(pk=instance.pk)
    account_disabled.send(sender=User, user=instance)


def _forget_relations_on_change() -> None:
    """A block, mute or keyword filter saved or deleted: what a request remembered of its viewer's relations and
    filters is read again (`core.scope`, `accounts.selectors.apart`, `filters_for`)."""
    for model in (Block, Mute, KeywordFilter):
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(forget, sender=model, dispatch_uid=f"accounts.forget.{model.__name__}.{name}")


_forget_relations_on_change()
