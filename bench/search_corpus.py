"""A deterministic corpus of educator blog posts for the search benchmark (standard library only).

Words are drawn from a Zipf-like distribution (weight 1/rank) over a 50,000-word vocabulary: function words
first, then real education words spread over every frequency band (so a query word can be picked for how
many documents it matches: common ~5–10%, mid ~0.5%, rare ~0.03%), and made-up words in between. Each
document also carries a few two-word education phrases (so phrase queries find something) and, now and
then, French words with accents (élève, réflexion) that the index folds to plain letters.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

VOCABULARY_SIZE = 50_000


def _split(text: str) -> list[str]:
    return text.split()


FUNCTION_WORDS = _split(
    """
    the of and to a in that is for it with as was on be this are by at we have from or an they which you one
    were all their there can been has more if will what when so them would about my our how do some into than
    its also out other only could up these most our time just like then who very way each because many those
    even much where while your both through before after here should over
    """
)
# Education words, most frequent first; each gets a rank spread geometrically from ~110 to ~45,000.
EDUCATION_WORDS = _split(
    """
    students learning teachers classroom school teaching learn student teacher questions ideas innovation work
    thinking year lesson class reading writing together children share community change week time feedback
    project math science research practice learners skills voice growth mindset creative design support
    curriculum technology goals assessment professional parents kids reflection culture leadership powerful
    collaboration digital choice engagement inquiry world blog problem solving lessons education process
    experience conversation strategies understanding authentic purpose discussion relationships innovative
    students' observation curiosity personalized opportunity meaningful connections empathy listening models
    effective standards agency ownership interests passion literacy history art music coding robotics
    portfolio rubric formative summative differentiation scaffolding peers mentors coaching network networks
    twitter podcast video images presentation audience environment space furniture flexible seating makerspace
    library librarian principal superintendent district policy budget schedule homework grades grading testing
    attendance wellbeing mindfulness resilience grit failure risk courage trust respect kindness belonging
    identity equity inclusion diversity access bilingual élève réflexion pédagogie multilingual newcomers
    families outreach volunteers partnerships innovate innovator innovators innovating prototype iteration
    feedforward exemplar exemplars anchor chart charts sketchnotes doodles journals notebooks conferring
    workshop minilesson readaloud phonics fluency vocabulary comprehension novel novels poetry essay essays
    argument evidence claim reasoning hypothesis experiment lab fractions geometry algebra calculus statistics
    probability estimation manipulatives ecosystems photosynthesis geology astronomy chemistry physics biology
    genetics geography civics economics archaeology anthropology philosophy ethics debate metacognition
    neuroplasticity executive function retrieval spacing interleaving elaboration dual coding cognitive load
    schema transfer mastery competency microcredentials badges gamification simulations augmented virtual
    drones spreadsheets databases algorithms pseudocode debugging microcontrollers circuits soldering
    woodworking ceramics textiles choreography orchestra ensemble rehearsal kaleidoscope serendipity ubuntu
    ikigai wabisabi hygge sisu lagom kaizen gemba heutagogy andragogy peeragogy connectivism constructivism
    constructionism montessori reggio waldorf froebel dewey vygotsky piaget bruner freire hattie
    """
)
# Two-word phrases (most frequent first) placed whole into documents.
PHRASES = [
    "growth mindset",
    "student voice",
    "professional learning",
    "formative assessment",
    "project based",
    "digital citizenship",
    "learning community",
    "innovator's mindset",
    "student agency",
    "critical thinking",
    "deeper learning",
    "design thinking",
    "personalized learning",
    "inquiry based",
    "social emotional",
    "flipped classroom",
    "learning spaces",
    "peer feedback",
    "student choice",
    "teacher leadership",
    "authentic audience",
    "genius hour",
    "universal design",
    "restorative practices",
    "culturally responsive",
    "exit tickets",
    "maker education",
    "visible thinking",
    "blended learning",
    "learning walks",
    "reading workshop",
    "number talks",
    "station rotation",
    "productive struggle",
    "cognitive apprenticeship",
    "retrieval practice",
    "spaced repetition",
    "assessment literacy",
    "mastery grading",
    "portfolio defense",
]
TAGS = [
    "innovation",
    "mindset",
    "edtech",
    "pbl",
    "assessment",
    "feedback",
    "leadership",
    "literacy",
    "math",
    "science",
    "stem",
    "steam",
    "sel",
    "equity",
    "reflection",
    "studentvoice",
    "studentled",
    "makerspace",
    "coding",
    "reading",
    "writing",
    "inquiry",
    "designthinking",
    "growthmindset",
    "pedagogie",
    "wellbeing",
    "blogging",
    "podcast",
    "portfolio",
    "gamification",
]
TITLE_TEMPLATES = [
    "Reflections on {p}",
    "What {w} taught me about {p}",
    "Week {n}: {W} and {w}",
    "Why {p} matters",
    "{P} in my classroom",
    "Five lessons about {w}",
    "Rethinking {w} with my students",
    "From {w} to {w2}: a year of {p}",
    "{W}, {w2} and the {p} question",
    "How we tried {p} (and what happened)",
]
SYLLABLES = [c + v for c in "bdfklmnrstvz" for v in "aeiou"]
MIN_WORDS, MAX_WORDS = 60, 200
PHRASE_SHARE = 0.6  # chance a document carries each of up to three phrase slots


def _made_up_words(count: int, rng: random.Random, taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) + rng.choice(["", "n", "r", "s", "l"])
        if word not in taken:
            taken.add(word)
            out.append(word)
    return out


def build_vocabulary(seed: int = 7) -> list[str]:
    """The vocabulary, most frequent first: function words, then education words at geometric ranks."""
    rng = random.Random(seed)
    ranks: dict[int, str] = {i: w for i, w in enumerate(dict.fromkeys(FUNCTION_WORDS))}
    education = [w for w in dict.fromkeys(EDUCATION_WORDS) if w not in ranks.values()]
    low, high = 110, 45_000
    for i, word in enumerate(education):
        rank = int(low * (high / low) ** (i / (len(education) - 1)))
        while rank in ranks:
            rank += 1
        ranks[rank] = word
    taken = set(ranks.values())
    fill = iter(_made_up_words(VOCABULARY_SIZE - len(ranks), rng, taken))
    return [ranks[r] if r in ranks else next(fill) for r in range(VOCABULARY_SIZE)]


@dataclass
class Corpus:
    """Draws documents; `expected_share(word)` is the share of documents a word is expected to appear in."""

    seed: int = 7

    def __post_init__(self) -> None:
        self.vocabulary = build_vocabulary(self.seed)
        self.rank = {w: r for r, w in enumerate(self.vocabulary)}
        weights = [1.0 / (r + 1) for r in range(len(self.vocabulary))]
        self.total = sum(weights)
        self.cum = list(itertools.accumulate(weights))
        phrase_weights = [1.0 / (i + 1) for i in range(len(PHRASES))]
        self.phrase_total = sum(phrase_weights)
        self.phrase_cum = list(itertools.accumulate(phrase_weights))
        self.rng = random.Random(self.seed)

    def token_probability(self, word: str) -> float:
        return (1.0 / (self.rank[word] + 1)) / self.total

    def expected_share(self, word: str) -> float:
        """Share of documents containing the word (body only; titles and tags add a little)."""
        mean_len = (MIN_WORDS + MAX_WORDS) / 2
        return 1 - math.exp(-mean_len * self.token_probability(word))

    def phrase_share(self, phrase: str) -> float:
        p = (1.0 / (PHRASES.index(phrase) + 1)) / self.phrase_total
        return 1 - (1 - PHRASE_SHARE * p) ** 3

    def words_with_share(self, low: float, high: float) -> list[str]:
        """Education words (never made-up ones) expected in between low and high of the documents."""
        return [w for w in EDUCATION_WORDS if w in self.rank and low <= self.expected_share(w) <= high]

    def body(self) -> str:
        rng = self.rng
        n = rng.randint(MIN_WORDS, MAX_WORDS)
        tokens = rng.choices(self.vocabulary, cum_weights=self.cum, k=n)
        for _ in range(3):
            if rng.random() < PHRASE_SHARE:
                phrase = PHRASES[bisect.bisect(self.phrase_cum, rng.random() * self.phrase_total)]
                tokens.insert(rng.randrange(len(tokens) + 1), phrase)
        sentences = []
        i = 0
        while i < len(tokens):
            step = rng.randint(8, 18)
            sentence = " ".join(tokens[i : i + step])
            sentences.append(sentence[:1].upper() + sentence[1:] + ".")
            i += step
        return " ".join(sentences)

    def title(self, week: int) -> str:
        rng = self.rng
        w, w2 = rng.choices(self.vocabulary[100:3000], cum_weights=self.cum[100:3000], k=2)
        p = PHRASES[bisect.bisect(self.phrase_cum, rng.random() * self.phrase_total)]
        template = rng.choice(TITLE_TEMPLATES)
        return template.format(w=w, w2=w2, W=w.capitalize(), p=p, P=p.capitalize(), n=week)

    def tags(self) -> list[str]:
        return sorted(set(self.rng.choices(TAGS, weights=[1 / (i + 1) for i in range(len(TAGS))], k=2)))


def documents(corpus: Corpus, count: int) -> Iterator[tuple[str, str]]:
    for _ in range(count):
        yield corpus.title(corpus.rng.randint(1, 6)), corpus.body()
