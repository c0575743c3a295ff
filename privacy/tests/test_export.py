"""D5: a person downloads everything that is theirs, built by the worker, with progress and a link when ready;
only they can download it; a build that fails or dies leaves no half-written file."""

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import Block, Mute, User
from core.exceptions import Invalid
from courses.models import Course
from network.models import Follow, Share
from posts import services as posts
from posts.models import Kind, Visibility
from posts.tests.factories import ArtifactFactory, CommentFactory
from privacy import services
from privacy.models import STALE_AFTER, Export, ExportStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings, tmp_path: Path) -> Path:
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def _built(user: User, django_capture_on_commit_callbacks) -> Export:
    with django_capture_on_commit_callbacks(execute=True):
        export = services.request_export(user=user)
    export.refresh_from_db()
    return export


def test_D5_the_download_holds_everything_that_is_yours_and_nothing_else(
    course: Course, maria: User, devon: User, django_capture_on_commit_callbacks, settings
) -> None:
    image = posts.publish(
        author=maria, course=course, kind=Kind.IMAGE, title="Maker space", image=_png(), image_alt="Desks"
    )
    draft = ArtifactFactory.create(
        course=course, author=maria, title="Half an idea", body="*Draft* text", visibility=Visibility.DRAFT
    )
    ArtifactFactory.create(course=course, author=devon, title="Devon's private draft", visibility=Visibility.DRAFT)
    CommentFactory.create(artifact=image, author=devon, body="Devon's words are Devon's")
    CommentFactory.create(artifact=image, author=maria, body="Thanks, Devon!")
    Follow.objects.create(follower=maria, followee=devon)
    Mute.objects.create(muter=maria, muted=devon)
    Block.objects.create(blocker=devon, blocked=maria)  # devon's block is devon's, not maria's
    Share.objects.create(sharer=maria, artifact=image, note="Our room")

    export = _built(maria, django_capture_on_commit_callbacks)
    assert export.status == ExportStatus.READY
    assert export.progress == 100
    path = Path(settings.EXPORT_ROOT) / export.file_name
    assert path.is_file()
    assert settings.MEDIA_ROOT not in path.parents
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        read = lambda name: json.loads(archive.read(name))  # noqa: E731
        assert {"README.md", "profile.json", "artifacts.json", "comments.json", "follows.json", "mutes.json"} <= names
        assert read("profile.json")["email"] == maria.email
        titles = {a["title"] for a in read("artifacts.json")}
        assert titles == {"Maker space", "Half an idea"}
        assert archive.read(f"artifacts/{draft.pk}.md").decode().startswith("# Half an idea\n\n*Draft* text")
        assert "<em>Draft</em>" in archive.read(f"artifacts/{draft.pk}.html").decode()
        assert [c["text"] for c in read("comments.json")] == ["Thanks, Devon!"]
        assert read("follows.json")["people"][0]["handle"] == "devon"
        assert read("mutes.json")[0]["handle"] == "devon"
        assert read("blocks.json") == []
        assert read("shares.json")[0]["note"] == "Our room"
        assert f"media/{image.image.name}" in names
        everything = b"".join(archive.read(n) for n in names)
    assert b"Devon's private draft" not in everything
    assert b"Devon's words are Devon's" not in everything


def test_D5_the_page_shows_progress_then_a_link_only_the_owner_can_follow(
    login, maria: User, devon: User, django_capture_on_commit_callbacks
) -> None:
    client = login(maria)
    with django_capture_on_commit_callbacks(execute=False):  # no worker yet: it waits
        client.post(reverse("privacy:export_request"))
    page = client.get(reverse("privacy:export"))
    assert page["Refresh"] == "5"
    assert "Waiting for a worker: 0% done" in page.content.decode()
    export = Export.objects.get()
    services.build(export.pk)
    ready = client.get(reverse("privacy:export")).content.decode()
    link = reverse("privacy:export_download", args=[export.pk])
    assert link in ready
    download = client.get(link)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Cache-Control"] == "no-store"
    assert zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).read("README.md")
    assert login(devon).get(link).status_code == 404


def test_an_expired_download_is_gone(login, maria: User, django_capture_on_commit_callbacks) -> None:
    export = _built(maria, django_capture_on_commit_callbacks)
    Export.objects.filter(pk=export.pk).update(finished_at=timezone.now() - dt.timedelta(days=8))
    assert login(maria).get(reverse("privacy:export_download", args=[export.pk])).status_code == 404
    assert services.forget_expired() == 1
    assert not Export.objects.exists()


def test_D5_one_download_a_day(maria: User, django_capture_on_commit_callbacks) -> None:
    _built(maria, django_capture_on_commit_callbacks)
    with pytest.raises(Invalid, match="ask again tomorrow"):
        services.request_export(user=maria)


def test_a_build_that_fails_leaves_no_file_and_says_so(maria: User, monkeypatch, settings) -> None:
    def broken(user: User, target: Path, when: str, progress: object) -> int:
        target.write_bytes(b"half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(services, "write_export", broken)
    export = Export.objects.create(user=maria)
    services.build(export.pk)
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert not any(Path(settings.EXPORT_ROOT).rglob("*.zip*"))


def test_a_build_whose_worker_died_can_be_asked_for_again(maria: User) -> None:
    dead = Export.objects.create(
        user=maria, status=ExportStatus.BUILDING, started_at=timezone.now() - STALE_AFTER - dt.timedelta(minutes=1)
    )
    assert not dead.in_progress()
    fresh = services.request_export(user=maria)
    assert fresh.pk != dead.pk
    assert services.build(dead.pk) is None  # the dead one is not picked up twice


def test_the_nightly_clean_up_leaves_live_and_waiting_downloads_alone(maria: User, settings, tmp_path: Path) -> None:
    """A build that started long ago but is still writing its zip, and one still waiting for a worker, are
    not failed; once nothing has been written for a while the build is failed and its file goes."""
    settings.EXPORT_ROOT = tmp_path
    long_ago = timezone.now() - STALE_AFTER - dt.timedelta(hours=1)
    waiting = Export.objects.create(user=maria, requested_at=long_ago)
    building = Export.objects.create(user=maria, status=ExportStatus.BUILDING, started_at=long_ago)
    folder = tmp_path / str(maria.pk)
    folder.mkdir()
    partial = folder / "commonplace-maria.zip.partial"
    partial.write_bytes(b"still being written")
    assert services.forget_expired() == 0
    waiting.refresh_from_db()
    building.refresh_from_db()
    assert (waiting.status, building.status) == (ExportStatus.WAITING, ExportStatus.BUILDING)
    assert partial.exists()
    assert services.forget_expired(timezone.now() + STALE_AFTER + dt.timedelta(minutes=1)) == 1
    building.refresh_from_db()
    assert building.status == ExportStatus.FAILED
    assert not partial.exists()
