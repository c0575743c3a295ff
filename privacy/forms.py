from django import forms


class CloseAccountForm(forms.Form):
    handle = forms.CharField(label="Type your handle to confirm", max_length=30)
    password = forms.CharField(label="Your password", widget=forms.PasswordInput, strip=False)

    def __init__(self, *args: object, username: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.username = username

    def clean_handle(self) -> str:
        handle = self.cleaned_data["handle"].strip().lstrip("@")
        if handle.lower() != self.username.lower():
            raise forms.ValidationError(f"Type @{self.username} exactly to confirm.")
        return handle
