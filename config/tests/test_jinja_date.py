"""The Jinja2 pieces' `date` filter (config/jinja.py) writes the card and comment format out by hand: it must give
exactly what Django's own formatting gives a template (in the current time zone), in any time zone and language."""

import datetime as dt

import pytest
from django.utils import dateformat, timezone, translation
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in django-stubs
from hypothesis import given, settings
from hypothesis import strategies as st

from config.jinja import _CARD_DATE, date


def _django(moment: dt.datetime, format_string: str) -> str:
    """What a Django template's `date` filter prints: the value in the current time zone, formatted."""
    return dateformat.format(template_localtime(moment), format_string)


MOMENTS = st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=st.just(dt.UTC))


@settings(max_examples=300, deadline=None)
@given(moment=MOMENTS, zone=st.sampled_from(["UTC", "Pacific/Auckland", "America/St_Johns", "Asia/Kolkata"]))
def test_the_card_format_is_django_s(moment: dt.datetime, zone: str) -> None:
    with timezone.override(zone):
        assert date(moment, _CARD_DATE) == _django(moment, _CARD_DATE)
        assert date(moment, "c") == _django(moment, "c")


@pytest.mark.parametrize("language", ["en", "fr", "de", "es"])
def test_month_names_follow_the_language(language: str) -> None:
    moment = dt.datetime(2026, 5, 3, 7, 4, tzinfo=dt.UTC)
    with translation.override(language), timezone.override("UTC"):
        assert date(moment, _CARD_DATE) == _django(moment, _CARD_DATE)
    with translation.override("fr"), timezone.override("UTC"):
        assert date(moment, _CARD_DATE) == "3 Mai 2026, 07:04"


def test_other_formats_and_empty_values() -> None:
    moment = dt.datetime(2026, 11, 28, 14, 5, tzinfo=dt.UTC)
    with timezone.override("UTC"):
        assert date(moment, "D j F") == _django(moment, "D j F") == "Sat 28 November"
    assert date(None, _CARD_DATE) == ""
