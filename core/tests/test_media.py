"""The media view serves only names we generated, as images that can run nothing (U1, U5), and only when the
owning app's reader allows (A9; the apps' own readers are tested in config/tests/test_A9_media.py)."""

import io
import os
from pathlib import Path

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import include
from django.urls import path as url
from PIL import Image

from core.images import clean_image
from core.views import Audience, media


def everyone(request: HttpRequest, name: str) -> Audience:
    return Audience.EVERYONE


def nobody(request: HttpRequest, name: str) -> None:
    return None


# These tests are about names and headers, so every folder they use lets everyone read; who may read is the
# owning apps' business (config/urls.py wires their readers). The site's own URLs follow, by name only (core
# imports no app), for the pages a 404 links to.
urlpatterns = [
    url(
        "media/<path:path>",
        media,
        {"readers": {"artifacts": everyone, "avatars": everyone, "linked": everyone, "hidden": nobody}},
    ),
    url("", include("config.urls")),
]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

HEX = "0123456789abcdef0123456789abcdef"


def store(media_root: Path, name: str, data: bytes) -> None:
    path = media_root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture
def stored_png(settings) -> str:
    """A re-encoded PNG saved under its generated name, as the services do; returns its media path."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "purple").save(buffer, format="PNG")
    content = clean_image(buffer.getvalue()).content
    name = f"artifacts/{content.name}"
    store(Path(settings.MEDIA_ROOT), name, content.read())
    return name


def get(client: Client, path: str, method: str = "get"):
    response = getattr(client, method)(path)
    response.close()
    return response


def test_generated_image_is_served_as_an_image_that_can_run_nothing(client: Client, stored_png: str) -> None:
    response = client.get(f"/media/{stored_png}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "sandbox" in csp
    assert "default-src 'none'" in csp
    assert "script-src" not in csp
    name = stored_png.rsplit("/", 1)[-1]
    assert response["Content-Disposition"] == f"inline; filename=\"{name}\"; filename*=UTF-8''{name}"
    body = response.getvalue()
    response.close()
    assert body.startswith(b"\x89PNG")


@pytest.mark.parametrize(("extension", "content_type"), [("jpg", "image/jpeg"), ("webp", "image/webp")])
def test_content_type_follows_our_extension(client: Client, settings, extension: str, content_type: str) -> None:
    store(Path(settings.MEDIA_ROOT), f"avatars/{HEX}.{extension}", b"not really an image")

    response = get(client, f"/media/avatars/{HEX}.{extension}")

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"


def test_head_is_allowed_and_post_is_not(client: Client, stored_png: str) -> None:
    assert get(client, f"/media/{stored_png}", "head").status_code == 200
    assert get(client, f"/media/{stored_png}", "post").status_code == 405


@pytest.mark.parametrize(
    "name",
    [
        f"artifacts/{HEX}.php",
        f"artifacts/{HEX}.svg",
        f"artifacts/{HEX}.html",
        f"artifacts/{HEX}.PNG",
        f"artifacts/{HEX.upper()}.png",
        f"artifacts/{HEX}.png.html",
        f"artifacts/{HEX[:-1]}.png",
        f"{HEX}.png",
        f"Artifacts/{HEX}.png",
        "artifacts/photo.png",
        "secret_key",
    ],
)
def test_files_with_names_we_did_not_generate_are_404(client: Client, settings, name: str) -> None:
    store(Path(settings.MEDIA_ROOT), name, b"<html><script>alert(1)</script></html>")

    assert get(client, f"/media/{name}").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"/media/../artifacts/{HEX}.png",
        f"/media/artifacts/../artifacts/{HEX}.png",
        f"/media/artifacts/%2e%2e/artifacts/{HEX}.png",
        f"/media/artifacts%2f..%2fartifacts/{HEX}.png",
        f"/media/%2e%2e%2f%2e%2e%2fvar/{HEX}.png",
        f"/media/artifacts/..%5cartifacts/{HEX}.png",
        f"/media/artifacts/{HEX}.png%00.html",
        f"/media/artifacts/{HEX}%00.png",
        f"/media/artifacts/{HEX}.png%0a",
        f"/media//etc/{HEX}.png",
        f"/media/artifacts/./{HEX}.png",
    ],
)
def test_traversal_nul_and_newline_tricks_are_404(client: Client, settings, path: str) -> None:
    store(Path(settings.MEDIA_ROOT), f"artifacts/{HEX}.png", b"\x89PNG")
    assert get(client, f"/media/artifacts/{HEX}.png").status_code == 200, "the file itself is there"

    assert get(client, path).status_code == 404


def test_file_outside_media_root_with_a_valid_name_is_404(client: Client, settings, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / f"{HEX}.png").write_bytes(b"\x89PNG secret")
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    os.symlink(outside, media / "linked", target_is_directory=True)

    assert (media / "linked" / f"{HEX}.png").exists()
    assert get(client, f"/media/linked/{HEX}.png").status_code == 404


def test_missing_file_and_directory_with_an_image_name_are_404(client: Client, settings) -> None:
    (Path(settings.MEDIA_ROOT) / "artifacts" / f"{HEX}.png").mkdir(parents=True)

    assert get(client, f"/media/artifacts/{HEX}.png").status_code == 404
    assert get(client, f"/media/artifacts/{'f' * 32}.png").status_code == 404


def test_a_file_its_reader_refuses_or_in_a_folder_without_one_is_404(client: Client, settings) -> None:
    for folder in ("hidden", "unread"):
        store(Path(settings.MEDIA_ROOT), f"{folder}/{HEX}.png", b"\x89PNG")

        assert get(client, f"/media/{folder}/{HEX}.png").status_code == 404
