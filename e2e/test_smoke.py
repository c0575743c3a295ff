import pytest
from playwright.sync_api import Page, expect


@pytest.mark.django_db(transaction=True)
def test_home_page_loads_in_a_real_browser(live_server, page: Page) -> None:
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Commonplace")
