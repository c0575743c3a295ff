"""Forms for sign-up and the profile settings page."""

from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import User


class SignupForm(UserCreationForm[User]):
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
