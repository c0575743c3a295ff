"""S7 of SECURITY-TESTS.md: every response's cookies and headers under the production settings (an HTTPS
site URL, DEBUG off). Run in a process of its own (s7_probe.py) so the settings are the ones an operator gets
from the environment, not the test settings."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOST = "course.example.org"


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    env = {
        **os.environ,
        "COMMONPLACE_VAR_DIR": str(tmp_path_factory.mktemp("s7")),
        "SECRET_KEY": "s7-" + uuid.uuid4().hex * 2,
        "SITE_URL": f"https://{HOST}",
        "ALLOWED_HOSTS": HOST,
        "DEBUG": "0",
        "LOG_LEVEL": "ERROR",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "SECURE", "COMMONPLACE_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    env["COMMONPLACE_TESTING"] = "1"  # plain static storage (no collectstatic manifest); security is unaffected
    out = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("s7_probe.py"))],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_S7_plain_http_is_redirected_to_https(seen: dict[str, Any]) -> None:
    assert seen["plain_http"]["status"] == 301
    assert seen["plain_http"]["location"].startswith(f"https://{HOST}/")


def test_S7_session_cookie_is_secure_httponly_and_same_site(seen: dict[str, Any]) -> None:
    assert seen["login"]["status"] == 302, "the probe's log-in did not succeed"
    session = seen["login"]["cookies"]["sessionid"]
    assert session == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_S7_csrf_cookie_is_secure_and_same_site(seen: dict[str, Any]) -> None:
    cookies = {**seen["login_page_cookies"], **seen["login"]["cookies"]}
    csrf = cookies["csrftoken"]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"


@pytest.mark.parametrize("page", ["login_page", "home", "anonymous_home"])
def test_S7_every_page_has_hsts_of_a_year_nosniff_and_a_referrer_policy(seen: dict[str, Any], page: str) -> None:
    headers = seen[page]["headers"]
    assert seen[page]["status"] == 200
    hsts = dict(
        part.strip().partition("=")[::2] for part in headers["strict-transport-security"].split(";") if part.strip()
    )
    assert int(hsts["max-age"]) >= 31_536_000
    assert "includeSubDomains" in hsts
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] in {"same-origin", "strict-origin-when-cross-origin", "no-referrer"}


def test_S7_signed_in_pages_are_not_stored(seen: dict[str, Any]) -> None:
    assert "no-store" in seen["home"]["headers"]["cache-control"]
