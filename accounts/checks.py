"""System checks for accounts' settings: a mistyped network in SIGNUP_BLOCKED_NETWORKS would block nobody."""

import ipaddress
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register()
def blocked_networks_parse(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for entry in settings.SIGNUP_BLOCKED_NETWORKS:
        try:
            ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            errors.append(
                Error(
                    f"SIGNUP_BLOCKED_NETWORKS has {entry!r}, which is not a network (203.0.113.0/24, 2001:db8::/32).",
                    id="accounts.E001",
                )
            )
    return errors
