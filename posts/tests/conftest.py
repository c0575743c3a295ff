"""Fixtures for the posts pages: a few artifacts in the shared course."""

import io

import pytest
from PIL import Image

from accounts.models import User
from courses.models import Course, Prompt
from posts.models import Artifact, Visibility
from posts.tests.factories import ArtifactFactory


@pytest.fixture
def prompt(course: Course) -> Prompt:
    return Prompt.objects.get(week__course=course, week__number=1, number=1)


@pytest.fixture
def public_post(course: Course, maria: User) -> Artifact:
    return ArtifactFactory.create(course=course, author=maria, title="Public reflection", visibility=Visibility.PUBLIC)


@pytest.fixture
def course_post(course: Course, maria: User) -> Artifact:
    return ArtifactFactory.create(
        course=course, author=maria, title="Members-only musing", visibility=Visibility.COURSE
    )


@pytest.fixture
def draft_post(course: Course, maria: User) -> Artifact:
    return ArtifactFactory.create(course=course, author=maria, title="Secret draft", visibility=Visibility.DRAFT)


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc"  # Make
    exif[0x0131] = "TrackingSoftware"  # Software
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()
