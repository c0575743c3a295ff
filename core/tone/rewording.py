"""Reword a challenging reply as genuine questions built from its own claim ("seek first to understand")."""

import re
from collections.abc import Callable

from core.tone.claim import DISMISSALS, content_words, focus
from core.tone.classifier import segments
from core.tone.lexicon import load_lexicon
from core.tone.rhetorical import from_rhetorical
from core.tone.statements import (
    from_assumption,
    from_copula,
    from_counterexample,
    from_critical_verb,
    from_dismissal,
    from_doubt,
    from_evidence,
    from_negated_verb,
    from_not_contrast,
    from_statement,
    from_topic,
    from_wrong_about,
)

CONTENT_FREE = (
    "Can you help me understand what led you to this view?",
    "What have you seen that I might be missing?",
)

# Each family turns one shape of claim into questions; the first family that gives two supplies them.
_FAMILIES: tuple[Callable[[str], list[str]], ...] = (
    from_doubt,
    from_dismissal,
    from_rhetorical,
    from_counterexample,
    from_critical_verb,
    from_negated_verb,
    from_assumption,
    from_wrong_about,
    from_not_contrast,
    from_copula,
    from_statement,
    from_topic,
)


def _restore_case(question: str, original: str) -> str:
    """Capitalise the question and give back the capitals of names and acronyms from the original reply."""
    lexicon = load_lexicon()
    cased: dict[str, str] = {"i": "I"}
    for sentence in segments(original.replace("’", "'")):
        for position, word in enumerate(re.findall(r"[A-Za-z][\w'\-]*", sentence)):
            lower = word.lower()
            mixed = word[1:] != word[1:].lower()
            if mixed or (position > 0 and word[0].isupper()) or (lower in lexicon.proper_nouns and word[0].isupper()):
                cased[lower] = word
    question = re.sub(r"[a-z][\w'\-]*", lambda m: cased.get(m.group(), m.group()), question)
    question = re.sub(r"\bi('m|'ve|'d|'ll)\b", r"I\1", question)
    return question[0].upper() + question[1:]


def _clean(question: str) -> str:
    question = re.sub(r"\s+", " ", question).replace(" ,", ",").replace(" ?", "?")
    question = re.sub(r"[.!,;:]+\?$", "?", question)
    return question if question.endswith("?") else question.rstrip(".!") + "?"


def question_rewordings(text: str) -> list[str]:
    """Two or three genuine questions asking about what `text` asserts; [] for empty text.

    Meant for replies that read as a challenge: the claim is found (hedges, praise, "you're wrong" and
    negations stripped) and turned into questions that seek first to understand. A reply with no claim
    at all ("I think you're wrong") gets two open questions that ask the author to explain.
    """
    if not text.strip():
        return []
    clause = focus(text)
    candidates: list[str] = []
    if content_words(clause) or DISMISSALS.search(clause):
        for family in _FAMILIES:
            candidates = family(clause)
            if len(candidates) >= 2:
                break
    if len(candidates) < 2:
        candidates = [*candidates, *from_evidence(clause), *CONTENT_FREE]
    seen: set[str] = set()
    questions = []
    for candidate in candidates:
        question = _restore_case(_clean(candidate), text)
        if question.lower() not in seen:
            seen.add(question.lower())
            questions.append(question)
    return questions[:3]
