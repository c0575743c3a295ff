"""U4: per-person upload quota and the request-size limit; a refused upload leaves no file behind."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from core.exceptions import Invalid
from courses.models import Course
from posts import services
from posts.models import Artifact, Kind
from posts.tests.conftest import jpeg_with_exif

pytestmark = pytest.mark.django_db


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def publish_image(course: Course, author: User, title: str = "A picture") -> Artifact:
    return services.publish(
        author=author, course=course, kind=Kind.IMAGE, title=title, image=jpeg_with_exif(), image_alt="A red square"
    )


def test_U4_daily_image_quota_refuses_the_next_upload(settings, course: Course, maria: User) -> None:
    settings.IMAGE_UPLOADS_PER_DAY = 2
    publish_image(course, maria, "one")
    publish_image(course, maria, "two")
    with pytest.raises(Invalid, match="uploaded 2 images"):
        publish_image(course, maria, "three")
    assert Artifact.objects.filter(author=maria, kind=Kind.IMAGE).count() == 2
    assert len(media_files()) == 2


def test_U4_quota_is_per_person(settings, course: Course, maria: User, devon: User) -> None:
    settings.IMAGE_UPLOADS_PER_DAY = 1
    publish_image(course, maria)
    assert publish_image(course, devon).pk


def test_image_refused_for_missing_alt_text_writes_no_file(course: Course, maria: User) -> None:
    with pytest.raises(Invalid, match="describe the image"):
        services.publish(author=maria, course=course, kind=Kind.IMAGE, title="x", image=jpeg_with_exif(), image_alt="")
    assert media_files() == []


def test_U4_request_body_over_the_limit_gets_413_before_it_is_read(
    settings, client, course: Course, maria: User
) -> None:
    settings.MAX_REQUEST_BYTES = 10_000
    client.force_login(maria)
    upload = SimpleUploadedFile("big.jpg", b"\xff" * 20_000, content_type="image/jpeg")
    response = client.post(
        reverse("posts:publish", kwargs={"slug": course.slug}),
        {"kind": "image", "title": "Too big", "image": upload, "image_alt": "big"},
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert not Artifact.objects.filter(title="Too big").exists()
