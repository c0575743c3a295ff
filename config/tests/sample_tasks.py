"""A task used by the infrastructure tests to prove the queue round-trip."""

from django.tasks import task

SEEN: list[str] = []


@task()
def remember(marker: str) -> str:
    SEEN.append(marker)
    return marker
