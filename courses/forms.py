"""Forms for the facilitator's pages and for sending a question ahead of a live session."""

import datetime as dt
import zoneinfo
from typing import Any

from django import forms

from courses.models import Book, Course, LiveSession, Prompt, ReadingStatus, Week


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


HABIT_FIELDS = (
    "read_before_share",
    "giving_balance",
    "tone_nudge",
    "relationship_nudge",
    "own_share_threshold",
    "daily_share_limit",
)


class CourseForm(forms.ModelForm[Course]):
    """The course's details and, in their own group, how each of the three habits' mechanisms runs."""

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
            "require_feed_approval",
            "show_full_posts",
            *HABIT_FIELDS,
        )
        labels = {
            "slug": "Web address name",
            "joining_open": "Joining is open",
            "read_before_share": "Read before you share",
            "giving_balance": "Giving balance",
            "tone_nudge": "Seek first to understand",
            "relationship_nudge": "Balance with each person",
            "own_share_threshold": "Own-work share threshold",
            "daily_share_limit": "Shares per person a day",
        }
        help_texts = {
            "slug": "Lower-case letters, digits and hyphens, e.g. immooc-2026. Used in the course's web address.",
            "hashtag": "Participants tag their posts with it, e.g. #IMMOOC.",
            "description": "What the course is about, who it is for, and how it runs.",
            "norm_posts": "The weekly norm each participant is invited to keep, e.g. write one post a week…",
            "norm_comments": "…comment on three others…",
            "norm_shares": "…and share three others.",
            "read_before_share": "Require: a share is refused until the person has opened the post. "
            "Nudge: they are reminded. Off: no check.",
            "giving_balance": "Nudge: point it out when a person's own work dominates what they share.",
            "tone_nudge": 'Nudge: when a comment reads as a challenge, offer to ask it as a question ("seek first '
            'to understand") before it is posted. It never stops anyone posting.',
            "relationship_nudge": "Nudge: tell someone when their last five replies to one person were all challenges.",
            "own_share_threshold": "A fraction from 0 to 1: nudge when more than this share of what a person "
            "shares is their own work (0.33 is one in three).",
            "daily_share_limit": "The most posts one person can share in a day, from 1 to 500.",
        }
        widgets = {"start_date": DateInput(), "description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A form sent without the habit settings (an older page, a script) keeps the course's current ones.
        for name in HABIT_FIELDS:
            self.fields[name].required = False

    def _clean_habit(self, name: str) -> Any:
        value = self.cleaned_data.get(name)
        return getattr(self.instance, name) if value in (None, "") else value

    def clean_read_before_share(self) -> Any:
        return self._clean_habit("read_before_share")

    def clean_giving_balance(self) -> Any:
        return self._clean_habit("giving_balance")

    def clean_tone_nudge(self) -> Any:
        return self._clean_habit("tone_nudge")

    def clean_relationship_nudge(self) -> Any:
        return self._clean_habit("relationship_nudge")

    def clean_own_share_threshold(self) -> Any:
        return self._clean_habit("own_share_threshold")

    def clean_daily_share_limit(self) -> Any:
        return self._clean_habit("daily_share_limit")

    def detail_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in HABIT_FIELDS]

    def habit_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in HABIT_FIELDS]


class BookForm(forms.ModelForm[Book]):
    class Meta:
        model = Book
        fields = ("title", "author", "link", "pages")
        help_texts = {
            "link": "Optional: where to find the book, e.g. the publisher's page.",
            "pages": "Optional: how many pages it has. Readers who give a percent are then spared discussion of "
            "pages they have not reached.",
        }


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
        fields = ("title", "duration_minutes", "join_url", "recording_url", "show_notes")
        labels = {"duration_minutes": "Length in minutes"}
        help_texts = {
            "join_url": "Where people join live, e.g. a YouTube Live or video-call link.",
            "recording_url": "Add it after the session so people can watch later.",
            "show_notes": "After the show: what was discussed, and the links mentioned (plain text; links work).",
        }
        widgets = {"show_notes": forms.Textarea(attrs={"rows": 6})}

    field_order = ("title", "date", "time", "duration_minutes", "join_url", "recording_url", "show_notes")

    def __init__(self, *args: Any, time_zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone_named(time_zone)
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


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


class ReadingProgressForm(forms.Form):
    status = forms.ChoiceField(label="Where are you?", choices=ReadingStatus.choices, widget=forms.RadioSelect)
    percent = forms.IntegerField(
        label="How far (percent)", min_value=0, max_value=100, required=False, help_text="Optional, 0 to 100."
    )
    page = forms.IntegerField(label="Page", min_value=1, max_value=5000, required=False, help_text="Optional.")
