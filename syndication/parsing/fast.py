"""The fast path: lxml over well-formed RSS 2.0, RSS 1.0 and Atom 1.0, reading the same raw values
feedparser would; whatever it does not model exactly raises _Bail, and the feed goes to the tolerant path.
"""

import contextlib
import re
import threading
from datetime import datetime
from typing import Any

from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin, make_safe_absolute_uri
from lxml import etree

from syndication.parsing.dates import _parse_date
from syndication.parsing.raw import HTML_TYPES, MAX_ENTRIES_CONSIDERED, _RawEntry, _RawFeed, _RawText
from syndication.parsing.results import FeedError

# The fast path reads the same raw values feedparser would (same element aliases, the same "first title wins",
# "last link wins", guid-as-permalink and xml:base rules, the same whitespace stripping and text
# fix-ups) and hands them to the same normalising functions. Anything it does not model exactly
# (inline XHTML, nested entries, several summaries, media keywords…) raises _Bail and the whole feed
# goes to feedparser instead.


class _Bail(Exception):
    """The fast path is not sure; the tolerant path decides."""


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
