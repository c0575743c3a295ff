"""Back up and restore a whole installation: the database (SQLite's online backup, or pg_dump) and the media
files, in one archive with a manifest of row counts and SHA-256 checksums.

The archive is a gzipped tar: `manifest.json`, `database.sqlite3` or `database.pgdump`, and `media/…`,
encrypted with age to the public keys in `settings.BACKUP_RECIPIENTS` (it holds e-mail addresses, private
posts and password hashes); the private identity needed to restore it stays off the server. It is written
readable by its owner only, and any plaintext on the way lives in a 0700 temporary folder.
Restoring decrypts into that folder first (age authenticates every chunk, so a wrong key, a truncated or a
changed file is refused before anything is written), checks every checksum, refuses an installation that
already holds people or media, and checks the row counts after. App-agnostic: it reads tables and files,
never models.
"""

import datetime as dt
import errno
import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyrage
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
CHUNK = 1 << 20
# Tables a fresh `migrate` fills by itself; an installation with rows only there counts as empty.
SCAFFOLDING = {"django_migrations", "django_content_type", "auth_permission", "django_site"}
PEOPLE_TABLE = "accounts_user"
AGE_MAGIC = b"age-encryption.org/v1\n"
AGE_ARMORED = b"-----BEGIN AGE ENCRYPTED FILE-----"
AGE_CHUNK = 64 * 1024  # age's payload chunk: each carries a 16-byte tag
NO_RECIPIENTS = (
    "Backups hold everyone's e-mail addresses, private posts and password hashes, so they are encrypted, and "
    "no key is configured. On your own computer (not this server) run `commonplace backup_key` (or `age-keygen`), "
    "keep the identity it prints off this server, and set COMMONPLACE_BACKUP_RECIPIENTS to its public key "
    "(age1…) here. For a throwaway development backup, pass --unencrypted."
)


class BackupError(Exception):
    """The backup or restore could not be done; the message says why in plain words."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _engine() -> str:
    return "sqlite" if connection.vendor == "sqlite" else "postgresql"


def row_counts() -> dict[str, int]:
    """Rows in every table of the database, by table name."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (names from the catalogue)
            counts[table] = cursor.fetchone()[0]
    return counts


def _latest_migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).migration_qs.order_by("app", "name").values_list("app", "name"):
        latest[app] = name
    return latest


def _pg_env(db: Mapping[str, object]) -> tuple[list[str], dict[str, str]]:
    args = ["--host", str(db.get("HOST") or "127.0.0.1"), "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is needed for PostgreSQL backups: install the PostgreSQL client tools.")
    return found


def _dump_database(target: Path, snapshot: str = "") -> None:
    if _engine() == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)  # a consistent snapshot, while the site keeps running
        copy.close()
        return
    args, env = _pg_env(connection.settings_dict)
    name = str(connection.settings_dict["NAME"])
    done = subprocess.run(  # noqa: S603 (fixed program, our own arguments)
        [
            _program("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            *([f"--snapshot={snapshot}"] if snapshot else []),
            *args,
            "--file",
            str(target),
            name,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")


def _media_files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path


@dataclass
class Summary:
    path: Path
    tables: int
    rows: int
    media: int


def _counts_of_copy(db_file: Path) -> dict[str, int]:
    """Row counts read from the SQLite copy itself, so they describe exactly what the archive holds."""
    with sqlite3.connect(db_file) as copy:
        tables = [r[0] for r in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        names = [t for t in tables if not t.startswith("sqlite_")]
        counts = {t: copy.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in names}  # noqa: S608
    copy.close()
    return dict(sorted(counts.items()))


def _dump_postgres_with_counts(db_file: Path) -> dict[str, int]:
    """pg_dump and the row counts from one snapshot: a REPEATABLE READ transaction exports its snapshot,
    pg_dump reads that same snapshot, and the counts are taken inside the transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = row_counts()
        _dump_database(db_file, snapshot=snapshot)
    return counts


def recipients_from(keys: Sequence[str]) -> list[Any]:
    """age X25519 recipients from public keys (age1…); BackupError names a key that is not one."""
    recipients = []
    for key in keys:
        try:
            recipients.append(pyrage.x25519.Recipient.from_str(key))
        except pyrage.RecipientError:
            raise BackupError(
                f"{key[:12]}… in COMMONPLACE_BACKUP_RECIPIENTS is not an age public key (age1…)."
            ) from None
    return recipients


def identities_from(path: Path) -> list[Any]:
    """The age X25519 identities in an identity file (AGE-SECRET-KEY-1… lines; # comments, blank lines)."""
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"Could not read the identity file {path}: {exc}. Nothing was changed.") from None
    identities = []
    for line in (line.strip() for line in lines):
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(pyrage.x25519.Identity.from_str(line))
        except pyrage.IdentityError:
            raise BackupError(
                f"{path} is not an age identity file (lines of AGE-SECRET-KEY-1…). Nothing was changed."
            ) from None
    if not identities:
        raise BackupError(f"{path} holds no age identity (AGE-SECRET-KEY-1…). Nothing was changed.")
    return identities


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(len(AGE_ARMORED))
    return head.startswith(AGE_MAGIC) or head.startswith(AGE_ARMORED)


def _private_file(path: Path) -> IO[bytes]:
    """`path` opened for writing, readable by its owner only from the first byte on."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a leftover file keeps its old mode through O_TRUNC
    return os.fdopen(fd, "wb")


def _sealed_whole(sealed: Path, plain_size: int) -> bool:
    """Whether the encrypted file holds all of the plaintext: pyrage drops an error from its last flush, so
    a full disk could otherwise leave a short file that only fails on the day it is restored."""
    with sealed.open("rb") as handle:
        head = handle.read(AGE_CHUNK)
    mac_line = head.find(b"\n--- ")
    header_end = head.find(b"\n", mac_line + 1) + 1 if mac_line >= 0 else 0
    chunks = max(1, -(-plain_size // AGE_CHUNK))
    return header_end > 0 and sealed.stat().st_size - header_end >= 16 + plain_size + 16 * chunks


def _write_archive(raw: IO[bytes], db_file: Path, counts: dict[str, int], media_root: Path) -> dict[str, str]:
    """The tar.gz of the database copy, the media files and the manifest; returns the media checksums."""
    media: dict[str, str] = {}
    with tarfile.open(fileobj=raw, mode="w:gz") as archive:
        archive.add(db_file, arcname=db_file.name)
        for file in _media_files(media_root):
            data = file.read_bytes()  # hashed as read, so the archive and its manifest agree
            relative = str(file.relative_to(media_root))
            media[relative] = hashlib.sha256(data).hexdigest()
            info = tarfile.TarInfo(f"media/{relative}")
            info.size, info.mtime, info.mode = len(data), int(file.stat().st_mtime), 0o600
            archive.addfile(info, io.BytesIO(data))
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "engine": _engine(),
            "database": {"file": db_file.name, "sha256": sha256_of(db_file)},
            "migrations": _latest_migrations(),
            "rows": counts,
            "media": media,
        }
        encoded = json.dumps(manifest, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(encoded)
        archive.addfile(info, io.BytesIO(encoded))
    return media


def backup(path: Path, progress: Callable[[str], None] = lambda _: None, *, unencrypted: bool = False) -> Summary:
    """Write the archive to `path` (written beside it first, then moved into place: never half an archive),
    encrypted to `settings.BACKUP_RECIPIENTS`. BackupError when none is configured, unless `unencrypted`.
    The archive holds e-mail addresses, private posts, password hashes and session keys: it is readable by
    its owner only, and the plaintext on the way stays in a 0700 temporary folder removed even on failure."""
    recipients = [] if unencrypted else recipients_from(settings.BACKUP_RECIPIENTS)
    if not unencrypted and not recipients:
        raise BackupError(NO_RECIPIENTS)
    media_root = Path(settings.MEDIA_ROOT)
    partial = path.with_name(path.name + ".partial")
    try:
        # Beside the archive, not in /tmp: the plain archive is as big as the backup (a tmpfs may not hold it),
        # and a killed run then leaves it where the backups are kept, not in a shared folder. mkdtemp: 0700.
        with tempfile.TemporaryDirectory(prefix=".commonplace-backup-", dir=path.parent) as work:
            work_dir = Path(work)
            db_name = DATABASE_FILES[_engine()]
            db_file = work_dir / db_name
            progress("Copying the database…")
            if _engine() == "sqlite":
                _dump_database(db_file)
                counts = _counts_of_copy(db_file)
            else:
                counts = _dump_postgres_with_counts(db_file)
            progress("Writing the media files…")
            plain = work_dir / "archive.tar.gz" if recipients else partial
            with _private_file(plain) as raw:
                media = _write_archive(raw, db_file, counts, media_root)
            if recipients:
                progress("Encrypting…")
                with plain.open("rb") as source, _private_file(partial) as sealed:
                    pyrage.encrypt_io(source, sealed, recipients)  # streams, chunk by chunk
                    sealed.flush()
                    os.fsync(sealed.fileno())
                if not _sealed_whole(partial, plain.stat().st_size):
                    raise BackupError(
                        "The encrypted archive came out short (is the disk full?). No backup was written."
                    )
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Summary(path, len(counts), sum(counts.values()), len(media))


def _installation_is_empty() -> str:
    """'' when nothing would be overwritten; else what is in the way."""
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        if PEOPLE_TABLE in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(PEOPLE_TABLE)}")  # noqa: S608
            if cursor.fetchone()[0]:
                return "the database already has people in it"
    if any(_media_files(Path(settings.MEDIA_ROOT))):
        return f"the media folder ({settings.MEDIA_ROOT}) already has files in it"
    return ""


DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


def _inside(root: Path, relative: str) -> Path:
    """`root / relative`, refused unless it stays inside `root` (a manifest names files; it must not name
    ../settings.py or /etc/passwd)."""
    if not relative or Path(relative).is_absolute() or ".." in Path(relative).parts or "\\" in relative:
        raise BackupError(f"The backup names a file outside its media folder ({relative!r}). Nothing was changed.")
    full = (root / relative).resolve()
    if root.resolve() not in full.parents:
        raise BackupError(f"The backup names a file outside its media folder ({relative!r}). Nothing was changed.")
    return full


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.extractfile("manifest.json")
    except KeyError:
        raise BackupError("This is not a Commonplace backup: it has no manifest.json.") from None
    if member is None:
        raise BackupError("The manifest in this backup is unreadable.")
    manifest: dict[str, Any] = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"This backup has format {manifest.get('format')}; this version reads format {FORMAT}.")
    if manifest.get("engine") != _engine():
        raise BackupError(f"This backup is of a {manifest.get('engine')} database; this installation uses {_engine()}.")
    if manifest.get("database", {}).get("file") != DATABASE_FILES[_engine()]:
        raise BackupError("The manifest names an unexpected database file. Nothing was changed.")
    return manifest


def _restore_database(db_file: Path) -> None:
    if _engine() == "sqlite":
        target = Path(str(connection.settings_dict["NAME"]))
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(db_file) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        return
    with connection.cursor() as cursor:  # an empty installation: start from an empty schema
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    connection.close()
    args, env = _pg_env(connection.settings_dict)
    done = subprocess.run(  # noqa: S603
        [
            _program("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            *args,
            "--dbname",
            str(connection.settings_dict["NAME"]),
            str(db_file),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[:500]}")


def _decrypt(sealed: Path, target: Path, identities: list[Any]) -> None:
    """Decrypt the whole file before any of it is used: age checks each chunk as it goes, so a changed or
    cut-off file fails part-way, with the plaintext so far left in the temporary folder, never restored."""
    try:
        with sealed.open("rb") as source, _private_file(target) as plain:
            pyrage.decrypt_io(source, plain, identities)
    except pyrage.DecryptError as exc:
        if "no matching keys" in str(exc).lower():
            raise BackupError(
                "The identity given does not open this backup: it was encrypted to another key. Nothing was changed."
            ) from None
        raise BackupError(f"This encrypted backup is damaged ({exc}). Nothing was changed.") from None
    except OSError as exc:  # what age raises for a chunk that fails its check, or a file cut short
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise BackupError(
                f"There is not enough room in {target.parent.parent} to decrypt the backup (set TMPDIR to a "
                "folder with more space). The backup itself may be fine. Nothing was changed."
            ) from None
        raise BackupError(
            f"This encrypted backup is truncated or has been changed ({exc}). Nothing was changed."
        ) from None


def restore(path: Path, progress: Callable[[str], None] = lambda _: None, *, identity: Path | None = None) -> Summary:
    """Restore the archive into this (empty) installation; an encrypted one is decrypted with the age
    identity file `identity` first. Every checksum is checked before anything is written, and the row
    counts after; BackupError says why it refused."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    encrypted = is_encrypted(path)
    if encrypted and identity is None:
        raise BackupError(
            "This backup is encrypted: pass --identity FILE, the age identity file (AGE-SECRET-KEY-1…) whose "
            "public key was in COMMONPLACE_BACKUP_RECIPIENTS when it was made. Nothing was changed."
        )
    identities = identities_from(identity) if encrypted and identity is not None else []
    if _engine() == "sqlite":  # a new machine: the folder for the database file may not be there yet
        Path(str(connection.settings_dict["NAME"])).parent.mkdir(parents=True, exist_ok=True)
    in_the_way = _installation_is_empty()
    if in_the_way:
        raise BackupError(f"Restore needs an empty installation, and {in_the_way}. Nothing was changed.")
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="commonplace-restore-") as work:  # mkdtemp: mode 0700
        archive_path = path
        if encrypted:
            progress("Decrypting…")
            archive_path = Path(work) / "archive.tar.gz"
            _decrypt(path, archive_path, identities)
        work_dir = Path(work) / "contents"
        try:
            with tarfile.open(archive_path, "r:gz") as archive:
                manifest = _read_manifest(archive)
                progress("Checking the archive…")
                archive.extractall(work_dir, filter="data")  # refuses absolute paths, "..", links out of it
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, json.JSONDecodeError) as exc:
            raise BackupError(f"This backup is not a readable archive ({exc}). Nothing was changed.") from None
        db_file = work_dir / manifest["database"]["file"]
        if not db_file.is_file() or sha256_of(db_file) != manifest["database"]["sha256"]:
            raise BackupError("The database in this backup does not match its checksum. Nothing was changed.")
        for relative, digest in manifest["media"].items():
            _inside(media_root, relative)
            file = _inside(work_dir / "media", relative)
            if not file.is_file() or sha256_of(file) != digest:
                raise BackupError(f"The media file {relative} does not match its checksum. Nothing was changed.")
        progress("Restoring the database…")
        _restore_database(db_file)
        progress(f"Restoring {len(manifest['media'])} media files…")
        for relative in manifest["media"]:
            destination = _inside(media_root, relative)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(_inside(work_dir / "media", relative), destination)
    counts = row_counts()
    expected: dict[str, int] = manifest["rows"]
    wrong = {t: (n, counts.get(t)) for t, n in expected.items() if counts.get(t) != n}
    if wrong:
        raise BackupError(f"After restoring, these tables have other row counts than the backup: {wrong}")
    return Summary(path, len(counts), sum(counts.values()), len(manifest["media"]))
