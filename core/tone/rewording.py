"""Reword a challenging reply as genuine questions built from its own claim ("seek first to understand")."""

import re
from collections.abc import Callable
from dataclasses import dataclass

from core.tone.classifier import normalise, score_segments, segments
from core.tone.lexicon import load_lexicon


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = _wordset(
    """a an the this that these those it its it's i i'm i've i'd me my we we're our us you you're your they they're
    their them he she his her is are was were be been being am do does did doesn't don't didn't isn't aren't wasn't
    have has had having will would won't wouldn't can can't could couldn't should shouldn't may might must shall
    to of in on at for with by from about as into over than then so and or but if when while because though
    although yet not no never just only really very too also even still already quite pretty so much more most
    some any all every each one what which who whom why how where there here think feel believe sure honestly
    frankly seriously actually totally completely entirely great post nice idea ideas love good thing things
    lot kind sort way like get got make makes say says said wrong right well ok okay sorry respectfully"""
)

MODALS = frozenset({"will", "would", "can", "could", "should", "might", "may", "must"})
COPULAS = {"is": "is", "are": "are", "'s": "is", "'re": "are", "was": "was", "were": "were"}
NEGATED_COPULAS = {"isn't": "is", "aren't": "are", "wasn't": "was", "weren't": "were"}
NEGATED_AUXILIARIES = _wordset("doesn't don't didn't won't wouldn't can't couldn't shouldn't mustn't never")
DETERMINERS = _wordset("a an another the one something some any")
NOT_PRACTICES = _wordset("evidence data research studies argument point post problem issue thinking")
RELATIVES = frozenset({"who", "which", "whom", "whose", "where", "when", "because", "if", "while"})
PEOPLE = _wordset(
    """students student kids kid children child teachers teacher parents parent principals principal people staff
    admin educators librarians learners we they you i he she everyone everybody nobody someone coaches"""
)
LINKING_VERBS = frozenset({"seem", "sound", "feel", "look", "read"})
PREDICATE_STARTS = _wordset(
    "a an the something good bad okay ok worth what necessary helpful better more less such innovative new"
)
ADVERBS = frozenset(
    {"just", "really", "actually", "only", "mostly", "simply", "merely", "even", "always", "ever", "still", "already"}
)
PRONOUN_OBJECTS = {"we": "us", "i": "me", "they": "them", "he": "him", "she": "her"}
THIN_POINTS = {"the point", "the mark", "the bigger picture", "the big picture", "the point entirely"}
EXTRA_VERBS = _wordset(
    """confuse kill add put take spend pick prefer equal cause hurt harm undermine distract waste ruin give keep
    require cost ignore overlook miss come go say tell show prove follow provide allow let turn pull push set
    create encourage discourage punish reward replace chase assume blame imply suggest fix start stop try focus
    lose win move sit stand play watch listen speak talk ask answer try run bring leave find feel call treat
    measure grade test assess plan prepare practise practice design adopt choose decide ban limit force drop
    remove cut destroy damage exhaust overwhelm burden demand depend rely cover fall break hold fail approve
    buy read give"""
)

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
_WHO_DOES = re.compile(r"^who (?:actually |really |even |honestly |still )?(?P<v>[a-z]+s) (?P<r>.+)$")
_NOT_CONTRAST = re.compile(r"^(?P<pre>.+?),\s*not\s+(?P<y>.+)$")
_RATHER = re.compile(r"^(?P<pre>.+?)\s+rather than\s+(?P<y>.+)$")
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
_WRONG_ABOUT = re.compile(r"\b(?:wrong|mistaken) (?:about|on) (?P<np>.+)$")
_DISMISSALS = re.compile(r"\b(?:easier said than done|easy (?:for you )?to say|in theory|on paper)\b")
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
_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")
_ADVERB_RUN = re.compile(
    r"\b(?:just|really|actually|simply|merely|(?<!the )(?<!a )(?:kind|sort) of|pretty|totally|completely|mostly"
    r"|exactly|always|thoroughly|entirely|basically|clearly|obviously|even)\s+"
)
_EXAMPLE_OF = re.compile(r"^(?:an?|the) (?:\w+ )?(?:example|case) of\s+")
_KIND_OF = re.compile(r"^(?:an?|the) (?:\w+ )?(?:kind|form|version|type|sort) of\s+")
_TRAILING = re.compile(
    r"\s*\b(?:at all|entirely|completely|here|either|anyway|though|at this point|imo|tbh|honestly)\s*$"
)


@dataclass(frozen=True, slots=True)
class Clause:
    """A simple declarative clause: subject, its verb (base form) or copula, and the rest."""

    subject: str
    verb: str
    rest: str
    modal: str = ""
    copula: str = ""


def third_person(verb: str) -> str:
    if verb in {"have", "be", "do", "go"}:
        return {"have": "has", "be": "is", "do": "does", "go": "goes"}[verb]
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ies"
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    return verb + "s"


def base_form(word: str, verbs: frozenset[str]) -> str | None:
    """The base form of a present-tense verb (`works` -> `work`) if it is a verb we know, else None."""
    irregular = {"has": "have", "is": "be", "does": "do", "goes": "go"}
    if word in irregular:
        return irregular[word]
    if word in verbs:
        return word
    candidates = []
    if word.endswith("ies"):
        candidates.append(word[:-3] + "y")
    if word.endswith("es"):
        candidates.append(word[:-2])
    if word.endswith("s"):
        candidates.append(word[:-1])
    return next((c for c in candidates if c in verbs), None)


def _known_verbs() -> frozenset[str]:
    lexicon = load_lexicon()
    return lexicon.outcome_verbs | lexicon.stative_verbs | EXTRA_VERBS


def _plural_subject(subject: str) -> bool:
    last = subject.split()[-1]
    return last in {"we", "they", "you", "i", "people", "children", "kids", "students", "teachers"} or (
        last.endswith("s") and not last.endswith(("ss", "is", "us"))
    )


def parse_clause(text: str) -> Clause | None:
    """Split `text` (normalised) into subject, verb and rest, or None when no verb is found near the start."""
    verbs = _known_verbs()
    tokens = text.split()
    if not tokens:
        return None
    for contraction, copula in (("'s", "is"), ("'re", "are")):
        if tokens[0].endswith(contraction) and len(tokens) > 1:
            return Clause(tokens[0].removesuffix(contraction), "be", " ".join(tokens[1:]), copula=copula)
    for index, token in enumerate(tokens[:8]):
        subject_tokens = [t for t in tokens[:index] if t not in ADVERBS]
        if not subject_tokens or token in ADVERBS:
            continue
        if token in RELATIVES:
            return None
        subject, rest = " ".join(subject_tokens), tokens[index + 1 :]
        if (token in MODALS or token in NEGATED_AUXILIARIES) and rest:
            following = [t for t in rest if t not in ADVERBS and t not in {"not", "never"}]
            return Clause(subject, following[0], " ".join(following[1:]), modal=token) if following else None
        if token in COPULAS:
            return Clause(subject, "be", " ".join(rest), copula=COPULAS[token])
        if token in NEGATED_COPULAS:
            return Clause(subject, "be", " ".join(["not", *rest]), copula=NEGATED_COPULAS[token])
        verb = base_form(token, verbs)
        if verb is not None and (token != verb or _plural_subject(subject)):
            return Clause(subject, verb, " ".join(rest))
    return None


def _tidy(text: str) -> str:
    text = _TRAILING.sub("", text.strip(" ,.;:!?\"'"))
    return re.sub(r"\s+", " ", text).strip(" ,")


def _first_clause(text: str) -> str:
    """Drop a comma-spliced second clause: "logs kill reading, and this post encourages them" -> the first."""
    head, _, tail = text.partition(", ")
    return head if tail and parse_clause(head) else text


def _subject(subject: str) -> str:
    """Refer to the post or idea as "this" and to the replier's own setting generically ("a school like mine")."""
    if subject in {"it", "that", "this", "this one", "that one", "which"}:
        return "this"
    if owned := re.fullmatch(r"(my|our) ([\w-]+)", subject):
        owner = "mine" if owned.group(1) == "my" else "ours"
        noun = owned.group(2)
        return f"{noun} like {owner}" if _plural_subject(noun) else f"a {noun} like {owner}"
    return subject


def _object(subject: str) -> str:
    return PRONOUN_OBJECTS.get(subject, subject)


def _is_thing(subject: str) -> bool:
    """True for a practice or idea ("flexible seating"), false for people and pronouns ("students", "we")."""
    words = subject.split()
    return (
        bool(words)
        and words[-1] not in PEOPLE
        and words[0] not in {"not", "no", "my", "our", "every", "most", "this"}
        and not NOT_PRACTICES.intersection(words)
    )


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
    if parsed and re.match(r"^(?:it|they)\b", after) and _is_thing(parsed.subject):
        after = re.sub(r"^(?:it|they)\b", parsed.subject, after, count=1)
    if place := re.search(r"\byour (school|class|classroom|district|building)\b", before):
        after = re.sub(r"\b(in|for|at|with) mine\b", rf"\1 a {place.group(1)} like mine", after)
    starts_clause = re.match(r"^(?:it|they|this|that|these|those|we|you|i|he|she|the|a|an|my|our|your|their)\b", after)
    if parse_clause(after) is None and not starts_clause and not _DISMISSALS.search(after):
        after = f"this is {after}"
    return after


def _content(text: str) -> list[str]:
    return [w for w in _WORD.findall(text) if w not in STOPWORDS and len(w) > 2]


def _focus(text: str) -> str:
    """The most critical sentence of the reply that carries a claim, normalised and stripped of discourse."""
    scored = score_segments(text)
    if not scored:
        return ""

    def clause_of(raw: str) -> str:
        return _strip_discourse(_after_contrast(_strip_discourse(normalise(raw).rstrip(".!?"))))

    ranked = sorted(enumerate(scored), key=lambda pair: (-pair[1].challenge, pair[0]))
    for _, segment in ranked:
        clause = clause_of(segment.text)
        if len(_content(clause)) >= 2 or _DISMISSALS.search(clause):
            return clause
    return max((clause_of(segment.text) for segment in scored), key=lambda c: len(_content(c)))


# Each family turns one shape of claim into questions; the first family that gives two supplies them.


def _from_doubt(clause: str) -> list[str]:
    """ "I doubt P", "why would anyone think P?": ask what supports P."""
    match = _DOUBT.match(clause)
    if match is None:
        return []
    proposition = _tidy(_ADVERB_RUN.sub("", match.group("p")).partition(", ")[0])
    if re.fullmatch(r"(?:that's|this is|it's) (?:true|right|fair|the case)", proposition):
        return _from_counterexample(match.group("p").partition(", ")[2])
    questions = [f"What makes you confident that {proposition}?", f"What have you seen that shows {proposition}?"]
    parsed = parse_clause(proposition)
    if parsed and parsed.verb in load_lexicon().outcome_verbs:
        rest = f" {parsed.rest}" if parsed.rest else ""
        questions.insert(1, f"How have you seen {_subject(parsed.subject)} {parsed.verb}{rest}?")
    elif evidence := re.search(r"\b(data|research|evidence|studies)\b", clause):
        questions.append(f"What {evidence.group(1)} have you seen on whether {proposition}?")
    else:
        questions.append(f"Where have you found that {proposition}?")
    return questions


def _from_counterexample(clause: str) -> list[str]:
    """ "Most of my students prefer paper": ask how the idea adapts to them."""
    match = _COUNTER.match(_tidy(clause))
    if match is None:
        return []
    who, rest = match.group("who"), _tidy(_ADVERB_RUN.sub("", match.group("rest")))
    parsed = parse_clause(f"they {rest}")
    if parsed is None or parsed.copula:
        return []
    described = f"{who} who {rest}"
    return [f"How would you adapt this for {described}?", f"What have you seen work for {described}?"]


def _outcome_questions(subject: str, verb: str, rest: str, modal: str) -> list[str]:
    subject, rest = _subject(subject), f" {_tidy(rest)}" if _tidy(rest) else ""
    lexicon = load_lexicon()
    questions = [f"What makes you confident {subject} {modal} {verb}{rest}?"]
    if verb in lexicon.outcome_verbs and verb not in lexicon.stative_verbs:
        questions.append(f"How have you seen {subject} {verb}{rest}?")
    questions.append(f"What would it take for {_object(subject)} to {verb}{rest}?")
    return questions


def _from_negated_verb(clause: str) -> list[str]:
    """ "This will never work in a high school": ask what would make it work."""
    if expect := _EXPECT.match(clause):
        clause = f"{expect.group('s')} can't {expect.group('r')}"
    clause = _FALLS_APART.sub("can't work", clause)
    match = _NEGATED_VERB.match(clause)
    if match is None:
        return []
    subject, verb, rest = match.group("s"), match.group("v"), match.group("r")
    if verb not in _known_verbs() or len(subject.split()) > 7 or subject in {"i", "you"}:
        return []
    if evidence := _EVIDENCE_SUBJECT.match(subject):
        noun, claim = evidence.group("noun"), f"{third_person(verb)}{' ' + _tidy(rest) if _tidy(rest) else ''}"
        topic = noun if " " in noun else f"{noun} on this"
        return [f"What {noun} have you seen that {claim}?", f"How do you read the {topic}?"]
    neg = match.group("neg")
    modal = "would" if neg in {"won't", "will never", "would never", "wouldn't", "isn't going to"} else "could"
    if neg in {"doesn't", "don't", "didn't", "never"}:
        modal = "can"
    return _outcome_questions(subject, verb, rest, modal)


def _from_critical_verb(clause: str) -> list[str]:
    """ "This ignores X": ask how it accounts for X."""
    match = _CRITICAL_VERB.match(clause)
    if match is None:
        return []
    subject = _subject(_tidy(match.group("s")) or "this")
    if subject in {"you", "i", "we"}:
        subject = "this"
    obj = _tidy(match.group("o"))
    if obj in THIN_POINTS or not _content(obj):
        if "picture" in obj:
            return ["What do you see as the bigger picture here?", "How does this fit into the bigger picture?"]
        return ["What do you see as the main point of this?", "How would you sum up the point of this in a sentence?"]
    return [
        f"How does {subject} account for {obj}?",
        f"How would {subject} change once you factor in {obj}?",
        f"What changes for {subject} when you consider {obj}?",
    ]


def _from_assumption(clause: str) -> list[str]:
    """ "It assumes every student has a device": ask whether that is assumed."""
    match = _ASSUMES.search(clause)
    if match is None:
        return []
    proposition = _tidy(match.group("p"))
    return [f"Are you assuming {proposition}?", f"What would you suggest where it isn't true that {proposition}?"]


def _trailing_phrase(text: str) -> str:
    """The noun phrase at the end of `text`: "kids need structure" -> "structure"."""
    stop = {"is", "are", "was", "were", "about", "for", "like", "on", "with", "to", "need", "needs", "of", "by"}
    phrase: list[str] = []
    for token in reversed(text.split()):
        if token in stop or token in MODALS or (phrase and base_form(token, _known_verbs())):
            break
        phrase.insert(0, token)
    while phrase and phrase[0] in {"mostly", "really", "just", "only", "more", "all", "written"}:
        phrase.pop(0)
    return " ".join(phrase)


def _from_not_contrast(clause: str) -> list[str]:
    """ "Kids need structure, not more freedom": ask how much comes down to one rather than the other."""
    match = _NOT_CONTRAST.match(clause) or _RATHER.match(clause)
    if match is None:
        return []
    parsed = parse_clause(match.group("pre"))
    if parsed and parsed.copula and parsed.rest.split()[:1] in (["a"], ["an"]) and _is_thing(parsed.subject):
        subject, what, other = _subject(parsed.subject), _tidy(parsed.rest), _tidy(match.group("y"))
        return [
            f"What makes {subject} more than {what}?",
            f"How have you seen {subject} work as {other}?",
            f"How would you answer someone who sees {subject} as {what}?",
        ]
    x = _trailing_phrase(match.group("pre"))
    y = _tidy(re.sub(r"^(?:just|about|for|on|more|the)\s+", "", match.group("y")))
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
        positive = _tidy(re.sub(r"\bany\s+", "", predicate.removeprefix("not ")))
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
    if _is_thing(subject):
        questions.insert(2, f"Where have you seen {subject} work well?")
    return questions


def _from_copula(clause: str) -> list[str]:
    """ "X is (just) Y", "this feels like Y"."""
    parsed = parse_clause(_first_clause(clause))
    if parsed is None:
        return []
    if parsed.copula:
        copula, predicate = parsed.copula, parsed.rest
    elif parsed.verb in LINKING_VERBS:
        copula, predicate = ("are" if _plural_subject(parsed.subject) else "is"), parsed.rest.removeprefix("like ")
    else:
        return []
    subject = _subject(parsed.subject)
    if subject in {"i", "you", "we", "there", "what", "who", "here"} or len(subject.split()) > 6:
        return []
    if subject.startswith(("not ", "no ")):
        return []
    predicate = _tidy(_ADVERB_RUN.sub("", predicate))
    predicate = re.sub(r"^(?:a lot|way|far)\s+", "", predicate)
    if not _content(predicate):
        return []
    return _predicate_questions(subject, copula, predicate)


def _from_denied(subject: str, copula: str, predicate: str) -> list[str]:
    """ "Since when is X Y?": the replier denies that X is Y."""
    return [
        f"What makes you see {subject} as {predicate}?",
        f"What would convince a skeptic that {subject} {copula} {predicate}?",
    ]


def _from_should(subject: str, rest: str) -> list[str]:
    """ "Shouldn't we fix the basics first?": a suggestion, asked about openly."""
    return [
        f"What would you say to someone who thinks {subject} should {rest}?",
        f"How does this fit with the idea that {subject} should {rest}?",
    ]


def _from_rhetorical(clause: str) -> list[str]:
    """Questions that already ask, but as a jab: keep their content, drop the jab."""
    clause = clause.rstrip("?").strip()
    if match := _HAS_TIME.match(clause):
        rest = _tidy(match.group("r"))
        return [f"How do you find time {rest}?", f"What helps you make time {rest}?"]
    if match := _POINT_OF.match(clause):
        x, y = _tidy(match.group("x")), match.group("y")
        first = f"What value do you see in {x} even when {_tidy(y)}?" if y else f"What value do you see in {x}?"
        return [first, f"What keeps {x} worthwhile for you?"]
    if match := _HOW_SUPPOSED.match(clause):
        return _outcome_questions(match.group("s"), match.group("v"), match.group("r"), "could")
    if match := _HOW_DIFFERENT.match(clause):
        subject, other = _subject(match.group("s")), _tidy(match.group("o"))
        return [f"What sets {subject} apart from {other}?", f"What's new here compared to {other}?"]
    if match := _KEEP.match(clause):
        activity = _tidy(clause[match.end() :])
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
        return _from_denied(" ".join(words[:split]), match.group("cop"), _tidy(" ".join(words[split:])))
    if match := _NEED_ANOTHER.match(clause):
        thing = _tidy(match.group("o"))
        return [f"What would make {thing} worth the time?", f"What does {thing} add that we don't already have?"]
    if match := _WHO_DOES.match(clause):
        verb = base_form(match.group("v"), _known_verbs())
        if verb:
            rest = _tidy(match.group("r"))
            return [f"How do you get people to {verb} {rest}?", f"What have you seen that shows people {verb} {rest}?"]
    if match := _WHY_MODAL.match(clause):
        body = f"{match.group('s')} {match.group('rest')}".replace(" have to ", " ").split()
        split = next((i for i, w in enumerate(body) if i and w in _known_verbs()), 1)
        subject, words = " ".join(body[:split]), body[split:]
        if words:
            verb, rest = words[0], _tidy(" ".join(words[1:]))
            tail = f" {rest}" if rest else ""
            return [
                f"What would make it worthwhile for {_object(subject)} to {verb}{tail}?",
                f"What makes you confident {subject} would {verb}{tail}?",
            ]
    if match := _INVERSION.match(clause):
        aux, body = match.group("aux"), match.group("body").split()
        copular = aux in NEGATED_COPULAS
        starts = PREDICATE_STARTS | ADVERBS | {"about", "like"} if copular else _known_verbs() | ADVERBS
        split = next((i for i, w in enumerate(body) if i and w in starts), None)
        if split is None:
            return []
        return _from_inversion(aux, " ".join(body[:split]), " ".join(body[split:]))
    if match := _ANOTHER.match(clause):
        np = _tidy(match.group("np"))
        return [f"What makes this more than another {np}?", f"How is this different from another {np}?"]
    return []


def _from_inversion(aux: str, subject: str, rest: str) -> list[str]:
    """ "Isn't that just a buzzword?" asserts "that is just a buzzword"; turn the assertion into questions."""
    positive = {"can't": "can", "won't": "will"}.get(aux, aux.removesuffix("n't"))
    if positive in {"is", "are", "was", "were"}:
        return _from_copula(f"{subject} {positive} {rest}")
    if positive == "should":
        return _from_should(subject, _tidy(rest))
    if positive in {"do", "does", "did"}:
        words = [w for w in rest.split() if w not in ADVERBS]
        if not words:
            return []
        verb = third_person(words[0]) if positive == "does" else words[0]
        return _from_statement(f"{_subject(subject)} {verb} {' '.join(words[1:])}")
    return _from_statement(f"{_subject(subject)} {positive} {rest}")


def _from_wrong_about(clause: str) -> list[str]:
    """ "You're wrong about homework": ask what shaped the author's view."""
    match = _WRONG_ABOUT.search(clause)
    if match is None:
        return []
    topic = _tidy(match.group("np"))
    if not _content(topic):
        return []
    return [
        f"What led you to your view on {topic}?",
        f"What have you seen in classrooms that shaped your thinking on {topic}?",
        f"How would you respond to teachers who see {topic} differently?",
    ]


def _from_dismissal(clause: str) -> list[str]:
    """ "Easier said than done", "sounds nice in theory": ask about practice."""
    match = _DISMISSALS.search(clause)
    if match is None:
        return []
    questions = []
    if lacking := _WHEN_NOT_HAVE.search(clause):
        questions.append(f"How would this work with {_tidy(lacking.group('x'))}?")
    elif having := _WHEN_HAVE.search(clause):
        questions.append(f"How would this work without {_tidy(having.group('x'))}?")
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


def _from_evidence(clause: str) -> list[str]:
    match = re.search(r"\b(evidence|research|data|studies)\b", clause)
    if match is None:
        return []
    return [f"What {match.group(1)} shaped your thinking on this?", f"How do you read the {match.group(1)} on this?"]


def _from_statement(clause: str) -> list[str]:
    """Any other claim: ask how the author answers it, and where the thing it criticises works."""
    clause = _tidy(_ADVERB_RUN.sub("", _first_clause(clause)))
    parsed = parse_clause(clause)
    if parsed is None or not _content(clause):
        return []
    questions = [
        f"How would you respond to the concern that {clause}?",
        f"What would you say to someone who finds that {clause}?",
    ]
    subject = _subject(parsed.subject)
    if _is_thing(subject) and _content(subject):
        questions.insert(1, f"Where have you seen {subject} work well?")
    return questions


def _from_topic(clause: str) -> list[str]:
    """Last resort: the longest run of content words (no verbs, no criticism), asked about openly."""
    lexicon = load_lexicon()
    for family in lexicon.families:
        if family.label == "challenge":
            clause = family.regex.sub(" , ", clause)
    verbs = _known_verbs()
    runs: list[list[str]] = [[]]
    for word in _WORD.findall(clause.replace(",", " , ")) or []:
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


CONTENT_FREE = (
    "Can you help me understand what led you to this view?",
    "What have you seen that I might be missing?",
)

_FAMILIES: tuple[Callable[[str], list[str]], ...] = (
    _from_doubt,
    _from_dismissal,
    _from_rhetorical,
    _from_counterexample,
    _from_critical_verb,
    _from_negated_verb,
    _from_assumption,
    _from_wrong_about,
    _from_not_contrast,
    _from_copula,
    _from_statement,
    _from_topic,
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
    clause = _focus(text)
    candidates: list[str] = []
    if _content(clause) or _DISMISSALS.search(clause):
        for family in _FAMILIES:
            candidates = family(clause)
            if len(candidates) >= 2:
                break
    if len(candidates) < 2:
        candidates = [*candidates, *_from_evidence(clause), *CONTENT_FREE]
    seen: set[str] = set()
    questions = []
    for candidate in candidates:
        question = _restore_case(_clean(candidate), text)
        if question.lower() not in seen:
            seen.add(question.lower())
            questions.append(question)
    return questions[:3]
