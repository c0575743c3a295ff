"""H1 through the REST API: registering a blog whose address has a bad scheme is refused with a 400 and a
clear message; no Feed row is stored and nothing is fetched."""

import pytest
from django.test import Client

from accounts.models import User
from api import services as api_services
from core import fetch as fetch_module
from courses.models import Course
from syndication import services as feed_services
from syndication.models import Feed

pytestmark = pytest.mark.django_db

BAD_SCHEMES = [
    "file:///etc/passwd",
    "javascript:alert(1)",
    "gopher://127.0.0.1/",
    "ftp://example.org/feed",
    "data:text/xml,<rss/>",
]


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Tripwire: every address handed to the outbound client (core.fetch) is recorded and refused."""
    seen: list[str] = []

    async def tripwire_fetch(self: fetch_module.Fetcher, url: str, **kwargs: object) -> fetch_module.FetchResult:
        seen.append(url)
        raise AssertionError(f"fetched {url}")

    def tripwire_one(url: str, **kwargs: object) -> fetch_module.FetchResult:
        seen.append(url)
        raise AssertionError(f"fetched {url}")

    monkeypatch.setattr(fetch_module.Fetcher, "fetch", tripwire_fetch)
    monkeypatch.setattr(fetch_module, "fetch_one", tripwire_one)
    monkeypatch.setattr(feed_services, "fetch_one", tripwire_one)
    return seen


def _post(user: User, path: str, data: dict[str, str]) -> tuple[int, dict]:  # type: ignore[type-arg]
    _, secret = api_services.create_token(user=user, name="h1", scopes=["read", "write"])
    response = Client().post(path, data, content_type="application/json", headers={"Authorization": f"Bearer {secret}"})
    return response.status_code, response.json()


@pytest.mark.parametrize("url", BAD_SCHEMES)
def test_H1_api_refuses_bad_schemes_and_stores_and_fetches_nothing(
    course: Course, maria: User, url: str, fetched: list[str], settings, django_capture_on_commit_callbacks
) -> None:
    settings.HARVEST_ON_REGISTER = True
    with django_capture_on_commit_callbacks(execute=True):
        status, body = _post(maria, f"/api/v1/courses/{course.slug}/feeds", {"url": url})
    assert 400 <= status < 500
    assert body["error"]["code"] == "invalid"
    message = body["error"]["message"]
    assert "only http and https addresses" in message or "starting with https://" in message
    assert not Feed.objects.exists()
    assert fetched == []


def test_H1_api_a_bad_scheme_in_the_blog_address_is_not_stored(
    course: Course, maria: User, fetched: list[str], settings, django_capture_on_commit_callbacks
) -> None:
    """The feed address is fine but the blog address beside it is javascript: — it is dropped, not stored."""
    settings.HARVEST_ON_REGISTER = False
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = ["127.0.0.1:9"]
    with django_capture_on_commit_callbacks(execute=True):
        status, body = _post(
            maria,
            f"/api/v1/courses/{course.slug}/feeds",
            {"url": "http://127.0.0.1:9/feed", "site_url": "javascript:alert(1)"},
        )
    assert status == 201, body
    assert Feed.objects.get().site_url == ""
    assert fetched == []
