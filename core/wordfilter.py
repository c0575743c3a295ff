"""Keyword filters: normalise text and match a person's filter phrases against it (pure, no app imports)."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.text import fold


def normalize(text: str) -> str:
    """Text as filters compare it (the same folding as search: core.text.fold)."""
    return fold(text or "")


@dataclass(frozen=True, slots=True)
class Rule:
    """One filter phrase. `hide` drops a matching item; otherwise it is folded behind a warning."""

    phrase: str
    whole_word: bool = True
    hide: bool = False


def _pattern(rule: Rule) -> str | None:
    words = normalize(rule.phrase).split()
    if not words:
        return None
    body = r"\s+".join(re.escape(word) for word in words)
    # Lookarounds rather than \b, so a phrase that starts or ends with punctuation ("c++") still matches.
    return rf"(?<!\w){body}(?!\w)" if rule.whole_word else body


class WordFilter:
    """A compiled matcher for a list of rules: `match(text)` gives the first rule (in list order) that matches.

    One combined regex answers "does anything match?" in a single pass; only on a hit are the rules tried
    one by one to find the first. Rules whose phrase is empty after normalising are ignored.
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        compiled = [(rule, pattern) for rule in rules if (pattern := _pattern(rule)) is not None]
        self.rules: list[Rule] = [rule for rule, _ in compiled]
        self._each = [re.compile(pattern) for _, pattern in compiled]
        self._any = re.compile("|".join(f"(?:{pattern})" for _, pattern in compiled)) if compiled else None

    def __bool__(self) -> bool:
        return self._any is not None

    @property
    def hides(self) -> bool:
        """True when any rule hides (lists then need to fill their pages past hidden items)."""
        return any(rule.hide for rule in self.rules)

    def match(self, *texts: str) -> Rule | None:
        """The first rule matching any of the texts (joined by newlines), or None."""
        if self._any is None:
            return None
        text = normalize("\n".join(t for t in texts if t))
        if not self._any.search(text):
            return None
        for rule, regex in zip(self.rules, self._each, strict=True):
            if regex.search(text):
                return rule
        return None  # pragma: no cover - the combined regex matched, so one of its parts does


def build(rules: Sequence[Rule]) -> WordFilter | None:
    """A matcher for the rules, or None when none of them can match anything."""
    matcher = WordFilter(rules)
    return matcher if matcher else None
