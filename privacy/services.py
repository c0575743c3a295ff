"""Writes for a person's download: ask for one, build it (the worker), and forget old ones."""

import datetime as dt
import logging
import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.exceptions import Invalid
from privacy.export import write_export
from privacy.models import STALE_AFTER, Export, ExportStatus

log = logging.getLogger(__name__)
ONE_A_DAY = dt.timedelta(hours=24)


def export_root() -> Path:
    return Path(settings.EXPORT_ROOT)


def request_export(*, user: User, now: dt.datetime | None = None) -> Export:
    """Ask for a download of everything that is yours; the worker builds it. One at a time, and one a day."""
    now = now or timezone.now()
    latest = Export.objects.filter(user=user).first()
    if latest is not None and latest.in_progress(now):
        return latest
    if latest is not None and latest.status == ExportStatus.READY and now - latest.requested_at < ONE_A_DAY:
        raise Invalid("You made a download in the last day: use that one, or ask again tomorrow.")
    export = Export.objects.create(user=user, requested_at=now)
    from privacy.tasks import build_export  # the task module imports these services

    transaction.on_commit(lambda: build_export.enqueue(export.pk))
    return export


def _set_progress(export: Export, percent: int) -> None:
    Export.objects.filter(pk=export.pk).update(progress=percent)


def build(export_id: int) -> Export | None:
    """Build the zip. It is written beside its final name and moved into place only when complete, so a worker
    that dies leaves no half-written download; the export then counts as not started and can be asked again."""
    now = timezone.now()
    claimed = Export.objects.filter(pk=export_id, status=ExportStatus.WAITING).update(
        status=ExportStatus.BUILDING, started_at=now, progress=0
    )
    if not claimed:
        return None  # already built, or being built by another worker
    export = Export.objects.select_related("user").get(pk=export_id)
    folder = export_root() / str(export.user_id)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"commonplace-{export.user.username}-{now:%Y-%m-%d}-{secrets.token_hex(8)}.zip"
    partial = folder / (name + ".partial")
    try:
        size = write_export(export.user, partial, now.isoformat(), lambda p: _set_progress(export, p))
        if not User.objects.filter(pk=export.user_id, is_active=True).exists() or not (
            Export.objects.filter(pk=export_id).exists()
        ):
            partial.unlink(missing_ok=True)  # the account was deleted while this was being built
            return None
        partial.replace(folder / name)
    except Exception as exc:  # the download fails; the person is told, the worker goes on
        partial.unlink(missing_ok=True)
        log.exception("export %s failed", export_id)
        Export.objects.filter(pk=export_id).update(
            status=ExportStatus.FAILED, error=f"{type(exc).__name__}"[:300], finished_at=timezone.now()
        )
        return Export.objects.get(pk=export_id)
    Export.objects.filter(pk=export_id).update(
        status=ExportStatus.READY,
        progress=100,
        file_name=f"{export.user_id}/{name}",
        size=size,
        finished_at=timezone.now(),
    )
    return Export.objects.get(pk=export_id)


def forget_expired(now: dt.datetime | None = None) -> int:
    """Delete downloads past their keeping time (their files too), and clear up after builds whose worker
    died (killed, or the machine stopped): their half-written files go and they are marked failed, so the
    page says so and it can be asked for again. How many downloads this cleared."""
    now = now or timezone.now()
    gone = 0
    for export in Export.objects.filter(status=ExportStatus.READY):
        if export.expired(now):
            (export_root() / export.file_name).unlink(missing_ok=True)
            export.delete()
            gone += 1
    # A build is dead when it started long ago and nothing has been written for it since (a live one writes
    # its zip as it goes; one still waiting for a worker is left to the queue).
    cutoff = (now - STALE_AFTER).timestamp()
    for export in Export.objects.filter(status=ExportStatus.BUILDING):
        writing = [p for p in (export_root() / str(export.user_id)).glob("*.partial") if p.stat().st_mtime >= cutoff]
        if not export.in_progress(now) and not writing:
            Export.objects.filter(pk=export.pk, status=ExportStatus.BUILDING).update(
                status=ExportStatus.FAILED, error="The worker stopped before it finished.", finished_at=now
            )
            gone += 1
    for partial in export_root().glob("*/*.partial"):
        if partial.stat().st_mtime < cutoff:  # no live build goes that long without writing
            partial.unlink(missing_ok=True)
    return gone
