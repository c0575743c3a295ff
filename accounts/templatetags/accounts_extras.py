"""The one-step mute and unmute forms, drawn in Django templates from the Jinja2 pieces that comments use too
(`accounts/jinja2/accounts/`): `{% mute_form person mute_key next %}`, `{% unmute_form person next %}`."""

from typing import Any

from django import template

from core import jinja

register = template.Library()


@register.simple_tag(takes_context=True)
def mute_form(context: template.Context, person: Any, mute_key: Any, next: str = "") -> str:
    return jinja.render(
        "accounts/mute_form.html", person=person, mute_key=mute_key, next=next, csrf_input=jinja.csrf_input(context)
    )


@register.simple_tag(takes_context=True)
def unmute_form(context: template.Context, person: Any, next: str = "") -> str:
    return jinja.render("accounts/unmute_form.html", person=person, next=next, csrf_input=jinja.csrf_input(context))
