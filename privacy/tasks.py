"""Background work for downloads: build one when asked, and forget old ones every night."""

from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from privacy import services


@task
def build_export(export_id: int) -> bool:
    return services.build(export_id) is not None


@db_periodic_task(crontab(hour="3", minute="10"))
def forget_expired_exports() -> int:
    return services.forget_expired()


@task
def erase_account(user_id: int) -> bool:
    """Erase a closed account's content (see privacy.erasure)."""
    from privacy.erasure import erase

    return erase(user_id)
