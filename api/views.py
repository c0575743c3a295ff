"""The settings page for personal access tokens: make one (its secret shown once), see them, revoke one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from api import services
from api.forms import TokenForm
from api.models import Token
from core.exceptions import ActionError


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = TokenForm(request.POST or None)
    secret = ""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                token, secret = services.create_token(
                    user=user, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"]
                )
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                status = 201
                form = TokenForm()
                messages.success(request, f"The token “{token.name}” is made. Copy it now: it is shown only once.")
    listed = Token.objects.live().filter(user=user, application__isnull=True)
    apps = Token.objects.live().filter(user=user, application__isnull=False).select_related("application")
    context = {"form": form, "tokens": listed, "app_tokens": apps, "secret": secret}
    response = render(request, "api/tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = Token.objects.filter(pk=pk, user=_user(request)).first()
    if token is None:
        raise Http404("No such token")
    services.revoke_token(token=token, actor=_user(request))
    messages.success(request, f"“{token.name}” is revoked: it no longer works.")
    return redirect("tokens:list")
