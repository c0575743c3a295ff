"""Finding the claim in a reply: its most critical sentence, without hedges, praise or "you're wrong"."""

import re

from core.tone.classifier import normalise, score_segments
from core.tone.grammar import STOPWORDS, is_thing, parse_clause
from core.tone.lexicon import load_lexicon

DISMISSALS = re.compile(r"\b(?:easier said than done|easy (?:for you )?to say|in theory|on paper)\b")
_LEADING = re.compile(
    r"^(?:(?:honestly|frankly|respectfully|seriously|sorry|i'm sorry|to be honest|tbh|imo|in my opinion"
    r"|with all due respect|look|well|ok|okay|so|and|but|yet|however|though|also|plus|still|i mean|that said"
    r"|in practice|in reality|realistically|unfortunately|sadly|sure)\b[,:]?\s+)+"
)
_HEDGE = re.compile(
    r"^(?:i (?:really |honestly |just |kind of |sort of )?(?:think|feel|believe|guess|suspect|fear|worry)"
    r"(?: like| that)?|it (?:seems|feels|looks)(?: like| to me| that)*|you seem to|i have to say(?: that)?"
    r"|i'd argue(?: that)?|i would argue(?: that)?|the (?:real )?(?:problem|issue) (?:here )?is(?: that)?"
    r"|the problem with (?:this|that) (?:approach |idea )?is(?: that)?)\s+"
)
WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")
ADVERB_RUN = re.compile(
    r"\b(?:just|really|actually|simply|merely|(?<!the )(?<!a )(?:kind|sort) of|pretty|totally|completely|mostly"
    r"|exactly|always|thoroughly|entirely|basically|clearly|obviously|even)\s+"
)
_TRAILING = re.compile(
    r"\s*\b(?:at all|entirely|completely|here|either|anyway|though|at this point|imo|tbh|honestly)\s*$"
)


def tidy(text: str) -> str:
    """Drop edge punctuation, trailing fillers ("at all", "here") and extra spaces."""
    text = _TRAILING.sub("", text.strip(" ,.;:!?\"'"))
    return re.sub(r"\s+", " ", text).strip(" ,")


def first_clause(text: str) -> str:
    """Drop a comma-spliced second clause: "logs kill reading, and this post encourages them" -> the first."""
    head, _, tail = text.partition(", ")
    return head if tail and parse_clause(head) else text


def _strip_discourse(clause: str) -> str:
    previous = None
    while previous != clause:
        previous = clause
        clause = _LEADING.sub("", clause)
        if not clause.startswith("you seem to assume"):
            clause = _HEDGE.sub("", clause)
        clause = re.sub(
            r"^(?:you're wrong(?: here)?|i (?:\w+ )?disagree|i have to push back(?: on this)?)(?:[,.:]\s*|$)",
            "",
            clause,
        )
    return clause.strip(" ,")


def _cue_weight(text: str) -> float:
    lexicon = load_lexicon()
    return sum(
        family.weight for family in lexicon.families if family.label == "challenge" and family.regex.search(text)
    )


def _after_contrast(clause: str) -> str:
    """Keep the criticism after "X is a nice idea, but ..." and carry X over when the rest says "it"."""
    match = re.search(r"(?:,\s*|\s)(?:but|however|though|yet)\s+(?P<after>.+)$", clause)
    if match is None:
        return clause
    before, after = clause[: match.start()].strip(" ,"), match.group("after")
    negated_after = re.search(r"\b(?:not|never|no|nobody)\b|n't\b", after) is not None
    if _cue_weight(after) < _cue_weight(before) and not negated_after:
        return before
    parsed = parse_clause(before)
    if parsed and re.match(r"^(?:it|they)\b", after) and is_thing(parsed.subject):
        after = re.sub(r"^(?:it|they)\b", parsed.subject, after, count=1)
    if place := re.search(r"\byour (school|class|classroom|district|building)\b", before):
        after = re.sub(r"\b(in|for|at|with) mine\b", rf"\1 a {place.group(1)} like mine", after)
    starts_clause = re.match(r"^(?:it|they|this|that|these|those|we|you|i|he|she|the|a|an|my|our|your|their)\b", after)
    if parse_clause(after) is None and not starts_clause and not DISMISSALS.search(after):
        after = f"this is {after}"
    return after


def content_words(text: str) -> list[str]:
    """The words that carry meaning: no stopwords, none shorter than three letters."""
    return [w for w in WORD.findall(text) if w not in STOPWORDS and len(w) > 2]


def focus(text: str) -> str:
    """The most critical sentence of the reply that carries a claim, normalised and stripped of discourse."""
    scored = score_segments(text)
    if not scored:
        return ""

    def clause_of(raw: str) -> str:
        return _strip_discourse(_after_contrast(_strip_discourse(normalise(raw).rstrip(".!?"))))

    ranked = sorted(enumerate(scored), key=lambda pair: (-pair[1].challenge, pair[0]))
    for _, segment in ranked:
        clause = clause_of(segment.text)
        if len(content_words(clause)) >= 2 or DISMISSALS.search(clause):
            return clause
    return max((clause_of(segment.text) for segment in scored), key=lambda c: len(content_words(c)))
