"""The tone lexicon: core/tone/data/tone_lexicon.toml, loaded once and compiled to regular expressions."""

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LEXICON_PATH = Path(__file__).resolve().parent / "data" / "tone_lexicon.toml"

# Cue families in the order they are scored: earlier families claim their words first.
# Requests are scored first ("I'd love to hear how" asks, it does not praise), then criticism before
# praise so that "kills the love of reading" is not read as "love".
_FAMILIES = (
    ("idioms.support", "support"),
    ("inquiry", "question"),
    ("challenge.strong", "challenge"),
    ("challenge.medium", "challenge"),
    ("challenge.weak", "challenge"),
    ("support.strong", "support"),
    ("support.medium", "support"),
)


@dataclass(frozen=True, slots=True)
class CueFamily:
    """One table of the lexicon: cues that count `weight` towards `label` and explain themselves as `reason`."""

    name: str
    label: str
    weight: float
    reason: str
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The compiled lexicon; `families[0]` is the warm idioms, blanked out before the other families run."""

    families: tuple[CueFamily, ...]
    support: tuple[CueFamily, ...]
    idioms: re.Pattern[str]
    rhetorical_weight: float
    rhetorical_reason: str
    rhetorical_openers: re.Pattern[str]
    rhetorical_inside: re.Pattern[str]
    reported_view: re.Pattern[str]
    positive_inversion: re.Pattern[str]
    self_doubt: re.Pattern[str]
    question_openers: re.Pattern[str]
    exclamatives: re.Pattern[str]
    negators: frozenset[str]
    negation_window: int
    contrast: re.Pattern[str]
    contrast_weight: float
    contrast_reason: str
    outcome_verbs: frozenset[str]
    stative_verbs: frozenset[str]
    proper_nouns: frozenset[str]


def words(patterns: list[str]) -> re.Pattern[str]:
    """One regex matching any of `patterns` as whole words (an apostrophe counts as part of a word)."""
    return re.compile(r"(?<![\w'])(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?![\w'])")


def openers(patterns: list[str]) -> re.Pattern[str]:
    """One regex matching any of `patterns` at the start of a sentence."""
    return re.compile(r"^(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?![\w'])")


def _table(data: dict[str, object], dotted: str) -> dict[str, object]:
    node: object = data
    for key in dotted.split("."):
        assert isinstance(node, dict), dotted
        node = node[key]
    assert isinstance(node, dict), dotted
    return node


def _strings(table: dict[str, object], key: str) -> list[str]:
    value = table[key]
    assert isinstance(value, list)
    return [str(item) for item in value]


def _float(table: dict[str, object], key: str) -> float:
    value = table[key]
    assert isinstance(value, int | float)
    return float(value)


@cache
def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    """Read and compile the lexicon; fails with tomllib.TOMLDecodeError or re.error on a bad file."""
    with path.open("rb") as handle:
        data: dict[str, object] = tomllib.load(handle)
    families = []
    for name, label in _FAMILIES:
        table = _table(data, name)
        families.append(
            CueFamily(
                name=name,
                label=label,
                weight=_float(table, "weight"),
                reason=str(table["reason"]),
                regex=words(_strings(table, "patterns")),
            )
        )
    rhetorical = _table(data, "rhetorical")
    inquiry = _table(data, "inquiry")
    question = _table(data, "question")
    negation = _table(data, "negation")
    contrast = _table(data, "contrast")
    verbs = _table(data, "verbs")
    return Lexicon(
        families=tuple(families),
        support=tuple(family for family in families[1:] if family.label == "support"),
        idioms=words(_strings(_table(data, "idioms.support"), "patterns")),
        rhetorical_weight=_float(rhetorical, "weight"),
        rhetorical_reason=str(rhetorical["reason"]),
        rhetorical_openers=openers(_strings(rhetorical, "openers")),
        rhetorical_inside=words(_strings(rhetorical, "inside")),
        reported_view=words(_strings(rhetorical, "reported")),
        positive_inversion=openers(_strings(rhetorical, "positive_inversion")),
        self_doubt=words(_strings(inquiry, "self_doubt")),
        question_openers=openers(_strings(question, "openers")),
        exclamatives=openers(_strings(question, "exclamatives")),
        negators=frozenset(_strings(negation, "negators")),
        negation_window=int(_float(negation, "window")),
        contrast=words(_strings(contrast, "words")),
        contrast_weight=_float(contrast, "weight"),
        contrast_reason=str(contrast["reason"]),
        outcome_verbs=frozenset(_strings(verbs, "outcome")),
        stative_verbs=frozenset(_strings(verbs, "stative")),
        proper_nouns=frozenset(_strings(_table(data, "proper_nouns"), "words")),
    )
