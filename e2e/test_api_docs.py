"""The API's interactive docs load in a real browser under the site's content security policy, from the site's
own files, and list the operations."""

import pytest
from playwright.sync_api import Page, expect


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_render_their_operations(live_server, page: Page) -> None:
    blocked: list[str] = []
    outside: list[str] = []
    page.on("console", lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("request", lambda req: outside.append(req.url) if not req.url.startswith(live_server.url) else None)
    page.goto(live_server.url + "/api/v1/docs")
    expect(page.get_by_text("Commonplace API").first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/artifacts/{pk}/share").first).to_be_visible()
    assert outside == []
    assert [m for m in blocked if "script" in m] == []
