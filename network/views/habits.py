"""Consistency over time: weekly goal, streak, next step; who to follow."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.models import User
from core.exceptions import ActionError
from courses.models import Course
from courses.selectors import is_member
from network import habits, services_goals, suggestions
from network.forms_habits import GoalForm


def _user(request: HttpRequest) -> User:
    """The signed-in person (views call this only behind login_required)."""
    assert isinstance(request.user, User)
    return request.user


def _member_course(request: HttpRequest, slug: str) -> Course:
    """The course, for its members only; others get the same 404 as for a missing course."""
    course = get_object_or_404(Course, slug=slug)
    if not is_member(course, request.user):
        raise Http404("No such course")
    return course


@login_required
def who_to_follow(request: HttpRequest) -> HttpResponse:
    found = suggestions.who_to_follow(_user(request))
    return render(request, "network/suggestions.html", {"suggestions": found})


@login_required
def my_week(request: HttpRequest, slug: str) -> HttpResponse:
    course = _member_course(request, slug)
    summary = habits.my_week(user=_user(request), course=course)
    return render(request, "network/my_week.html", {"course": course, "summary": summary})


@login_required
def goal_edit(request: HttpRequest, slug: str) -> HttpResponse:
    course = _member_course(request, slug)
    user = _user(request)
    goal = habits.goal_for(user=user, course=course)
    if request.method == "POST" and request.POST.get("action") == "reset":
        try:
            services_goals.reset_goal(user=user, course=course)
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Your weekly goal is the course norm again: {course.norm_text}.")
        return redirect("network:my_week", slug=course.slug)
    initial = {"posts": goal.posts, "comments": goal.comments, "shares": goal.shares}
    form = GoalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services_goals.set_goal(
                user=user, course=course, posts=data["posts"], comments=data["comments"], shares=data["shares"]
            )
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Your weekly goal is saved.")
            return redirect("network:my_week", slug=course.slug)
    return render(request, "network/goal.html", {"course": course, "form": form, "goal": goal})
