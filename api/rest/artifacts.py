"""Artifacts (learning posts) and their comments: list by course, person, tag or prompt; create, edit, delete."""

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from accounts.models import User
from api.models import Scope
from api.rest.base import ApiError, readable_by, require
from api.rest.pagination import link_next
from api.rest.schemas import ArtifactIn, ArtifactOut, ArtifactPatch, CommentIn, CommentOut, ErrorOut, InSchema
from courses.models import Course, Prompt
from network.services import record_open
from posts import services
from posts.composer import request_client
from posts.models import Artifact, Comment, Origin
from posts.selectors import (
    Page,
    artifact_for,
    comment_threads,
    course_stream,
    person_artifacts,
    prompt_responses,
    tag_artifacts,
)

router = Router(tags=["artifacts"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
COMMENT_ERRORS = {**ERRORS, 429: ErrorOut}


class ArtifactFilters(InSchema):
    course: str | None = None
    author: str | None = None
    tag: str | None = None
    prompt: str | None = None
    cursor: str | None = None


def _prompt_by_tag(tag: str) -> Prompt:
    """A prompt from its tag, e.g. immooc-w3-p2 (course tag, week, prompt number)."""
    head, _, rest = tag.lower().rpartition("-w")
    week, _, number = rest.partition("-p")
    if not (head and week.isdigit() and number.isdigit()):
        raise ApiError(404, "not_found", f"“{tag}” is not a prompt's tag (they look like immooc-w3-p2).")
    candidates = Prompt.objects.select_related("week__course").filter(week__number=int(week), number=int(number))
    for prompt in candidates:
        if prompt.week.course.tag == head:
            return prompt
    raise ApiError(404, "not_found", f"No prompt has the tag “{tag}”.")


def visible_artifact(request: HttpRequest, pk: int) -> Artifact:
    found = artifact_for(pk, readable_by(request))
    if found is None:
        raise ApiError(404, "not_found", "No such artifact.")  # hidden and missing look the same
    return found


@router.get("/artifacts", response={200: list[ArtifactOut], **ERRORS})
def list_artifacts(request: HttpRequest, response: HttpResponse, filters: Query[ArtifactFilters]) -> list[ArtifactOut]:
    """Artifacts you may see, newest first: in a course, by a person (handle), with a tag, or answering a prompt
    (its tag). One filter at a time; pages of 20 continue through the `Link: rel="next"` header."""
    viewer = readable_by(request)
    chosen = [name for name in ("course", "author", "tag", "prompt") if getattr(filters, name)]
    if len(chosen) != 1:
        raise ApiError(400, "invalid", "Give exactly one of course, author, tag or prompt.")
    page: Page
    if filters.course:
        course = Course.objects.filter(slug=filters.course).first()
        if course is None:
            raise ApiError(404, "not_found", "No such course.")
        page = course_stream(course=course, viewer=viewer, cursor=filters.cursor)
    elif filters.author:
        person = User.objects.filter(username__iexact=filters.author, is_active=True).first()
        if person is None:
            raise ApiError(404, "not_found", "No such person.")
        page = person_artifacts(person=person, viewer=viewer, cursor=filters.cursor)
    elif filters.tag:
        page = tag_artifacts(name=filters.tag, viewer=viewer, cursor=filters.cursor)
    else:
        page = prompt_responses(prompt=_prompt_by_tag(filters.prompt or ""), viewer=viewer, cursor=filters.cursor)
    link_next(request, response, page.next_cursor)
    return [ArtifactOut.of(a) for a in page.items]


@router.get("/artifacts/{pk}", response={200: ArtifactOut, **ERRORS})
def get_artifact(request: HttpRequest, pk: int) -> ArtifactOut:
    """One artifact. Reading a post written here counts as opening it, as its page does (a blog post is opened
    by following its link through /go/)."""
    found = visible_artifact(request, pk)
    viewer = readable_by(request)
    if isinstance(viewer, User) and found.origin == Origin.NATIVE:
        record_open(user=viewer, artifact=found)
    return ArtifactOut.of(found)


@router.post("/artifacts", response={201: ArtifactOut, **ERRORS})
def create_artifact(request: HttpRequest, data: ArtifactIn) -> Status[ArtifactOut]:
    """Publish into a course you are in (a post, link, video, or quote; images through the site for now)."""
    author = require(request, Scope.WRITE)
    course = Course.objects.filter(slug=data.course).first()
    if course is None:
        raise ApiError(404, "not_found", "No such course.")
    prompt = _prompt_by_tag(data.prompt) if data.prompt else None
    artifact = services.publish(
        author=author,
        course=course,
        kind=data.kind,
        title=data.title,
        body=data.body,
        url=data.url,
        prompt=prompt,
        visibility=data.visibility,
        tags=data.tags,
    )
    return Status(201, ArtifactOut.of(visible_artifact(request, artifact.pk)))


@router.patch("/artifacts/{pk}", response={200: ArtifactOut, **ERRORS})
def update_artifact(request: HttpRequest, pk: int, data: ArtifactPatch) -> ArtifactOut:
    """Change your own artifact."""
    actor = require(request, Scope.WRITE)
    fields = data.dict(exclude_unset=True, exclude_none=True)  # null means "leave it"
    tags = fields.pop("tags", None)
    services.edit_artifact(
        artifact=visible_artifact(request, pk), actor=actor, tags=tags, client=request_client(request), **fields
    )
    return ArtifactOut.of(visible_artifact(request, pk))


@router.delete("/artifacts/{pk}", response={204: None, **ERRORS})
def delete_artifact(request: HttpRequest, pk: int) -> Status[None]:
    """Delete your own artifact (or, as a facilitator, one in your course)."""
    services.delete_artifact(artifact=visible_artifact(request, pk), actor=require(request, Scope.WRITE))
    return Status(204, None)


@router.get("/artifacts/{pk}/comments", response={200: list[CommentOut], **ERRORS})
def list_comments(request: HttpRequest, pk: int) -> list[CommentOut]:
    """The comments you may see, each top comment followed by its replies, oldest first."""
    viewer = readable_by(request)
    found = visible_artifact(request, pk)
    shown: list[Comment] = []
    for thread in comment_threads(found, viewer if isinstance(viewer, User) else None):
        if thread.comment.removed_at is None and not thread.hidden:
            shown.append(thread.comment)
        shown.extend(thread.replies)
    return [CommentOut.of(c) for c in shown]


@router.post("/artifacts/{pk}/comments", response={201: CommentOut, **COMMENT_ERRORS})
def create_comment(request: HttpRequest, pk: int, data: CommentIn) -> Status[CommentOut]:
    """Comment, or reply to a comment (`parent`). Labelled with its tone like any comment; there is no
    "ask it as a question?" step here, so read the tone in the answer and edit on the site if it is not
    what you meant. More comments a minute than the site takes from one person or one address: 429."""
    author = require(request, Scope.WRITE)
    found = visible_artifact(request, pk)
    parent = None
    if data.parent is not None:
        # A held comment you may not see is as missing as one that is not there (A2).
        parent = Comment.objects.seen_by(author).filter(pk=data.parent, artifact=found).first()
        if parent is None:
            raise ApiError(404, "not_found", services.GONE_PARENT)
    try:
        comment = services.add_comment(
            artifact=found, author=author, body=data.body, parent=parent, client=request_client(request)
        )
    except services.TooManyComments as exc:
        raise ApiError(429, "comment_limit", exc.message) from None
    return Status(201, CommentOut.of(comment))
