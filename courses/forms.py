"""Forms for the facilitator's pages and for sending a question ahead of a live session."""

import datetime as dt
import zoneinfo
from typing import Any

from django import forms

from courses.models import Book, Course, LiveSession, Prompt, Week


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class CourseForm(forms.ModelForm[Course]):
    class Meta:
        model = Course
        fields = (
            "title",
            "slug",
            "hashtag",
            "description",
            "start_date",
            "joining_open",
            "norm_posts",
            "norm_comments",
            "norm_shares",
            "comment_window_days",
        )
        labels = {"slug": "Web address name", "joining_open": "Joining is open"}
        help_texts = {
            "slug": "Lower-case letters, digits and hyphens, e.g. immooc-2026. Used in the course's web address.",
            "hashtag": "Participants tag their posts with it, e.g. #IMMOOC.",
            "description": "What the course is about, who it is for, and how it runs.",
            "norm_posts": "The weekly norm each participant is invited to keep, e.g. write one post a week…",
            "norm_comments": "…comment on three others…",
            "norm_shares": "…and share three others.",
        }
        widgets = {"start_date": DateInput(), "description": forms.Textarea(attrs={"rows": 5})}


class BookForm(forms.ModelForm[Book]):
    class Meta:
        model = Book
        fields = ("title", "author", "link")
        help_texts = {"link": "Optional: where to find the book, e.g. the publisher's page."}


class WeekForm(forms.ModelForm[Week]):
    """A week's details, plus one 'chapters this week' field for each of the course's books."""

    class Meta:
        model = Week
        fields = ("number", "title", "theme_question", "starts_on", "ends_on")
        labels = {"starts_on": "Starts on", "ends_on": "Ends on"}
        help_texts = {
            "number": "Weeks are numbered from 1.",
            "theme_question": "The one question everyone considers this week, whichever book they read.",
        }
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args: Any, books: list[Book], chapters: dict[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.books = books
        for book in books:
            self.fields[f"book_{book.pk}"] = forms.CharField(
                label=f"Chapters of {book.title} this week",
                required=False,
                max_length=300,
                initial=chapters.get(book.pk, ""),
                help_text="e.g. Chapters 1–2. Leave empty if this book is not read this week.",
            )

    def readings(self) -> list[tuple[Book, str]]:
        """The (book, chapters) pairs typed in, for courses.services.save_week."""
        return [(book, self.cleaned_data.get(f"book_{book.pk}", "")) for book in self.books]

    def week_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PromptForm(forms.ModelForm[Prompt]):
    class Meta:
        model = Prompt
        fields = ("kind", "text")
        labels = {"kind": "Kind of response", "text": "Prompt"}
        help_texts = {"text": "What should participants make or write about? Prompts are numbered automatically."}
        widgets = {"text": forms.Textarea(attrs={"rows": 5})}


class LiveSessionForm(forms.ModelForm[LiveSession]):
    """The start is typed as a local date and time in the facilitator's own time zone."""

    date = forms.DateField(label="Date", widget=DateInput())
    time = forms.TimeField(
        label="Start time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), help_text="24-hour clock."
    )

    class Meta:
        model = LiveSession
        fields = ("title", "duration_minutes", "join_url", "recording_url")
        labels = {"duration_minutes": "Length in minutes"}
        help_texts = {
            "join_url": "Where people join live, e.g. a YouTube Live or video-call link.",
            "recording_url": "Add it after the session so people can watch later.",
        }

    field_order = ("title", "date", "time", "duration_minutes", "join_url", "recording_url")

    def __init__(self, *args: Any, time_zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = _zone(time_zone)
        self.fields["date"].help_text = f"In your time zone, {self.zone.key.replace('_', ' ')}."
        self.fields["time"].help_text = f"24-hour clock, in your time zone ({self.zone.key.replace('_', ' ')})."
        if self.instance.pk and self.instance.starts_at:
            local = self.instance.starts_at.astimezone(self.zone)
            self.initial.setdefault("date", local.date())
            self.initial.setdefault("time", local.time().replace(second=0, microsecond=0))

    def starts_at(self) -> dt.datetime:
        """The typed local date and time as an aware datetime in UTC."""
        local = dt.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"], tzinfo=self.zone)
        return local.astimezone(dt.UTC)

    def session_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class LiveQuestionForm(forms.Form):
    text = forms.CharField(
        label="Your question",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Up to 500 characters. The facilitators see it before the session starts.",
    )


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")
