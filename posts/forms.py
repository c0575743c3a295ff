"""Forms for publishing, commenting and filtering the stream. They check shape only; services decide."""

from typing import Any

from django import forms
from django.conf import settings

from core.formguard import GuardedForm
from core.text import normalize_tag
from courses.models import Book, Course, Prompt, Week
from posts.models import BOOK_MAX_PAGE, PASSAGE_MAX, Artifact, Kind, Tone, Visibility

IMAGE_ACCEPT = "image/jpeg,image/png,image/gif,image/webp"


def split_tags(value: str) -> list[str]:
    """Comma-separated tags as a list; empty items dropped."""
    return [part.strip() for part in value.split(",") if part.strip()]


class PromptChoiceField(forms.ModelChoiceField[Prompt]):
    def label_from_instance(self, obj: Prompt) -> str:
        text = obj.text if len(obj.text) <= 70 else obj.text[:69] + "…"
        return f"Week {obj.week.number}, prompt {obj.number}: {text}"


class BookChoiceField(forms.ModelChoiceField[Book]):
    def label_from_instance(self, obj: Book) -> str:
        return f"{obj.title} ({obj.author})"


class ArtifactForm(forms.Form):
    kind = forms.ChoiceField(
        label="What are you sharing?",
        choices=Kind.choices,
        initial=Kind.POST,
        help_text="A quote or note is anchored to a page or chapter of one of the course's books.",
    )
    title = forms.CharField(max_length=200)
    # Where in a course book it is anchored: required for a quote or note, optional for anything else.
    book = BookChoiceField(
        label="From which book?",
        queryset=Book.objects.none(),
        required=False,
        empty_label="No book",
        help_text="For a quote or note: the course book it comes from.",
    )
    page = forms.IntegerField(
        min_value=1,
        max_value=BOOK_MAX_PAGE,
        required=False,
        help_text="The page it is on. Readers who have not got that far see it folded, so they can wait.",
    )
    chapter = forms.CharField(
        required=False,
        max_length=120,
        help_text="Optional with a page, e.g. “Chapter 3: The Innovator's Mindset”.",
    )
    passage = forms.CharField(
        label="Quoted passage",
        required=False,
        max_length=PASSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional: the book's words, as printed (up to 2,000 characters). Your own thoughts go in the "
        "text below.",
    )
    body = forms.CharField(
        label="Text",
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Markdown: **bold**, *italic*, [a link](https://example.org), lists. #hashtags become tags. "
        "For a quote or note, this is your note.",
    )
    url = forms.URLField(
        label="Address (URL)",
        required=False,
        max_length=1000,
        help_text="For a video (YouTube or Vimeo videos play here) or a link.",
    )
    image = forms.FileField(
        required=False,
        help_text="For an image: JPEG, PNG, GIF or WebP, up to 5 MB. We remove photo location and other metadata.",
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
    )
    image_alt = forms.CharField(
        label="Image description (alt text)",
        required=False,
        max_length=500,
        help_text="Required for an image: describe it for people who cannot see it.",
    )
    prompt = PromptChoiceField(
        label="Answering a prompt?",
        queryset=Prompt.objects.none(),
        required=False,
        empty_label="No prompt",
    )
    tags = forms.CharField(required=False, max_length=500, help_text="Comma-separated, e.g. assessment, student voice.")
    visibility = forms.ChoiceField(
        label="Who can see it?", choices=Visibility.choices, initial=Visibility.PUBLIC, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, course: Course, has_image: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        prompt_field = self.fields["prompt"]
        assert isinstance(prompt_field, PromptChoiceField)
        prompt_field.queryset = (
            Prompt.objects.filter(week__course=course).select_related("week").order_by("week__number", "number")
        )
        book_field = self.fields["book"]
        assert isinstance(book_field, BookChoiceField)
        book_field.queryset = course.books.all()
        self.has_image = has_image
        if has_image:
            self.fields["image"].help_text = "Leave empty to keep the current image. " + (
                self.fields["image"].help_text or ""
            )

    def clean_image(self) -> Any:
        upload = self.cleaned_data.get("image")
        # Refuse a huge file before reading it into memory; core.images checks the rest.
        if upload and upload.size > settings.IMAGE_MAX_BYTES:
            limit = settings.IMAGE_MAX_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"That image is larger than {limit} MB. Please choose a smaller one.")
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == Kind.IMAGE:
            if not data.get("image") and not self.has_image:
                self.add_error("image", "Please choose an image to upload.")
            if not (data.get("image_alt") or "").strip():
                self.add_error("image_alt", "Please describe the image for people who cannot see it.")
        if kind in {Kind.VIDEO, Kind.LINK} and not data.get("url") and "url" not in self.errors:
            self.add_error("url", "Please paste the address (URL).")
        if kind == Kind.QUOTE and not data.get("book") and "book" not in self.errors:
            self.add_error("book", "Please choose the book your quote or note comes from.")
        return data

    @staticmethod
    def initial_for(artifact: Artifact) -> dict[str, Any]:
        prompt_tag = artifact.prompt.tag if artifact.prompt else ""
        return {
            "kind": artifact.kind,
            "title": artifact.title,
            "body": artifact.body,
            "url": artifact.url,
            "image_alt": artifact.image_alt,
            "prompt": artifact.prompt_id,
            "tags": ", ".join(t.name for t in artifact.tags.all() if t.name != prompt_tag),
            "visibility": artifact.visibility,
            "book": artifact.book_id,
            "chapter": artifact.chapter,
            "page": artifact.page,
            "passage": artifact.passage,
        }


class CommentBodyForm(forms.Form):
    """A comment's text: editing your own comment."""

    body = forms.CharField(
        label="Your comment",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown works. Asking a question is a good way to challenge an idea.",
    )


class CommentForm(GuardedForm):
    """A new comment or reply, with the honeypot and the least time since the form was shown (SP4)."""

    body = forms.CharField(
        label="Your comment",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown works. Asking a question is a good way to challenge an idea.",
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # Set on the "seek first to understand" step: posting from there posts as is, without a second nudge.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        """On the confirm step a chosen rewording replaces the text and is posted straight away,
        and "Edit" asks for the composer back with the text in it (`edit`)."""
        data = super().clean() or {}
        rewording = str(self.data.get("rewording") or "").strip()
        if rewording:
            data["body"] = rewording[:10_000]
            data["confirmed"] = True
            self.errors.pop("body", None)
        data["edit"] = bool(self.data.get("edit"))
        return data


class ToneForm(forms.Form):
    """The writer's own tone label for their comment."""

    tone = forms.ChoiceField(label="Tone", choices=Tone.choices)


class StreamFilterForm(forms.Form):
    """GET filters for the stream; a value that is not one of the course's is simply ignored."""

    week = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    prompt = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    tag = forms.CharField(required=False, max_length=50)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Kind.choices], required=False)

    def __init__(self, *args: Any, weeks: list[Week], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        week_field = self.fields["week"]
        prompt_field = self.fields["prompt"]
        assert isinstance(week_field, forms.TypedChoiceField)
        assert isinstance(prompt_field, forms.TypedChoiceField)
        week_field.choices = [("", "Any week")] + [(w.number, f"Week {w.number}") for w in weeks]
        prompt_field.choices = [("", "Any prompt")] + [
            (p.pk, f"Week {w.number}, prompt {p.number}") for w in weeks for p in w.prompts.all()
        ]
        self.weeks = {w.number: w for w in weeks}
        self.prompts = {p.pk: p for w in weeks for p in w.prompts.all()}

    def filters(self) -> dict[str, Any]:
        """The valid filters as objects for course_stream; invalid ones are left out."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "week": self.weeks.get(data.get("week") or 0),
            "prompt": self.prompts.get(data.get("prompt") or 0),
            "tag": normalize_tag(data.get("tag") or "") or None,
            "kind": data.get("kind") or None,
        }

    @staticmethod
    def initial_for(filters: dict[str, Any]) -> dict[str, Any]:
        """Initial values that show the filters in use."""
        return {
            "week": filters["week"].number if filters["week"] else "",
            "prompt": filters["prompt"].pk if filters["prompt"] else "",
            "tag": filters["tag"] or "",
            "kind": filters["kind"] or "",
        }
