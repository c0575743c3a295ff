"""The "Download your data" page: ask, watch it being put together, download it (only you can)."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from core.exceptions import ActionError
from privacy import services
from privacy.erasure import close_account as close
from privacy.forms import CloseAccountForm
from privacy.models import Export, ExportStatus


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def export_page(request: HttpRequest) -> HttpResponse:
    latest = Export.objects.filter(user=_user(request)).first()
    building = latest is not None and latest.in_progress()
    response = render(request, "privacy/export.html", {"export": latest, "building": building})
    if building:
        response["Refresh"] = "5"  # the page looks again by itself while the download is being made
    return response


@login_required
@require_POST
def export_request(request: HttpRequest) -> HttpResponse:
    try:
        services.request_export(user=_user(request))
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "We are putting your download together. This page shows when it is ready.")
    return redirect("privacy:export")


@login_required
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    export = Export.objects.filter(pk=pk, user=_user(request), status=ExportStatus.READY).first()
    if export is None or export.expired():
        raise Http404("No such download")
    path = services.export_root() / export.file_name
    if not path.is_file():
        raise Http404("No such download")
    response = FileResponse(path.open("rb"), as_attachment=True, filename=path.name, content_type="application/zip")
    response["Cache-Control"] = "no-store"
    return response


@login_required
def close_account(request: HttpRequest) -> HttpResponse:
    """Delete your account: what happens is said first; your handle and password confirm it."""
    user = _user(request)
    form = CloseAccountForm(request.POST or None, username=user.username)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                close(user=user, password=form.cleaned_data["password"])
            except ActionError as exc:
                form.add_error("password", exc.message)
            else:
                logout(request)
                messages.success(request, "Your account is deleted. Thank you for learning with us.")
                return redirect("home")
    return render(request, "privacy/close.html", {"form": form}, status=status)
