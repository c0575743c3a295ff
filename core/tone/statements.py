"""Question families for stated claims: each turns one shape of claim into questions that seek to understand."""

import re

from core.tone.claim import ADVERB_RUN, DISMISSALS, WORD, content_words, first_clause, tidy
from core.tone.grammar import (
    DETERMINERS,
    LINKING_VERBS,
    MODALS,
    STOPWORDS,
    as_object,
    as_subject,
    base_form,
    is_thing,
    known_verbs,
    parse_clause,
    plural_subject,
    third_person,
)
from core.tone.lexicon import load_lexicon

THIN_POINTS = {"the point", "the mark", "the bigger picture", "the big picture", "the point entirely"}

_NEGATED_VERB = re.compile(
    r"^(?P<s>.+?)\s+(?P<neg>won't|will never|would never|wouldn't|isn't going to|aren't going to|can't|couldn't"
    r"|doesn't|don't|didn't|never)\s+(?:really\s+|actually\s+|ever\s+|even\s+|always\s+)?(?P<v>[a-z]+)\b(?P<r>.*)$"
)
_DOUBT = re.compile(
    r"^(?:i'm not (?:sure|convinced|sold on the idea|buying)|i'm (?:skeptical|sceptical|doubtful|unconvinced)"
    r"|i doubt|i don't (?:think|believe|buy(?: the idea)?|agree)|i'm not sold on the idea|it's (?:naive|unrealistic"
    r"|a stretch) to (?:think|believe|assume)|why would (?:anyone|anybody|you|we) (?:think|believe|assume)"
    r"|do you (?:really |honestly |actually |seriously )?(?:believe|think)|are we (?:really |seriously )?going to"
    r" pretend|who (?:decided|says)|how can anyone (?:think|believe|say)|can we (?:please |just )?stop pretending"
    r"|stop pretending|does anyone (?:really |honestly |actually |seriously )?(?:believe|think))(?: that)?\s+(?P<p>.+)$"
)
_EXPECT = re.compile(
    r"^(?:(?:you|we|they|schools|districts) (?:can't|shouldn't|won't) expect|it's (?:naive|unrealistic|a stretch"
    r"|unfair|not fair|not realistic|too much) to expect) (?P<s>.+?) to (?P<r>.+)$"
)
_CRITICAL_VERB = re.compile(
    r"^(?P<s>.*?)\s*(?:\bis |\bare |'s |'re )?(?P<verb>ignores|ignoring|overlooks|overlooking|glosses over|misses"
    r"|missing|forgets|leaves out|doesn't account for|doesn't consider|skips over"
    r"|(?:falls|fall) apart when (?:you |we )?(?:consider|look at|think about|factor in))\s+(?P<o>.+)$"
)
_ASSUMES = re.compile(
    r"(?:\bassumes|\bassuming|\bpresumes|^assume|\byou assume|\bseems? to assume)(?: that)?\s+(?P<p>.+)$"
)
_FALLS_APART = re.compile(r"\b(?:falls|fall) apart\b|\bbreaks? down\b|\bdoesn't hold up\b|\bdon't hold up\b")
_COUNTER = re.compile(
    r"^(?:(?:most|many|some|all|half|a lot) of )?(?:my|our) (?P<who>students|kids|class|classes|staff|teachers"
    r"|learners|readers|parents|colleagues)\b\s+(?P<rest>.+)$"
)
_EVIDENCE_SUBJECT = re.compile(r"^(?:the )?(?P<noun>(?:data|research|evidence|studies|science)\b.*)$")
_WHEN_NOT_HAVE = re.compile(r"\bwhen (?:you|we) (?:don't|doesn't|didn't) have (?P<x>.+)$")
_WHEN_HAVE = re.compile(r"\bwhen (?:you|we) (?:have|get|can afford) (?P<x>.+)$")
_NOT_CONTRAST = re.compile(r"^(?P<pre>.+?),\s*not\s+(?P<y>.+)$")
_RATHER = re.compile(r"^(?P<pre>.+?)\s+rather than\s+(?P<y>.+)$")
_WRONG_ABOUT = re.compile(r"\b(?:wrong|mistaken) (?:about|on) (?P<np>.+)$")
_EXAMPLE_OF = re.compile(r"^(?:an?|the) (?:\w+ )?(?:example|case) of\s+")
_KIND_OF = re.compile(r"^(?:an?|the) (?:\w+ )?(?:kind|form|version|type|sort) of\s+")


def from_doubt(clause: str) -> list[str]:
    """ "I doubt P", "why would anyone think P?": ask what supports P."""
    match = _DOUBT.match(clause)
    if match is None:
        return []
    proposition = tidy(ADVERB_RUN.sub("", match.group("p")).partition(", ")[0])
    if re.fullmatch(r"(?:that's|this is|it's) (?:true|right|fair|the case)", proposition):
        return from_counterexample(match.group("p").partition(", ")[2])
    questions = [f"What makes you confident that {proposition}?", f"What have you seen that shows {proposition}?"]
    parsed = parse_clause(proposition)
    if parsed and parsed.verb in load_lexicon().outcome_verbs:
        rest = f" {parsed.rest}" if parsed.rest else ""
        questions.insert(1, f"How have you seen {as_subject(parsed.subject)} {parsed.verb}{rest}?")
    elif evidence := re.search(r"\b(data|research|evidence|studies)\b", clause):
        questions.append(f"What {evidence.group(1)} have you seen on whether {proposition}?")
    else:
        questions.append(f"Where have you found that {proposition}?")
    return questions


def from_counterexample(clause: str) -> list[str]:
    """ "Most of my students prefer paper": ask how the idea adapts to them."""
    match = _COUNTER.match(tidy(clause))
    if match is None:
        return []
    who, rest = match.group("who"), tidy(ADVERB_RUN.sub("", match.group("rest")))
    parsed = parse_clause(f"they {rest}")
    if parsed is None or parsed.copula:
        return []
    described = f"{who} who {rest}"
    return [f"How would you adapt this for {described}?", f"What have you seen work for {described}?"]


def outcome_questions(subject: str, verb: str, rest: str, modal: str) -> list[str]:
    """Questions about whether `subject` would `verb` `rest`: what makes you confident, what would it take."""
    subject, rest = as_subject(subject), f" {tidy(rest)}" if tidy(rest) else ""
    lexicon = load_lexicon()
    questions = [f"What makes you confident {subject} {modal} {verb}{rest}?"]
    if verb in lexicon.outcome_verbs and verb not in lexicon.stative_verbs:
        questions.append(f"How have you seen {subject} {verb}{rest}?")
    questions.append(f"What would it take for {as_object(subject)} to {verb}{rest}?")
    return questions


def from_negated_verb(clause: str) -> list[str]:
    """ "This will never work in a high school": ask what would make it work."""
    if expect := _EXPECT.match(clause):
        clause = f"{expect.group('s')} can't {expect.group('r')}"
    clause = _FALLS_APART.sub("can't work", clause)
    match = _NEGATED_VERB.match(clause)
    if match is None:
        return []
    subject, verb, rest = match.group("s"), match.group("v"), match.group("r")
    if verb not in known_verbs() or len(subject.split()) > 7 or subject in {"i", "you"}:
        return []
    if evidence := _EVIDENCE_SUBJECT.match(subject):
        noun, claim = evidence.group("noun"), f"{third_person(verb)}{' ' + tidy(rest) if tidy(rest) else ''}"
        topic = noun if " " in noun else f"{noun} on this"
        return [f"What {noun} have you seen that {claim}?", f"How do you read the {topic}?"]
    neg = match.group("neg")
    modal = "would" if neg in {"won't", "will never", "would never", "wouldn't", "isn't going to"} else "could"
    if neg in {"doesn't", "don't", "didn't", "never"}:
        modal = "can"
    return outcome_questions(subject, verb, rest, modal)


def from_critical_verb(clause: str) -> list[str]:
    """ "This ignores X": ask how it accounts for X."""
    match = _CRITICAL_VERB.match(clause)
    if match is None:
        return []
    subject = as_subject(tidy(match.group("s")) or "this")
    if subject in {"you", "i", "we"}:
        subject = "this"
    obj = tidy(match.group("o"))
    if obj in THIN_POINTS or not content_words(obj):
        if "picture" in obj:
            return ["What do you see as the bigger picture here?", "How does this fit into the bigger picture?"]
        return ["What do you see as the main point of this?", "How would you sum up the point of this in a sentence?"]
    return [
        f"How does {subject} account for {obj}?",
        f"How would {subject} change once you factor in {obj}?",
        f"What changes for {subject} when you consider {obj}?",
    ]


def from_assumption(clause: str) -> list[str]:
    """ "It assumes every student has a device": ask whether that is assumed."""
    match = _ASSUMES.search(clause)
    if match is None:
        return []
    proposition = tidy(match.group("p"))
    return [f"Are you assuming {proposition}?", f"What would you suggest where it isn't true that {proposition}?"]


def _trailing_phrase(text: str) -> str:
    """The noun phrase at the end of `text`: "kids need structure" -> "structure"."""
    stop = {"is", "are", "was", "were", "about", "for", "like", "on", "with", "to", "need", "needs", "of", "by"}
    phrase: list[str] = []
    for token in reversed(text.split()):
        if token in stop or token in MODALS or (phrase and base_form(token, known_verbs())):
            break
        phrase.insert(0, token)
    while phrase and phrase[0] in {"mostly", "really", "just", "only", "more", "all", "written"}:
        phrase.pop(0)
    return " ".join(phrase)


def from_not_contrast(clause: str) -> list[str]:
    """ "Kids need structure, not more freedom": ask how much comes down to one rather than the other."""
    match = _NOT_CONTRAST.match(clause) or _RATHER.match(clause)
    if match is None:
        return []
    parsed = parse_clause(match.group("pre"))
    if parsed and parsed.copula and parsed.rest.split()[:1] in (["a"], ["an"]) and is_thing(parsed.subject):
        subject, what, other = as_subject(parsed.subject), tidy(parsed.rest), tidy(match.group("y"))
        return [
            f"What makes {subject} more than {what}?",
            f"How have you seen {subject} work as {other}?",
            f"How would you answer someone who sees {subject} as {what}?",
        ]
    x = _trailing_phrase(match.group("pre"))
    y = tidy(re.sub(r"^(?:just|about|for|on|more|the)\s+", "", match.group("y")))
    if not x or not y or len(x.split()) > 5 or len(y.split()) > 6:
        return []
    return [
        f"How much of this comes down to {x} rather than {y}?",
        f"Where does {x} fit into this?",
        f"How do you balance {x} and {y}?",
    ]


def _predicate_questions(subject: str, copula: str, predicate: str) -> list[str]:
    """The replier says `subject copula predicate` ("makerspaces are expensive")."""
    if predicate.startswith("not "):
        positive = tidy(re.sub(r"\bany\s+", "", predicate.removeprefix("not ")))
        return [
            f"What makes you confident {subject} {copula} {positive}?",
            f"What have you seen that shows {subject} {copula} {positive}?",
        ]
    if re.fullmatch(r"not for (?:everyone|everybody|every \w+|all \w+)", predicate):
        return [
            f"Who do you see {subject} working best for?",
            f"How would you adapt {subject} for those it doesn't suit?",
        ]
    if opposite := re.match(r"^the opposite of (?P<x>.+)$", predicate):
        target = opposite.group("x")
        return [f"How does {subject} fit with {target}?", f"How could {subject} be adapted to {target}?"]
    predicate = _KIND_OF.sub("a ", _EXAMPLE_OF.sub("", predicate))
    first, _, rest = predicate.partition(" ")
    if first in DETERMINERS:
        questions = [
            f"What makes {subject} more than {predicate}?",
            f"How would you answer someone who sees {subject} as {predicate}?",
        ]
    else:
        questions = [f"How would you respond to the concern that {subject} {copula} {predicate}?"]
        if re.fullmatch(r"un\w{4,}", first):
            questions.append(f"What would make {subject} {first[2:]}{' ' + rest if rest else ''}?")
        questions.append(f"What would you say to someone who feels that {subject} {copula} {predicate}?")
    if is_thing(subject):
        questions.insert(2, f"Where have you seen {subject} work well?")
    return questions


def from_copula(clause: str) -> list[str]:
    """ "X is (just) Y", "this feels like Y"."""
    parsed = parse_clause(first_clause(clause))
    if parsed is None:
        return []
    if parsed.copula:
        copula, predicate = parsed.copula, parsed.rest
    elif parsed.verb in LINKING_VERBS:
        copula, predicate = ("are" if plural_subject(parsed.subject) else "is"), parsed.rest.removeprefix("like ")
    else:
        return []
    subject = as_subject(parsed.subject)
    if subject in {"i", "you", "we", "there", "what", "who", "here"} or len(subject.split()) > 6:
        return []
    if subject.startswith(("not ", "no ")):
        return []
    predicate = tidy(ADVERB_RUN.sub("", predicate))
    predicate = re.sub(r"^(?:a lot|way|far)\s+", "", predicate)
    if not content_words(predicate):
        return []
    return _predicate_questions(subject, copula, predicate)


def from_wrong_about(clause: str) -> list[str]:
    """ "You're wrong about homework": ask what shaped the author's view."""
    match = _WRONG_ABOUT.search(clause)
    if match is None:
        return []
    topic = tidy(match.group("np"))
    if not content_words(topic):
        return []
    return [
        f"What led you to your view on {topic}?",
        f"What have you seen in classrooms that shaped your thinking on {topic}?",
        f"How would you respond to teachers who see {topic} differently?",
    ]


def from_dismissal(clause: str) -> list[str]:
    """ "Easier said than done", "sounds nice in theory": ask about practice."""
    match = DISMISSALS.search(clause)
    if match is None:
        return []
    questions = []
    if lacking := _WHEN_NOT_HAVE.search(clause):
        questions.append(f"How would this work with {tidy(lacking.group('x'))}?")
    elif having := _WHEN_HAVE.search(clause):
        questions.append(f"How would this work without {tidy(having.group('x'))}?")
    if "said" in match.group():
        questions += ["What would make this easier to do in practice?", "What has helped you get this done day to day?"]
    elif "say" in match.group():
        questions += ["What would make this easy to do, not just easy to say?", "What made this easy for you to do?"]
    else:
        questions += [
            f"What does this look like in practice, beyond {match.group()}?",
            "Where have you seen this work?",
        ]
    return questions


def from_evidence(clause: str) -> list[str]:
    match = re.search(r"\b(evidence|research|data|studies)\b", clause)
    if match is None:
        return []
    return [f"What {match.group(1)} shaped your thinking on this?", f"How do you read the {match.group(1)} on this?"]


def from_statement(clause: str) -> list[str]:
    """Any other claim: ask how the author answers it, and where the thing it criticises works."""
    clause = tidy(ADVERB_RUN.sub("", first_clause(clause)))
    parsed = parse_clause(clause)
    if parsed is None or not content_words(clause):
        return []
    questions = [
        f"How would you respond to the concern that {clause}?",
        f"What would you say to someone who finds that {clause}?",
    ]
    subject = as_subject(parsed.subject)
    if is_thing(subject) and content_words(subject):
        questions.insert(1, f"Where have you seen {subject} work well?")
    return questions


def from_topic(clause: str) -> list[str]:
    """Last resort: the longest run of content words (no verbs, no criticism), asked about openly."""
    lexicon = load_lexicon()
    for family in lexicon.families:
        if family.label == "challenge":
            clause = family.regex.sub(" , ", clause)
    verbs = known_verbs()
    runs: list[list[str]] = [[]]
    for word in WORD.findall(clause.replace(",", " , ")) or []:
        if word in STOPWORDS or len(word) < 3 or base_form(word, verbs):
            runs.append([])
        else:
            runs[-1].append(word)
    best = max(runs, key=len)[:4]
    if not best:
        return []
    topic = " ".join(best)
    return [
        f"What has your experience with {topic} been?",
        f"What would you say to someone with concerns about {topic}?",
        f"How do you think about {topic} in your own context?",
    ]
