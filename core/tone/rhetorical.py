"""Question families for rhetorical questions ("Who has time for that?"): keep the content, drop the jab."""

import re

from core.tone.claim import tidy
from core.tone.grammar import (
    ADVERBS,
    NEGATED_COPULAS,
    PREDICATE_STARTS,
    as_object,
    as_subject,
    base_form,
    known_verbs,
    third_person,
)
from core.tone.statements import from_copula, from_statement, outcome_questions

_WHO_DOES = re.compile(r"^who (?:actually |really |even |honestly |still )?(?P<v>[a-z]+s) (?P<r>.+)$")
_WHY_MODAL = re.compile(r"^why (?:would|should|do|does|must) (?P<s>.+?)\s+(?P<rest>.+)$")
_KEEP = re.compile(
    r"^why (?:do|does|are|is) (?:we|they|you|schools|teachers|people|districts) (?:keep|still|always)\s+"
)
_HAS_TIME = re.compile(
    r"^who (?:actually |really |even |honestly )?(?:has|had|finds) (?:the )?time (?P<r>(?:for|to)\b.+)$"
)
_POINT_OF = re.compile(r"^what's the (?:point|use|good) (?:of|in) (?P<x>.+?)(?:\s+(?:if|when)\s+(?P<y>.+))?$")
_HOW_SUPPOSED = re.compile(r"^how (?:is|are) (?P<s>.+?) (?:supposed|meant|going) to (?P<v>[a-z]+)\b(?P<r>.*)$")
_HOW_DIFFERENT = re.compile(r"^how (?:is|are) (?P<s>.+?) (?:any |even |really )?different (?:from|than) (?P<o>.+)$")
_NEED_ANOTHER = re.compile(
    r"^do (?:we|you|they|teachers|schools|students|kids) (?:really |honestly |actually |seriously |even )?"
    r"(?:need|want) (?P<o>.+?)(?:\s+to\s+.+)?$"
)
_SINCE_WHEN = re.compile(r"^since when (?P<cop>is|are|does|do) (?P<rest>.+)$")
_INVERSION = re.compile(
    r"^(?P<aux>isn't|aren't|wasn't|weren't|doesn't|don't|didn't|shouldn't|wouldn't|won't|can't|couldn't)"
    r" (?P<body>.+)$"
)
_ANOTHER = re.compile(r"^(?:another|yet another|just another) (?P<np>.+)$")


def from_denied(subject: str, copula: str, predicate: str) -> list[str]:
    """ "Since when is X Y?": the replier denies that X is Y."""
    return [
        f"What makes you see {subject} as {predicate}?",
        f"What would convince a skeptic that {subject} {copula} {predicate}?",
    ]


def from_should(subject: str, rest: str) -> list[str]:
    """ "Shouldn't we fix the basics first?": a suggestion, asked about openly."""
    return [
        f"What would you say to someone who thinks {subject} should {rest}?",
        f"How does this fit with the idea that {subject} should {rest}?",
    ]


def from_rhetorical(clause: str) -> list[str]:
    """Questions that already ask, but as a jab: keep their content, drop the jab."""
    clause = clause.rstrip("?").strip()
    if match := _HAS_TIME.match(clause):
        rest = tidy(match.group("r"))
        return [f"How do you find time {rest}?", f"What helps you make time {rest}?"]
    if match := _POINT_OF.match(clause):
        x, y = tidy(match.group("x")), match.group("y")
        first = f"What value do you see in {x} even when {tidy(y)}?" if y else f"What value do you see in {x}?"
        return [first, f"What keeps {x} worthwhile for you?"]
    if match := _HOW_SUPPOSED.match(clause):
        return outcome_questions(match.group("s"), match.group("v"), match.group("r"), "could")
    if match := _HOW_DIFFERENT.match(clause):
        subject, other = as_subject(match.group("s")), tidy(match.group("o"))
        return [f"What sets {subject} apart from {other}?", f"What's new here compared to {other}?"]
    if match := _KEEP.match(clause):
        activity = tidy(clause[match.end() :])
        return [
            f"What makes {activity} worth it?",
            f"When is {activity} worth it?",
            f"What do we gain from {activity}?",
        ]
    if match := _SINCE_WHEN.match(clause):
        words = match.group("rest").split()
        split = next((i for i, w in enumerate(words) if i and w in PREDICATE_STARTS), None)
        if split is None or match.group("cop") not in {"is", "are"}:
            return []
        return from_denied(" ".join(words[:split]), match.group("cop"), tidy(" ".join(words[split:])))
    if match := _NEED_ANOTHER.match(clause):
        thing = tidy(match.group("o"))
        return [f"What would make {thing} worth the time?", f"What does {thing} add that we don't already have?"]
    if match := _WHO_DOES.match(clause):
        verb = base_form(match.group("v"), known_verbs())
        if verb:
            rest = tidy(match.group("r"))
            return [f"How do you get people to {verb} {rest}?", f"What have you seen that shows people {verb} {rest}?"]
    if match := _WHY_MODAL.match(clause):
        body = f"{match.group('s')} {match.group('rest')}".replace(" have to ", " ").split()
        split = next((i for i, w in enumerate(body) if i and w in known_verbs()), 1)
        subject, words = " ".join(body[:split]), body[split:]
        if words:
            verb, rest = words[0], tidy(" ".join(words[1:]))
            tail = f" {rest}" if rest else ""
            return [
                f"What would make it worthwhile for {as_object(subject)} to {verb}{tail}?",
                f"What makes you confident {subject} would {verb}{tail}?",
            ]
    if match := _INVERSION.match(clause):
        aux, body = match.group("aux"), match.group("body").split()
        copular = aux in NEGATED_COPULAS
        starts = PREDICATE_STARTS | ADVERBS | {"about", "like"} if copular else known_verbs() | ADVERBS
        split = next((i for i, w in enumerate(body) if i and w in starts), None)
        if split is None:
            return []
        return from_inversion(aux, " ".join(body[:split]), " ".join(body[split:]))
    if match := _ANOTHER.match(clause):
        np = tidy(match.group("np"))
        return [f"What makes this more than another {np}?", f"How is this different from another {np}?"]
    return []


def from_inversion(aux: str, subject: str, rest: str) -> list[str]:
    """ "Isn't that just a buzzword?" asserts "that is just a buzzword"; turn the assertion into questions."""
    positive = {"can't": "can", "won't": "will"}.get(aux, aux.removesuffix("n't"))
    if positive in {"is", "are", "was", "were"}:
        return from_copula(f"{subject} {positive} {rest}")
    if positive == "should":
        return from_should(subject, tidy(rest))
    if positive in {"do", "does", "did"}:
        words = [w for w in rest.split() if w not in ADVERBS]
        if not words:
            return []
        verb = third_person(words[0]) if positive == "does" else words[0]
        return from_statement(f"{as_subject(subject)} {verb} {' '.join(words[1:])}")
    return from_statement(f"{as_subject(subject)} {positive} {rest}")
