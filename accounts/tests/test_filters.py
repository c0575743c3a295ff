"""Keyword filters: the services' refusals, expiry, the selector and the settings pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import FilterAction, FilterContext, KeywordFilter
from accounts.selectors import filters_for
from accounts.services_filters import (
    MAX_FILTERS,
    FilterNotFound,
    FilterRefused,
    add_filter,
    remove_filter,
    update_filter,
)
from accounts.views import expires_words

pytestmark = pytest.mark.django_db

ALL = FilterContext.values


@pytest.mark.parametrize(
    ("phrase", "contexts", "message"),
    [
        ("   ", ALL, "Type a word or phrase"),
        ("x" * 101, ALL, "100 characters or fewer"),
        ("testing", [], "at least one place"),
    ],
)
def test_add_filter_refuses_bad_input(maria, phrase, contexts, message) -> None:
    with pytest.raises(FilterRefused, match=message):
        add_filter(owner=maria, phrase=phrase, contexts=contexts)
    assert not KeywordFilter.objects.exists()


def test_add_filter_refuses_a_duplicate_ignoring_case_and_accents(maria, devon) -> None:
    add_filter(owner=maria, phrase="Élève", contexts=ALL)
    with pytest.raises(FilterRefused, match="already have a filter"):
        add_filter(owner=maria, phrase="  eleve ", contexts=ALL)
    add_filter(owner=devon, phrase="eleve", contexts=ALL)  # someone else's filter is no duplicate
    assert KeywordFilter.objects.count() == 2


def test_add_filter_refuses_more_than_the_cap(maria) -> None:
    KeywordFilter.objects.bulk_create(KeywordFilter(owner=maria, phrase=f"word{n}") for n in range(MAX_FILTERS))
    with pytest.raises(FilterRefused, match=f"up to {MAX_FILTERS}"):
        add_filter(owner=maria, phrase="one more", contexts=ALL)


def test_add_filter_sets_places_action_and_expiry(maria) -> None:
    now = timezone.now()
    found = add_filter(
        owner=maria, phrase=" state   testing ", contexts=["home"], action=FilterAction.HIDE, expires_in="7", now=now
    )
    assert found.phrase == "state testing"
    assert found.contexts == ["home"]
    assert found.action == FilterAction.HIDE
    assert found.expires_at == now + dt.timedelta(days=7)
    assert add_filter(owner=maria, phrase="other", contexts=ALL).expires_at is None


def test_update_filter_keeps_or_restarts_the_expiry(maria) -> None:
    now = timezone.now()
    found = add_filter(owner=maria, phrase="grading", contexts=ALL, expires_in="1", now=now)
    update_filter(owner=maria, filter_id=found.pk, phrase="grades", contexts=["comments"], expires_in=None)
    found.refresh_from_db()
    assert (found.phrase, found.contexts, found.expires_at) == ("grades", ["comments"], now + dt.timedelta(days=1))
    update_filter(owner=maria, filter_id=found.pk, phrase="grades", contexts=ALL, expires_in="never")
    found.refresh_from_db()
    assert found.expires_at is None


def test_update_filter_refuses_a_phrase_another_filter_has(maria) -> None:
    add_filter(owner=maria, phrase="grading", contexts=ALL)
    other = add_filter(owner=maria, phrase="tests", contexts=ALL)
    with pytest.raises(FilterRefused, match="already have"):
        update_filter(owner=maria, filter_id=other.pk, phrase="GRADING", contexts=ALL)
    update_filter(owner=maria, filter_id=other.pk, phrase="Tests", contexts=ALL)  # its own phrase is fine


def test_someone_else_cannot_update_or_remove_my_filter(maria, devon) -> None:
    mine = add_filter(owner=maria, phrase="grading", contexts=ALL)
    with pytest.raises(FilterNotFound):
        update_filter(owner=devon, filter_id=mine.pk, phrase="x", contexts=ALL)
    with pytest.raises(FilterNotFound):
        remove_filter(owner=devon, filter_id=mine.pk)
    remove_filter(owner=maria, filter_id=mine.pk)
    assert not KeywordFilter.objects.exists()


def test_filters_for_only_the_chosen_place_and_only_while_active(maria, devon) -> None:
    found = add_filter(owner=maria, phrase="grading", contexts=["home"], expires_in="1")
    assert filters_for(maria, "home") is not None
    assert filters_for(maria, "courses") is None
    assert filters_for(devon, "home") is None
    assert filters_for(None, "home") is None
    later = timezone.now() + dt.timedelta(days=1, minutes=1)
    assert filters_for(maria, "home", now=later) is None
    KeywordFilter.objects.filter(pk=found.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert filters_for(maria, "home") is None


def test_filters_for_reads_once_a_request_and_again_after_a_filter_changes(
    maria, devon, django_assert_num_queries
) -> None:
    """In a request (`core.scope`), the filters of every place are read once however many lists ask (the course
    page asks twice); a filter added, changed or removed in the same request is seen by the next read; outside a
    request, each call reads."""
    from core.scope import request_scope

    with request_scope():
        with django_assert_num_queries(1):  # courses and home: one read for both
            assert filters_for(maria, "courses") is None
            assert filters_for(maria, "courses") is None
            assert filters_for(maria, "home") is None
            assert filters_for(maria, "home") is None
        found = add_filter(owner=maria, phrase="grading", contexts=["courses"])
        matcher = filters_for(maria, "courses")
        assert matcher is not None
        assert matcher.match("on grading") is not None
        update_filter(owner=maria, filter_id=found.pk, phrase="rubrics", contexts=["courses"])
        matcher = filters_for(maria, "courses")
        assert matcher is not None
        assert matcher.match("on grading") is None
        assert matcher.match("on rubrics") is not None
        with django_assert_num_queries(1):  # another viewer's: their own read
            assert filters_for(devon, "courses") is None
        remove_filter(owner=maria, filter_id=found.pk)
        assert filters_for(maria, "courses") is None
    with django_assert_num_queries(2):
        assert filters_for(maria, "courses") is None
        assert filters_for(maria, "courses") is None


def test_every_place_has_its_own_bit_in_the_relations_rows() -> None:
    """`filters_sql` marks each place a filter applies to with a bit of its own (and whole words with another): a new
    place must get one, or `filters_from` could not answer for it."""
    from accounts.selectors import FILTER_PLACES, WHOLE_WORD

    assert set(FILTER_PLACES) == set(FilterContext)
    bits = [*FILTER_PLACES.values(), WHOLE_WORD]
    assert all(bit > 0 and bit & (bit - 1) == 0 for bit in bits), "powers of two"
    assert len(set(bits)) == len(bits)


def test_hiding_filter_wins_over_a_warning_one(maria) -> None:
    add_filter(owner=maria, phrase="aaa grading", contexts=ALL, action=FilterAction.WARN)
    add_filter(owner=maria, phrase="grading", contexts=ALL, action=FilterAction.HIDE)
    matcher = filters_for(maria, "courses")
    assert matcher is not None
    found = matcher.match("about aaa grading")
    assert found is not None
    assert found.hide


def test_expires_words() -> None:
    now = timezone.now()
    assert expires_words(KeywordFilter(expires_at=None), now) == "never expires"
    assert expires_words(KeywordFilter(expires_at=now + dt.timedelta(days=6, hours=2)), now) == "expires in 6 days"
    assert expires_words(KeywordFilter(expires_at=now + dt.timedelta(hours=3, minutes=5)), now) == "expires in 3 hours"
    assert expires_words(KeywordFilter(expires_at=now - dt.timedelta(seconds=1)), now) == "expired"


# The settings pages


def test_filters_page_needs_login(client) -> None:
    response = client.get(reverse("accounts:filters"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_settings_page_links_to_filters(login, maria) -> None:
    assert reverse("accounts:filters") in login(maria).get(reverse("accounts:settings")).content.decode()


def test_add_a_filter_through_the_page(login, maria, valid_html) -> None:
    client = login(maria)
    page = client.get(reverse("accounts:filters"))
    valid_html(page.content)
    assert "Where it applies" in page.content.decode()
    data = {"phrase": "standardized testing", "whole_word": "on", "contexts": ["home", "courses"]}
    response = client.post(reverse("accounts:filters"), data | {"action": "hide", "expires_in": "7"})
    assert response.status_code == 302
    found = KeywordFilter.objects.get(owner=maria)
    assert (found.phrase, found.contexts, found.action) == ("standardized testing", ["home", "courses"], "hide")
    page = client.get(reverse("accounts:filters"))
    valid_html(page.content)
    text = page.content.decode()
    assert "“standardized testing”" in text
    assert "expires in 6 days" in text or "expires in 7 days" in text


def test_a_refused_filter_keeps_what_was_typed(login, maria, valid_html) -> None:
    client = login(maria)
    data = {"phrase": "my typed phrase", "action": "warn", "expires_in": "30"}  # no place chosen
    response = client.post(reverse("accounts:filters"), data)
    assert response.status_code == 200
    valid_html(response.content)
    text = response.content.decode()
    assert "Choose at least one place" in text
    assert 'value="my typed phrase"' in text
    assert not KeywordFilter.objects.exists()


def test_edit_and_delete_a_filter_through_the_pages(login, maria, valid_html) -> None:
    found = add_filter(owner=maria, phrase="grading", contexts=ALL)
    client = login(maria)
    page = client.get(reverse("accounts:filter_edit", args=[found.pk]))
    valid_html(page.content)
    data = {"phrase": "grades", "contexts": ["comments"], "action": "hide", "expires_in": "keep"}
    assert client.post(reverse("accounts:filter_edit", args=[found.pk]), data).status_code == 302
    found.refresh_from_db()
    assert (found.phrase, found.contexts, found.action) == ("grades", ["comments"], "hide")
    assert client.get(reverse("accounts:filter_delete", args=[found.pk])).status_code == 405
    assert client.post(reverse("accounts:filter_delete", args=[found.pk])).status_code == 302
    assert not KeywordFilter.objects.exists()


def test_another_person_gets_404_for_my_filter(login, maria, devon) -> None:
    found = add_filter(owner=maria, phrase="grading", contexts=ALL)
    client = login(devon)
    assert client.get(reverse("accounts:filter_edit", args=[found.pk])).status_code == 404
    data = {"phrase": "mine now", "contexts": ALL, "action": "warn", "expires_in": "keep"}
    assert client.post(reverse("accounts:filter_edit", args=[found.pk]), data).status_code == 404
    assert client.post(reverse("accounts:filter_delete", args=[found.pk])).status_code == 404
    found.refresh_from_db()
    assert found.phrase == "grading"
