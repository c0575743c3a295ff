"""OPML 2.0 in and out: build a blogroll, and read one without trusting it.

`parse_opml` returns a `ParsedOPML`, a list of the http(s) feeds (nested categories flattened, the first of
each address kept) whose `.refused` lists the outlines with any other kind of address, each with a reason a
person can read; outlines without `xmlUrl` (categories, plain notes) are skipped silently. It never
fetches anything, never loads a DTD and refuses any document with a DOCTYPE, so entity tricks (billion
laughs, external entities) are refused before they can expand. Callers still validate each address the way
they validate one typed into a form (the harvester's fetch rules decide what may be fetched).
"""

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.utils import format_datetime
from urllib.parse import urlsplit

from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from lxml import etree

from core.exceptions import Invalid
from courses.models import Course
from syndication.models import Feed, FeedStatus

MAX_BYTES = 2 * 1024 * 1024
MAX_URL_LENGTH = 1000  # Feed.url's length
MAX_TEXT_LENGTH = 200  # Feed.title's length
FEED_SCHEMES = {"http", "https"}

# Characters XML 1.0 cannot carry: lxml and Django's feed writer both refuse them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def xml_text(text: str) -> str:
    """The text without the control characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text)


class OPMLError(Invalid):
    default_message = "This file could not be read as OPML."


@dataclass(frozen=True)
class Outline:
    text: str
    xml_url: str
    html_url: str = ""
    title: str = ""


@dataclass(frozen=True)
class Refused:
    outline: Outline
    reason: str


class ParsedOPML(list[Outline]):
    """The http(s) feeds of an OPML file in document order (a list), with `.refused` and the head's `.title`."""

    def __init__(self, outlines: Iterable[Outline] = (), *, title: str = "", refused: Iterable[Refused] = ()) -> None:
        super().__init__(outlines)
        self.title = title
        self.refused = list(refused)

    @property
    def outlines(self) -> list[Outline]:
        return list(self)


def build_opml(title: str, outlines: Sequence[Outline], *, created: dt.datetime | None = None) -> bytes:
    """An OPML 2.0 document (UTF-8) listing the outlines as RSS subscriptions; lxml escapes every value."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = xml_text(title)
    etree.SubElement(head, "dateCreated").text = format_datetime(
        (created or timezone.now()).astimezone(dt.UTC), usegmt=True
    )
    body = etree.SubElement(root, "body")
    for outline in outlines:
        attrs = {"type": "rss", "text": xml_text(outline.text), "xmlUrl": xml_text(outline.xml_url)}
        if outline.title:
            attrs["title"] = xml_text(outline.title)
        if outline.html_url:
            attrs["htmlUrl"] = xml_text(outline.html_url)
        etree.SubElement(body, "outline", attrs)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=False,
    )


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _plain(text: str) -> str:
    return _SPACES.sub(" ", text).strip()[:MAX_TEXT_LENGTH]


def _web_address(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme.lower() in FEED_SCHEMES and bool(parts.hostname)


def parse_opml(data: bytes, *, max_outlines: int = 5000) -> ParsedOPML:
    """The feeds an OPML file lists; raises OPMLError (with a plain message) for anything that is not OPML.

    Refused outright: an empty or oversized file, a DOCTYPE or entity declaration, XML that is not
    well-formed, a root other than <opml> or no <body>, and more than `max_outlines` feeds.
    """
    if not data or not data.strip():
        raise OPMLError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise OPMLError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if _DTD.search(data):
        raise OPMLError("The file declares a DOCTYPE or entities, which OPML never needs; it was not read.")
    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError):
        raise OPMLError("This file is not OPML: it is not well-formed XML.") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        # Another encoding (UTF-16, say) can hide a DOCTYPE from the byte check above.
        raise OPMLError("The file declares a DOCTYPE or entities, which OPML never needs; it was not read.")
    if _local(root.tag) != "opml":
        raise OPMLError("This file is not OPML: its outermost element is not <opml>.")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise OPMLError("This file is not OPML: it has no <body>.")
    head = next((child for child in root if _local(child.tag) == "head"), None)
    title_el = next((c for c in head if _local(c.tag) == "title"), None) if head is not None else None
    title = _plain(title_el.text or "") if title_el is not None else ""

    outlines: list[Outline] = []
    refused: list[Refused] = []
    seen: set[str] = set()
    for element in body.iter():
        if _local(element.tag) != "outline":
            continue
        # Attribute names are case-insensitive in the OPML found in the wild (xmlUrl, xmlurl, XMLURL).
        attrs = {_local(key).lower(): value for key, value in element.attrib.items()}
        xml_url = attrs.get("xmlurl", "").strip()
        if not xml_url:
            continue
        if len(outlines) + len(refused) >= max_outlines:
            raise OPMLError(f"The file lists more than {max_outlines} feeds; split it into smaller files.")
        html_url = attrs.get("htmlurl", "").strip()
        outline = Outline(
            text=_plain(attrs.get("text", "") or attrs.get("title", "")) or xml_url[:MAX_TEXT_LENGTH],
            xml_url=xml_url,
            html_url=html_url if _web_address(html_url) and len(html_url) <= MAX_URL_LENGTH else "",
            title=_plain(attrs.get("title", "")),
        )
        if len(xml_url) > MAX_URL_LENGTH:
            refused.append(Refused(outline, f"The feed address is longer than {MAX_URL_LENGTH} characters."))
        elif not _web_address(xml_url):
            refused.append(Refused(outline, "Only http:// and https:// feed addresses can be followed."))
        elif xml_url not in seen:
            seen.add(xml_url)
            outlines.append(outline)
    return ParsedOPML(outlines, title=title, refused=refused)


def course_blogroll(course: Course) -> list[Outline]:
    """The course's gathered blogs (active feeds only): blog name, else the owner's name, and both addresses."""
    feeds = (
        Feed.objects.filter(course=course, status=FeedStatus.ACTIVE)
        .select_related("owner")
        .annotate(owner_name=Coalesce(NullIf("owner__display_name", Value("")), "owner__username"))
        .order_by("owner_name", "title", "pk")
    )
    blogroll = []
    for feed in feeds:
        text = feed.title or feed.owner.name
        blogroll.append(Outline(text=text, xml_url=feed.url, html_url=feed.site_url, title=text))
    return blogroll


def course_blogroll_opml(course: Course, *, created: dt.datetime | None = None) -> bytes:
    return build_opml(f"{course.title} blogroll · Commonplace", course_blogroll(course), created=created)
