"""Template filters for artifact pages."""

import html

from django import template
from django.utils.html import strip_tags
from django.utils.text import Truncator

register = template.Library()


@register.filter
def excerpt(body_html: str, words: int = 40) -> str:
    """Plain text from sanitised HTML, cut to `words` words. Returned unsafe, so the template escapes it."""
    text = html.unescape(strip_tags(body_html or ""))
    return Truncator(" ".join(text.split())).words(words, truncate="…")
