"""The search form: a query and the filters, read from the address (GET), so a search can be bookmarked."""

from typing import Any

from django import forms

from accounts.models import User
from core.text import normalize_tag
from courses.models import Course, Prompt, Week
from posts.models import Kind

from .selectors import Filters

TYPES = [("", "Everything"), ("posts", "Posts"), ("comments", "Comments"), ("people", "People"), ("tags", "Tags")]


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search for",
        max_length=200,
        required=False,
        help_text='Every word must match. Use "quotes" for a phrase and * for the start of a word, e.g. conf*.',
    )
    type = forms.ChoiceField(
        label="Show",
        choices=TYPES,
        required=False,
        error_messages={"invalid_choice": "“%(value)s” is not something search can show; choose from the list."},
    )
    course = forms.ModelChoiceField(
        label="Course",
        queryset=Course.objects.order_by("title"),
        to_field_name="slug",
        required=False,
        empty_label="Any course",
        # A bookmarked search whose course was renamed or removed: say which address was not found.
        error_messages={
            "invalid_choice": "No course has the address “%(value)s” (it may have been renamed or removed). "
            "Choose one from the list."
        },
    )
    week = forms.IntegerField(label="Week", min_value=1, max_value=52, required=False, help_text="Needs a course.")
    prompt = forms.IntegerField(
        label="Prompt", min_value=1, max_value=20, required=False, help_text="The prompt's number in that week."
    )
    kind = forms.ChoiceField(
        label="Kind",
        choices=[("", "Any kind"), *Kind.choices],
        required=False,
        error_messages={"invalid_choice": "“%(value)s” is not a kind of post; choose one from the list."},
    )
    person = forms.CharField(label="By", max_length=150, required=False, help_text="A handle, e.g. maria.")
    tag = forms.CharField(label="Tag", max_length=50, required=False, help_text="Without the #.")
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_person(self) -> User | None:
        handle = self.cleaned_data["person"].strip().lstrip("@")
        if not handle:
            return None
        person = User.objects.filter(username__iexact=handle, is_active=True).first()
        if person is None:
            raise forms.ValidationError(f"Nobody has the handle @{handle}.")
        return person

    def clean_tag(self) -> str:
        return normalize_tag(self.cleaned_data["tag"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        course = data.get("course")
        week_number, prompt_number = data.get("week"), data.get("prompt")
        data["week_obj"] = data["prompt_obj"] = None
        if (week_number or prompt_number) and course is None:
            self.add_error("week" if week_number else "prompt", "Choose a course to filter by week or prompt.")
        elif week_number and course is not None:
            data["week_obj"] = Week.objects.filter(course=course, number=week_number).first()
            if data["week_obj"] is None:
                self.add_error("week", f"{course.title} has no week {week_number}.")
        if prompt_number and course is not None:
            if not week_number:
                self.add_error("prompt", "Choose the prompt's week too.")
            elif data.get("week_obj") is not None:
                data["prompt_obj"] = Prompt.objects.filter(week=data["week_obj"], number=prompt_number).first()
                if data["prompt_obj"] is None:
                    self.add_error("prompt", f"Week {week_number} has no prompt {prompt_number}.")
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            course=data.get("course"),
            week=data.get("week_obj"),
            prompt=data.get("prompt_obj"),
            kind=data.get("kind") or "",
            person=data.get("person"),
            tag=data.get("tag") or "",
            since=data.get("since"),
            until=data.get("until"),
        )
