"""Forms for sign-up, the profile settings page and keyword filters."""

from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import ExpiryChoice, FilterAction, FilterContext, KeywordFilter, User
from core.formguard import GuardedForm


class SignupForm(GuardedForm, UserCreationForm[User]):  # type: ignore[misc]
    """Sign-up, with the honeypot and the least time since the form was shown (SP4, core.formguard)."""

    class Meta:
        model = User
        fields = ("username", "email", "display_name")
        labels = {"username": "Handle"}
        help_texts = {"email": "Used for password resets and the summaries you ask for. Never shown to others."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(autocomplete="username", autocapitalize="none")
        self.fields["email"].widget.attrs.update(autocomplete="email")
        self.fields["password1"].help_text = "At least 10 characters; not a common password."


class ProfileForm(forms.ModelForm[User]):
    avatar_file = forms.FileField(
        label="Avatar",
        required=False,
        help_text="JPEG, PNG, GIF or WebP, up to 5 MB. We remove photo location and other metadata.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )
    remove_avatar = forms.BooleanField(required=False, label="Remove my avatar")

    class Meta:
        model = User
        fields = (
            "display_name",
            "bio",
            "role",
            "subjects",
            "grade_levels",
            "time_zone",
            "website",
            "blog_url",
            "avatar_alt",
            "notification_email",
            "private_profile",
        )
        labels = {"avatar_alt": "Avatar description"}
        help_texts = {"avatar_alt": "Describe your avatar for people using screen readers."}
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A post without the field (an older form, a script) keeps the current setting.
        self.fields["notification_email"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("notification_email"):
            data["notification_email"] = self.instance.notification_email
        if data.get("avatar_file") and not data.get("avatar_alt"):
            self.add_error("avatar_alt", "Please describe your avatar for people who cannot see it.")
        return data


KEEP_EXPIRY = "keep"


class KeywordFilterForm(forms.Form):
    """Add or change a keyword filter. The service checks the rules, so a refusal comes back as a message."""

    phrase = forms.CharField(
        label="Word or phrase",
        required=False,
        strip=True,
        help_text="Up to 100 characters. Case and accents do not matter: “eleve” also filters “Élève”.",
        widget=forms.TextInput(attrs={"maxlength": 100, "autocomplete": "off"}),
    )
    whole_word = forms.BooleanField(
        label="Whole word only",
        required=False,
        initial=True,
        help_text="On: “test” filters “test” but not “testing”. Off: it filters any text containing it.",
    )
    contexts = forms.MultipleChoiceField(
        label="Where it applies",
        required=False,
        choices=FilterContext.choices,
        initial=FilterContext.values,
        widget=forms.CheckboxSelectMultiple,
        help_text="Your own page and other people's pages are never filtered.",
    )
    action = forms.ChoiceField(
        label="What it does",
        choices=FilterAction.choices,
        initial=FilterAction.WARN,
        widget=forms.RadioSelect,
        help_text="Fold: you see “Filtered” with the phrase and can open the post. Hide: you do not see it at all.",
    )
    expires_in = forms.ChoiceField(
        label="Expires",
        choices=ExpiryChoice.choices,
        initial=ExpiryChoice.NEVER,
        help_text="After it expires the filter stops applying; you can set it again by editing it.",
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # Editing keeps the current expiry unless a new one is chosen (counted from now).
            expires = self.fields["expires_in"]
            assert isinstance(expires, forms.ChoiceField)
            expires.choices = [(KEEP_EXPIRY, "Keep as it is"), *ExpiryChoice.choices]
            expires.initial = KEEP_EXPIRY

    @classmethod
    def initial_for(cls, found: KeywordFilter) -> dict[str, Any]:
        return {
            "phrase": found.phrase,
            "whole_word": found.whole_word,
            "contexts": found.contexts,
            "action": found.action,
            "expires_in": KEEP_EXPIRY,
        }
