"""Pages for blogs in a course: register yours (find, preview, confirm), and the facilitators' blog list."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from core.exceptions import ActionError
from courses.models import Course
from courses.selectors import can_facilitate, is_member
from syndication import services
from syndication.models import Feed, FeedStatus

OPML_MAX_BYTES = 2 * 1024 * 1024


class BlogForm(forms.Form):
    url = forms.CharField(
        label="Your blog's address",
        max_length=1000,
        help_text="Paste the address of your blog's home page (or its feed). We find the feed and show you what "
        "we would gather before anything is saved.",
        widget=forms.URLInput(attrs={"placeholder": "https://myblog.example/", "autocomplete": "url"}),
    )


class ConfirmForm(forms.Form):
    feed_url = forms.CharField(max_length=1000, widget=forms.HiddenInput)
    site_url = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)
    title = forms.CharField(max_length=200, required=False, widget=forms.HiddenInput)


class OPMLForm(forms.Form):
    file = forms.FileField(
        label="OPML file",
        help_text="A blogroll exported from a feed reader or another course hub (up to 2 MB). Each blog is matched "
        "to a participant by the blog or website address on their profile, or by @handle as its name.",
    )


def _signed_in(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _member_course(request: HttpRequest, slug: str) -> Course:
    course = get_object_or_404(Course, slug=slug)
    if not is_member(course, request.user):
        raise PermissionDenied("Join the course to add your blog.")
    return course


def _facilitated_course(request: HttpRequest, slug: str) -> Course:
    course = get_object_or_404(Course, slug=slug)
    if not can_facilitate(course, request.user):
        raise PermissionDenied("Only this course's facilitators can manage its blogs.")
    return course


def _feed_for(request: HttpRequest, slug: str, pk: int) -> Feed:
    """A feed the person may act on (its owner or a facilitator); others get the same 404 as a missing one."""
    feed = Feed.objects.select_related("course", "owner").filter(course__slug=slug, pk=pk).first()
    if feed is None or (feed.owner_id != request.user.pk and not can_facilitate(feed.course, request.user)):
        raise Http404("No such blog.")
    return feed


@login_required
@require_http_methods(["GET", "POST"])
def my_blogs(request: HttpRequest, slug: str) -> HttpResponse:
    """Your blogs in this course, and the form to add one: find → preview → confirm."""
    course = _member_course(request, slug)
    user = _signed_in(request)
    form = BlogForm(request.POST or None, initial={"url": user.blog_url})
    preview = None
    confirm = None
    if request.method == "POST" and "confirm" in request.POST:
        confirm = ConfirmForm(request.POST)
        if confirm.is_valid():
            try:
                feed = services.register_feed(
                    course=course,
                    owner=user,
                    actor=user,
                    url=confirm.cleaned_data["feed_url"],
                    site_url=confirm.cleaned_data["site_url"],
                    title=confirm.cleaned_data["title"],
                )
            except ActionError as exc:  # the address again in the first form, with the reason above it
                form = BlogForm({"url": confirm.cleaned_data["feed_url"]})
                form.full_clean()
                form.add_error(None, exc.message)
            else:
                if feed.status == FeedStatus.PENDING:
                    messages.success(request, "Your blog is registered. A facilitator will approve it soon.")
                else:
                    messages.success(request, "Your blog is registered. Posts tagged for the course will appear soon.")
                return redirect("syndication:my_blogs", slug=course.slug)
    elif request.method == "POST" and form.is_valid():
        try:
            preview = services.preview_feed(course=course, page_url=form.cleaned_data["url"])
        except ActionError as exc:
            form.add_error("url", exc.message)
        else:
            confirm = ConfirmForm(
                initial={"feed_url": preview.feed_url, "site_url": preview.site_url, "title": preview.title}
            )
    feeds = Feed.objects.filter(course=course, owner=user).order_by("created_at")
    return render(
        request,
        "syndication/my_blogs.html",
        {"course": course, "form": form, "preview": preview, "confirm": confirm, "feeds": feeds},
    )


@login_required
@require_POST
def feed_action(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One button per action on a feed: check now, pause, resume, remove, approve, reject, take all or tagged."""
    feed = _feed_for(request, slug, pk)
    user = _signed_in(request)
    action = request.POST.get("action", "")
    done = {
        "check": "We will check it in a moment.",
        "pause": "Paused: no new posts are gathered until you resume.",
        "resume": "Resumed.",
        "remove": "Removed. Posts already gathered stay in the course; you can delete them one by one.",
        "approve": "Approved: its tagged posts will be gathered.",
        "reject": "Not approved.",
        "take_all": "Every post of this blog will be gathered.",
        "take_tagged": "Only posts tagged for the course will be gathered.",
    }
    try:
        match action:
            case "check":
                services.check_now(feed=feed, actor=user)
            case "pause" | "resume":
                services.set_paused(feed=feed, actor=user, paused=action == "pause")
            case "remove":
                services.remove_feed(feed=feed, actor=user)
            case "approve":
                services.approve_feed(feed=feed, actor=user)
            case "reject":
                services.reject_feed(feed=feed, actor=user)
            case "take_all" | "take_tagged":
                services.set_take_all(feed=feed, actor=user, take_all=action == "take_all")
            case _:
                messages.error(request, "Unknown action.")
                return redirect("syndication:my_blogs", slug=slug)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{feed.display_name}: {done[action]}")
    if request.POST.get("from") == "manage" and can_facilitate(feed.course, user):
        return redirect("syndication:manage", slug=slug)
    return redirect("syndication:my_blogs", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    """The facilitators' page: the approval queue, every blog with its state, OPML import and export."""
    course = _facilitated_course(request, slug)
    form = OPMLForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > OPML_MAX_BYTES:
            form.add_error("file", "That file is larger than 2 MB.")
        else:
            try:
                result = services.import_opml(course=course, data=upload.read(), actor=_signed_in(request))
            except ActionError as exc:
                form.add_error("file", exc.message)
    feeds = Feed.objects.filter(course=course).select_related("owner").order_by("owner__username", "pk")
    return render(
        request,
        "syndication/manage.html",
        {
            "course": course,
            "pending": [f for f in feeds if f.status == FeedStatus.PENDING],
            "feeds": [f for f in feeds if f.status != FeedStatus.PENDING],
            "form": form,
            "result": result,
        },
    )
