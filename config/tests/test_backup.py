"""D1, the backup drill: seed, back up (encrypted, as in production), restore into a fresh database and media
folder with the identity (another process, as on a new machine), compare row counts and media checksums, and
log in. On SQLite and on PostgreSQL. The checks of the archive's contents use plain (--unencrypted) archives."""

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pyrage
import pytest
from django.core.management import CommandError, call_command

from accounts.tests.factories import PASSWORD
from config.tests.conftest import AgeKey
from config.tests.conftest import commonplace as _commonplace
from core.backup import sha256_of
from courses.models import Course
from posts import services as posts
from posts.models import Kind
from posts.tests.factories import CommentFactory


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.real_hashers
@pytest.mark.django_db(transaction=True)
def test_D1_backup_restore_drill(
    course: Course, maria, devon, tmp_path: Path, fresh_database: str, backup_key: AgeKey
) -> None:
    # Seed: people, a post with an image (a media file), a comment.
    maria.set_password(PASSWORD)
    maria.save()
    artifact = posts.publish(
        author=maria, course=course, kind=Kind.IMAGE, title="Our maker space", image=_png(), image_alt="Tables"
    )
    CommentFactory.create(artifact=artifact, author=devon, body="Love the tables.")
    archive = tmp_path / "backup.tar.gz.age"

    out = io.StringIO()
    call_command("backup", str(archive), stdout=out, stderr=io.StringIO())
    assert "media files to" in out.getvalue()
    plain = tmp_path / "opened.tar.gz"
    pyrage.decrypt_file(str(archive), str(plain), [backup_key.identity])
    with tarfile.open(plain) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert manifest["rows"]["accounts_user"] >= 3
    assert manifest["rows"]["posts_artifact"] == 1
    assert list(manifest["media"]) == [artifact.image.name]

    # Restore on a "new machine": another process, an empty database, an empty media folder.
    media = tmp_path / "restored-media"
    env = {
        **os.environ,
        "DATABASE_URL": fresh_database,
        "MEDIA_ROOT": str(media),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("TEST_DATABASE_NAME", None)
    restored = _commonplace(env, "restore", str(archive), "--identity", str(backup_key.identity_file))
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout

    check = _commonplace(
        env,
        "shell",
        "-c",
        "import json; from django.contrib.auth import authenticate; from core.backup import row_counts; "
        f"print(json.dumps({{'login': authenticate(username='maria', password={PASSWORD!r}) is not None, "
        "'rows': row_counts()}))",
    )
    assert check.returncode == 0, check.stderr
    result = json.loads(check.stdout.strip().splitlines()[-1])
    assert result["login"] is True
    assert result["rows"] == manifest["rows"]
    assert {str(p.relative_to(media)): sha256_of(p) for p in media.rglob("*") if p.is_file()} == manifest["media"]

    # Restoring again refuses: the installation is no longer empty, and nothing changes.
    again = _commonplace(env, "restore", str(archive), "--identity", str(backup_key.identity_file))
    assert again.returncode != 0
    assert "Restore needs an empty installation" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_a_tampered_archive_is_refused_before_anything_is_written(
    course: Course, tmp_path: Path, fresh_database: str
) -> None:
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), "--unencrypted", stdout=io.StringIO(), stderr=io.StringIO())
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("database."):
                data = data[:-10] + b"0123456789"
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    env = {**os.environ, "DATABASE_URL": fresh_database, "MEDIA_ROOT": str(tmp_path / "m")}
    env.pop("TEST_DATABASE_NAME", None)
    refused = _commonplace(env, "restore", str(tampered))
    assert refused.returncode != 0
    assert "does not match its checksum. Nothing was changed." in refused.stderr
    assert not (tmp_path / "m").exists()


@pytest.mark.django_db
def test_a_backup_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    existing = tmp_path / "keep.tar.gz"
    existing.write_bytes(b"an older backup")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(existing))
    assert existing.read_bytes() == b"an older backup"


@pytest.mark.django_db(transaction=True)
def test_a_manifest_naming_files_outside_the_media_folder_is_refused(
    course: Course, tmp_path: Path, fresh_database: str
) -> None:
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), "--unencrypted", stdout=io.StringIO(), stderr=io.StringIO())
    crafted = tmp_path / "crafted.tar.gz"
    payload = b"import os  # planted\n"
    with tarfile.open(archive) as source, tarfile.open(crafted, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["media"]["../escaped.py"] = hashlib.sha256(payload).hexdigest()
                data = json.dumps(manifest).encode()
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
        planted = tarfile.TarInfo("escaped.py")
        planted.size = len(payload)
        target.addfile(planted, io.BytesIO(payload))
    media = tmp_path / "deep" / "media"
    env = {**os.environ, "DATABASE_URL": fresh_database, "MEDIA_ROOT": str(media)}
    env.pop("TEST_DATABASE_NAME", None)
    refused = _commonplace(env, "restore", str(crafted))
    assert refused.returncode != 0
    assert "outside its media folder" in refused.stderr
    assert not (tmp_path / "deep" / "escaped.py").exists()


@pytest.mark.django_db(transaction=True)
def test_the_archive_is_readable_by_its_owner_only(course: Course, tmp_path: Path) -> None:
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), "--unencrypted", stdout=io.StringIO(), stderr=io.StringIO())
    assert archive.stat().st_mode & 0o077 == 0
    assert not list(tmp_path.glob("*.partial"))
