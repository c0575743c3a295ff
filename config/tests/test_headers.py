"""X7: every HTML page carries a nonce-based Content-Security-Policy; scripts carry the nonce; the 404 is friendly."""

import re

import html5lib
import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

NONCE = re.compile(r"'nonce-([A-Za-z0-9+/_=-]+)'")


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def script_nonce(response) -> str:
    match = NONCE.search(" ".join(directives(response)["script-src"]))
    assert match, "script-src has a nonce"
    return match.group(1)


def scripts(html: bytes) -> list:
    document = html5lib.parse(html, namespaceHTMLElements=False)
    return list(document.iter("script"))


def assert_strict_policy(response) -> None:
    policy = directives(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in policy.get("default-src", [])
    nonce = script_nonce(response)
    for script in scripts(response.content):
        assert script.get("nonce") == nonce, f"every script carries this response's nonce: {script.attrib}"


def test_X7_home_page_has_a_strict_nonce_policy(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert_strict_policy(response)
    assert scripts(response.content), "base.html loads htmx with a nonce"


def test_X7_nonce_differs_per_request(client: Client) -> None:
    first = client.get("/")
    second = client.get("/")

    assert script_nonce(first) != script_nonce(second)
    assert len(script_nonce(first)) >= 16
    assert f'nonce="{script_nonce(second)}"' in second.content.decode()
    assert f'nonce="{script_nonce(first)}"' not in second.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/courses/",
        "/courses/immooc/",
        "/people/maria/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/admin/login/",
        "/no-such-page/",
        "/courses/no-such-course/",
        "/media/artifacts/not-ours.png",
    ],
)
@pytest.mark.usefixtures("course")
def test_X7_every_html_response_has_the_policy(client: Client, path: str) -> None:
    response = client.get(path)
    response.close()

    assert response["Content-Type"].startswith("text/html")
    assert_strict_policy(response)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/", "/courses/", "/courses/immooc/", "/people/maria/", "/accounts/settings/"])
@pytest.mark.usefixtures("course")
def test_X7_signed_in_pages_have_the_policy_and_are_not_cached(client: Client, maria, path: str) -> None:
    # `course` and `maria` come from the root conftest; core imports no app, even for type hints.
    client.force_login(maria)

    response = client.get(path)

    assert response.status_code == 200
    assert_strict_policy(response)
    assert response["Cache-Control"] == "no-store"


@pytest.mark.usefixtures("course")
def test_no_page_uses_inline_event_handlers_the_policy_would_block(client: Client) -> None:
    for path in ("/", "/courses/", "/courses/immooc/", "/accounts/login/", "/accounts/signup/"):
        document = html5lib.parse(client.get(path).content, namespaceHTMLElements=False)
        for element in document.iter():
            handlers = [name for name in element.attrib if name.lower().startswith("on")]
            assert not handlers, f"{path}: <{element.tag}> has {handlers}"


def test_missing_page_renders_the_friendly_404(client: Client) -> None:
    response = client.get("/this/page/does/not/exist/")

    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert_strict_policy(response)
