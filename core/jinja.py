"""Drawing a Jinja2 piece (an app's `jinja2/` folder) inside a Django template.

A few pieces are drawn many times a page (an artifact card twenty times a list page, a comment two hundred times
on a busy post), and Django's template language costs about a millisecond each; they are Jinja2 (why, and the
environment: `config/jinja.py`). A template tag of the app draws each one from its Django template's context.
"""

from typing import Any

from django.template import Context, engines
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

# What Django's CSRF context processor gives where a page needs no token (a marker, not a secret).
_NO_TOKEN = "NOTPROVIDED"  # noqa: S105
_CSRF_INPUT = "core.jinja.csrf_input"


def render(name: str, **context: Any) -> SafeString:
    """The Jinja2 template `name`, rendered with exactly `context` (it escapes what it prints)."""
    template = engines["jinja2"].env.get_template(name)  # type: ignore[attr-defined]
    return mark_safe(template.render(context))  # Jinja2 escaped every value it printed


def csrf_input(context: Context) -> SafeString:
    """The hidden CSRF field, as `{% csrf_token %}` draws it from the same context (nothing when there is none)."""
    drawn = context.render_context.get(_CSRF_INPUT)  # once a page, not once a form
    if drawn is None:
        token = context.get("csrf_token")
        if not token or token == _NO_TOKEN:
            drawn = mark_safe("")
        else:
            drawn = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
        context.render_context[_CSRF_INPUT] = drawn
    return drawn
