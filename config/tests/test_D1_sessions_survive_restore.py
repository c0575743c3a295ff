"""D1, sessions across a restore: a session cookie issued before the backup still signs its person in on the
restored installation when it keeps the same SECRET_KEY (and not with another key); the archive itself carries
no SECRET_KEY (no var/secret_key file, the key's text nowhere in it) and password hashes only inside the
database dump."""

import io
import json
import os
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.utils import get_random_secret_key
from django.test import Client
from django.urls import reverse

from accounts.models import User
from config.tests.conftest import commonplace as _commonplace

# Run on the restored installation: the page a signed-in person sees, with the cookie from before the backup.
PROBE = """
import json
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="localhost")
client.cookies[settings.SESSION_COOKIE_NAME] = {key!r}
response = client.get({path!r}, secure=True)
print(json.dumps({{"status": response.status_code, "signed_in": response.wsgi_request.user.username}}))
"""


def _restore_env(fresh_database: str, media: Path, secret_key: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": fresh_database,
        "MEDIA_ROOT": str(media),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": secret_key,
    }
    env.pop("TEST_DATABASE_NAME", None)
    return env


def _probe(env: dict[str, str], session_key: str) -> dict[str, object]:
    ran = _commonplace(env, "shell", "-c", PROBE.format(key=session_key, path=reverse("accounts:settings")))
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.django_db(transaction=True)
def test_D1_a_session_from_before_the_backup_still_works_after_restore(
    maria: User, tmp_path: Path, fresh_database: str, settings
) -> None:
    browser = Client()
    browser.force_login(maria)
    assert browser.get(reverse("accounts:settings")).status_code == 200
    session_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), "--unencrypted", stdout=io.StringIO(), stderr=io.StringIO())

    env = _restore_env(fresh_database, tmp_path / "restored-media", settings.SECRET_KEY)
    restored = _commonplace(env, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr

    assert _probe(env, session_key) == {"status": 200, "signed_in": "maria"}  # still signed in
    # The key is what keeps the session: with another SECRET_KEY the same cookie is anonymous.
    other = _probe({**env, "SECRET_KEY": get_random_secret_key()}, session_key)
    assert other == {"status": 302, "signed_in": ""}


@pytest.mark.django_db(transaction=True)
def test_D1_the_archive_holds_no_secret_key_and_hashes_only_in_the_dump(maria: User, tmp_path: Path, settings) -> None:
    maria.refresh_from_db()
    assert maria.password
    (Path(settings.MEDIA_ROOT) / "avatars").mkdir(parents=True)
    (Path(settings.MEDIA_ROOT) / "avatars" / "a.png").write_bytes(b"not a secret")
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), "--unencrypted", stdout=io.StringIO(), stderr=io.StringIO())

    secret_key = settings.SECRET_KEY.encode()
    password_hash = maria.password.encode()
    seen_dump = False
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
        names = [m.name for m in members]
        assert not [n for n in names if Path(n).name == "secret_key" or n.startswith(("var/", "./var/"))], names
        for member in members:
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
            assert secret_key not in data, f"SECRET_KEY found in {member.name}"
            if member.name.startswith("database."):
                seen_dump = True
                continue
            assert password_hash not in data, f"a password hash found outside the database dump: {member.name}"
    assert seen_dump, names
    assert "manifest.json" in names
