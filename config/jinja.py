"""The Jinja2 environment for the few templates rendered many times a page.

An artifact card is drawn twenty times on every list page (stream, home timeline, person, tag, prompt, week), a
comment up to hundreds of times on a busy post. In Django's template language a card cost about 0.9 ms here, most of
a list page's rendering; compiled to Python by Jinja2 it costs about 0.35 ms, most of that Django's model attribute
access (bench/README.md, "Pages", round 2). Everything else stays in Django templates, which draw these through the
tags in `posts.templatetags.posts_extras` and `accounts.templatetags.accounts_extras` (`core.jinja.render`).

The filters are Django's own (the same output as the Django templates they replaced): dates in the viewer's time
zone and language, `pluralize`, `truncatewords`, `linebreaksbr` (which escapes), and `excerpt`. Autoescaping is on,
as in Django templates, with Django's own escaping.
"""

from html import escape as html_escape
from typing import Any

from django.template import defaultfilters
from django.utils import dateformat
from django.utils.dates import MONTHS_3
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in django-stubs
from jinja2 import Environment
from markupsafe import Markup

from core.links import link
from posts.templatetags.posts_extras import excerpt


def _escape(value: Any) -> Any:
    """What Django's `conditional_escape` gives (html.escape: `'` is `&#x27;`), without its lazy-text wrapper,
    which cost a fifth of a card: this runs for every value a card prints."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html_escape(str(value)))  # noqa: S704  # escaped on this line


def date(value: Any, format_string: str) -> str:
    """Django's `date` filter for a format written out ("j M Y, H:i", "c"; not a setting's name such as
    "DATE_FORMAT"), in the current time zone and language as Django templates give it. Formatting directly skips
    the filter's search of the locale's format modules for a setting of that name, a third of a card's time."""
    if not value:
        return ""
    value = template_localtime(value)
    if format_string == "c":  # ISO 8601, as DateFormat.c gives it
        return str(value.isoformat())
    if format_string == _CARD_DATE:  # each of DateFormat's j, M, Y, H and i, written out: a fifth of a comment
        month = MONTHS_3[value.month].title()
        return f"{value.day} {month} {value.year:04d}, {value.hour:02d}:{value.minute:02d}"
    return dateformat.format(value, format_string)


# The format of every card's and comment's date ("28 Nov 2026, 14:05"), formatted directly.
_CARD_DATE = "j M Y, H:i"


def environment(**options: Any) -> Environment:
    options.pop("autoescape", None)  # always on, whatever the settings say
    # Escaped by Django's escape, not markupsafe's, so a card prints an apostrophe as Django templates do
    # (&#x27;, not &#39;): one page, one spelling, and tests that look for escaped text find it.
    options["finalize"] = _escape
    env = Environment(autoescape=True, **options)
    env.globals["url"] = link  # url("name", pk=…): reverse(), quicker when repeated
    env.filters.update(
        date=date,
        pluralize=defaultfilters.pluralize,
        truncatewords=defaultfilters.truncatewords,
        linebreaksbr=defaultfilters.linebreaksbr,
        excerpt=excerpt,
    )
    return env
