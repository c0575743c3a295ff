"""Words, verb forms and simple clauses: the grammar the question rewordings are built on."""

import re
from dataclasses import dataclass

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
EXTRA_VERBS = _wordset(
    """confuse kill add put take spend pick prefer equal cause hurt harm undermine distract waste ruin give keep
    require cost ignore overlook miss come go say tell show prove follow provide allow let turn pull push set
    create encourage discourage punish reward replace chase assume blame imply suggest fix start stop try focus
    lose win move sit stand play watch listen speak talk ask answer try run bring leave find feel call treat
    measure grade test assess plan prepare practise practice design adopt choose decide ban limit force drop
    remove cut destroy damage exhaust overwhelm burden demand depend rely cover fall break hold fail approve
    buy read give"""
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
    """The third person singular of a base-form verb: `work` -> `works`, `try` -> `tries`."""
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


def known_verbs() -> frozenset[str]:
    """The lexicon's outcome and stative verbs and the extra verbs above, in base form."""
    lexicon = load_lexicon()
    return lexicon.outcome_verbs | lexicon.stative_verbs | EXTRA_VERBS


def plural_subject(subject: str) -> bool:
    """True when the subject takes a plural verb ("we", "students", "makerspaces")."""
    last = subject.split()[-1]
    return last in {"we", "they", "you", "i", "people", "children", "kids", "students", "teachers"} or (
        last.endswith("s") and not last.endswith(("ss", "is", "us"))
    )


def parse_clause(text: str) -> Clause | None:
    """Split `text` (normalised) into subject, verb and rest, or None when no verb is found near the start."""
    verbs = known_verbs()
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
        if verb is not None and (token != verb or plural_subject(subject)):
            return Clause(subject, verb, " ".join(rest))
    return None


def as_subject(subject: str) -> str:
    """Refer to the post or idea as "this" and to the replier's own setting generically ("a school like mine")."""
    if subject in {"it", "that", "this", "this one", "that one", "which"}:
        return "this"
    if owned := re.fullmatch(r"(my|our) ([\w-]+)", subject):
        owner = "mine" if owned.group(1) == "my" else "ours"
        noun = owned.group(2)
        return f"{noun} like {owner}" if plural_subject(noun) else f"a {noun} like {owner}"
    return subject


def as_object(subject: str) -> str:
    """The object form of a subject pronoun ("we" -> "us"); other subjects unchanged."""
    return PRONOUN_OBJECTS.get(subject, subject)


def is_thing(subject: str) -> bool:
    """True for a practice or idea ("flexible seating"), false for people and pronouns ("students", "we")."""
    words = subject.split()
    return (
        bool(words)
        and words[-1] not in PEOPLE
        and words[0] not in {"not", "no", "my", "our", "every", "most", "this"}
        and not NOT_PRACTICES.intersection(words)
    )
