"""Browser journeys: Playwright driving Debian's Chromium against pytest-django's live server."""

import os
import shutil
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make from there are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _chromium() -> str:
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    raise RuntimeError("Chromium is needed for the browser journeys: apt-get install chromium (or set CHROMIUM_PATH).")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": _chromium(),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(autouse=True)
def _forms_posted_at_browser_speed(settings: Any) -> None:
    """A journey fills a form in well under the FORM_MIN_SECONDS a person needs (core.formguard): the signed
    stamp and the honeypot are still checked, only the least time is 0 here. Its own tests
    (moderation/tests/test_form_guard.py) check the time."""
    settings.FORM_MIN_SECONDS = 0
