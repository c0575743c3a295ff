from django import forms

from moderation.models import Reason


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label="Why are you reporting it?", choices=Reason.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label="Anything the facilitators should know (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only the course's facilitators see your report. The writer is not told who reported it.",
    )
