"""Forms for the network pages: the note that goes with a share."""

from django import forms


class ShareForm(forms.Form):
    note = forms.CharField(
        label="Why is it worth someone's time?",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional, up to 500 characters. Your followers see it with the item.",
    )
