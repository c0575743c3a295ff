"""Keyword filter matching: normalising, whole words, phrases, the first matching rule."""

import string

from hypothesis import given
from hypothesis import strategies as st

from core.text import html_to_text
from core.wordfilter import Rule, WordFilter, build, normalize


def _first(rules: list[Rule], *texts: str) -> str | None:
    found = WordFilter(rules).match(*texts)
    return found.phrase if found else None


def test_normalize_folds_case_and_strips_accents() -> None:
    assert normalize("Élève ÇA Straße ﬁn") == "eleve ca straße fin"  # lower case, as SQLite FTS5 folds it


def test_whole_word_does_not_match_inside_a_word() -> None:
    rules = [Rule("test")]
    assert _first(rules, "A test today") == "test"
    assert _first(rules, "Testing today") is None
    assert _first([Rule("test", whole_word=False)], "Testing today") == "test"


def test_phrase_words_match_across_any_whitespace() -> None:
    assert _first([Rule("state  testing")], "about State\n\ttesting season") == "state  testing"
    assert _first([Rule("state testing")], "statetesting") is None


def test_phrase_with_punctuation_edges_matches_as_a_whole_word() -> None:
    assert _first([Rule("c++")], "I teach C++ to grade 9") == "c++"
    assert _first([Rule("c++")], "I teach c++x") is None


def test_first_rule_in_order_wins_not_the_first_in_the_text() -> None:
    rules = [Rule("later", hide=True), Rule("early")]
    assert _first(rules, "early words, later words") == "later"


def test_regex_characters_in_a_phrase_are_literal() -> None:
    assert _first([Rule("a.b")], "axb") is None
    assert _first([Rule("a.b")], "see a.b here") == "a.b"


def test_empty_rules_build_nothing() -> None:
    assert build([]) is None
    assert build([Rule("   ")]) is None
    assert build([Rule("x")]) is not None


def test_html_to_text_drops_tags_and_decodes_entities() -> None:
    assert html_to_text("<p>Fish &amp; <strong>chips</strong></p>").split() == ["Fish", "&", "chips"]


phrases = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=20).filter(
    lambda p: bool(normalize(p).split())
)


@given(phrase=phrases, before=st.text(max_size=20), after=st.text(max_size=20), whole=st.booleans())
def test_a_phrase_always_matches_text_containing_it_between_spaces(
    phrase: str, before: str, after: str, whole: bool
) -> None:
    assert WordFilter([Rule(phrase, whole_word=whole)]).match(f"{before} {phrase} {after}") is not None


words = st.text(alphabet=string.ascii_letters + "éèàçüöÉÀ", min_size=1, max_size=12)


@given(word=words)
def test_case_and_accents_do_not_matter(word: str) -> None:
    text = f"x {word.upper()} y"
    stripped = normalize(word)
    assert WordFilter([Rule(stripped)]).match(text) is not None
    assert WordFilter([Rule(word.swapcase())]).match(f"x {stripped} y") is not None


@given(word=st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=10))
def test_whole_word_never_matches_a_longer_word(word: str) -> None:
    assert WordFilter([Rule(word)]).match(f"{word}x x{word}") is None
