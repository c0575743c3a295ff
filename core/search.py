"""The full-text engine that comes with the database: SQLite FTS5 by default, PostgreSQL tsvector + GIN.

Each index is a table keyed by the id of what it indexes (`rowid`). The database splits and folds the text
(FTS5's unicode61 tokenizer without diacritics) or is given the words as `words` splits and folds them
(PostgreSQL, to_tsvector('simple', …)); queries are split and folded by `words` too, so a query means the
same on both. Apps own what goes into
a document (posts: artifacts and comments; accounts: people); this module only stores, matches and ranks.
What a viewer may see is never decided here: selectors join an index to the visibility rule of what it
indexes.

A query is words, "quoted phrases" and prefixes (`conf*`), all of which must match.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.text import fold

# Index name -> its columns, most important first, with their ranking weights (SQLite bm25 column
# weights; PostgreSQL setweight letters A-D in the same order).
INDEXES: dict[str, tuple[str, ...]] = {
    "search_artifacts": ("title", "tags", "source", "body"),
    "search_comments": ("body",),
    "search_people": ("name", "handle", "about"),
}
BM25_WEIGHTS = (10.0, 5.0, 3.0, 1.0)
PG_WEIGHTS = ("A", "B", "C", "D")

MAX_TERMS = 8
MAX_WORD = 40
MAX_DOCUMENT = 200_000  # characters of text indexed per column (a long harvested post is still found)
_WORD = re.compile(r"[^\W_]+")
_QUERY_PART = re.compile(r'"([^"]*)"?|(\S+)')


normalize = fold


def index_text(text: str) -> str:
    return " ".join(words(text[:MAX_DOCUMENT]))


def _for_fts5(text: str) -> str:
    """FTS5 folds case and Latin accents itself; other accents (Greek ά, say) and compatibility forms are
    folded here first, only for the texts that have any (a quick C check tells)."""
    text = text[:MAX_DOCUMENT]
    if text.isascii() or unicodedata.is_normalized("NFKD", text):
        return text
    return fold(text)


def words(text: str) -> list[str]:
    """The words of a text as both databases index them: normalised, split on anything but letters and digits."""
    return _WORD.findall(normalize(text))


@dataclass(frozen=True)
class Term:
    """One thing every result must contain: a word, or words in a row (a phrase); the last may be a prefix."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]
    text: str = ""

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse_query(text: str) -> Query:
    """Words, "phrases" and prefixes (`conf*`). Punctuation inside a word splits it into a phrase
    (student-led = "student led"), as the index does. At most MAX_TERMS terms; nothing to search gives
    an empty (false) Query."""
    terms: list[Term] = []
    for match in _QUERY_PART.finditer(text[:1000]):
        phrase, bare = match.group(1), match.group(2)
        raw = phrase if phrase is not None else bare
        found = [w[:MAX_WORD] for w in words(raw)]
        if not found:
            continue
        prefix = bare is not None and bare.rstrip().endswith("*") and len(found[-1]) >= 2
        term = Term(tuple(found), prefix)
        if term not in terms:
            terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    return Query(tuple(terms), text=text.strip())


# --- Matching ------------------------------------------------------------------------------------------


def fts5_expression(query: Query) -> str:
    """The FTS5 MATCH string: every term quoted (words are letters and digits only, so nothing escapes)."""
    return " ".join('"' + " ".join(term.words) + '"' + ("*" if term.prefix else "") for term in query.terms)


def tsquery_expression(query: Query) -> str:
    """The PostgreSQL to_tsquery('simple', …) string: phrases with <->, prefixes with :*, all ANDed."""
    parts = []
    for term in query.terms:
        quoted = [f"'{w}'" for w in term.words]
        if term.prefix:
            quoted[-1] += ":*"
        parts.append("(" + " <-> ".join(quoted) + ")")
    return " & ".join(parts)


@dataclass(frozen=True)
class Match:
    """SQL for an index joined under its own table name: a condition and a rank (larger is better)."""

    condition: str
    params: tuple[str, ...]
    rank: str
    rank_params: tuple[str, ...]


def match(index: str, query: Query) -> Match:
    """How to find and rank `query` in `index` on the current database (the index must be in the FROM)."""
    if connection.vendor == "postgresql":
        expression = tsquery_expression(query)
        return Match(
            f"{index}.document @@ to_tsquery('simple', %s)",
            (expression,),
            f"ts_rank_cd({index}.document, to_tsquery('simple', %s))",
            (expression,),
        )
    weights = ", ".join(str(w) for w in BM25_WEIGHTS[: len(INDEXES[index])])
    return Match(f"{index} MATCH %s", (fts5_expression(query),), f"-bm25({index}, {weights})", ())


def newest_matches(index: str, query: Query, limit: int) -> list[tuple[int, float]]:
    """The ids of the newest `limit` documents matching the query (by id, newest first) with their relevance
    (larger is better), read from the index alone: the database walks the matches newest first and stops,
    and scores only what it returns, so the cost does not grow with how common the words are."""
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT rowid, ts_rank_cd(document, q) FROM {index}, to_tsquery('simple', %s) AS q "  # noqa: S608
            "WHERE document @@ q ORDER BY rowid DESC LIMIT %s"
        )
        params: list[str | int] = [tsquery_expression(query), limit]
    else:
        weights = ", ".join(str(w) for w in BM25_WEIGHTS[: len(INDEXES[index])])
        sql = (
            f"SELECT rowid, -bm25({index}, {weights}) FROM {index} "  # noqa: S608 - names and weights are ours
            f"WHERE {index} MATCH %s ORDER BY rowid DESC LIMIT %s"
        )
        params = [fts5_expression(query), limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(pk), float(score)) for pk, score in cursor.fetchall()]


# --- Writing ---------------------------------------------------------------------------------------------

Document = Mapping[str, str]


def store(index: str, documents: Iterable[tuple[int, Document]], *, batch: int = 500) -> int:
    """Index (or re-index) documents by id; columns missing from a document are empty. Returns how many."""
    columns = INDEXES[index]
    count = 0
    chunk: list[tuple[int, list[str]]] = []
    # On SQLite, FTS5's unicode61 tokenizer folds case and accents and splits words in C just as `words`
    # does. PostgreSQL's parser splits differently (node.js, e-mail addresses, hyphenated words are kept
    # whole) and keeps accents, so it is given our words, and a query's words then always mean the same.
    prepare = index_text if connection.vendor == "postgresql" else _for_fts5
    for pk, document in documents:
        chunk.append((pk, [prepare(document.get(c, "")) for c in columns]))
        if len(chunk) >= batch:
            count += _write(index, columns, chunk)
            chunk = []
    if chunk:
        count += _write(index, columns, chunk)
    return count


def _write(index: str, columns: Sequence[str], chunk: list[tuple[int, list[str]]]) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            vector = " || ".join(
                f"setweight(to_tsvector('simple', %s), '{weight}')" for weight in PG_WEIGHTS[: len(columns)]
            )
            cursor.executemany(
                f"INSERT INTO {index} (rowid, document) VALUES (%s, {vector}) "  # noqa: S608 - names are ours
                "ON CONFLICT (rowid) DO UPDATE SET document = EXCLUDED.document",
                [(pk, *values) for pk, values in chunk],
            )
        else:
            ids = [pk for pk, _ in chunk]
            cursor.execute(
                f"DELETE FROM {index} WHERE rowid IN ({', '.join(['%s'] * len(ids))})",  # noqa: S608
                ids,
            )
            cursor.executemany(
                f"INSERT INTO {index} (rowid, {', '.join(columns)}) "  # noqa: S608
                f"VALUES (%s, {', '.join(['%s'] * len(columns))})",
                [(pk, *values) for pk, values in chunk],
            )
    return len(chunk)


def remove(index: str, ids: Iterable[int]) -> None:
    """Take documents out of an index (missing ones are fine)."""
    ids = list(ids)
    if not ids:
        return
    INDEXES[index]
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            cursor.execute(
                f"DELETE FROM {index} WHERE rowid IN ({', '.join(['%s'] * len(part))})",  # noqa: S608
                part,
            )


def clear(index: str) -> None:
    INDEXES[index]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {index}")  # noqa: S608


def optimize(index: str) -> None:
    """After a rebuild: merge FTS5's segments, or refresh PostgreSQL's statistics."""
    INDEXES[index]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {index}")
        else:
            cursor.execute(f"INSERT INTO {index}({index}) VALUES ('optimize')")  # noqa: S608


# --- Snippets --------------------------------------------------------------------------------------------


def _hits(tokens: list[str], query: Query) -> list[tuple[int, int]]:
    """(first, last) token positions of every place a term matches."""
    found = []
    for term in query.terms:
        n = len(term.words)
        for i in range(len(tokens) - n + 1):
            ok = all(tokens[i + k] == term.words[k] for k in range(n - 1))
            last = tokens[i + n - 1]
            if ok and (last.startswith(term.words[-1]) if term.prefix else last == term.words[-1]):
                found.append((i, i + n - 1))
    return found


def highlight(text: str, query: Query, *, words_around: int = 14, whole: bool = False) -> SafeString:
    """The text (or, unless `whole`, the part around the first match) escaped, with each match in <mark>.

    Matching uses the index's rules (case and accents ignored), while the reader sees the text as written.
    """
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    tokens = [normalize(text[a:b]) for a, b in spans]
    # A token may normalise to several words (ß → ss is one; ﬃ → ffi too); compare on the first one.
    tokens = [t.split()[0] if t.split() else t for t in tokens]
    hits = _hits(tokens, query) if query else []
    if whole or not spans:
        first, last = 0, len(spans) - 1
    else:
        centre = hits[0][0] if hits else 0
        first = max(0, centre - words_around // 2)
        last = min(len(spans) - 1, first + words_around * 2)
    if not spans:
        return mark_safe(escape(text))
    marked = {i for a, b in hits for i in range(a, b + 1)}
    start = 0 if whole or first == 0 else spans[first][0]
    end = len(text) if whole or last == len(spans) - 1 else spans[last][1]
    out = ["…" if start > 0 else ""]
    pos = start
    for i in range(first, last + 1):
        a, b = spans[i]
        out.append(escape(text[pos:a]))
        out.append(f"<mark>{escape(text[a:b])}</mark>" if i in marked else escape(text[a:b]))
        pos = b
    out.append(escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return mark_safe("".join(out))
