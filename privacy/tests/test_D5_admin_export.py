"""D5, its last part: an administrator can export for a suspended account (`commonplace export_account`),
which cannot sign in to ask for its own download."""

import json
import stat
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from courses.models import Course
from posts.tests.factories import ArtifactFactory
from privacy.models import Erasure

pytestmark = pytest.mark.django_db


def test_D5_an_admin_exports_for_a_suspended_account(course: Course, maria: User, tmp_path: Path, capsys) -> None:
    ArtifactFactory.create(course=course, author=maria, title="What I made in week 2")
    maria.is_active = False  # suspended: she cannot sign in to ask for it
    maria.save(update_fields=["is_active"])

    call_command("export_account", "@maria", str(tmp_path))

    [written] = list(tmp_path.glob("commonplace-maria-*.zip"))
    assert "suspended" in capsys.readouterr().out
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    with zipfile.ZipFile(written) as archive:
        assert json.loads(archive.read("profile.json"))["email"] == maria.email
        assert [a["title"] for a in json.loads(archive.read("artifacts.json"))] == ["What I made in week 2"]


def test_D5_no_export_for_an_erased_account_or_a_missing_one(maria: User, tmp_path: Path) -> None:
    Erasure.objects.create(user=maria)
    with pytest.raises(CommandError, match="erased"):
        call_command("export_account", "maria", str(tmp_path))
    with pytest.raises(CommandError, match="No account"):
        call_command("export_account", "nobody", str(tmp_path))
    assert list(tmp_path.iterdir()) == []
