"""Sign-up, log-in, log-out, password reset, the settings page and keyword filters."""

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services, services_filters, throttle
from accounts.forms import KEEP_EXPIRY, KeywordFilterForm, ProfileForm, SignupForm
from accounts.models import KeywordFilter, User
from core.exceptions import ActionError
from core.images import ImageRejected
from core.urls_safety import safe_next

SIGNUP_NETWORK_BLOCKED = (
    "This site does not take sign-ups from your network. If you are joining a course, ask its facilitator: "
    "they can tell the site's staff, who can let your school's network in."
)


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Too many failed log-ins for this account, or from this address, pause log-ins for a while (S2);
        the password is not even checked then, so guessing gains nothing."""
        username = str(request.POST.get("username", ""))
        if not throttle.attempt(request, username):
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None,
                f"Too many failed log-ins. Please wait {settings.LOGIN_LOCKOUT_MINUTES} minutes, or reset your "
                "password.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            throttle.succeeded(request, username)
        else:
            throttle.failed(request, username)
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        """The right password for an account still waiting for approval says so, instead of "wrong password"
        (only someone who knows the password learns that the account exists)."""
        username, password = str(self.request.POST.get("username", "")), str(self.request.POST.get("password", ""))
        waiting = User.objects.filter(username__iexact=username, awaiting_approval=True).first()
        if waiting is not None and password and waiting.check_password(password):
            form.errors.clear()
            form.add_error(None, WAITING)
        return super().form_invalid(form)

    def get_redirect_url(self, request: HttpRequest | None = None) -> str:
        # One rule for every `next=` on the site: same-host relative paths only (A8).
        return safe_next(request or self.request, "")


WAITING = (
    "Your sign-up is waiting for a moderator's approval. You will get an e-mail as soon as it is approved; "
    "then log in here."
)


class LogoutView(auth_views.LogoutView):
    def get_redirect_url(self, request: HttpRequest | None = None) -> str:
        return safe_next(request or self.request, "")


class PasswordResetView(auth_views.PasswordResetView):
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # The link in the email is built from SITE_URL, never from the request's Host header (S6).
        site = urlsplit(settings.SITE_URL)
        self.extra_email_context = {"protocol": site.scheme, "domain": site.netloc, "site_name": "Commonplace"}
        return super().form_valid(form)


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(safe_next(request, reverse("home")))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if throttle.signup_network_blocked(throttle.client_address(request)):
                raise ActionError(SIGNUP_NETWORK_BLOCKED)
            user = services.register(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data.get("display_name", ""),
            )
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            if user.awaiting_approval:
                return render(request, "accounts/signup_waiting.html", {"person": user})
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to Commonplace, {user.name}!")
            return redirect(safe_next(request, reverse("home")))
    return render(request, "accounts/signup.html", {"form": form, "next": safe_next(request, "")})


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    # A fresh copy: form validation writes typed values onto its instance, and a refused
    # form must not change the signed-in user object used by the rest of the page.
    assert isinstance(request.user, User)
    profile = User.objects.get(pk=request.user.pk)
    form = ProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        fields: dict[str, Any] = {name: form.cleaned_data[name] for name in services.PROFILE_FIELDS}
        upload = form.cleaned_data.get("avatar_file")
        try:
            services.update_profile(
                user=profile,
                avatar=upload.read() if upload else None,
                remove_avatar=bool(form.cleaned_data.get("remove_avatar")),
                **fields,
            )
        except ImageRejected as exc:
            form.add_error("avatar_file", exc.message)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("accounts:settings")
    current = User.objects.get(pk=profile.pk)
    return render(request, "accounts/settings.html", {"form": form, "profile": current})


# Mute: "until I undo it" is sent as "forever"; the muted person is never told.
MUTE_CHOICES: dict[str, int | None] = {"1": 1, "7": 7, "30": 30, "forever": None}
MUTE_LABELS: dict[str, str] = {"1": "for 1 day", "7": "for 7 days", "30": "for 30 days", "forever": "until you undo it"}


@login_required
@require_http_methods(["GET", "POST"])
def mute(request: HttpRequest, username: str) -> HttpResponse:
    """GET: a confirm page with the mute form (changes nothing). POST: mute, then back to `next`."""
    person = get_object_or_404(User, username=username)
    me = _signed_in(request)
    back = safe_next(request, person.get_absolute_url())
    context = {"person": person, "next": safe_next(request, ""), "is_self": person.pk == me.pk}
    if request.method == "GET":
        return render(request, "accounts/mute.html", context)
    choice = request.POST.get("days", "")
    if choice not in MUTE_CHOICES:
        context["error"] = "Choose 1 day, 7 days, 30 days or until you undo it."
        return render(request, "accounts/mute.html", context, status=400)
    try:
        services.mute(muter=me, muted=person, days=MUTE_CHOICES[choice])
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"You muted @{person.username} {MUTE_LABELS[choice]}. They are not told and see no difference."
        )
    return redirect(back)


@login_required
@require_POST
def unmute(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(User, username=username)
    services.unmute(muter=_signed_in(request), muted=person)
    messages.success(request, f"You unmuted @{person.username}.")
    return redirect(safe_next(request, person.get_absolute_url()))


def _signed_in(request: HttpRequest) -> User:
    """The signed-in person (views using this are behind login_required)."""
    assert isinstance(request.user, User)
    return request.user


# Keyword filters


def expires_words(found: KeywordFilter, now: dt.datetime | None = None) -> str:
    """A filter's expiry in words: "never expires", "expires in 6 days", "expires in 3 hours", "expired"."""
    if found.expires_at is None:
        return "never expires"
    left = found.expires_at - (now or timezone.now())
    if left <= dt.timedelta(0):
        return "expired"
    if left >= dt.timedelta(days=1):
        days = left.days
        return f"expires in {days} day{'s' if days != 1 else ''}"
    hours = max(1, int(left.total_seconds() // 3600))
    return f"expires in {hours} hour{'s' if hours != 1 else ''}"


def _filter_fields(form: KeywordFilterForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "phrase": data["phrase"],
        "whole_word": bool(data["whole_word"]),
        "contexts": data["contexts"],
        "action": data["action"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def filters(request: HttpRequest) -> HttpResponse:
    """GET: your keyword filters and a form to add one. POST: add it; a refusal keeps what was typed."""
    me = _signed_in(request)
    form = KeywordFilterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services_filters.add_filter(
                owner=me, expires_in=form.cleaned_data["expires_in"], **_filter_fields(form)
            )
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Filter added for “{added.phrase}”.")
            return redirect("accounts:filters")
    found = selectors.filters_of(me)
    rows = [(f, expires_words(f)) for f in found]
    return render(request, "accounts/filters.html", {"form": form, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def filter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change one of your filters; someone else's is a 404, like a missing one."""
    me = _signed_in(request)
    found = get_object_or_404(KeywordFilter, pk=pk, owner=me)
    form = KeywordFilterForm(request.POST or None, editing=True, initial=KeywordFilterForm.initial_for(found))
    if request.method == "POST" and form.is_valid():
        choice = form.cleaned_data["expires_in"]
        try:
            services_filters.update_filter(
                owner=me,
                filter_id=found.pk,
                expires_in=None if choice == KEEP_EXPIRY else choice,
                **_filter_fields(form),
            )
        except services_filters.FilterNotFound as exc:
            raise Http404("No such filter") from exc
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Filter saved.")
            return redirect("accounts:filters")
    context = {"form": form, "found": found, "expires": expires_words(found)}
    return render(request, "accounts/filter_edit.html", context)


@login_required
@require_POST
def filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove one of your filters; someone else's is a 404, like a missing one."""
    try:
        services_filters.remove_filter(owner=_signed_in(request), filter_id=pk)
    except services_filters.FilterNotFound as exc:
        raise Http404("No such filter") from exc
    messages.success(request, "Filter removed.")
    return redirect("accounts:filters")


@login_required
@require_http_methods(["GET", "POST"])
def signups(request: HttpRequest) -> HttpResponse:
    """Staff: the accounts waiting for approval (SP5), each to approve or turn away. Anyone else: 404."""
    assert isinstance(request.user, User)
    if not request.user.is_staff:
        raise Http404("No such page")
    if request.method == "POST":
        person = get_object_or_404(User, pk=request.POST.get("person") or 0, awaiting_approval=True)
        try:
            if request.POST.get("decision") == "approve":
                services.approve_signup(user=person, actor=request.user)
                messages.success(request, f"@{person.username} can now log in; they have been e-mailed.")
            elif request.POST.get("decision") == "refuse":
                services.refuse_signup(user=person, actor=request.user)
                messages.success(request, f"The sign-up of @{person.username} was turned away and deleted.")
        except ActionError as exc:
            messages.error(request, exc.message)
        return redirect("accounts:signups")
    return render(
        request,
        "accounts/signups.html",
        {"waiting": selectors.awaiting_signups(), "approval_needed": services.approval_needed()},
    )
