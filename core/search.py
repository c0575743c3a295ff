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

import html
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
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


@dataclass(frozen=True)
class Within:
    """Documents narrowed to a set of ids: SQL selecting them, with its parameters. When the set is the rows
    of `table` whose `column` equals `value` (a course's artifacts), that is said too: SQLite then checks
    each match against the single-column index on `column` (its entries end with the id) instead of
    building the set, which costs tens of thousands of rows for a course.

    `facets`, if given, name the same set (or a little more) by the facet words its documents were indexed
    with (see `store`): any one of them. PostgreSQL then narrows the matches inside the GIN index, before
    reading a row, instead of joining the set. `small` says the facets name a few thousand documents at most
    (a course's week): PostgreSQL then reads all their matches in one scan rather than window by window."""

    sql: str
    params: tuple[Any, ...] = ()
    table: str = ""
    column: str = ""
    value: Any = None
    facets: tuple[str, ...] = ()
    small: bool = False


def newest_matches(
    index: str,
    query: Query,
    limit: int,
    *,
    within: Sequence[Within] = (),
    probe: Within | None = None,
    below: int | None = None,
) -> list[tuple[int, float]]:
    """The ids of the newest `limit` documents matching the query (by id, newest first) with their relevance
    (larger is better), read from the index alone: the database walks the matches newest first and stops,
    and scores only what it returns, so the cost does not grow with how common the words are.

    `within` keeps only documents in every one of these sets (a search narrowed by filters): the index stays
    the outer loop and each match is looked up in the sets. `probe`, a small set, is walked instead, each of
    its documents looked up in the index (a person's posts): walking the index would read every match.
    `below`: only documents with a smaller id (the next batch after one whose oldest id it is)."""
    if connection.vendor == "postgresql":
        return _pg_newest_matches(index, query, limit, within, probe, below)
    weights = ", ".join(str(w) for w in BM25_WEIGHTS[: len(INDEXES[index])])
    where = f"{index} MATCH %s"
    params: list[Any] = [fts5_expression(query)]
    if below is not None:
        where += " AND rowid < %s"
        params.append(int(below))
    for part in within:
        if not part.sql:  # facets only (PostgreSQL's)
            continue
        named = _single_column_index(part.table, part.column) if part.column else None
        if named:
            where += (
                f' AND EXISTS (SELECT 1 FROM "{part.table}" INDEXED BY "{named}" '  # noqa: S608
                f'WHERE "{part.column}" = %s AND rowid = {index}.rowid)'
            )
            params.append(part.value)
        else:
            # `+rowid` is not offered to FTS5 as a constraint: the index is walked newest first and
            # each match looked up in the set, built once (an ephemeral table).
            where += f" AND +rowid IN ({part.sql})"
            params += part.params
    with connection.cursor() as cursor:
        if probe is not None:
            # FTS5 looks up each id of `probe`. Its bm25() would count the phrase's documents again for
            # each lookup (FTS5 restarts its cursor for each), or, given the ids as a range, read every
            # match in it: the few found are scored here instead, with the same formula (bm25_scores).
            cursor.execute(
                f"SELECT rowid FROM {index} WHERE {where} AND rowid IN ({probe.sql})",  # noqa: S608
                [*params, *probe.params],
            )
            ids = sorted((int(row[0]) for row in cursor.fetchall()), reverse=True)[:limit]
            scores = bm25_scores(index, query, ids, exact=len(query.terms) > 1)
            return [(pk, scores[pk]) for pk in ids]
        cursor.execute(
            f"SELECT rowid, -bm25({index}, {weights}) FROM {index} WHERE {where} ORDER BY rowid DESC LIMIT %s",  # noqa: S608
            [*params, limit],
        )
        return [(int(pk), float(score)) for pk, score in cursor.fetchall()]


# --- PostgreSQL: newest first through the GIN index --------------------------------------------------------
#
# A GIN index answers "which documents contain these words" but not in order, and every match it returns
# costs a read of the document's row (a tsvector, about 2 KB: a 1,000,000-document table is a few GB and
# rarely in PostgreSQL's memory). Reading every match of a mid-frequency word to keep the newest 1,000 read
# 40,000 rows; walking the table newest first and testing each row read 25,000. So each document is also
# indexed with *facet words* nobody can type (they start with "~", and a query's words are letters and
# digits): the bucket of its id at each of LEVELS sizes (`~b<level>_<id // size>`) and what the filters narrow
# by (`~c<course>`, `~p<prompt>`, `~d<day>` …, see posts.search_index). A query for the newest matches
# asks GIN for the words AND the newest buckets (AND the filters' facets), which GIN intersects in the
# index, skipping through the long lists, before reading a row: only the matches in that window are
# read. The window is sized from the planner's estimate of how common the query is, the next one from
# what the last one held, until enough are found; the last step takes everything older.

BUCKET = 4096  # ids in the smallest bucket; each level's buckets are LEVEL_RATIO times the one below
LEVEL_RATIO = 4
LEVELS = 4  # 4,096, 16,384, 65,536 and 262,144 ids
WINDOW_MARGIN = 1.3  # read a window expected to hold this many times the matches still wanted


def _sizes() -> list[int]:
    return [BUCKET * LEVEL_RATIO**level for level in range(LEVELS)]


def facet_words(pk: int, facets: str = "") -> list[str]:
    """The facet words a document is indexed with on PostgreSQL: its id's bucket at each level, and its
    own facets."""
    buckets = [f"~b{level}_{pk // size}" for level, size in enumerate(_sizes())]
    return [*buckets, *(f"~{word}" for word in facets.split())]


def _window(hi: int, span: int, *, newest: int) -> tuple[list[str], int]:
    """Bucket words naming the ids in [lo, hi) for some lo ≤ hi - span, and lo: buckets no bigger than half
    the span (so a window is at most 1.5 times as wide as asked), each the biggest that fits where it
    starts, so a window is a handful of words whatever its width (GIN pays for each word it reads): at most
    three of each smaller size to reach the largest's boundary, then the largest ones. No id
    is above `newest`, so a window reaching past it may start at any bucket boundary above."""
    sizes = _sizes()
    largest = max([size for size in sizes if size <= span // 2] or [sizes[0]])
    at = -(-hi // largest) * largest if hi > newest else hi
    words: list[str] = []
    while at > hi - span:
        level, size = max((level, size) for level, size in enumerate(sizes) if size <= largest and at % size == 0)
        words.append(f"~b{level}_{at // size - 1}")
        at -= size
    return words, at


def _any_of(words: Iterable[str]) -> str:
    """A tsquery (input syntax, not parsed into words) matching any of these facet words."""
    return "(" + " | ".join(f"'{word}'" for word in words) + ")"


def _pg_newest_matches(
    index: str, query: Query, limit: int, within: Sequence[Within], probe: Within | None, below: int | None = None
) -> list[tuple[int, float]]:
    expression = tsquery_expression(query)
    parts = [*within, *([probe] if probe is not None else [])]
    facets = [_any_of(f"~{word}" for word in part.facets) for part in parts if part.facets]
    joined = [part for part in parts if not part.facets]

    ceiling = int(below) if below is not None else None  # every window stays below it

    def window(words: list[str], below: int | None, wanted: int, *, fenced: bool = False) -> list[tuple[int, float]]:
        narrowed = " & ".join([*facets, *([_any_of(words)] if words else [])])
        sql = f"SELECT rowid, document FROM {index} WHERE "  # noqa: S608
        params: list[Any] = []
        if narrowed:
            sql += "document @@ (to_tsquery('simple', %s) && %s::tsquery)"
            params += [expression, narrowed]
        else:
            sql += "document @@ to_tsquery('simple', %s)"
            params.append(expression)
        for bound in (below, ceiling):
            if bound is not None:
                sql += " AND rowid < %s"
                params.append(bound)
        for part in joined:
            sql += f" AND rowid IN ({part.sql})"
            params += part.params
        # In a window, OFFSET 0 keeps the ORDER BY … LIMIT outside: the planner would otherwise walk the
        # table newest first testing each row, hoping to stop early. Ranked after the limit, in the query
        # level above it, so only the rows kept pay for ts_rank_cd; each carries its document through the
        # top-N sort from the row the scan already read. (Looking the kept rows up again by id to rank
        # them cost 4 buffers and ~7 µs a row: 18 -> 12 ms for a common word in a big week.)
        fence = " OFFSET 0" if words or fenced else ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, ts_rank_cd(document, to_tsquery('simple', %s)) "  # noqa: S608
                f"FROM (SELECT rowid, document FROM ({sql}{fence}) AS m ORDER BY rowid DESC LIMIT %s) AS c "
                "ORDER BY rowid DESC",
                [expression, *params, wanted],
            )
            return [(int(pk), float(score)) for pk, score in cursor.fetchall()]

    if any(part.small and part.facets for part in within) and not any(term.prefix for term in query.terms):
        # A few thousand documents (a course's week), so a few hundred matches of even a common word: fewer
        # than a search keeps, or not many more. Windows would end up reading them all, with a GIN scan
        # each; one scan reads them at once (measured on the 1M bench database: see bench/README.md).
        return window([], None, limit, fenced=True)
    with connection.cursor() as cursor:
        if ceiling is None:
            cursor.execute(f"SELECT max(rowid) FROM {index}")  # noqa: S608
        else:
            cursor.execute(f"SELECT max(rowid) FROM {index} WHERE rowid < %s", [ceiling])  # noqa: S608
        top = cursor.fetchone()[0]
    if top is None:
        return []
    found: list[tuple[int, float]] = []
    hi = (int(top) // BUCKET + 1) * BUCKET
    # No window for a small set probed (it is read whole), nor for a prefix: GIN collects every document
    # of every word a prefix covers before it can intersect (100 ms for innov*), so the planner's own plan
    # (for a common prefix: the newest documents tested one by one) is cheaper.
    if probe is None and not any(term.prefix for term in query.terms):
        density = _estimate(index, query, " & ".join(facets))  # matches per id, expected
        # The planner's estimate can be far too low (a week's days and prompts: 1,426 for 5,011), and a
        # window sized on it would read every match: the first window is at most a quarter of the ids.
        first_widest = max(BUCKET, hi // 4 // BUCKET * BUCKET)
        while len(found) < limit:
            wanted = limit - len(found)
            span = BUCKET * max(1, math.ceil(wanted * WINDOW_MARGIN / max(density, 1e-9) / BUCKET))
            if hi > top:  # the first window (later ones start at or below the newest id)
                span = min(span, first_widest)
            if hi - span <= 0:
                break
            words, lo = _window(hi, span, newest=int(top))
            more = window(words, None, wanted)
            found += more
            # The next window from what this one held (four times as wide if it held nothing), over the
            # ids it could hold: the first reaches past the newest id.
            density = len(more) / (min(hi, int(top) + 1) - lo) if more else density / 4
            hi = lo
        else:
            return found[:limit]
    return found + window([], hi, limit - len(found))


def _estimate(index: str, query: Query, narrowed: str) -> float:
    """The share of documents the query may match, at most: the smallest of its words' (with the facets).
    The planner multiplies words' shares as if they were unrelated, but words in a phrase go together
    ("exit tickets": estimated 436 documents of 1,000,000, found in 21,959), and a window sized on that
    would read them all; too high an estimate costs a few more, smaller windows."""
    words = [
        (word, term.prefix and i == len(term.words) - 1) for term in query.terms for i, word in enumerate(term.words)
    ]
    return min(_share(index, f"'{word}'" + (":*" if prefix else ""), narrowed) for word, prefix in words[:MAX_TERMS])


def _share(index: str, expression: str, narrowed: str = "") -> float:
    """PostgreSQL: the planner's estimate of the share of documents the query (and facets) match (its
    statistics of the tsvectors' words; planning only, nothing read)."""
    condition, params = "document @@ to_tsquery('simple', %s)", [expression]
    if narrowed:
        condition, params = "document @@ (to_tsquery('simple', %s) && %s::tsquery)", [expression, narrowed]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {index} WHERE {condition}", params)  # noqa: S608
        plan = cursor.fetchone()[0]
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [index])
        documents = float(cursor.fetchone()[0])
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return float(plan[0]["Plan"]["Plan Rows"]) / documents if documents > 0 else 0.0


BM25_K1, BM25_B = 1.2, 0.75  # FTS5's


def bm25_scores(index: str, query: Query, ids: Sequence[int], *, exact: bool = True) -> dict[int, float]:
    """SQLite: FTS5's bm25() (negated: larger is better) for a few documents, computed here from their
    indexed text and the index's average length, as FTS5 computes it (column weights BM25_WEIGHTS; each
    place a term matches counts once). The rarity of each term (its idf) needs a count of the documents it
    matches; `exact=False` leaves it out, which keeps the order of a one-term query's scores (the idf is
    then the same for every document) and not their values."""
    if not ids:
        return {}
    columns = INDEXES[index]
    weights = BM25_WEIGHTS[: len(columns)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, {', '.join(columns)} FROM {index} WHERE rowid IN ({', '.join(['%s'] * len(ids))})",  # noqa: S608
            list(ids),
        )
        rows = cursor.fetchall()
        cursor.execute(f"SELECT block FROM {index}_data WHERE id = 1")  # noqa: S608 - FTS5's averages record
        record = cursor.fetchone()
        totals = _varints(bytes(record[0])) if record else []
        documents = totals[0] if totals else 0
        idf = [1.0] * len(query.terms)
        if exact:
            for i, term in enumerate(query.terms):
                cursor.execute(
                    f"SELECT COUNT(*) FROM {index} WHERE {index} MATCH %s",  # noqa: S608
                    [fts5_expression(Query((term,)))],
                )
                found = int(cursor.fetchone()[0])
                value = math.log((documents - found + 0.5) / (found + 0.5)) if documents else 0.0
                idf[i] = value if value > 0 else 1e-6
    tokenised = {int(row[0]): [words(text or "") for text in row[1:]] for row in rows}
    if documents and len(totals) > len(columns):
        average = sum(totals[1 : len(columns) + 1]) / documents
    else:  # no averages record (an empty index): the documents' own
        average = sum(sum(map(len, cols)) for cols in tokenised.values()) / max(1, len(tokenised))
    scores = {}
    for pk, cols in tokenised.items():
        length = sum(map(len, cols))
        score = 0.0
        for i, term in enumerate(query.terms):
            freq = sum(w * len(_hits(tokens, Query((term,)))) for w, tokens in zip(weights, cols, strict=True))
            norm = 1 - BM25_B + BM25_B * length / (average or 1)
            score += idf[i] * (freq * (BM25_K1 + 1)) / (freq + BM25_K1 * norm)
        scores[pk] = score
    return scores


def _varints(blob: bytes) -> list[int]:
    """SQLite's variable-length integers, one after another (FTS5's averages record)."""
    out = []
    i = 0
    while i < len(blob):
        value = 0
        for k in range(9):
            byte = blob[i]
            i += 1
            if k == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        out.append(value)
    return out


_INDEX_NAMES: dict[tuple[str, str, str], str | None] = {}


def _single_column_index(table: str, column: str) -> str | None:
    """SQLite: the name of an index on `column` alone (a foreign key's), if the table has one."""
    key = (str(connection.settings_dict["NAME"]), table, column)
    if key not in _INDEX_NAMES:
        found = None
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM pragma_index_list(%s)", [table])
            for (name,) in cursor.fetchall():
                cursor.execute("SELECT name FROM pragma_index_info(%s)", [name])
                if [row[0] for row in cursor.fetchall()] == [column]:
                    found = name
                    break
        _INDEX_NAMES[key] = found
    return _INDEX_NAMES[key]


# --- Writing ---------------------------------------------------------------------------------------------

Document = Mapping[str, str]
FACETS = "facets"  # a document's facet words, space-separated, without "~" (PostgreSQL; see BUCKET)


def store(index: str, documents: Iterable[tuple[int, Document]], *, batch: int = 500) -> int:
    """Index (or re-index) documents by id; columns missing from a document are empty, and its FACETS (if
    any) are the facet words PostgreSQL narrows by (letters and digits each, e.g. "c12 p40"). Returns how
    many."""
    columns = INDEXES[index]
    count = 0
    chunk: list[tuple[int, list[Any]]] = []
    # On SQLite, FTS5's unicode61 tokenizer folds case and accents and splits words in C just as `words`
    # does. PostgreSQL's parser splits differently (node.js, e-mail addresses, hyphenated words are kept
    # whole) and keeps accents, so it is given our words, and a query's words then always mean the same.
    postgresql = connection.vendor == "postgresql"
    prepare = index_text if postgresql else _for_fts5
    for pk, document in documents:
        values: list[Any] = [prepare(document.get(c, "")) for c in columns]
        if postgresql:
            values.append(facet_words(pk, document.get(FACETS, "")))
        chunk.append((pk, values))
        if len(chunk) >= batch:
            count += _write(index, columns, chunk)
            chunk = []
    if chunk:
        count += _write(index, columns, chunk)
    return count


def _write(index: str, columns: Sequence[str], chunk: list[tuple[int, list[Any]]]) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            vector = " || ".join(
                [
                    *(f"setweight(to_tsvector('simple', %s), '{weight}')" for weight in PG_WEIGHTS[: len(columns)]),
                    "array_to_tsvector(%s::text[])",  # facet words, as they are (no positions)
                ]
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
    """(first, last) token positions of every place a term matches, term by term."""
    found = []
    for term in query.terms:
        *head, tail = term.words
        if term.prefix:
            ends = [i for i, token in enumerate(tokens) if token.startswith(tail)]
        else:
            ends = [i for i, token in enumerate(tokens) if token == tail]
        for i in ends:
            first = i - len(head)
            if first >= 0 and all(tokens[first + k] == word for k, word in enumerate(head)):
                found.append((first, i))
    return found


def _token(word: str) -> str:
    if word.isascii():
        return word.lower()
    # A word may normalise to several (ß → ss is one; ﬃ → ffi too); compare on the first one.
    parts = normalize(word).split()
    return parts[0] if parts else ""


def highlight(text: str, query: Query, *, words_around: int = 14, whole: bool = False) -> SafeString:
    """The text (or, unless `whole`, the part around the first match) escaped, with each match in <mark>.

    Matching uses the index's rules (case and accents ignored), while the reader sees the text as written.
    Only the words shown are escaped (with the standard library's html.escape, as Django's escape does).
    """
    spans = [m.span() for m in _WORD.finditer(text)]
    if not spans:
        return mark_safe(html.escape(text))
    if text.isascii():
        lowered = text.lower()
        tokens = [lowered[a:b] for a, b in spans]
    else:
        tokens = [_token(text[a:b]) for a, b in spans]
    hits = _hits(tokens, query) if query else []
    if whole:
        first, last = 0, len(spans) - 1
    else:
        centre = hits[0][0] if hits else 0
        first = max(0, centre - words_around // 2)
        last = min(len(spans) - 1, first + words_around * 2)
    marked = {i for a, b in hits if b >= first and a <= last for i in range(a, b + 1)}
    start = 0 if whole or first == 0 else spans[first][0]
    end = len(text) if whole or last == len(spans) - 1 else spans[last][1]
    out = ["…" if start > 0 else ""]
    pos = start
    # Escaped a stretch at a time, between the marks (escaping is character by character, so escaping the
    # pieces of a text gives what escaping it whole does).
    for i in sorted(marked):
        a, b = spans[i]
        out.append(html.escape(text[pos:a]))
        out.append(f"<mark>{html.escape(text[a:b])}</mark>")
        pos = b
    out.append(html.escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return mark_safe("".join(out))
