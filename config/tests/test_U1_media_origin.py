"""U1 with a separate user-content origin (MEDIA_URL=https://usercontent…/media/, README "Images on a
separate origin"): the pages point their images at that origin, the images are served there with their real
type and nosniff, and that host serves nothing but images, so none of the site's pages, forms or scripts
ever runs on the origin that holds people's uploads."""

from urllib.parse import urlsplit

import pytest
from django.test import Client

from accounts.models import User
from config.tests.test_A9_media import fetch, image_post
from courses.models import Course

pytestmark = pytest.mark.django_db

MEDIA_HOST = "usercontent.example.test"


@pytest.fixture
def media_origin(settings) -> None:
    settings.MEDIA_URL = f"https://{MEDIA_HOST}/media/"
    settings.ALLOWED_HOSTS = ["testserver", MEDIA_HOST]


def test_U1_images_are_linked_and_served_on_the_user_content_origin(
    media_origin: None, course: Course, maria: User
) -> None:
    post = image_post(maria, course)
    url = post.image.url
    assert url.startswith(f"https://{MEDIA_HOST}/media/artifacts/")
    page = Client().get(post.get_absolute_url())
    assert page.status_code == 200
    assert url in page.content.decode(), "the page's <img> points at the other origin"

    served = fetch(Client(HTTP_HOST=MEDIA_HOST), urlsplit(url).path)
    assert served.status_code == 200
    assert served.content.startswith(b"\x89PNG")
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/courses/", "/search/?q=garden", "/api/v1/me", "/admin/"])
def test_U1_the_user_content_origin_serves_no_page_of_the_site(media_origin: None, path: str) -> None:
    response = Client(HTTP_HOST=MEDIA_HOST).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert b"<form" not in response.content
    assert b"<script" not in response.content


def test_U1_the_site_itself_still_serves_its_pages(media_origin: None) -> None:
    assert Client().get("/accounts/login/").status_code == 200


def test_U1_with_media_on_the_site_itself_nothing_is_refused(course: Course, maria: User) -> None:
    """The default, MEDIA_URL=/media/: one origin serves both."""
    post = image_post(maria, course)
    assert fetch(Client(), post.image.url).status_code == 200
    assert Client().get("/accounts/login/").status_code == 200


@pytest.mark.parametrize("host", [f"{MEDIA_HOST}.", f"{MEDIA_HOST}:443", MEDIA_HOST.upper()])
def test_U1_the_media_host_written_another_way_serves_no_page_either(media_origin: None, host: str) -> None:
    """A trailing dot, a port or capitals: Django accepts each as the same host, and so does the rule."""
    response = Client(HTTP_HOST=host).get("/accounts/login/")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_U1_a_missing_image_on_the_media_host_is_a_bare_404(media_origin: None) -> None:
    response = Client(HTTP_HOST=MEDIA_HOST).get(f"/media/artifacts/{'0' * 32}.png")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert b"<html" not in response.content.lower()


def test_U1_a_media_url_on_the_site_s_own_host_refuses_nothing(settings, course: Course, maria: User) -> None:
    settings.SITE_URL = "https://commonplace.example.test"
    settings.MEDIA_URL = "https://commonplace.example.test/media/"
    settings.ALLOWED_HOSTS = ["commonplace.example.test"]
    assert Client(HTTP_HOST="commonplace.example.test").get("/accounts/login/", secure=True).status_code == 200
