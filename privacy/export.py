"""What goes into a person's download, and how it is written: a zip of documented JSON files, each post as
Markdown and HTML, and the person's images. Only what is theirs: their profile, their posts and comments, who
and what they follow, mute and block, their blogs, shares, opens, reading progress and questions."""

import json
import zipfile
from collections.abc import Callable, Iterable
from html import escape
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder

from accounts.models import Block, KeywordFilter, Mute, User
from courses.models import Enrollment, LiveQuestion, ReadingProgress
from network.models import Follow, Open, Share, TagFollow, WeeklyGoal
from posts.models import Artifact, Comment
from syndication.models import Feed

README = """# Your Commonplace data

Everything that is yours on {site}, as of {when} (UTC), for @{handle}.
Dates and times are ISO 8601 in UTC. Addresses are absolute.

| file | what it holds |
|---|---|
| profile.json | your profile: handle, name, email, bio, subjects, grade levels, time zone, links, settings |
| courses.json | the courses you are in, your role and when you joined, and your weekly goal in each |
| artifacts.json | every post you published or drafted here or that was gathered from your blog, with its tags |
| artifacts/ID.md, artifacts/ID.html | each post's text as you wrote it (Markdown) and as shown (HTML) |
| comments.json | every comment and reply you wrote (chat answers included), with its tone label |
| follows.json | the people and tags you follow |
| mutes.json, blocks.json | the people you mute (and until when) and block |
| feeds.json | your blogs gathered into courses, and their state |
| shares.json | what you shared, with your notes |
| opens.json | what you opened (read-before-share), first and last time, how often |
| reading.json | where you are in each course book, and the questions you sent ahead of live sessions |
| filters.json | your keyword filters |
| media/ | your avatar and the images in your posts |
"""


def _url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _rows(user: User) -> list[tuple[str, Callable[[], Any]]]:
    """Each JSON file and how to read it, in the order they are written."""

    def profile() -> dict[str, Any]:
        fields = [
            "username",
            "display_name",
            "email",
            "bio",
            "role",
            "subjects",
            "grade_levels",
            "time_zone",
            "website",
            "blog_url",
            "avatar_alt",
            "private_profile",
            "notification_email",
            "date_joined",
            "last_login",
        ]
        data = {name: getattr(user, name) for name in fields}
        data["avatar"] = f"media/{user.avatar.name}" if user.avatar else ""
        data["page"] = _url(user.get_absolute_url())
        return data

    def courses() -> list[dict[str, Any]]:
        goals = {g.course_id: g for g in WeeklyGoal.objects.filter(user=user)}
        out = []
        for e in Enrollment.objects.filter(user=user).select_related("course").order_by("joined_at"):
            goal = goals.get(e.course_id)
            out.append(
                {
                    "course": e.course.title,
                    "address": _url(e.course.get_absolute_url()),
                    "role": e.role,
                    "joined_at": e.joined_at,
                    "weekly_goal": {"posts": goal.posts, "comments": goal.comments, "shares": goal.shares}
                    if goal
                    else None,
                }
            )
        return out

    def artifacts() -> list[dict[str, Any]]:
        rows = Artifact.objects.filter(author=user).select_related("course", "prompt", "book").prefetch_related("tags")
        return [
            {
                "id": a.pk,
                "kind": a.kind,
                "title": a.title,
                "course": a.course.title,
                "visibility": a.visibility,
                "origin": a.origin,
                "url": a.url,
                "prompt": a.prompt.tag if a.prompt else None,
                "tags": sorted(t.name for t in a.tags.all()),
                "book": a.book.title if a.book else None,
                "page": a.page,
                "chapter": a.chapter,
                "passage": a.passage,
                "image": f"media/{a.image.name}" if a.image else "",
                "image_description": a.image_alt,
                "published_at": a.published_at,
                "updated_at": a.updated_at,
                "address": _url(a.get_absolute_url()),
                "markdown": f"artifacts/{a.pk}.md",
                "html": f"artifacts/{a.pk}.html",
            }
            for a in rows.order_by("published_at", "id")
        ]

    def comments() -> list[dict[str, Any]]:
        rows = Comment.objects.filter(author=user, removed_at__isnull=True).select_related("artifact")
        return [
            {
                "id": c.pk,
                "on": {"id": c.artifact_id, "title": c.artifact.title, "address": _url(c.artifact.get_absolute_url())},
                "reply_to": c.parent_id,
                "text": c.body,
                "tone": c.tone,
                "tone_corrected_by_you": c.tone_corrected,
                "created_at": c.created_at,
                "edited_at": c.edited_at,
            }
            for c in rows.order_by("created_at", "id")
        ]

    def follows() -> dict[str, Any]:
        people = Follow.objects.filter(follower=user).select_related("followee").order_by("created_at")
        tags = TagFollow.objects.filter(user=user).select_related("tag").order_by("created_at")
        return {
            "people": [{"handle": f.followee.username, "since": f.created_at} for f in people],
            "tags": [{"tag": t.tag.name, "since": t.created_at} for t in tags],
        }

    def mutes() -> list[dict[str, Any]]:
        rows = Mute.objects.filter(muter=user).select_related("muted").order_by("created_at")
        return [{"handle": m.muted.username, "since": m.created_at, "until": m.until} for m in rows]

    def blocks() -> list[dict[str, Any]]:
        rows = Block.objects.filter(blocker=user).select_related("blocked").order_by("created_at")
        return [{"handle": b.blocked.username, "since": b.created_at} for b in rows]

    def feeds() -> list[dict[str, Any]]:
        rows = Feed.objects.filter(owner=user).select_related("course").order_by("created_at")
        return [
            {
                "course": f.course.title,
                "feed": f.url,
                "blog": f.site_url,
                "name": f.title,
                "status": f.status,
                "take_every_post": f.take_all,
                "last_checked_at": f.last_checked_at,
                "last_error": f.last_error,
                "added_at": f.created_at,
            }
            for f in rows
        ]

    def shares() -> list[dict[str, Any]]:
        rows = Share.objects.filter(sharer=user).select_related("artifact").order_by("created_at")
        return [
            {
                "what": s.artifact.title,
                "address": _url(s.artifact.get_absolute_url()),
                "note": s.note,
                "at": s.created_at,
            }
            for s in rows
        ]

    def opens() -> list[dict[str, Any]]:
        rows = Open.objects.filter(user=user).select_related("artifact").order_by("first_opened_at")
        return [
            {
                "what": o.artifact.title,
                "address": _url(o.artifact.get_absolute_url()),
                "first": o.first_opened_at,
                "last": o.last_opened_at,
                "times": o.count,
            }
            for o in rows
        ]

    def reading() -> dict[str, Any]:
        progress = ReadingProgress.objects.filter(user=user).select_related("book__course")
        questions = LiveQuestion.objects.filter(author=user).select_related("session__week__course")
        return {
            "books": [
                {
                    "book": p.book.title,
                    "course": p.book.course.title,
                    "status": p.status,
                    "page": p.page,
                    "percent": p.percent,
                }
                for p in progress
            ],
            "live_session_questions": [
                {
                    "course": q.session.week.course.title,
                    "week": q.session.week.number,
                    "question": q.text,
                    "at": q.created_at,
                }
                for q in questions
            ],
        }

    def filters() -> list[dict[str, Any]]:
        fields = ["phrase", "whole_word", "in_home", "in_courses", "in_notifications", "in_comments", "action"]
        return [{name: getattr(f, name, None) for name in fields} for f in KeywordFilter.objects.filter(owner=user)]

    return [
        ("profile.json", profile),
        ("courses.json", courses),
        ("artifacts.json", artifacts),
        ("comments.json", comments),
        ("follows.json", follows),
        ("mutes.json", mutes),
        ("blocks.json", blocks),
        ("feeds.json", feeds),
        ("shares.json", shares),
        ("opens.json", opens),
        ("reading.json", reading),
        ("filters.json", filters),
    ]


def _markdown(artifact: Artifact) -> str:
    head = f"# {artifact.title}\n\n"
    if artifact.passage:
        head += "".join(f"> {line}\n" for line in artifact.passage.splitlines()) + "\n"
    body = artifact.body or artifact.excerpt
    return head + body + ("\n" if body and not body.endswith("\n") else "")


def _media_names(user: User) -> Iterable[str]:
    if user.avatar:
        yield user.avatar.name or ""
    yield from (
        str(name) for name in Artifact.objects.filter(author=user).exclude(image="").values_list("image", flat=True)
    )


def write_export(user: User, target: Path, when: str, progress: Callable[[int], None] = lambda _: None) -> int:
    """Write the zip to `target`; returns its size. `progress` hears the percent done."""
    sections = _rows(user)
    steps = len(sections) + 2
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.md", README.format(site=settings.SITE_URL, when=when, handle=user.username))
        for done, (name, read) in enumerate(sections, start=1):
            archive.writestr(name, json.dumps(read(), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))
            progress(done * 100 // steps)
        for artifact in Artifact.objects.filter(author=user).only("title", "body", "body_html", "excerpt", "passage"):
            archive.writestr(f"artifacts/{artifact.pk}.md", _markdown(artifact))
            archive.writestr(
                f"artifacts/{artifact.pk}.html",
                f"<!doctype html><meta charset=utf-8><title>{escape(artifact.title)}</title>\n{artifact.body_html}\n",
            )
        progress((steps - 1) * 100 // steps)
        for name in dict.fromkeys(_media_names(user)):
            if default_storage.exists(name):
                with default_storage.open(name, "rb") as handle:
                    archive.writestr(f"media/{name}", handle.read())
    return target.stat().st_size
