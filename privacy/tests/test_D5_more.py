"""D5: the download holds the person's registered blogs (feeds.json, with each blog's address) and the people
they block and mute (non-empty), as documented in the archive's README."""

import json
import zipfile
from pathlib import Path

import pytest

from accounts.models import Block, Mute, User
from courses.models import Course
from privacy import services
from privacy.models import Export, ExportStatus
from syndication.models import Feed, FeedStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings, tmp_path: Path) -> Path:
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


def _archive(user: User, settings, django_capture_on_commit_callbacks) -> zipfile.ZipFile:
    with django_capture_on_commit_callbacks(execute=True):
        export = services.request_export(user=user)
    export = Export.objects.get(pk=export.pk)
    assert export.status == ExportStatus.READY
    return zipfile.ZipFile(Path(settings.EXPORT_ROOT) / export.file_name)


def test_D5_the_download_lists_your_blogs_with_their_addresses(
    course: Course, maria: User, devon: User, outsider: User, settings, django_capture_on_commit_callbacks
) -> None:
    Feed.objects.create(
        course=course,
        owner=maria,
        url="https://maria.example/feed.xml",
        site_url="https://maria.example/",
        title="Maria's classroom",
    )
    Feed.objects.create(
        course=course,
        owner=maria,
        url="https://maria-garden.example/rss",
        site_url="https://maria-garden.example/",
        status=FeedStatus.PAUSED,
    )
    Feed.objects.create(course=course, owner=devon, url="https://devon.example/atom.xml")  # devon's, not maria's

    with _archive(maria, settings, django_capture_on_commit_callbacks) as archive:
        assert "feeds.json" in archive.read("README.md").decode()
        feeds = json.loads(archive.read("feeds.json"))
        everything = b"".join(archive.read(name) for name in archive.namelist())

    assert sorted((f["feed"], f["blog"]) for f in feeds) == [
        ("https://maria-garden.example/rss", "https://maria-garden.example/"),
        ("https://maria.example/feed.xml", "https://maria.example/"),
    ]
    by_feed = {f["feed"]: f for f in feeds}
    assert by_feed["https://maria.example/feed.xml"]["name"] == "Maria's classroom"
    assert by_feed["https://maria.example/feed.xml"]["course"] == course.title
    assert by_feed["https://maria-garden.example/rss"]["status"] == FeedStatus.PAUSED
    assert b"devon.example" not in everything


def test_D5_the_download_lists_whom_you_block_and_mute(
    course: Course, maria: User, devon: User, george: User, outsider: User, settings, django_capture_on_commit_callbacks
) -> None:
    Block.objects.create(blocker=maria, blocked=outsider)
    Mute.objects.create(muter=maria, muted=devon)
    Block.objects.create(blocker=devon, blocked=maria)  # devon's block, not maria's
    Mute.objects.create(muter=george, muted=maria)  # george's mute, not maria's

    with _archive(maria, settings, django_capture_on_commit_callbacks) as archive:
        readme = archive.read("README.md").decode()
        blocks = json.loads(archive.read("blocks.json"))
        mutes = json.loads(archive.read("mutes.json"))

    assert "blocks.json" in readme
    assert "mutes.json" in readme
    assert [b["handle"] for b in blocks] == [outsider.username]
    assert blocks[0]["since"]
    assert [m["handle"] for m in mutes] == [devon.username]
    assert "until" in mutes[0]
