"""U5: hostile upload names (`../../x`, NUL, 1,000 characters, a right-to-left override, `.php`).

Whatever a file was called, it is stored under a name we generate (a uuid and our extension, in the media
folder), the name it came with is kept nowhere (not on disk, not in the database, not on the page, not in
the API), and the one place a file name is sent back — the media response's Content-Disposition — is RFC
6266 encoded (`filename="…"` in plain ASCII and `filename*=UTF-8''…`), naming only the generated file.
"""

import io
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.models import User
from api import services as api_services
from core.views import FILENAME_MAX, content_disposition
from courses.models import Course
from posts.models import Artifact

pytestmark = pytest.mark.django_db

RTL = "\u202e"
HOSTILE_NAMES = {
    "traversal": "../../x",
    "traversal_windows": "..\\..\\evil.png",
    "nul": "photo.png\x00.php",
    "thousand": "a" * 996 + ".png",
    "rtl_override": f"holiday{RTL}gnp.php",
    "php": "shell.php",
    "traversal_php": "../../../var/www/shell.php",
    "quotes_and_newline": 'x"; filename="evil.html\r\nSet-Cookie: a=b.png',
}
GENERATED = re.compile(r"artifacts/[0-9a-f]{32}\.png")
# Distinctive parts of the names: none may be found anywhere after the upload.
MARKERS = ["shell", "holiday", "evil", "photo", "a" * 50, "www", "Set-Cookie"]


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), "orange").save(buffer, format="PNG")
    return buffer.getvalue()


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def database_text() -> str:
    """Every text value in the artifact and upload tables, for looking for leftovers of a name."""
    with connection.cursor() as cursor:
        rows = []
        for table in ("posts_artifact", "api_mediaupload"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            rows += cursor.fetchall()
    return json.dumps(rows, default=str)


def upload_through_the_form(client: Client, course: Course, name: str) -> Artifact:
    upload = SimpleUploadedFile(name, png(), content_type="image/png")
    response = client.post(
        reverse("posts:publish", kwargs={"slug": course.slug}),
        {
            "kind": "image",
            "title": "Our class garden",
            "image": upload,
            "image_alt": "Tomatoes",
            "visibility": "public",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return Artifact.objects.get(title="Our class garden")


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_U5_a_hostile_file_name_is_stored_under_a_generated_name_and_kept_nowhere(
    client: Client, course: Course, maria: User, tmp_path: Path, name: str
) -> None:
    client.force_login(maria)

    artifact = upload_through_the_form(client, course, name)

    name_stored = artifact.image.name
    assert name_stored is not None
    assert GENERATED.fullmatch(name_stored)
    (stored,) = stored_files()
    assert stored == Path(settings.MEDIA_ROOT) / name_stored
    assert not (tmp_path / "x").exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p.parent.name != "artifacts"]
    page = client.get(reverse("posts:artifact", args=[artifact.pk])).content.decode()
    api = client.get(f"/api/v1/artifacts/{artifact.pk}").content.decode()
    for marker in MARKERS:
        assert marker not in name or marker not in database_text() + page + api + name_stored


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_U5_a_hostile_file_name_through_the_mastodon_media_api_is_stored_under_a_generated_name(
    client: Client, maria: User, name: str
) -> None:
    _, secret = api_services.create_token(user=maria, name="app", scopes=["read", "write"])
    upload = SimpleUploadedFile(name, png(), content_type="image/png")

    response = client.post("/api/v2/media", {"file": upload}, headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code in (200, 202), response.content[:300]
    (stored,) = stored_files()
    assert re.fullmatch(r"[0-9a-f]{32}\.png", stored.name)
    for marker in MARKERS:
        assert marker not in name or marker not in database_text() + response.content.decode() + str(stored)


def test_U5_media_is_served_with_an_rfc_6266_content_disposition_of_the_generated_name(
    client: Client, course: Course, maria: User
) -> None:
    client.force_login(maria)
    artifact = upload_through_the_form(client, course, HOSTILE_NAMES["rtl_override"])
    generated = Path(str(artifact.image.name)).name

    response = client.get(artifact.image.url)
    response.close()

    assert response.status_code == 200
    assert response["Content-Disposition"] == f"inline; filename=\"{generated}\"; filename*=UTF-8''{generated}"
    assert "holiday" not in str(response.headers)


def parse_disposition(header: str) -> tuple[str, str, str]:
    pattern = r"(inline|attachment); filename=\"([^\"\\\\]*)\"; filename\*=UTF-8''([A-Za-z0-9%._~-]*)"
    match = re.fullmatch(pattern, header)
    assert match, header
    return match.group(1), match.group(2), unquote(match.group(3), errors="strict")


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_U5_content_disposition_encodes_any_name_safely(name: str) -> None:
    header = content_disposition(name, attachment=True)
    kind, fallback, exact = parse_disposition(header)

    assert kind == "attachment"
    assert header.isascii(), "no raw Unicode in a header"
    assert header.isprintable(), "one line: no NUL, CR or LF"
    for label in (fallback, exact):
        assert not set(label) & {"/", "\\", "\x00", "\r", "\n", RTL}
        assert ".." not in label.replace("...", "")
        assert not label.startswith(".")
        assert 0 < len(label) <= FILENAME_MAX
    assert re.fullmatch(r"[A-Za-z0-9._ -]+", fallback)


def test_U5_content_disposition_keeps_a_real_name_readable() -> None:
    _, fallback, exact = parse_disposition(content_disposition("Schülerarbeit März.png"))
    assert exact == "Schülerarbeit März.png"
    assert fallback == "Sch_lerarbeit M_rz.png"
    _, _, long_one = parse_disposition(content_disposition("a" * 996 + ".png"))
    assert long_one.endswith(".png")
    assert len(long_one) == FILENAME_MAX
    _, fallback, exact = parse_disposition(content_disposition("../../x"))
    assert fallback == exact == "x"
