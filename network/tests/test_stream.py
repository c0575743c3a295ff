"""The course stream: keyset pagination, filters, htmx pages, bad input, and a bounded number of queries."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, Prompt
from courses.tests.factories import PromptFactory, WeekFactory
from network.models import Share
from posts.models import Kind
from posts.selectors import PAGE_SIZE
from posts.tests.factories import ArtifactFactory

TITLE = re.compile(r'class="card-title"><a href="/a/(\d+)/">')


def _ids(html: str) -> list[int]:
    return [int(pk) for pk in TITLE.findall(html)]


def _older_link(html: str) -> str | None:
    match = re.search(r'<a href="(\?[^"]*)"[^>]*>Older posts</a>', html)
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.fixture
def prompt(course: Course) -> Prompt:
    return Prompt.objects.get(week__course=course, week__number=1, number=1)


@pytest.fixture
def many(course, maria, devon) -> list[int]:
    """45 artifacts, newest first; timestamps are not in id order and three share each, so the id breaks ties."""
    base = timezone.now() - dt.timedelta(hours=1)
    artifacts = [
        ArtifactFactory.create(
            course=course,
            author=maria if n % 2 else devon,
            published_at=base + dt.timedelta(minutes=(n * 7) % 15),
        )
        for n in range(45)
    ]
    artifacts.sort(key=lambda a: (a.published_at, a.pk), reverse=True)
    return [a.pk for a in artifacts]


def test_stream_walks_every_page_without_duplicates_or_gaps(client, course, many, valid_html) -> None:
    url = reverse("network:stream", args=[course.slug])
    seen: list[int] = []
    pages = 0
    query = ""
    while True:
        response = client.get(url + query)
        assert response.status_code == 200
        valid_html(response.content)
        html = response.content.decode()
        seen.extend(_ids(html))
        pages += 1
        older = _older_link(html)
        if older is None:
            break
        query = older
    assert pages == 3
    assert len(seen) == len(set(seen)) == 45
    assert seen == many


def test_stream_order_is_stable_when_new_work_arrives(client, course, many, maria) -> None:
    url = reverse("network:stream", args=[course.slug])
    first = client.get(url).content.decode()
    ArtifactFactory.create(course=course, author=maria)  # arrives between page loads
    second = client.get(url + _older_link(first)).content.decode()  # type: ignore[operator]
    assert not set(_ids(first)) & set(_ids(second))
    assert len(_ids(second)) == PAGE_SIZE


@pytest.mark.parametrize("cursor", ["garbage", "!!!", "MjAyNC0wMS0wMXxub3Rhbm51bWJlcg", "", "%00"])
def test_bad_cursor_shows_the_first_page(client, course, many, cursor) -> None:
    url = reverse("network:stream", args=[course.slug])
    first = _ids(client.get(url).content.decode())
    response = client.get(url, {"after": cursor})
    assert response.status_code == 200
    assert _ids(response.content.decode()) == first


@pytest.mark.parametrize(
    "params",
    [{"week": "99"}, {"week": "abc"}, {"prompt": "999999"}, {"prompt": "x"}, {"kind": "evil"}, {"tag": "<script>"}],
)
def test_unknown_filter_values_never_fail(client, course, many, params) -> None:
    response = client.get(reverse("network:stream", args=[course.slug]), params)
    assert response.status_code in {200, 404}
    assert b"<script>" not in response.content


def test_stream_filters_by_week_prompt_tag_and_kind(client, course, maria, prompt, valid_html) -> None:
    later = timezone.localdate() + dt.timedelta(days=10)
    week2 = WeekFactory.create(course=course, number=2, starts_on=later, ends_on=later + dt.timedelta(days=6))
    prompt2 = PromptFactory.create(week=week2, number=1)
    ArtifactFactory.create(course=course, author=maria, prompt=prompt, title="Alpha answer")
    ArtifactFactory.create(course=course, author=maria, prompt=prompt2, title="Beta answer")
    c = ArtifactFactory.create(
        course=course, author=maria, kind=Kind.LINK, url="https://example.org/x", title="Gamma link"
    )
    c.tags.create(name="assessment")
    url = reverse("network:stream", args=[course.slug])

    def titles(params: dict[str, str]) -> set[str]:
        response = client.get(url, params)
        assert response.status_code == 200
        valid_html(response.content)
        html = response.content.decode()
        return {t for t in ("Alpha answer", "Beta answer", "Gamma link") if t in html}

    assert titles({}) == {"Alpha answer", "Beta answer", "Gamma link"}
    assert titles({"week": "2"}) == {"Beta answer"}
    assert titles({"prompt": str(prompt.pk)}) == {"Alpha answer"}
    assert titles({"tag": "assessment"}) == {"Gamma link"}
    assert titles({"tag": "#Assessment"}) == {"Gamma link"}
    assert titles({"kind": "link"}) == {"Gamma link"}
    assert titles({"kind": "link", "week": "2"}) == set()


def test_older_link_keeps_the_filters(client, course, maria) -> None:
    for _ in range(PAGE_SIZE + 2):
        ArtifactFactory.create(course=course, author=maria, kind=Kind.LINK, url="https://example.org/")
    html = client.get(reverse("network:stream", args=[course.slug]), {"kind": "link"}).content.decode()
    older = _older_link(html)
    assert older is not None
    assert "kind=link" in older
    assert "after=" in older
    assert len(_ids(client.get(reverse("network:stream", args=[course.slug]) + older).content.decode())) == 2


def test_htmx_request_for_the_next_page_gets_only_the_list_with_share_counts(client, course, many, maria) -> None:
    Share.objects.create(sharer=maria, artifact_id=many[PAGE_SIZE], own_work=True)  # first card of page two
    url = reverse("network:stream", args=[course.slug])
    older = _older_link(client.get(url).content.decode())
    response = client.get(url + older, headers={"HX-Request": "true"})  # type: ignore[operator]
    html = response.content.decode()
    assert "<html" not in html
    assert _ids(html) == many[PAGE_SIZE : 2 * PAGE_SIZE]
    card = re.search(rf'id="artifact-{many[PAGE_SIZE]}">(.*?)</article>', html, re.S)
    assert card
    assert "1 share<" in card.group(1)


@pytest.mark.parametrize("count", [3, 40])
def test_stream_query_count_does_not_grow_with_page_size(
    login, maria, devon, course, prompt, django_assert_max_num_queries, count
) -> None:
    for n in range(count):
        artifact = ArtifactFactory.create(course=course, author=maria, prompt=prompt if n % 2 else None)
        artifact.tags.create(name=f"tag{n}")
        Share.objects.create(sharer=devon, artifact=artifact)
    client = login(devon)
    # session, user, unread notifications (nav: 5, with its keyword filters), course with weeks, prompts
    # (filter form), the artifacts (their tags and share counts in the same query), keyword filters
    with django_assert_max_num_queries(11):  # with the viewer's relations, read once (core.scope)
        assert client.get(reverse("network:stream", args=[course.slug])).status_code == 200


def test_unknown_course_stream_is_404(client, db) -> None:
    assert client.get(reverse("network:stream", args=["nope"])).status_code == 404


def test_filter_form_shows_the_filters_in_use_and_drops_ignored_ones(client, course, prompt, valid_html) -> None:
    response = client.get(reverse("network:stream", args=[course.slug]), {"week": "zz", "kind": "link", "tag": "Maker"})
    valid_html(response.content)
    html = response.content.decode()
    assert '<option value="link" selected>' in html
    assert 'value="maker"' in html
    assert "aria-invalid" not in html
