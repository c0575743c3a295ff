"""Rule-and-lexicon tone classifier: support, question, challenge (a critical statement) or neutral."""

import re
from dataclasses import dataclass, field
from enum import StrEnum

from core.tone.lexicon import Lexicon, load_lexicon


class Tone(StrEnum):
    SUPPORT = "support"
    QUESTION = "question"
    CHALLENGE = "challenge"
    NEUTRAL = "neutral"


@dataclass(frozen=True, slots=True)
class ToneResult:
    """A reply's tone, how sure the rules are (0–1, a heuristic, not a probability) and why."""

    label: Tone
    confidence: float
    reasons: tuple[str, ...]


@dataclass(slots=True)
class SegmentScore:
    """Evidence found in one sentence or clause of a reply."""

    text: str
    support: float = 0.0
    question: float = 0.0
    challenge: float = 0.0
    is_question: bool = False
    rhetorical: bool = False
    reasons: list[str] = field(default_factory=list)


_MISSING_APOSTROPHE = {
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "isnt": "isn't",
    "arent": "aren't",
    "wasnt": "wasn't",
    "werent": "weren't",
    "cant": "can't",
    "couldnt": "couldn't",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
    "wont": "won't",
    "hasnt": "hasn't",
    "havent": "haven't",
    "im": "i'm",
    "ive": "i've",
    "youre": "you're",
    "thats": "that's",
}
_CONTRACTIONS = (
    (re.compile(r"\bcan ?not\b"), "can't"),
    (re.compile(r"\bwill not\b"), "won't"),
    (re.compile(r"\b(do|does|did|is|are|was|were|has|have|had|could|would|should|must) not\b"), r"\1n't"),
    (re.compile(r"\bi am\b"), "i'm"),
    (re.compile(r"\b(you|we|they) are\b"), r"\1're"),
    (re.compile(r"\b(that|it|what|there|here) is\b"), r"\1's"),
)
_BARE_WORD = re.compile(r"\b(" + "|".join(_MISSING_APOSTROPHE) + r")\b")
_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+|\s+[—–-]+\s+|\s*[—–]\s*|;\s*")
_TOKEN = re.compile(r"[\w']+")
_TRAILING_NOISE = re.compile(r"[^\w.!?]+$")
_LEADING_FILLER = re.compile(
    r"^(?:(?:and|but|so|ok|okay|well|also|plus|oh|hmm|um|honestly|seriously|genuinely)\b,?\s*)+"
)
_NEGATION_TOKEN = re.compile(r"(?<![\w'])(?:not|never|no|nobody|nothing|none|\w+n't)(?![\w'])")


def normalise(text: str) -> str:
    """Lower-case `text`, straighten quotes and spell contractions one way, so cues need one spelling."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = _BARE_WORD.sub(lambda m: _MISSING_APOSTROPHE[m.group(1)], text)
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return re.sub(r"[ \t]+", " ", text).strip()


def segments(text: str) -> list[str]:
    """Split a reply into sentences and dash- or semicolon-separated clauses, keeping end punctuation."""
    return [part.strip() for part in _SPLIT.split(text) if part and part.strip(" .!?\"'")]


def _negated(text: str, start: int, lexicon: Lexicon) -> bool:
    before = _TOKEN.findall(text[:start])[-lexicon.negation_window :]
    return any(token in lexicon.negators or token.endswith("n't") for token in before)


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def _quote(match_text: str) -> str:
    return f'"{match_text.strip(" ,")}"'


def _score_cues(segment: SegmentScore, text: str, lexicon: Lexicon, soften_challenge: bool) -> None:
    """Add lexicon cues found in normalised `text` to `segment`."""
    taken: list[tuple[int, int]] = []
    for idiom in lexicon.idioms.finditer(text):
        segment.support += lexicon.families[0].weight
        segment.reasons.append(f"{lexicon.families[0].reason} {_quote(idiom.group())}")
    text = lexicon.idioms.sub(lambda m: " " * len(m.group()), text)
    for family in lexicon.families[1:]:
        for match in family.regex.finditer(text):
            span = match.span()
            if _overlaps(span, taken):
                continue
            taken.append(span)
            negated = _negated(text, span[0], lexicon) and not _NEGATION_TOKEN.search(match.group())
            if family.label == "support":
                if negated:
                    segment.challenge += 0.8
                    segment.reasons.append(f"negated praise {_quote(match.group())}")
                else:
                    segment.support += family.weight
                    segment.reasons.append(f"{family.reason} {_quote(match.group())}")
            elif family.label == "challenge":
                if negated:
                    continue
                weight = family.weight * (0.4 if soften_challenge else 1.0)
                segment.challenge += weight
                segment.reasons.append(f"{family.reason} {_quote(match.group())}")
            else:
                segment.question += family.weight
                segment.reasons.append(f"{family.reason} {_quote(match.group())}")


def _score_contrast(segment: SegmentScore, text: str, lexicon: Lexicon) -> None:
    """Praise (or anything) followed by "but" and a negated clause reads as criticism."""
    turn = lexicon.contrast.search(text)
    if turn is None or "not only" in text:
        return
    before, after = text[: turn.start()], text[turn.end() :]
    after_plain = lexicon.idioms.sub(" ", after)
    if not _NEGATION_TOKEN.search(after_plain):
        return
    if any(family.regex.search(after_plain) for family in lexicon.support):
        return
    praised = any(family.regex.search(before) for family in (lexicon.families[0], *lexicon.support))
    segment.challenge += lexicon.contrast_weight if praised else lexicon.contrast_weight * 0.6
    segment.reasons.append(f"{lexicon.contrast_reason} {_quote(turn.group() + ' ' + after.strip()[:40])}")


def score_segment(raw: str, lexicon: Lexicon | None = None, *, last: bool = True) -> SegmentScore:
    """Score one sentence or clause; `last` says whether it ends the reply (a bare "how do you ..." counts)."""
    lexicon = lexicon or load_lexicon()
    text = normalise(raw)
    segment = SegmentScore(text=raw)
    tail = _TRAILING_NOISE.sub("", text)
    opening = _LEADING_FILLER.sub("", tail).strip(" \"'")
    bare = opening.rstrip(".!?").strip()
    looks_interrogative = lexicon.question_openers.match(opening) is not None
    segment.is_question = not lexicon.exclamatives.match(opening) and (
        tail.endswith("?") or (last and looks_interrogative and not tail.endswith((".", "!")))
    )
    reported = segment.is_question and lexicon.reported_view.search(text) is not None
    if segment.is_question:
        if lexicon.positive_inversion.match(opening):
            segment.support += 1.5
            segment.reasons.append(f"enthusiastic question {_quote(bare[:40])}")
        elif (lexicon.rhetorical_openers.match(bare) or lexicon.rhetorical_inside.search(bare)) and not (
            lexicon.self_doubt.search(bare) or reported
        ):
            segment.rhetorical = True
            segment.challenge += lexicon.rhetorical_weight
            segment.reasons.append(f"{lexicon.rhetorical_reason} {_quote(bare[:40])}")
        else:
            segment.question += 1.5
            segment.reasons.append(f"genuine question {_quote(bare[:40])}")
            if reported:
                segment.reasons.append("asks about someone else's view")
    if lexicon.self_doubt.search(text):
        segment.question += 0.5
        segment.reasons.append("asks to understand")
    _score_cues(segment, text, lexicon, soften_challenge=segment.is_question and not segment.rhetorical)
    _score_contrast(segment, text, lexicon)
    return segment


def score_segments(text: str) -> list[SegmentScore]:
    lexicon = load_lexicon()
    parts = segments(text)
    return [score_segment(part, lexicon, last=index == len(parts) - 1) for index, part in enumerate(parts)]


def _decide(support: float, question: float, challenge: float) -> Tone:
    """A critical statement outweighs everything; then a genuine question; then praise."""
    if challenge >= 1.0 and challenge > support:
        return Tone.CHALLENGE
    if question > 0:
        return Tone.QUESTION
    if support > 0 and support >= challenge:
        return Tone.SUPPORT
    if challenge >= 1.0:
        return Tone.CHALLENGE
    return Tone.NEUTRAL


def classify(text: str) -> ToneResult:
    """Classify a reply or comment; never fails (empty text is neutral)."""
    scored = score_segments(text)
    support = sum(s.support for s in scored)
    question = sum(s.question for s in scored)
    challenge = sum(s.challenge for s in scored)
    label = _decide(support, question, challenge)
    reasons = tuple(dict.fromkeys(reason for s in scored for reason in s.reasons))
    evidence = {Tone.SUPPORT: support, Tone.QUESTION: question, Tone.CHALLENGE: challenge}
    cues = sum(evidence.values())
    evidence[Tone.NEUTRAL] = 0.8 if cues == 0 else 0.3
    confidence = evidence[label] / (sum(evidence.values()) + 0.2)
    if not reasons:
        reasons = ("no praise, question or criticism cues",)
    elif label == Tone.NEUTRAL:
        reasons = ("only weak cues", *reasons)
    return ToneResult(label=label, confidence=round(min(max(confidence, 0.3), 0.97), 2), reasons=reasons[:5])
