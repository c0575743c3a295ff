"""The form for a person's weekly goal in a course."""

from typing import Any

from django import forms

from network.services_goals import GOAL_MAX


class GoalForm(forms.Form):
    posts = forms.IntegerField(
        label="Posts a week", min_value=0, max_value=GOAL_MAX, help_text="Your own learning posts, videos or images."
    )
    comments = forms.IntegerField(
        label="Comments a week", min_value=0, max_value=GOAL_MAX, help_text="Comments on other people's work."
    )
    shares = forms.IntegerField(
        label="Shares a week", min_value=0, max_value=GOAL_MAX, help_text="Work you opened and passed on."
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("posts") == data.get("comments") == data.get("shares") == 0:
            raise forms.ValidationError("Set at least one part of your goal above zero.")
        return data
