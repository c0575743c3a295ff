"""Feed bytes to plain entries: a hardened pre-scan, a fast lxml path, and feedparser as the tolerant fallback."""

import codecs
import contextlib
import hashlib
import io
import logging
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from html import escape, unescape
from html.entities import html5 as HTML5_ENTITIES
from typing import Any
from urllib.parse import urlsplit

import feedparser
import nh3
from feedparser.datetimes import _parse_date as feedparser_parse_date
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin, make_safe_absolute_uri
from lxml import etree

from core.exceptions import ActionError
from core.text import sanitize_html

logger = logging.getLogger(__name__)

MAX_FEED_BYTES = 32 * 1024 * 1024
MAX_TOLERANT_BYTES = 8 * 1024 * 1024  # feedparser takes ~1 ms an entry: bound what it may chew on
MAX_ENTRIES_CONSIDERED = 10_000  # entries past this many (in document order) are not read at all
ENTITY_BUDGET = 64 * 1024  # characters of declared-entity expansion allowed per feed (R4/R5)
MAX_ENTITY_DECLARATIONS = 1_000
TITLE_CAP = 200
AUTHOR_CAP = 100
CATEGORY_CAP = 100
MAX_CATEGORIES = 50
CONTENT_CAP = 200_000
SUMMARY_CAP = 20_000
GUID_CAP = 500
LINK_CAP = 2_048

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


class FeedError(ActionError):
    """The bytes are not a feed we can read; `message` says why in plain words."""

    default_message = "This isn't a feed we can read."


@dataclass(frozen=True)
class ParsedEntry:
    guid: str
    link: str
    title: str
    author: str
    published: datetime | None
    updated: datetime | None
    categories: tuple[str, ...]
    content_html: str
    summary_html: str


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    link: str
    entries: tuple[ParsedEntry, ...]
    warnings: tuple[str, ...]
    parser: str


# --- Raw values: both parsers produce these, one set of functions normalises them -----------------


@dataclass(slots=True)
class _RawText:
    value: str
    type: str
    base: str


@dataclass(slots=True)
class _RawEntry:
    guid: str = ""
    link: str = ""
    origlink: str = ""
    title: str = ""
    title_type: str = "text/plain"
    author: str = ""
    published: str = ""
    updated: str = ""
    terms: list[str] = field(default_factory=list)
    content: _RawText | None = None
    summary: _RawText | None = None


@dataclass(slots=True)
class _RawFeed:
    is_atom: bool
    title: str = ""
    title_type: str = "text/plain"
    link: str = ""
    author: str = ""
    entries: list[_RawEntry] = field(default_factory=list)
    total: int = 0  # entries in the document, however many were read


class _Bail(Exception):
    """The fast path is not sure; the tolerant path decides."""


# --- Public API ------------------------------------------------------------------------------------


def parse_feed(data: bytes, *, url: str, content_type: str = "", max_entries: int = 200) -> ParsedFeed:
    """Parse feed bytes fetched from `url`; raises FeedError (and nothing else) when they can't be read."""
    return _parse(data, url=url, content_type=content_type, max_entries=max_entries, allow_fast=True)


def plain_text(html: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed (for excerpts and search)."""
    if not html:
        return ""
    if "<" not in html:
        return _collapse(unescape(html) if "&" in html else html)
    spaced = _BLOCK_TAG_RE.sub(r" \g<0>", html)  # words on either side of a block boundary stay apart
    return _collapse(unescape(_text_cleaner().clean(spaced)))


def excerpt(html: str, words: int = 60) -> str:
    """The first `words` words of the visible text, with "…" when cut."""
    parts = plain_text(html).split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]) + "…"


# --- Driver ----------------------------------------------------------------------------------------


def _parse(data: bytes, *, url: str, content_type: str, max_entries: int, allow_fast: bool) -> ParsedFeed:
    try:
        return _parse_unguarded(
            bytes(data), url=url, content_type=content_type, max_entries=max_entries, allow_fast=allow_fast
        )
    except FeedError:
        raise
    except Exception as exc:  # the last line of defence: callers only ever see FeedError
        logger.warning("feed parse failed for %s", url, exc_info=True)
        raise FeedError("Something in this feed tripped up our reader.") from exc


def _parse_unguarded(data: bytes, *, url: str, content_type: str, max_entries: int, allow_fast: bool) -> ParsedFeed:
    if not data.strip():
        raise FeedError("The feed is empty.")
    if len(data) > MAX_FEED_BYTES:
        raise FeedError("The feed is too large for us to read.")
    warnings: list[str] = []
    prepared = _prepare(data, content_type, warnings)
    raw: _RawFeed | None = None
    parser = "feedparser"
    if allow_fast:
        try:
            raw = _fast_parse(prepared, url, max_entries)
            parser = "fast"
        except _Bail:
            # Control characters make XML ill-formed; they are rare, so look for them only now.
            cleaned = _drop_illegal(prepared, warnings)
            if cleaned is not prepared:
                prepared = cleaned
                try:
                    raw = _fast_parse(prepared, url, max_entries)
                    parser = "fast"
                except _Bail:
                    raw = None
    else:
        prepared = _drop_illegal(prepared, warnings)
    if raw is None:
        raw = _tolerant_parse(prepared, url, content_type)
    return _finish(raw, url=url, max_entries=max_entries, warnings=warnings, parser=parser)


# --- Pre-scan (R4, R5, R6): decode, neutralise the DOCTYPE, fix references -------------------------
#
# The result is UTF-8 bytes without an XML declaration or a DOCTYPE, which both parsers then read:
# both see the same characters, neither ever sees an entity declaration, and nothing is ever loaded
# from a file or the network. Declared internal entities are expanded here within ENTITY_BUDGET;
# references to external entities and to entities over budget become literal text ("&name;") with
# a warning. HTML entities become numeric references and bare "&" become "&amp;", outside CDATA
# and comments. Control characters are removed only when the XML parser trips over them (they are
# rare, and looking for them in every feed costs more than the rest of the pre-scan). A feed that is
# valid UTF-8 and needs none of this is passed on as the original bytes after its prolog.

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOMLESS_WIDE = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)
_DECLARED_ENCODING_RE = re.compile(rb"""^\s*<\?xml\s[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")
_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})""", re.I)
# Escape-style codecs would reinterpret the bytes rather than decode them.
_REFUSED_CODECS = frozenset({"utf-7", "unicode-escape", "raw-unicode-escape", "idna", "punycode"})
_ILLEGAL_BYTES = bytes(code for code in range(0x20) if code not in (0x9, 0xA, 0xD))
_PROLOG_SKIP_RE = re.compile(r"(?:\s+|<\?.*?\?>|<!--.*?-->)+", re.S)
_FEED_START_RE = re.compile(r"<\?xml\s|<(?:[\w.-]+:)?(?:rss|feed|RDF)[\s>]")
_ROOT_RE = re.compile(r"<(?:[\w.-]+:)?(?:rss|feed|RDF|html|HTML)[\s>/]")
_PREDEFINED_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
# Numeric references are only interesting when they might name a character XML forbids.
_NUMERIC_SUSPECT = (
    r"#0*(?:[0-9]|[12][0-9]|3[01]|5[5-7][0-9]{3}|6553[45]|[0-9]{7,10})"
    r"|#[xX]0*(?:[0-9a-fA-F]|1[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF]|[0-9a-fA-F]{6,8})"
)
_NAME = r"[A-Za-z_:][\w.:-]{0,63}"
# A "&" that starts no reference can only be a literal ampersand (Tom & Jerry, ?a=1&b=2).
_BARE_AMPERSAND = rf"&(?!(?:{_NAME}|#[0-9]{{1,10}}|#[xX][0-9a-fA-F]{{1,8}});)"
# Found with a literal "&" prefix, which the regex engine scans for quickly: "&" that is not one of
# the five predefined entities or a numeric reference that is plainly a legal character.
_SUSPECT_AMPERSAND_RE = re.compile(
    r"&(?!(?:amp|lt|gt|quot|apos);|#(?:3[2-9]|[4-9][0-9]|[1-9][0-9]{2,3});"
    r"|#[xX](?:[2-9a-fA-F][0-9a-fA-F]|[1-9a-fA-F][0-9a-fA-F]{2}|[1-9a-ceA-CE][0-9a-fA-F]{3});)"
)
_MARKUP_RE = re.compile(rf"<!--|<!\[CDATA\[|&(?:({_NAME})|{_NUMERIC_SUSPECT});|{_BARE_AMPERSAND}")
_ANY_REF_RE = re.compile(rf"&(?:#[xX]([0-9a-fA-F]{{1,8}})|#([0-9]{{1,10}})|({_NAME}));")
_ENTITY_DECL_RE = re.compile(
    r"""<!ENTITY\s+(%\s+)?([^\s%&;<>"']+)\s+"""
    r"""(?:"([^"]*)"|'([^']*)'|((?:SYSTEM|PUBLIC)(?:\s+(?:"[^"]*"|'[^']*')){1,2}(?:\s+NDATA\s+[^\s>]+)?))\s*>"""
)
_DECL_RE = re.compile(r"""<![A-Z]+(?:[^>"']|"[^"]*"|'[^']*')*>""")
_PE_REF_RE = re.compile(r"%[^\s;%]+;")
# "<!DOCTYPE name PUBLIC '…' '…'" up to the "[" of an internal subset or the closing ">".
_DOCTYPE_HEAD_RE = re.compile(r"""<!DOCTYPE(?:[^\[>"']|"[^"]*"|'[^']*')*""", re.I)
_SPACE_RE = re.compile(r"\s*")


@dataclass(slots=True)
class _Doctype:
    external_dtd: bool = False
    internal: dict[str, str] = field(default_factory=dict)
    external: set[str] = field(default_factory=set)


def _prepare(data: bytes, content_type: str, warnings: list[str]) -> bytes:
    text, reusable = _decode(data, content_type, warnings)
    start, doctype = _strip_prolog(text, warnings)
    body = text[start:]
    resolved = _resolve_references(body, doctype, warnings)
    if reusable and resolved is body:
        # Valid UTF-8 and nothing to change: hand the parsers the original bytes after the prolog.
        return data[len(text[:start].encode("utf-8")) :]
    return resolved.encode("utf-8", "replace")


def _drop_illegal(data: bytes, warnings: list[str]) -> bytes:
    """Remove characters XML forbids (NUL, other C0 controls, U+FFFE/U+FFFF) from prepared UTF-8 bytes."""
    cleaned = data.translate(None, _ILLEGAL_BYTES)
    if b"\xef\xbf\xbe" in cleaned or b"\xef\xbf\xbf" in cleaned:
        cleaned = cleaned.replace(b"\xef\xbf\xbe", b"").replace(b"\xef\xbf\xbf", b"")
    if len(cleaned) == len(data):
        return data
    warnings.append("Removed control characters that XML does not allow.")
    return cleaned


def _decode(data: bytes, content_type: str, warnings: list[str]) -> tuple[str, bool]:
    """The feed as text, and whether `data` itself is already that text in UTF-8 (no BOM)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, "replace"), False
    for marker, encoding in _BOMLESS_WIDE:
        if data.startswith(marker):
            return data.decode(encoding, "replace"), False
    match = _DECLARED_ENCODING_RE.match(data[:512])
    declared = match.group(1).decode("ascii") if match else ""
    charset_match = _CHARSET_RE.search(content_type or "")
    http_charset = charset_match.group(1) if charset_match else ""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        # Valid UTF-8 with non-ASCII text is almost never another encoding, whatever the label says.
        if not data.isascii():
            for label in (http_charset, declared):
                codec = _codec(label)
                if codec and codec != "utf-8":
                    warnings.append(f"The feed says it is {label} but it is UTF-8; we read it as UTF-8.")
                    break
        return text, True
    for label in (http_charset, declared):
        codec = _codec(label)
        if codec and codec != "utf-8":
            try:
                return data.decode(codec), False
            except UnicodeDecodeError:
                continue
    warnings.append("The feed is not valid UTF-8; we read it as Windows-1252.")
    try:
        return data.decode("cp1252"), False
    except UnicodeDecodeError:
        return data.decode("latin-1"), False


def _codec(label: str) -> str | None:
    if not label:
        return None
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED_CODECS:
        return None
    return info.name


def _strip_prolog(text: str, warnings: list[str]) -> tuple[int, _Doctype | None]:
    """Where the root element starts, past the declaration, comments, PIs, DOCTYPE and junk."""
    pos = 1 if text.startswith("\ufeff") else 0
    n = len(text)
    doctype: _Doctype | None = None
    skipped_junk = False
    while pos < n:
        skip = _PROLOG_SKIP_RE.match(text, pos)
        if skip:
            pos = skip.end()
            continue
        if text[pos : pos + 9].upper() == "<!DOCTYPE":
            parsed, pos = _parse_doctype(text, pos, warnings)
            doctype = doctype or parsed
            continue
        is_element = text.startswith("<", pos) and pos + 1 < n and (text[pos + 1].isalpha() or text[pos + 1] in "_:")
        if is_element and (skipped_junk or _ROOT_RE.match(text, pos)):
            return pos, doctype
        if skipped_junk:
            break
        # Junk before the feed (a PHP notice, a stray byte): skip to the feed if it starts soon.
        start = _FEED_START_RE.search(text, pos, min(n, pos + 4096))
        if not start and is_element:
            return pos, doctype
        if not start:
            break
        warnings.append("Ignored text before the start of the feed.")
        skipped_junk = True
        pos = start.start()
    return pos, doctype


def _parse_doctype(text: str, pos: int, warnings: list[str]) -> tuple[_Doctype, int]:
    """Read a DOCTYPE declaration at `pos`; return what it declares and where it ends."""
    doctype = _Doctype()
    n = len(text)
    head = _DOCTYPE_HEAD_RE.match(text, pos)
    end = head.end() if head else n
    if end >= n or text[end] not in "[>":
        raise FeedError("The feed is not valid XML (its DOCTYPE never ends).")
    doctype.external_dtd = _has_external_id(text[pos + 9 : end])
    _note_external_dtd(doctype, warnings)
    if text[end] == ">":
        return doctype, end + 1
    i = end + 1  # just past "["
    declarations = 0
    while True:
        space = _SPACE_RE.match(text, i)
        i = space.end() if space else i
        if i >= n:
            raise FeedError("The feed is not valid XML (its DOCTYPE never ends).")
        if text[i] == "]":
            close = text.find(">", i + 1)
            if close < 0 or text[i + 1 : close].strip():
                raise FeedError("The feed is not valid XML (its DOCTYPE never ends).")
            return doctype, close + 1
        declarations += 1
        if declarations > MAX_ENTITY_DECLARATIONS:
            raise FeedError("The feed's DOCTYPE declares far too much.")
        if text.startswith("<!--", i):
            close = text.find("-->", i + 4)
            i = n if close < 0 else close + 3
        elif text.startswith("<?", i):
            close = text.find("?>", i + 2)
            i = n if close < 0 else close + 2
        elif text.startswith("<!ENTITY", i):
            match = _ENTITY_DECL_RE.match(text, i)
            if not match:
                raise FeedError("The feed is not valid XML (a malformed entity declaration).")
            is_parameter, name, double_quoted, single_quoted, external_id = match.groups()
            if not is_parameter and name not in doctype.internal and name not in doctype.external:
                if external_id is not None:
                    doctype.external.add(name)
                else:
                    doctype.internal[name] = double_quoted if double_quoted is not None else single_quoted
            i = match.end()
        elif text.startswith("<!", i):
            match = _DECL_RE.match(text, i)
            if not match:
                raise FeedError("The feed is not valid XML (a malformed DOCTYPE).")
            i = match.end()
        elif text.startswith("%", i):
            match = _PE_REF_RE.match(text, i)
            if not match:
                raise FeedError("The feed is not valid XML (a malformed DOCTYPE).")
            warnings.append("The feed's DOCTYPE uses parameter entities; we ignored them.")
            i = match.end()
        else:
            raise FeedError("The feed is not valid XML (a malformed DOCTYPE).")


def _has_external_id(head: str) -> bool:
    return bool(re.search(r"\b(?:SYSTEM|PUBLIC)\b", head))


def _note_external_dtd(doctype: _Doctype, warnings: list[str]) -> None:
    if doctype.external_dtd:
        warnings.append("The feed points to an external DTD; we don't load those.")


def _resolve_references(body: str, doctype: _Doctype | None, warnings: list[str]) -> str:
    """Expand declared entities within budget, HTML entities to characters; drop illegal ones, escape bare "&"."""
    declared = doctype.internal if doctype else {}
    external = doctype.external if doctype else set()
    if not declared and not external and not _needs_reference_work(body):
        return body
    parts: list[str] = []
    pending: list[tuple[int, str]] = []
    counts: Counter[str] = Counter()
    n = len(body)
    pos = 0
    while True:
        match = _MARKUP_RE.search(body, pos)
        if not match:
            break
        found = match.group(0)
        if found in ("<!--", "<![CDATA["):
            # Comments and CDATA are literal: references inside them are text, not entities.
            close = body.find("-->" if found == "<!--" else "]]>", match.end())
            end = n if close < 0 else close + 3
            parts.append(body[pos:end])
            pos = end
            continue
        parts.append(body[pos : match.start()])
        name = match.group(1)
        if found == "&":
            parts.append("&amp;")
            _warn_once(warnings, "Escaped ampersands the feed left bare.")
        elif name is None:
            parts.append(_numeric_reference(found))
        elif name in _PREDEFINED_ENTITIES:
            parts.append(found)
        elif name in declared:
            pending.append((len(parts), name))
            counts[name] += 1
            parts.append(found)
        elif name in external:
            parts.append(f"&amp;{name};")
            _warn_once(warnings, "The feed refers to external entities; we don't load those.")
        else:
            parts.append(_html_entity(name))
        pos = match.end()
    parts.append(body[pos:])
    if pending:
        values = _entity_values(declared, external, counts, warnings)
        for index, name in pending:
            parts[index] = values.get(name, f"&amp;{name};")
    return "".join(parts)


def _needs_reference_work(body: str) -> bool:
    """Is there a "&" outside CDATA and comments that is not a predefined or plainly legal reference?"""
    if "&" not in body:
        return False
    match = _SUSPECT_AMPERSAND_RE.search(body)
    while match:
        end = _literal_section_end(body, match.start())
        if end < 0:
            return True
        match = _SUSPECT_AMPERSAND_RE.search(body, end)
    return False


def _literal_section_end(body: str, pos: int) -> int:
    """If `pos` is inside a CDATA section or a comment, where that section ends; otherwise -1."""
    for opener, closer in (("<![CDATA[", "]]>"), ("<!--", "-->")):
        start = body.rfind(opener, 0, pos)
        if start >= 0:
            close = body.find(closer, start + len(opener))
            if close < 0:
                return len(body)
            if close + len(closer) > pos:
                return close + len(closer)
    return -1


def _numeric_reference(reference: str) -> str:
    digits = reference[2:-1]
    try:
        code = int(digits[1:], 16) if digits[:1] in ("x", "X") else int(digits)
    except ValueError:
        return ""
    legal = code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF
    return reference if legal else ""


def _html_entity(name: str) -> str:
    """An HTML named entity as numeric references (valid XML); anything else as literal text."""
    value = HTML5_ENTITIES.get(name + ";")
    if value is None:
        return f"&amp;{name};"
    return "".join(f"&#{ord(char)};" for char in value)


def _entity_values(
    declared: dict[str, str], external: set[str], counts: Counter[str], warnings: list[str]
) -> dict[str, str]:
    """Replacement text for the declared entities we can afford to expand, in declaration order."""
    memo: dict[str, str | None] = {}

    def expand(name: str, stack: tuple[str, ...]) -> str | None:
        if name in memo:
            return memo[name]
        if name in stack or len(stack) > 16:
            return None
        pieces: list[str] = []
        size = 0
        literal = declared[name]
        pos = 0
        for match in _ANY_REF_RE.finditer(literal):
            pieces.append(literal[pos : match.start()])
            size += match.start() - pos
            pos = match.end()
            ref = match.group(3)
            if ref is None:
                piece: str | None = _numeric_reference(match.group(0))
            elif ref in _PREDEFINED_ENTITIES:
                piece = match.group(0)
            elif ref in declared:
                piece = expand(ref, (*stack, name))
            elif ref in external:
                piece = None
            else:
                piece = _html_entity(ref)
            if piece is None:
                memo[name] = None
                return None
            pieces.append(piece)
            size += len(piece)
            if size > ENTITY_BUDGET:
                memo[name] = None
                return None
        pieces.append(literal[pos:])
        size += len(literal) - pos
        memo[name] = "".join(pieces) if size <= ENTITY_BUDGET else None
        return memo[name]

    values: dict[str, str] = {}
    spent = 0
    refused = False
    for name in declared:
        if not counts[name]:
            continue
        value = expand(name, ())
        cost = len(value) * counts[name] if value is not None else ENTITY_BUDGET + 1
        if value is None or spent + cost > ENTITY_BUDGET:
            refused = True
            continue
        spent += cost
        values[name] = value
    if refused:
        warnings.append("Some entities in the feed would expand too far; we left them unexpanded.")
    return values


def _warn_once(warnings: list[str], message: str) -> None:
    if message not in warnings:
        warnings.append(message)


# --- Fast path: lxml over well-formed RSS 2.0, RSS 1.0 and Atom 1.0 ---------------------------------
#
# It reads the same raw values feedparser would (same element aliases, the same "first title wins",
# "last link wins", guid-as-permalink and xml:base rules, the same whitespace stripping and text
# fix-ups) and hands them to the same normalising functions. Anything it does not model exactly
# (inline XHTML, nested entries, several summaries, media keywords…) raises _Bail and the whole feed
# goes to feedparser instead.

_ATOM_NS = "http://www.w3.org/2005/Atom"
_RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RSS1_NAMESPACES = frozenset({"http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/"})
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_RDF_ABOUT = f"{{{_RDF_NS}}}about"
# feedparser's table of namespace URI -> prefix decides which element means what; share it.
_KNOWN_NAMESPACES = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
_looks_like_html = _FeedParserMixin.looks_like_html
_map_content_type = _FeedParserMixin.map_content_type
# feedparser maps stray C1 characters to their Windows-1252 meaning; so do we, with the same table.
_CP1252 = {code: bytes([code]).decode("cp1252") for code in range(0x80, 0xA0) if code not in (129, 141, 143, 144, 157)}
_C1_RE = re.compile("[\x80-\x9f]")
_LINK_ENTITY_RE = re.compile("&([A-Za-z0-9_]+);")
# An absolute http(s) URL that urljoin returns as it is: lower-case scheme, a plain host, no ";"
# parameters, no empty "?" or "#", no whitespace or backslashes.
_PLAIN_ABSOLUTE_URL_RE = re.compile(
    r"https?://[A-Za-z0-9._~%!$&'()*+,=:@-]+(?:/[^?#;\s\\]*)?(?:\?[^#\s\\]+)?(?:#[^\s\\]+)?\Z"
)

_TITLE_KEYS = frozenset({("", "title"), ("dc", "title")})
_LINK_KEY = ("", "link")
_ID_KEYS = frozenset({("", "guid"), ("", "id")})
_SUMMARY_DEFAULTS = {("", "description"): "text/html", ("", "summary"): "text/plain"}
_CONTENT_DEFAULTS = {("content", "encoded"): "text/html", ("", "content"): "text/plain"}
_PUBLISHED_KEYS = frozenset({("", "pubdate"), ("", "published"), ("", "issued"), ("dcterms", "issued")})
_UPDATED_KEYS = frozenset(
    {("", "updated"), ("", "modified"), ("", "lastbuilddate"), ("dc", "date"), ("dcterms", "modified")}
)
_AUTHOR_KEYS = frozenset(
    {("", "author"), ("dc", "creator"), ("dc", "author"), ("itunes", "author"), ("", "managingeditor")}
)
_AUTHOR_PART_KEYS = frozenset({("", "uri"), ("", "url"), ("", "homepage")})
_CATEGORY_KEYS = frozenset({("", "category"), ("dc", "subject")})
_ORIGLINK_KEY = ("feedburner", "origlink")
_MEDIA_GROUP_KEY = ("media", "group")
_MEDIA_TITLE_KEY = ("media", "title")
_MEDIA_DESCRIPTION_KEY = ("media", "description")
# Elements feedparser gives meanings the fast path does not model: their presence means "ask feedparser".
_UNSURE_KEYS = frozenset(
    {
        ("", "source"),
        ("", "image"),
        ("", "textinput"),
        ("", "item"),
        ("", "entry"),
        ("", "channel"),
        ("", "feed"),
        ("", "rss"),
        ("", "body"),
        ("xhtml", "body"),
        ("", "fullitem"),
        ("", "abstract"),
        ("dc", "description"),
        ("itunes", "summary"),
        ("media", "category"),
        ("media", "keywords"),
        ("itunes", "category"),
        ("itunes", "keywords"),
        ("", "keywords"),
        ("", "tags"),
    }
)
_SENSITIVE_KEYS = (
    _UNSURE_KEYS
    | _TITLE_KEYS
    | _ID_KEYS
    | _PUBLISHED_KEYS
    | _UPDATED_KEYS
    | _AUTHOR_KEYS
    | _CATEGORY_KEYS
    | set(_SUMMARY_DEFAULTS)
    | set(_CONTENT_DEFAULTS)
    | {_LINK_KEY, _ORIGLINK_KEY, _MEDIA_GROUP_KEY, _MEDIA_TITLE_KEY, _MEDIA_DESCRIPTION_KEY}
)

_parser_cache = threading.local()


def _xml_parser() -> etree.XMLParser:
    # lxml parsers are not thread-safe; one per thread. No DTDs, no entities, no network, no huge trees.
    parser = getattr(_parser_cache, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            recover=False,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            attribute_defaults=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            strip_cdata=True,
            collect_ids=False,
        )
        _parser_cache.parser = parser
    return parser


_KEYS: dict[str, tuple[str, str] | None] = {}


def _key_for_tag(tag: str) -> tuple[str, str] | None:
    """An element's meaning as feedparser sees it: (canonical prefix, lower-case local name).

    None when feedparser doesn't know the namespace: then the prefix the document used decides.
    """
    if tag[:1] != "{":
        return "", tag.lower()
    namespace, _, local = tag[1:].partition("}")
    lowered = namespace.lower()
    if "backend.userland.com/rss" in lowered:
        return "", local.lower()
    known = _KNOWN_NAMESPACES.get(lowered)
    return None if known is None else (known, local.lower())


def _el_key(el: Any) -> tuple[str, str]:
    tag = el.tag
    try:
        key = _KEYS[tag]
    except KeyError:
        if not isinstance(tag, str):
            raise _Bail from None
        if len(_KEYS) > 4096:  # a feed inventing tag names must not grow this for ever
            _KEYS.clear()
        key = _KEYS[tag] = _key_for_tag(tag)
    except TypeError:  # an unhashable tag: not an element
        raise _Bail from None
    if key is None:
        key = ((el.prefix or "").lower(), tag.rpartition("}")[2].lower())
    return key


def _resolve(base: str, value: str) -> str:
    """feedparser's _urljoin(base, value), skipping the work when `value` is a plain absolute URL."""
    if _PLAIN_ABSOLUTE_URL_RE.match(value):
        return value  # urljoin would hand it back unchanged (tested against _urljoin)
    return _urljoin(base, value)


def _fp_fix(value: str) -> str:
    """feedparser's fix-ups for element text: undo UTF-8-read-as-Latin-1, map stray C1 characters."""
    if value.isascii():
        return value
    with contextlib.suppress(UnicodeError):
        value = value.encode("iso-8859-1").decode("utf-8")
    return value.translate(_CP1252) if _C1_RE.search(value) else value


def _leaf_text(el: Any) -> str:
    """Stripped, fixed text of an element that must not have child elements."""
    if len(el):
        raise _Bail
    return _fp_fix((el.text or "").strip())


def _next_base(base: str, el: Any) -> str:
    attrib = el.attrib
    if not attrib:
        return base
    given = attrib.get(_XML_BASE)
    if given is None:
        given = attrib.get("base")
    if not given:
        return base
    if base:
        return make_safe_absolute_uri(base, given) or base
    return _urljoin(base, given)


def _content_type(el: Any, default: str, is_atom: bool, value: str) -> str:
    attrib = el.attrib
    if attrib and ("mode" in attrib or "src" in attrib):
        raise _Bail
    declared = attrib.get("type") if attrib else None
    ctype = _map_content_type(declared.lower() if declared is not None else default)
    if ctype not in ("text/plain", "text/html"):
        raise _Bail
    if not is_atom and ctype == "text/plain" and _looks_like_html(value):
        ctype = "text/html"
    return ctype


def _sensitive_inside(el: Any) -> bool:
    return any(_el_key(descendant) in _SENSITIVE_KEYS for descendant in el.iterdescendants())


def _fast_parse(data: bytes, url: str, max_entries: int) -> _RawFeed:
    try:
        root = etree.fromstring(data, _xml_parser())
    except (etree.LxmlError, ValueError) as exc:
        raise _Bail from exc
    tag = root.tag
    if not isinstance(tag, str):
        raise _Bail
    base = make_safe_absolute_uri(url, url) or url if url else ""
    base = _next_base(base, root)
    key = _el_key(root)
    if key == ("", "html"):
        raise FeedError("This is a web page, not a feed.")
    if tag == f"{{{_ATOM_NS}}}feed":
        feed, items = _read_channel(root, base, is_atom=True)
        item_base = base
    elif key == ("", "rss"):
        if len(root) != 1 or _el_key(root[0]) != ("", "channel"):
            raise _Bail
        channel = root[0]
        item_base = _next_base(base, channel)
        feed, items = _read_channel(channel, item_base, is_atom=False)
    elif tag == f"{{{_RDF_NS}}}RDF":
        channels = [child for child in root if _el_key(child) == ("", "channel")]
        if len(channels) != 1 or channels[0].tag[1:].partition("}")[0] not in _RSS1_NAMESPACES:
            raise _Bail
        feed, _ = _read_channel(channels[0], _next_base(base, channels[0]), is_atom=False)
        items = [item for item in root if _el_key(item) == ("", "item")]
        item_base = base
    else:
        raise _Bail
    if sum(1 for _ in root.iter("{*}item", "{*}entry")) != len(items):
        raise _Bail  # entries somewhere unexpected: feedparser finds entries wherever they are
    feed.total = len(items)
    items = items[:MAX_ENTRIES_CONSIDERED]
    wanted = _selection_size(max_entries)
    if len(items) > wanted:
        # Read dates first and everything else only for the entries that can make the cut.
        items = _newest(items, [_item_date(item) for item in items], wanted)
    feed.entries = [_read_entry(item, item_base, is_atom=feed.is_atom) for item in items]
    return feed


def _selection_size(max_entries: int) -> int:
    # A little slack for entries skipped later as unreadable or as repeats.
    return max_entries + max(10, max_entries // 4)


def _newest(items: list[Any], dates: list[datetime | None], count: int) -> list[Any]:
    """The `count` newest items by date (undated last, ties in document order), kept in document order."""
    keys = sorted((date is None, -date.timestamp() if date else 0.0, i) for i, date in enumerate(dates))
    return [items[i] for i in sorted(key[2] for key in keys[:count])]


def _item_date(item: Any) -> datetime | None:
    """The date _read_entry would find (published, else updated; the last of each wins), and only that."""
    published = updated = ""
    for child in item:
        key = _el_key(child)
        if key in _PUBLISHED_KEYS:
            published = _leaf_text(child)
        elif key in _UPDATED_KEYS:
            updated = _leaf_text(child)
    return _parse_date(published) or _parse_date(updated)


def _read_channel(channel: Any, base: str, *, is_atom: bool) -> tuple[_RawFeed, list[Any]]:
    """The feed's own title, link and author, and its entry elements (read later)."""
    feed = _RawFeed(is_atom=is_atom)
    entry_key = ("", "entry") if is_atom else ("", "item")
    items: list[Any] = []
    title_found = False
    link: str | None = None
    for child in channel:
        key = _el_key(child)
        if key == entry_key:
            items.append(child)
        elif key in _TITLE_KEYS:
            if not title_found:
                feed.title = _leaf_text(child)
                feed.title_type = _content_type(child, "text/plain", is_atom, feed.title)
                title_found = bool(feed.title)
        elif key == _LINK_KEY:
            link = _link_value(child, base, link)
        elif key in _ID_KEYS:
            value, is_permalink = _id_value(child, base)
            if is_permalink and link is None:
                link = value
        elif key in _AUTHOR_KEYS:
            feed.author = _author_value(child)
    feed.link = link or ""
    return feed, items


def _link_value(el: Any, base: str, current: str | None) -> str | None:
    """The entry's link after this <link> element, following feedparser: the last link that counts wins."""
    attrib = el.attrib
    href = attrib.get("href")
    for name in ("url", "uri", "href"):
        if name in attrib:
            href = attrib[name] or href
            break
    if href is not None:
        rel = attrib.get("rel")
        rel = "alternate" if rel is None else (rel.lower() or rel)
        declared = attrib.get("type")
        if declared is None:
            declared = "application/atom+xml" if rel == "self" else "text/html"
        else:
            declared = declared.lower() or declared
        if rel == "alternate" and _map_content_type(declared) in HTML_TYPES:
            return _resolve(_next_base(base, el), href)
        return current
    if len(el):
        raise _Bail
    value = (el.text or "").strip()
    if value:
        value = _resolve(_next_base(base, el), value)
    value = _fp_fix(value).replace("&amp;", "&")
    return _LINK_ENTITY_RE.sub(r"&\1", value)


def _id_value(el: Any, base: str) -> tuple[str, bool]:
    if len(el):
        raise _Bail
    permalink = "true"
    for name, value in el.attrib.items():
        if name.lower() == "ispermalink":
            permalink = value
    is_permalink = permalink == "true"
    value = (el.text or "").strip()
    if value and is_permalink:
        value = _resolve(_next_base(base, el), value)
    return _fp_fix(value), is_permalink


def _author_value(el: Any) -> str:
    if not len(el):
        return _fp_text_of(el)
    if (el.text or "").strip():
        raise _Bail
    name: str | None = None
    email: str | None = None
    for child in el:
        if (child.tail or "").strip():
            raise _Bail
        key = _el_key(child)
        if key == ("", "name"):
            if len(child):
                raise _Bail
            name = (child.text or "").strip()
        elif key == ("", "email"):
            if len(child):
                raise _Bail
            email = (child.text or "").strip()
        elif key in _SENSITIVE_KEYS or (len(child) and key not in _AUTHOR_PART_KEYS):
            raise _Bail
    if name and email:
        return f"{name} ({email})"
    return name or email or ""


def _fp_text_of(el: Any) -> str:
    return _fp_fix((el.text or "").strip())


def _read_entry(item: Any, base: str, *, is_atom: bool) -> _RawEntry:
    base = _next_base(base, item)
    entry = _RawEntry()
    attrib = item.attrib
    if attrib:
        if "href" in attrib or "lastmod" in attrib:
            raise _Bail
        about = attrib.get(_RDF_ABOUT)
        if about is not None:
            entry.guid = about
    title_seen = False
    title_found = False
    media_title: tuple[str, str] | None = None
    link: str | None = None
    ids = 0
    summaries = 0
    contents = 0
    tags: list[list[str | None]] = []
    for child in item:
        key = _el_key(child)
        if key in _TITLE_KEYS:
            title_seen = True
            if not title_found:
                entry.title = _leaf_text(child)
                entry.title_type = _content_type(child, "text/plain", is_atom, entry.title)
                title_found = bool(entry.title)
        elif key == _LINK_KEY:
            link = _link_value(child, base, link)
        elif key in _ID_KEYS:
            ids += 1
            entry.guid, is_permalink = _id_value(child, base)
            if is_permalink and link is None:
                link = entry.guid
        elif key in _PUBLISHED_KEYS:
            entry.published = _leaf_text(child)
        elif key in _UPDATED_KEYS:
            entry.updated = _leaf_text(child)
        elif key in _AUTHOR_KEYS:
            entry.author = _author_value(child)
        elif key in _CATEGORY_KEYS:
            _add_category(tags, child)
        elif key in _SUMMARY_DEFAULTS:
            summaries += 1
            entry.summary = _text_construct(child, _SUMMARY_DEFAULTS[key], base, is_atom)
        elif key in _CONTENT_DEFAULTS:
            contents += 1
            entry.content = _text_construct(child, _CONTENT_DEFAULTS[key], base, is_atom)
        elif key == _ORIGLINK_KEY:
            if not child.attrib:
                entry.origlink = _leaf_text(child)
        elif key == _MEDIA_GROUP_KEY:
            for part in child:
                part_key = _el_key(part)
                if part_key == _MEDIA_TITLE_KEY:
                    value = _leaf_text(part)
                    media_title = (value, _content_type(part, "text/plain", is_atom, value))
                elif part_key == _MEDIA_DESCRIPTION_KEY:
                    summaries += 1
                    entry.summary = _text_construct(part, "text/html", _next_base(base, child), is_atom)
                elif part_key in _SENSITIVE_KEYS or _sensitive_inside(part):
                    raise _Bail
        elif key in _SENSITIVE_KEYS or (len(child) and _sensitive_inside(child)):
            raise _Bail
    if ids > 1 or summaries > 1 or contents > 1:
        raise _Bail
    if media_title is not None and not title_seen:
        entry.title, entry.title_type = media_title
    entry.link = link or ""
    entry.terms = [term for term, _, _ in tags if term]
    return entry


def _text_construct(el: Any, default: str, base: str, is_atom: bool) -> _RawText:
    value = _leaf_text(el)
    return _RawText(value, _content_type(el, default, is_atom, value), _next_base(base, el))


def _add_category(tags: list[list[str | None]], el: Any) -> None:
    # feedparser's bookkeeping: a tag from the attributes, then the text fills in a missing term.
    attrib = el.attrib
    _add_tag(tags, attrib.get("term"), attrib.get("scheme", attrib.get("domain")), attrib.get("label"))
    value = _leaf_text(el)
    if not value:
        return
    if tags and not tags[-1][0]:
        tags[-1][0] = value
    else:
        _add_tag(tags, value, None, None)


def _add_tag(tags: list[list[str | None]], term: str | None, scheme: str | None, label: str | None) -> None:
    if not term and not scheme and not label:
        return
    tag: list[str | None] = [term, scheme, label]
    if tag not in tags:
        tags.append(tag)


# --- Tolerant path: feedparser over the same prepared bytes -----------------------------------------


def _tolerant_parse(data: bytes, url: str, content_type: str) -> _RawFeed:
    # R10: feedparser only ever sees a stream (never a URL or a path) and the headers we choose.
    # The bytes are the pre-scanned UTF-8, so the charset we pass says UTF-8 whatever the server said.
    if len(data) > MAX_TOLERANT_BYTES:
        raise FeedError("The feed is too large to read unless it is valid XML.")
    headers = {"content-location": url, "content-type": _utf8_content_type(content_type)}
    try:
        result = feedparser.parse(
            io.BytesIO(data), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
        )
    except Exception as exc:
        raise FeedError("The feed could not be read.") from exc
    version = _s(result.get("version"))
    entries = result.get("entries") or []
    if not version and not entries:
        if result.get("bozo"):
            raise FeedError("This isn't a feed we can read: it is not valid XML.")
        raise FeedError("This isn't a feed we can read.")
    feed_dict = result.get("feed") or {}
    title_detail = feed_dict.get("title_detail")
    feed = _RawFeed(
        is_atom=version.startswith("atom"),
        title=_s(feed_dict.get("title")),
        title_type=_s(title_detail.get("type")) if isinstance(title_detail, dict) else "text/plain",
        link=_s(feed_dict.get("link")),
        author=_s(dict.get(feed_dict, "author")),
    )
    feed.total = len(entries)
    for item in entries[:MAX_ENTRIES_CONSIDERED]:
        feed.entries.append(_raw_from_feedparser(item))
    return feed


def _raw_from_feedparser(item: Any) -> _RawEntry:
    entry = _RawEntry(
        guid=_s(item.get("id")),
        link=_s(item.get("link")),
        origlink=_s(dict.get(item, "feedburner_origlink")),
        title=_s(item.get("title")),
        author=_s(dict.get(item, "author")),
        # dict.get: FeedParserDict quietly maps a missing "updated" to "published".
        published=_s(dict.get(item, "published")),
        updated=_s(dict.get(item, "updated")),
    )
    title_detail = dict.get(item, "title_detail")
    if isinstance(title_detail, dict):
        entry.title_type = _s(title_detail.get("type")) or "text/plain"
    tags = dict.get(item, "tags") or []
    entry.terms = [_s(tag.get("term")) for tag in tags if isinstance(tag, dict) and _s(tag.get("term"))]
    contents = dict.get(item, "content") or []
    if isinstance(contents, list) and contents and isinstance(contents[0], dict):
        first = contents[0]
        entry.content = _RawText(_s(first.get("value")), _s(first.get("type")), _s(first.get("base")))
    summary_detail = dict.get(item, "summary_detail")
    if isinstance(summary_detail, dict):
        # Only a real summary element makes a summary_detail; a summary copied from the content does not.
        entry.summary = _RawText(
            _s(dict.get(item, "summary")), _s(summary_detail.get("type")), _s(summary_detail.get("base"))
        )
    return entry


def _s(value: object) -> str:
    return value if isinstance(value, str) else ""


def _utf8_content_type(content_type: str) -> str:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return f"{media_type or 'application/xml'}; charset=utf-8"


# --- Normalising: the same functions for both paths -------------------------------------------------

_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLOCK_TAG_RE = re.compile(
    r"</?(?:address|article|aside|blockquote|br|dd|div|dl|dt|figcaption|figure|footer|h[1-6]|header|hr|li|"
    r"main|nav|ol|p|pre|section|table|td|th|tr|ul)\b",
    re.I,
)
_INVISIBLE_TAGS = {"script", "style", "iframe", "noscript", "template", "textarea", "select", "object", "title"}
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_BLANK_LINE_RE = re.compile(r"\n\s*\n")
# In nh3's output (attributes always name="value", '"' escaped inside): the href/src of an <a> or
# <img>, attribute by attribute, unless it starts with a scheme or "#".
_RELATIVE_URL_ATTR_RE = re.compile(
    r'(<(?:a|img)(?:\s+[^\s=>"]+="[^"]*")*?\s+(?:href|src)=)"(?![A-Za-z][A-Za-z0-9+.-]*:|#)([^"]*)"'
)
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# A quick check before the exact pattern above: its literal prefix '="' is scanned for fast.
_RELATIVE_URL_HINT_RE = re.compile(r'="(?:(?<=href=")|(?<=src="))(?![A-Za-z][A-Za-z0-9+.-]*:|#)')
# A numeric reference to a control character (which nh3 would decode into the output).
_CONTROL_REFERENCE_RE = re.compile(
    r"&#(?:0*(?:[0-9]|[12][0-9]|3[01]|127)(?![0-9])|[xX]0*(?:[0-9a-fA-F]|1[0-9a-fA-F]|7[fF])(?![0-9a-fA-F]))"
)
_RFC822_RE = re.compile(
    r"(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?"
    r"\s*(?:([+-])(\d{2}):?(\d{2})|GMT|UTC|UT|Z)?\Z"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
# "HTML" without a tag or an entity (YouTube descriptions, say) is text: keep its line breaks.
_MARKUP_HINT_RE = re.compile(r"<[A-Za-z/!?]|&#?\w+;")


def _finish(raw: _RawFeed, *, url: str, max_entries: int, warnings: list[str], parser: str) -> ParsedFeed:
    feed_author = _author_name(raw.author) if raw.is_atom else ""
    dates = [_parse_date(entry.published) or _parse_date(entry.updated) for entry in raw.entries]
    # Newest first by date; undated entries after the dated ones; ties keep document order.
    sort_keys = [(date is None, -date.timestamp() if date else 0.0, i) for i, date in enumerate(dates)]
    order = [key[2] for key in sorted(sort_keys)]
    entries: list[ParsedEntry] = []
    seen: set[str] = set()
    skipped = duplicates = 0
    for index in order:
        if len(entries) >= max_entries:
            break
        try:
            entry = _build_entry(raw.entries[index], feed_author)
        except Exception:  # one bad entry must not cost the others
            logger.warning("skipped an unreadable entry in %s", url, exc_info=True)
            skipped += 1
            continue
        if entry.guid in seen:
            duplicates += 1
            continue
        seen.add(entry.guid)
        entries.append(entry)
    total = max(raw.total, len(raw.entries))
    if total > MAX_ENTRIES_CONSIDERED:
        warnings.append(f"The feed has {total} entries; we only looked at the first {MAX_ENTRIES_CONSIDERED}.")
    if min(total, MAX_ENTRIES_CONSIDERED) > max_entries:
        warnings.append(f"Only the newest {max_entries} of {total} entries were read.")
    if skipped:
        warnings.append(f"Skipped {skipped} entries we could not read.")
    if duplicates:
        warnings.append(f"Skipped {duplicates} entries that repeat an earlier id.")
    return ParsedFeed(
        title=_title_text(raw.title, raw.title_type),
        link=_http_url(raw.link) or _site_root(url),
        entries=tuple(entries),
        warnings=tuple(dict.fromkeys(warnings)),
        parser=parser,
    )


def _build_entry(raw: _RawEntry, feed_author: str) -> ParsedEntry:
    title = _title_text(raw.title, raw.title_type)
    link = _http_url(raw.origlink) or _http_url(raw.link)
    published = _parse_date(raw.published)
    updated = _parse_date(raw.updated)
    summary = raw.summary
    if summary is not None and raw.content is not None and summary.value == raw.content.value:
        summary = None  # a summary that repeats the content adds nothing
    return ParsedEntry(
        guid=_guid(raw.guid, link, title, published or updated),
        link=link,
        title=title,
        author=_author_name(raw.author) or feed_author,
        published=published,
        updated=updated,
        categories=_categories(raw.terms),
        content_html=_html_field(raw.content, CONTENT_CAP),
        summary_html=_html_field(summary, SUMMARY_CAP),
    )


@lru_cache(maxsize=1)
def _text_cleaner() -> nh3.Cleaner:
    # Building nh3's allowlist costs more than cleaning a title; build this one once.
    return nh3.Cleaner(tags=set(), clean_content_tags=_INVISIBLE_TAGS, strip_comments=True)


def _collapse(text: str) -> str:
    return " ".join(_CONTROL_RE.sub("", text).split())


def _title_text(value: str, ctype: str) -> str:
    text = plain_text(value) if ctype in HTML_TYPES else _collapse(value)
    return text[:TITLE_CAP]


def _author_name(value: str) -> str:
    """A display name: e-mail addresses and the brackets around them removed."""
    text = _collapse(value)
    if "@" in text:
        text = _EMAIL_RE.sub("", text).replace("()", "").replace("<>", "")
        text = " ".join(text.split())
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1].strip()
    return text[:AUTHOR_CAP]


def _categories(terms: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for term in terms:
        cleaned = _CONTROL_RE.sub("", term).strip()[:CATEGORY_CAP]
        if cleaned:
            seen.setdefault(cleaned, None)
        if len(seen) >= MAX_CATEGORIES:
            break
    return tuple(seen)


def _guid(value: str, link: str, title: str, date: datetime | None) -> str:
    guid = _CONTROL_RE.sub("", value).strip()
    if guid:
        return guid if len(guid) <= GUID_CAP else "sha256:" + hashlib.sha256(guid.encode()).hexdigest()
    # No id: a fingerprint of what identifies the post, the same on every harvest.
    fingerprint = "\n".join((link, title, date.isoformat() if date else ""))
    return "sha256:" + hashlib.sha256(fingerprint.encode()).hexdigest()


def _http_url(value: str) -> str:
    url = _CONTROL_RE.sub("", value).strip()
    if not url or len(url) > LINK_CAP:
        return ""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not host:
        return ""
    if any(char in url for char in '\t\n\r"<>\\'):
        return ""
    return url.replace(" ", "%20")


def _site_root(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme.lower()}://{parts.netloc}/"


@lru_cache(maxsize=4096)
def _parse_date(value: str) -> datetime | None:
    """RFC 822 or ISO 8601 (or anything feedparser's date handlers know), as an aware UTC datetime."""
    text = value.strip()[:100]
    if not text:
        return None
    parsed: datetime | None = None
    try:
        if text[:4].isdigit() and text[4:5] == "-":
            parsed = datetime.fromisoformat(text)
        else:
            parsed = _parse_rfc822(text) or parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = None
    if parsed is None:
        try:
            fields = feedparser_parse_date(text)
            if fields:
                year, month, day, hour, minute, second = fields[:6]
                parsed = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except Exception:  # feedparser's many date handlers are not all careful
            return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC).replace(microsecond=0)
    except (OverflowError, ValueError):
        return None


def _parse_rfc822(text: str) -> datetime | None:
    """The common shape "Tue, 03 Mar 2026 21:14:07 +0000", quickly; None for anything else."""
    match = _RFC822_RE.match(text)
    if not match:
        return None
    day, month_name, year, hour, minute, second, sign, offset_hours, offset_minutes = match.groups()
    month = _MONTHS.get(month_name.lower())
    if month is None:
        return None
    offset = 0
    if sign:
        offset = int(offset_hours) * 60 + int(offset_minutes)
        offset = -offset if sign == "-" else offset
    moment = datetime(int(year), month, int(day), int(hour), int(minute), int(second or 0), tzinfo=UTC)
    return moment - timedelta(minutes=offset)


def _html_field(raw: _RawText | None, cap: int) -> str:
    if raw is None:
        return ""
    value = raw.value
    if not value or value.isspace():
        return ""
    if raw.type == "text/plain" or (raw.type in HTML_TYPES and not _MARKUP_HINT_RE.search(value)):
        # X2: text is escaped, never parsed; its paragraphs and line breaks are kept.
        return _sanitize_capped(_text_to_html(value[:cap]), cap, "")
    if raw.type in HTML_TYPES:
        return _sanitize_capped(value[:cap], cap, raw.base)
    return ""


def _text_to_html(text: str) -> str:
    paragraphs = (part.strip() for part in _BLANK_LINE_RE.split(text.strip()))
    return "".join(f"<p>{escape(part, quote=False).replace(chr(10), '<br>')}</p>" for part in paragraphs if part)


def _absolutize(cleaned: str, base: str) -> str:
    """Make relative href/src absolute in nh3's output (only <a> and <img> keep URLs there).

    This runs on sanitised HTML on purpose: nh3 writes every attribute double-quoted with "<", ">",
    '"' and "&" escaped inside, so the pattern sees exactly the real tags, and the only change is a
    relative URL becoming an escaped absolute http(s) one.
    """
    if not base.lower().startswith(("http://", "https://")):
        return cleaned
    if not _RELATIVE_URL_HINT_RE.search(cleaned):
        return cleaned  # the usual case: every URL is already absolute

    def fix(match: re.Match[str]) -> str:
        value = unescape(match.group(2)).strip()
        if not value or value.startswith("#") or _SCHEME_RE.match(value):
            return match.group(0)
        return f'{match.group(1)}"{escape(_urljoin(base, value), quote=True)}"'

    return _RELATIVE_URL_ATTR_RE.sub(fix, cleaned)


def _sanitize_capped(fragment: str, cap: int, base: str) -> str:
    cleaned = _absolutize(sanitize_html(fragment), base)
    margin = 1024
    while len(cleaned) > cap and margin < cap:
        # Cutting sanitised HTML can split a tag; cleaning the cut again closes it properly.
        cleaned = sanitize_html(cleaned[: cap - margin])
        margin *= 4
    if len(cleaned) > cap:
        return ""
    if "\x7f" in cleaned or ("&#" in fragment and _CONTROL_REFERENCE_RE.search(fragment)):
        # nh3 turns "&#1;" into a raw control character; XML text itself cannot contain one.
        cleaned = _CONTROL_RE.sub("", cleaned)
    return cleaned
