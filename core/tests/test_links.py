"""core.links.link gives exactly the URL reverse() gives, for every value reverse() accepts, and raises as it does
for the values Django's `str` converter refuses."""

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.links import _pieces, link

texts = st.text(min_size=0, max_size=30)
slugs = st.from_regex(r"[-a-zA-Z0-9_]{1,20}", fullmatch=True)
numbers = st.integers(min_value=0, max_value=2**63 - 1)


def same_as_reverse(viewname: str, **kwargs: object) -> None:
    try:
        expected = reverse(viewname, kwargs=kwargs)
    except NoReverseMatch:
        with pytest.raises(NoReverseMatch):
            link(viewname, **kwargs)
        return
    assert link(viewname, **kwargs) == expected


@settings(deadline=None)
@given(texts)
@example("")
@example("a/b")
@example("stu dents é?#%~:@!&'()*+,;=")
@example("%2F..")
@example("7300000000000000000")  # the marker itself
def test_a_text_value_is_quoted_as_reverse_quotes_it(value: str) -> None:
    same_as_reverse("posts:tag", name=value)
    same_as_reverse("network:person", username=value)


@settings(deadline=None)
@given(numbers)
def test_a_number(value: int) -> None:
    same_as_reverse("posts:artifact", pk=value)


@settings(deadline=None)
@given(slugs, numbers, numbers)
def test_several_values_keep_their_places(slug: str, week: int, prompt: int) -> None:
    same_as_reverse("posts:prompt", slug=slug, number=week, prompt=prompt)
    same_as_reverse("posts:book", slug=slug, pk=prompt)


def test_a_site_served_under_a_path_links_under_it() -> None:
    set_script_prefix("/school/")
    try:
        assert link("posts:artifact", pk=5) == "/school/a/5/" == reverse("posts:artifact", kwargs={"pk": 5})
    finally:
        set_script_prefix("/")
    assert link("posts:artifact", pk=5) == "/a/5/"


def test_an_unknown_name_raises_as_reverse_does() -> None:
    _pieces.cache_clear()
    with pytest.raises(NoReverseMatch):
        link("posts:nothing", pk=1)
