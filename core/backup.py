"""Back up and restore a whole installation: the database (SQLite's online backup, or pg_dump) and the media
files, in one archive with a manifest of row counts and SHA-256 checksums.

The archive is a gzipped tar: `manifest.json`, `database.sqlite3` or `database.pgdump`, and `media/…`.
Restoring checks every checksum first, refuses an installation that already holds people or media, and
checks the row counts after. App-agnostic: it reads tables and files, never models.
"""

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
CHUNK = 1 << 20
# Tables a fresh `migrate` fills by itself; an installation with rows only there counts as empty.
SCAFFOLDING = {"django_migrations", "django_content_type", "auth_permission", "django_site"}
PEOPLE_TABLE = "accounts_user"


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


def backup(path: Path, progress: Callable[[str], None] = lambda _: None) -> Summary:
    """Write the archive to `path` (written beside it first, then moved into place: never half an archive).
    The archive holds password hashes and session keys: it is readable by its owner only."""
    media_root = Path(settings.MEDIA_ROOT)
    partial = path.with_name(path.name + ".partial")
    try:
        with tempfile.TemporaryDirectory(prefix="commonplace-backup-") as work:
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
            media: dict[str, str] = {}
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
                archive.add(db_file, arcname=db_name)
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
                    "database": {"file": db_name, "sha256": sha256_of(db_file)},
                    "migrations": _latest_migrations(),
                    "rows": counts,
                    "media": media,
                }
                encoded = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size = len(encoded)
                archive.addfile(info, io.BytesIO(encoded))
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


def restore(path: Path, progress: Callable[[str], None] = lambda _: None) -> Summary:
    """Restore the archive into this (empty) installation; every checksum is checked before anything is
    written, and the row counts after."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    if _engine() == "sqlite":  # a new machine: the folder for the database file may not be there yet
        Path(str(connection.settings_dict["NAME"])).parent.mkdir(parents=True, exist_ok=True)
    in_the_way = _installation_is_empty()
    if in_the_way:
        raise BackupError(f"Restore needs an empty installation, and {in_the_way}. Nothing was changed.")
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="commonplace-restore-") as work, tarfile.open(path, "r:gz") as archive:
        work_dir = Path(work)
        manifest = _read_manifest(archive)
        progress("Checking the archive…")
        archive.extractall(work_dir, filter="data")  # refuses absolute paths, "..", links out of the folder
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
