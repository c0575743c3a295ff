"""Fixtures for the backup tests (D1, D7): an empty database to restore into, and an age key pair."""

import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pyrage
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """An empty database of this run's kind, as a DATABASE_URL: a new SQLite file, or a new PostgreSQL db."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'commonplace.sqlite3'}"
        return
    params = connection.settings_dict
    name = f"commonplace_restore_{uuid.uuid4().hex[:8]}"
    auth = quote(params["USER"] or "", safe="") + (
        ":" + quote(params["PASSWORD"], safe="") if params["PASSWORD"] else ""
    )
    server = f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def commonplace(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`commonplace ARGS` in another process, as on a new machine."""
    return subprocess.run(
        [sys.executable, "-m", "config.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@dataclass
class AgeKey:
    public: str
    identity: pyrage.x25519.Identity
    identity_file: Path


@pytest.fixture
def backup_key(tmp_path: Path, settings) -> AgeKey:
    """A key pair: the server encrypts backups to its public key; the identity file (kept apart) opens them."""
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    identity_file = keys / "backup.key"
    identity_file.write_text(f"# public key: {public}\n{identity}\n")
    settings.BACKUP_RECIPIENTS = [public]
    return AgeKey(public, identity, identity_file)
