"""The hardened pre-scan (R4, R5, R6) every feed goes through before either parser sees it: decode to
text, skip the prolog, read and drop the DOCTYPE (no external DTDs or entities are ever loaded; declared
entities are expanded within a budget, which refuses billion-laughs and quadratic blow-up), fix entity
and character references, and, only when the XML parser trips, drop characters XML forbids.
"""

import codecs
import re
from collections import Counter
from dataclasses import dataclass, field
from html.entities import html5 as HTML5_ENTITIES

from syndication.parsing.results import FeedError

ENTITY_BUDGET = 64 * 1024  # characters of declared-entity expansion allowed per feed (R4/R5)
MAX_ENTITY_DECLARATIONS = 1_000

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
