"""SP4: a honeypot field and a least time between showing a form and posting it, for forms bots fill in.

A form that mixes in `GuardedForm` carries a hidden, signed stamp of when it was shown (`rendered`) and a
field people never see (`website`, hidden by CSS; bots fill in every field). Posting sooner than
FORM_MIN_SECONDS after the form was shown, with a filled honeypot, or without a valid stamp is refused with
a form error, so what the person typed comes back with it.
"""

import time
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing

SALT = "commonplace.formguard"
MAX_AGE_SECONDS = 2 * 24 * 3600  # a form left open for two days is shown again with a fresh stamp
HONEYPOT = "website"
STAMP = "rendered"
TOO_QUICK = "That was quicker than a person can write. Please check your text and post it again."
REFUSED = "We could not accept this form. Please post it again."


def stamp(ago: float = 0.0) -> str:
    """A signed stamp of now (or `ago` seconds before now), for the hidden field."""
    return signing.dumps(round(time.time() - ago, 3), salt=SALT, compress=False)


def stamp_age(value: str) -> float | None:
    """Seconds since the stamp was made; None when it is missing, forged or older than two days."""
    try:
        made = float(signing.loads(value, salt=SALT, max_age=MAX_AGE_SECONDS))
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return time.time() - made


class GuardedForm(forms.Form):
    """Mix in before the form's own class: `class CommentForm(GuardedForm): ...`."""

    website = forms.CharField(
        label="Leave this empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    rendered = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[HONEYPOT].honeypot = True  # type: ignore[attr-defined]  # includes/form.html hides it
        if not self.is_bound:
            self.fields[STAMP].initial = stamp()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.data.get(HONEYPOT):
            # Emptied in the form shown again (a browser's autofill may have filled it), so posting it
            # again works for a person; the text they wrote is kept.
            self.data = {**dict(self.data.items()), HONEYPOT: ""}
            raise forms.ValidationError(REFUSED, code="honeypot")
        age = stamp_age(str(self.data.get(STAMP) or ""))
        if age is None:
            # Shown again with a fresh stamp, so posting it again works (items(): one value a field).
            self.data = {**dict(self.data.items()), STAMP: stamp()}
            raise forms.ValidationError(REFUSED, code="stamp")
        if age < settings.FORM_MIN_SECONDS:
            raise forms.ValidationError(TOO_QUICK, code="too_quick")
        return data
