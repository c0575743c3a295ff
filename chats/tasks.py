"""Background work for chats: release questions at their minute, and look up the titles of shared links."""

from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from chats import services


@db_periodic_task(crontab(minute="*"))
def release_due_questions() -> int:
    """Every minute: release each chat question whose time has come (an open chat page also does it)."""
    return services.release_due()


@task
def look_up_titles(urls: list[str]) -> int:
    """Fetch the titles of links shared in a chat answer (through the guarded client)."""
    return services.look_up_titles(urls)
