"""The local advertising scorer: pure functions over a comment's text and the post it answers (no database).

It scores the self-promotion pattern blogs see: a short, generic comment praising a product ("Educational
software like X is the effective way to …"), a link to a shop or a product's landing page, and not one word
about the post. Each signal is graded 0–1 and weighted; only all three together pass the threshold
(SPAM_SCORE_THRESHOLD, 0.75; a long generic advert reaches it too). A miss costs a facilitator a removal; a
false alarm hides a teacher's reply, so the rules lean towards letting through: a link to a school, a blog
host or any page but a shop's or a landing page, a word of the writer's own class or students, or a word
from the post (or from the link's path) is enough to keep a comment out.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

URL_RE = re.compile(
    r"""(?:https?://|www\.)[^\s<>"')\]]+"""  # an address written out
    r"""|\b(?:[a-z0-9-]+\.)+(?:com|net|io|co|biz|info|shop|store|online|site|xyz|app)\b(?:/[^\s<>"')\]]*)?""",
    re.IGNORECASE,
)
WORD_RE = re.compile(r"[a-z][a-z'’-]+")

# Hosts where teachers write and share their own work: a link there is a person's, not a shop's.
EDUCATION_AND_BLOG_HOSTS = (
    "wordpress.com",
    "blogspot.com",
    "blogger.com",
    "edublogs.org",
    "medium.com",
    "substack.com",
    "weebly.com",
    "wixsite.com",
    "sites.google.com",
    "docs.google.com",
    "drive.google.com",
    "youtube.com",
    "youtu.be",
    "vimeo.com",
    "wikipedia.org",
    "github.com",
    "tumblr.com",
    "ghost.io",
    "edutopia.org",
    "ascd.org",
    "iste.org",
    "georgecouros.ca",
)
# Endings of non-commercial hosts: schools, universities, governments, blogs.
NON_COMMERCIAL_ENDINGS = (".edu", ".gov", ".blog", ".school", ".k12.us", ".sch.uk", ".ac.uk", ".edu.au", ".org.uk")
COMMERCIAL_ENDINGS = (".com", ".net", ".io", ".co", ".biz", ".info", ".shop", ".store", ".online", ".site", ".xyz")
SHOP_PATH_RE = re.compile(
    r"shop|store|product|buy|pricing|price|deal|discount|order|cart|checkout|offer|promo|coupon|signup|trial",
    re.IGNORECASE,
)
AFFILIATE_RE = re.compile(r"(?:^|[?&])(?:ref|aff|affiliate|utm_[a-z]+|coupon|promo)=", re.IGNORECASE)
DATED_PATH_RE = re.compile(r"/(?:19|20)\d\d/")

# Generic praise and sales talk: could be said of any post, or of a product.
PRAISE_RE = re.compile(
    r"\b(?:(?:great|nice|good|awesome|amazing|excellent|wonderful|informative|useful|helpful|interesting)"
    r" (?:post|article|blog|read|content|info|information|write-?up|site|website|share)"
    r"|thanks? (?:you )?for (?:sharing|the (?:post|article|info|information))"
    r"|very (?:informative|helpful|useful|nice|interesting)"
    r"|keep (?:it|up the good work)|well written|really enjoyed (?:this|reading)"
    r"|(?:is|are) (?:the|a) (?:most |very |best |)(?:effective|best|easiest|fastest|ultimate|perfect|smartest)"
    r" (?:way|tool|solution|platform|app|choice)"
    r"|(?:software|tools?|apps?|platforms?|products?|services?) like"
    r"|check (?:it )?out|click here|visit (?:our|my|the) (?:site|website|page|store|shop)"
    r"|highly recommend|best price|affordable|top[- ]rated|free trial|sign up (?:today|now)|buy now"
    r"|(?:our|this) (?:product|platform|service|software|company))\b",
    re.IGNORECASE,
)
# Words of a teacher's own practice: a comment that has them is about someone's teaching, not generic.
OWN_PRACTICE_RE = re.compile(
    r"\b(?:my|our) (?:students?|class(?:es|room)?|kids|learners|school|staff|team|grade|district|blog|post)"
    r"|\b(?:i|we) (?:tried|wrote|teach|used|use|started|do|did|have been)\b"
    r"|\bin my\b",
    re.IGNORECASE,
)

_STOPWORD_TEXT = """
    a about above after again all also am an and any are as at be because been before being below between both
    but by can could did do does doing down during each few for from further had has have having he her here hers
    him his how i if in into is it its itself just like me more most my no nor not now of off on once only or other
    our ours out over own same she should so some such than that the their them then there these they this those
    through to too under until up very was we were what when where which while who whom why will with would you
    your yours really just way ways thing things one get got make made much many lot lots well thanks thank"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
SHORT_WORDS = 60


@dataclass(frozen=True)
class Score:
    """How much a comment looks like advertising (0–1), and its signals (each 0–1)."""

    commercial_link: float
    generic_praise: float
    unrelated: float

    @property
    def total(self) -> float:
        return round(0.4 * self.commercial_link + 0.3 * self.generic_praise + 0.3 * self.unrelated, 3)


def links(text: str) -> list[str]:
    """The web addresses written in the text (with or without http://, www. or a path)."""
    return [match.group(0).rstrip(".,;:!?") for match in URL_RE.finditer(text)]


def _host_and_path(link: str) -> tuple[str, str, str]:
    parts = urlsplit(link if "://" in link else f"http://{link}")
    return (parts.hostname or "").lower().removeprefix("www."), parts.path, parts.query


def link_commerciality(link: str) -> float:
    """1 for a shop, a product page, an affiliate link or a landing page on a commercial host; 0.3 for any
    other page, or an unknown host elsewhere (.org, a country); 0 for schools, blog hosts, video sites.
    Only a 1 can make a comment score as advertising."""
    host, path, query = _host_and_path(link)
    if not host:
        return 0.0
    if any(host == known or host.endswith("." + known) for known in EDUCATION_AND_BLOG_HOSTS):
        return 0.0
    if host.endswith(NON_COMMERCIAL_ENDINGS) or ".k12." in host:
        return 0.0
    if not host.endswith(COMMERCIAL_ENDINGS) or DATED_PATH_RE.search(path):
        return 0.3  # .org and country domains, a dated post on someone's own blog: seldom a shop
    if path.strip("/") == "" or SHOP_PATH_RE.search(path) or AFFILIATE_RE.search(query):
        return 1.0
    return 0.3


def _content_words(text: str) -> set[str]:
    """Lower-cased words of three letters or more, without stopwords or a plural -s; of an address, only the
    words of its path (a link to "/student-choice/" is about student choice; a shop's host says nothing)."""
    paths = " ".join(_host_and_path(link)[1].replace("-", " ").replace("_", " ") for link in links(text))
    text = URL_RE.sub(" ", text.lower()) + " " + paths.lower()
    words = set()
    for word in WORD_RE.findall(text):
        word = word.strip("'’-")
        if len(word) < 3 or word in STOPWORDS:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.add(word)
    return words


def score(comment: str, context: str) -> Score:
    """Score `comment` against `context` (the title and text of what it answers)."""
    found = links(comment)
    commercial = max((link_commerciality(link) for link in found), default=0.0)
    words = len(WORD_RE.findall(URL_RE.sub(" ", comment.lower())))
    praise = 0.0
    if PRAISE_RE.search(comment) and not OWN_PRACTICE_RE.search(comment):
        praise = 1.0 if words <= SHORT_WORDS else 0.5
    unrelated = 0.0 if _content_words(comment) & _content_words(context) else 1.0
    return Score(commercial_link=commercial, generic_praise=praise, unrelated=unrelated)


def looks_like_advertising(comment: str, context: str, threshold: float = 0.75) -> bool:
    """True when the comment's score reaches the threshold (a commercial link is always needed)."""
    result = score(comment, context)
    return result.commercial_link > 0 and result.total >= threshold
