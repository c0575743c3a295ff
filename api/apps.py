from typing import Any

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from accounts.signals import account_disabled

        account_disabled.connect(_revoke_tokens, dispatch_uid="api.revoke_tokens_when_disabled")


def _revoke_tokens(sender: Any, user: Any, **kwargs: Any) -> None:
    from api import services

    services.revoke_all(user=user)
