"""D7, the backup file at rest: encrypted with age to a public key (the server cannot read its own backups),
readable by its owner only, no plaintext left behind, and a restore that needs the identity and refuses a
wrong key or a damaged file before it writes anything. On SQLite and on PostgreSQL."""

import io
import json
import os
import sqlite3
import stat
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pyrage
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import User
from config.tests.conftest import AgeKey, commonplace
from core.backup import AGE_MAGIC
from courses.models import Course
from posts import services as posts
from posts.models import Kind, Visibility

EMAIL = "maria.d7-private@example.org"
PRIVATE_TEXT = "Only for me: the grade 5 reading scores of Jonah and Priya"


@pytest.fixture
def seeded(course: Course, maria: User) -> User:
    """An e-mail address and a private draft: what a stolen backup must not give away."""
    maria.email = EMAIL
    maria.save()
    posts.publish(
        author=maria, course=course, kind=Kind.POST, title="Notes", body=PRIVATE_TEXT, visibility=Visibility.DRAFT
    )
    return maria


@pytest.fixture
def private_umask() -> Iterator[None]:
    """A umask that would leave a plainly created file world-readable: the archive must not rely on it."""
    old = os.umask(0)
    yield
    os.umask(old)


def _env(database_url: str, media: Path, **more: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(media), **more}
    env.pop("TEST_DATABASE_NAME", None)
    return env


def _tables(database_url: str) -> set[str]:
    """The tables in a database, read directly (not through Django): an empty set means nothing was restored."""
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        if not path.exists():
            return set()
        with sqlite3.connect(path) as db:
            names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        db.close()
        return names
    with psycopg.connect(database_url) as server:
        rows = server.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        return {r[0] for r in rows}


def _backup(archive: Path, *args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("backup", str(archive), *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_D7_backup_is_encrypted_and_private(
    seeded: User, tmp_path: Path, backup_key: AgeKey, private_umask: None
) -> None:
    archive = tmp_path / "backup.tar.gz.age"
    assert "(encrypted)" in _backup(archive)

    sealed = archive.read_bytes()
    assert sealed.startswith(AGE_MAGIC)
    assert EMAIL.encode() not in sealed
    assert PRIVATE_TEXT.encode() not in sealed
    assert not tarfile.is_tarfile(archive)  # not a (gzipped) tar that anyone could open
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert not list(tmp_path.glob("*.partial"))

    # ...and the identity opens it: the seeded rows are inside.
    opened = tmp_path / "opened.tar.gz"
    pyrage.decrypt_file(str(archive), str(opened), [backup_key.identity])
    with tarfile.open(opened) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        database = tar.extractfile(manifest["database"]["file"]).read()  # type: ignore[union-attr]
    assert manifest["rows"]["posts_artifact"] == 1
    if connection.vendor == "sqlite":  # pg_dump's custom format compresses its data
        assert EMAIL.encode() in database


@pytest.mark.django_db(transaction=True)
def test_D7_backup_refused_without_recipients_unless_unencrypted(
    course: Course, tmp_path: Path, settings, private_umask: None
) -> None:
    settings.BACKUP_RECIPIENTS = []
    archive = tmp_path / "backup.tar.gz"
    with pytest.raises(CommandError, match="backup_key") as refused:
        _backup(archive)
    assert "COMMONPLACE_BACKUP_RECIPIENTS" in str(refused.value)
    assert "--unencrypted" in str(refused.value)
    assert not list(tmp_path.iterdir())

    settings.BACKUP_RECIPIENTS = ["age1notakey"]
    with pytest.raises(CommandError, match="not an age public key"):
        _backup(archive)
    assert not list(tmp_path.iterdir())

    settings.BACKUP_RECIPIENTS = []
    said = _backup(archive, "--unencrypted")
    assert "NOT encrypted" in said
    assert tarfile.is_tarfile(archive)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600


@pytest.mark.django_db(transaction=True)
def test_D7_plaintext_stays_in_a_private_folder_removed_even_on_failure(
    course: Course, tmp_path: Path, backup_key: AgeKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    seen: list[object] = []
    encrypt = pyrage.encrypt_io

    def failing_encrypt(source: io.BufferedReader, *args: object) -> None:
        seen.append(stat.S_IMODE(Path(source.name).parent.stat().st_mode))
        seen.append(stat.S_IMODE(Path(source.name).stat().st_mode))
        seen.append(Path(source.name).parent.parent)
        raise OSError("No space left on device")

    monkeypatch.setattr(pyrage, "encrypt_io", failing_encrypt)
    backups = tmp_path / "backups"
    backups.mkdir()
    archive = backups / "backup.tar.gz.age"
    with pytest.raises(OSError, match="No space left"):
        _backup(archive)
    # The plaintext archive: a private file in a private folder beside the backups (not in a shared /tmp).
    assert seen == [0o700, 0o600, backups]
    assert list(backups.iterdir()) == []
    assert not list(scratch.iterdir())

    monkeypatch.setattr(pyrage, "encrypt_io", encrypt)
    _backup(archive)
    assert list(backups.iterdir()) == [archive]
    assert not list(scratch.iterdir())


@pytest.mark.django_db(transaction=True)
def test_D7_restore_needs_the_identity(course: Course, tmp_path: Path, fresh_database: str, backup_key: AgeKey) -> None:
    archive = tmp_path / "backup.tar.gz.age"
    _backup(archive)
    media = tmp_path / "restored-media"
    env = _env(fresh_database, media)

    without = commonplace(env, "restore", str(archive))
    assert without.returncode != 0
    assert "This backup is encrypted: pass --identity FILE" in without.stderr

    other = tmp_path / "someone-else.key"
    other.write_text(f"{pyrage.x25519.Identity.generate()}\n")
    wrong = commonplace(env, "restore", str(archive), "--identity", str(other))
    assert wrong.returncode != 0
    assert "does not open this backup" in wrong.stderr
    assert "Traceback" not in wrong.stderr

    not_a_key = tmp_path / "notes.txt"
    not_a_key.write_text("my backup password is hunter2\n")
    garbled = commonplace(env, "restore", str(archive), "--identity", str(not_a_key))
    assert garbled.returncode != 0
    assert "is not an age identity file" in garbled.stderr

    assert _tables(fresh_database) == set()  # nothing restored
    assert not media.exists()


@pytest.mark.django_db(transaction=True)
def test_D7_a_truncated_or_changed_encrypted_backup_is_refused_before_anything_is_written(
    course: Course, tmp_path: Path, fresh_database: str, backup_key: AgeKey
) -> None:
    archive = tmp_path / "backup.tar.gz.age"
    _backup(archive)
    sealed = archive.read_bytes()
    truncated = tmp_path / "truncated.age"
    truncated.write_bytes(sealed[: len(sealed) - 100])
    changed = tmp_path / "changed.age"
    flipped = bytearray(sealed)
    flipped[len(sealed) // 2] ^= 0x01
    changed.write_bytes(bytes(flipped))
    media, scratch = tmp_path / "restored-media", tmp_path / "tmp"
    scratch.mkdir()
    env = _env(fresh_database, media, TMPDIR=str(scratch))

    for damaged in (truncated, changed):
        refused = commonplace(env, "restore", str(damaged), "--identity", str(backup_key.identity_file))
        assert refused.returncode != 0
        assert "truncated or has been changed" in refused.stderr
        assert "Nothing was changed." in refused.stderr
        assert not list(scratch.iterdir())  # the part decrypted so far is gone too
    assert _tables(fresh_database) == set()
    assert not media.exists()


@pytest.mark.django_db(transaction=True)
def test_D7_encrypted_backup_round_trip(seeded: User, tmp_path: Path, fresh_database: str, backup_key: AgeKey) -> None:
    archive = tmp_path / "backup.tar.gz.age"
    _backup(archive)
    opened = tmp_path / "opened.tar.gz"
    pyrage.decrypt_file(str(archive), str(opened), [backup_key.identity])
    with tarfile.open(opened) as tar:
        rows = json.loads(tar.extractfile("manifest.json").read())["rows"]  # type: ignore[union-attr]

    env = _env(fresh_database, tmp_path / "restored-media")
    restored = commonplace(env, "restore", str(archive), "--identity", str(backup_key.identity_file))
    assert restored.returncode == 0, restored.stderr
    assert "Decrypting" in restored.stderr

    check = commonplace(
        env,
        "shell",
        "-c",
        "import json; from core.backup import row_counts; from accounts.models import User; "
        "from posts.models import Artifact; "
        "print(json.dumps({'rows': row_counts(), 'email': User.objects.get(username='maria').email, "
        "'body': Artifact.objects.get().body}))",
    )
    assert check.returncode == 0, check.stderr
    result = json.loads(check.stdout.strip().splitlines()[-1])
    assert result["rows"] == rows
    assert result["email"] == EMAIL
    assert result["body"] == PRIVATE_TEXT


@pytest.mark.django_db(transaction=True)
def test_D7_a_plain_backup_from_before_still_restores(course: Course, tmp_path: Path, fresh_database: str) -> None:
    archive = tmp_path / "old-backup.tar.gz"
    _backup(archive, "--unencrypted")
    restored = commonplace(_env(fresh_database, tmp_path / "restored-media"), "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout
    assert "accounts_user" in _tables(fresh_database)


def test_D7_backup_key_prints_an_identity_that_opens_what_its_public_key_seals(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("backup_key", stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    public = next(line.split(": ", 1)[1] for line in lines if line.startswith("# public key: "))
    secret = next(line for line in lines if line.startswith("AGE-SECRET-KEY-1"))
    assert f"COMMONPLACE_BACKUP_RECIPIENTS={public}" in err.getvalue()
    assert "OFF the server" in err.getvalue()
    assert secret not in err.getvalue()

    sealed = pyrage.encrypt(b"a backup", [pyrage.x25519.Recipient.from_str(public)])
    assert pyrage.decrypt(sealed, [pyrage.x25519.Identity.from_str(secret)]) == b"a backup"


@pytest.mark.django_db(transaction=True)
def test_D7_an_encrypted_archive_that_came_out_short_is_not_kept(
    course: Course, tmp_path: Path, backup_key: AgeKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    encrypt = pyrage.encrypt_io

    def short_encrypt(source: io.BufferedReader, sealed: io.BufferedWriter, recipients: list[object]) -> None:
        whole = io.BytesIO()
        encrypt(source, whole, recipients)
        sealed.write(whole.getvalue()[:-5])  # as when the last flush failed on a full disk

    monkeypatch.setattr(pyrage, "encrypt_io", short_encrypt)
    archive = tmp_path / "backup.tar.gz.age"
    with pytest.raises(CommandError, match="came out short"):
        _backup(archive)
    assert not archive.exists()
    assert not list(tmp_path.glob("*.partial"))
