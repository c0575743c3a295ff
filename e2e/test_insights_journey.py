"""Insights on the demo season: a participant's dashboard and the facilitator's, charts with their text."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from network.management import demo_content as content


def log_in(page: Page, base: str, handle: str, next_url: str) -> None:
    page.goto(base + reverse("accounts:login") + "?next=" + next_url)
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Password").fill(content.DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.django_db(transaction=True)
def test_both_dashboards_on_the_demo_course_show_charts_with_text(live_server, page: Page, browser) -> None:
    call_command("demo")
    since = (timezone.now() - dt.timedelta(days=56)).date().isoformat()
    call_command("insights", "fill", "--since", since)

    log_in(page, live_server.url, "maria", reverse("insights:me"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your insights")
    expect(page.locator(".reflection")).not_to_be_empty()
    heatmap = page.get_by_role("img", name="Your last 52 weeks: posts, comments and shares")
    expect(heatmap).to_be_visible()
    expect(page.locator("figure.chart")).to_have_count(7)
    # Every chart has its text alternative next to it, and its data behind a disclosure.
    expect(page.locator("figure.chart figcaption").first).to_contain_text("active")
    page.get_by_text("Data table").first.click()
    expect(page.locator("figure.chart table").first).to_be_visible()
    expect(page.get_by_role("img", name="Your network, week by week")).to_be_visible()

    facilitator = page.context.browser.new_context().new_page()  # type: ignore[union-attr]
    log_in(facilitator, live_server.url, content.FACILITATOR, reverse("insights:course", args=["immooc"]))
    expect(facilitator.get_by_role("heading", level=1)).to_contain_text("Insights:")
    expect(facilitator.get_by_role("img", name="Participation per week")).to_be_visible()
    network = facilitator.locator("svg.chart-network")
    expect(network).to_be_visible()
    expect(network.locator("circle")).to_have_count(len(content.PEOPLE))
    expect(facilitator.get_by_role("table", name="Measures of the network (the whole season)")).to_be_visible()
    facilitator.get_by_label("Show").select_option(label="Week 1")
    facilitator.get_by_role("button", name="Show the map").click()
    expect(facilitator.get_by_role("table", name="Measures of the network (week 1")).to_be_visible()
