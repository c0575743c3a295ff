"""The facilitator's chat form: details, and the questions one per line."""

import datetime as dt
import re
from typing import Any

from django import forms

from chats.models import MAX_QUESTIONS, Chat, ChatMode, ChatVisibility
from chats.services import ChatPlan
from courses.forms import DateInput, zone_named
from courses.models import Week

_NUMBERED = re.compile(r"^\s*Q\s*\d+\s*[:.)-]\s*", re.IGNORECASE)


def question_lines(text: str) -> list[str]:
    """One question per line; blank lines are skipped and a typed "Q3:" in front is dropped (we number them)."""
    return [_NUMBERED.sub("", line).strip() for line in text.splitlines() if line.strip()]


class ChatForm(forms.Form):
    title = forms.CharField(max_length=150, help_text="e.g. “Week 3 chat: Relationships first”.")
    date = forms.DateField(label="Date", widget=DateInput())
    time = forms.TimeField(label="Start time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    mode = forms.ChoiceField(label="Kind of chat", choices=ChatMode.choices, widget=forms.RadioSelect)
    interval = forms.IntegerField(
        label="Time between questions",
        min_value=0,
        max_value=120,
        initial=10,
        help_text=(
            "Live chat: minutes between questions (Q1 at the start), or 0 to release each question yourself. "
            "Slow chat: 1 for one question a day, 7 for one a week."
        ),
    )
    visibility = forms.ChoiceField(label="Who can read it", choices=ChatVisibility.choices, widget=forms.RadioSelect)
    week = forms.ModelChoiceField(queryset=Week.objects.none(), required=False, empty_label="No particular week")
    questions = forms.CharField(
        label="The questions, one per line",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=(
            f"One question per line, up to {MAX_QUESTIONS}; they are numbered Q1, Q2… in this order. "
            "Participants answer with A1, A2… Questions already out cannot be changed."
        ),
    )

    def __init__(self, *args: Any, time_zone: str, weeks: Any, chat: Chat | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone_named(time_zone)
        where = self.zone.key.replace("_", " ")
        self.fields["date"].help_text = f"In your time zone, {where}."
        self.fields["time"].help_text = f"24-hour clock, in your time zone ({where})."
        week_field = self.fields["week"]
        assert isinstance(week_field, forms.ModelChoiceField)
        week_field.queryset = weeks
        self.fields["mode"].initial = ChatMode.LIVE
        self.fields["visibility"].initial = ChatVisibility.PUBLIC
        if chat is not None:
            local = chat.starts_at.astimezone(self.zone)
            self.initial.update(
                title=chat.title,
                date=local.date(),
                time=local.time().replace(second=0, microsecond=0),
                mode=chat.mode,
                interval=chat.interval,
                visibility=chat.visibility,
                week=chat.week_id,
                questions="\n".join(q.text for q in chat.questions.all()),
            )

    def clean_questions(self) -> list[str]:
        lines = question_lines(self.cleaned_data["questions"])
        if not lines:
            raise forms.ValidationError("Write at least one question, one per line.")
        if len(lines) > MAX_QUESTIONS:
            raise forms.ValidationError(f"A chat has at most {MAX_QUESTIONS} questions; this has {len(lines)}.")
        return lines

    def plan(self) -> ChatPlan:
        data = self.cleaned_data
        starts = dt.datetime.combine(data["date"], data["time"], tzinfo=self.zone).astimezone(dt.UTC)
        return ChatPlan(
            title=data["title"],
            starts_at=starts,
            mode=data["mode"],
            interval=data["interval"],
            visibility=data["visibility"],
            questions=data["questions"],
            week=data["week"],
        )
