"""Writes for learning artifacts and comments."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import throttle
from accounts.models import User
from core import badges, search
from core.exceptions import Invalid, NotAllowed
from core.images import clean_image
from core.text import extract_hashtags, normalize_tag, render_markdown
from core.tone import classify
from core.video import parse_video_url
from courses.models import Book, Course, Prompt
from courses.selectors import can_facilitate, is_member
from posts import mentions, review
from posts.history import days_changed
from posts.models import BOOK_MAX_PAGE, PASSAGE_MAX, Artifact, Comment, Kind, Mention, Origin, Tag, Tone, Visibility
from posts.search_index import COMMENTS, index_artifacts, index_comments, remove_artifact
from posts.selectors import can_see, is_blocked_between


class CommentsClosed(NotAllowed):
    default_message = "Comments are closed."


def _set_tags(artifact: Artifact, explicit: list[str]) -> None:
    names = {normalize_tag(n) for n in explicit if normalize_tag(n)}
    names.update(extract_hashtags(artifact.title, artifact.body))
    if artifact.prompt_id:
        names.add(artifact.prompt.tag)  # type: ignore[union-attr]
    tags = [Tag.objects.get_or_create(name=name)[0] for name in sorted(names)]
    artifact.tags.set(tags)


def _check_anchor(artifact: Artifact) -> None:
    """Where in a course book it is anchored: a book of the same course, a page within the book (or a chapter).
    A quote or note must have both; any other kind may have them. The passage is optional."""
    artifact.chapter = artifact.chapter.strip()
    artifact.passage = artifact.passage.strip()
    book: Book | None = artifact.book
    if book is None:
        if artifact.kind == Kind.QUOTE:
            raise Invalid("Please choose the book your quote or note comes from.")
        if artifact.page is not None or artifact.chapter or artifact.passage:
            raise Invalid("Please choose the book the page, chapter or passage comes from.")
        return
    if book.course_id != artifact.course_id:
        raise Invalid("That book belongs to another course.")
    if artifact.kind == Kind.QUOTE and artifact.page is None and not artifact.chapter:
        raise Invalid("Please give the page (or the chapter) the quote or note is about.")
    if artifact.page is not None:
        if not 1 <= artifact.page <= BOOK_MAX_PAGE:
            raise Invalid(f"A page number is between 1 and {BOOK_MAX_PAGE:,}.")
        if book.pages is not None and artifact.page > book.pages:
            raise Invalid(f"{book.title} has {book.pages} pages: page {artifact.page} is beyond its end.")
    if len(artifact.chapter) > 120:
        raise Invalid("Please keep the chapter under 120 characters.")
    if len(artifact.passage) > PASSAGE_MAX:
        raise Invalid(f"Please keep the quoted passage under {PASSAGE_MAX:,} characters.")


def _apply_content(artifact: Artifact, *, image: bytes | None) -> None:
    """Check kind-specific rules and the book anchor, parse the video, render the text."""
    artifact.title = artifact.title.strip()
    if not artifact.title:
        raise Invalid("Please give it a title.")
    _check_anchor(artifact)
    artifact.url = artifact.url.strip()
    if artifact.kind in {Kind.VIDEO, Kind.LINK} and not artifact.url:
        raise Invalid(
            "Please paste the address (URL) of the video." if artifact.kind == Kind.VIDEO else "Please paste the link."
        )
    if artifact.kind == Kind.VIDEO:
        video = parse_video_url(artifact.url)
        artifact.video_provider = video.provider if video else ""
        artifact.video_id = video.video_id if video else ""
    else:
        artifact.video_provider = artifact.video_id = ""
    if artifact.kind == Kind.IMAGE:
        if image is None and not artifact.image:
            raise Invalid("Please choose an image to upload.")
        if not artifact.image_alt.strip():
            raise Invalid("Please describe the image for people who cannot see it (alt text is required).")
    artifact.body_html = render_markdown(artifact.body)
    try:
        artifact.full_clean(exclude=["image", "tags", "author", "course", "prompt", "book"])
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages)) from None
    if artifact.kind == Kind.IMAGE and image is not None:
        # Checked and written last, so a refused form leaves no stray file behind.
        _check_upload_quota(artifact.author)
        clean = clean_image(image)
        artifact.image.save(clean.content.name or "image.png", clean.content, save=False)


def _check_upload_quota(author: User) -> None:
    """A per-person daily limit on image uploads (IMAGE_UPLOADS_PER_DAY)."""
    limit = settings.IMAGE_UPLOADS_PER_DAY
    since = timezone.now() - dt.timedelta(days=1)
    uploaded = Artifact.objects.filter(author=author, kind=Kind.IMAGE, updated_at__gte=since).count()
    if uploaded >= limit:
        raise Invalid(f"You have uploaded {limit} images in the last day, the most we accept. Please try tomorrow.")


def publish(
    *,
    author: User,
    course: Course,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    image: bytes | None = None,
    image_alt: str = "",
    prompt: Prompt | None = None,
    visibility: str = Visibility.PUBLIC,
    tags: list[str] | None = None,
    book: Book | None = None,
    chapter: str = "",
    page: int | None = None,
    passage: str = "",
    client: review.Client | None = None,
) -> Artifact:
    """Publish a learning artifact into a course. Members only; raises Invalid with what to fix (a quote or
    note anchored to a book of another course, to a page beyond the book's end, or without a book).
    What the content checks hold (`posts.review`) is stored but waits for a facilitator; the checks run
    before the transaction (see `add_comment`)."""
    if not is_member(course, author):
        raise NotAllowed("Join the course to publish in it.")
    if prompt is not None and prompt.week.course_id != course.pk:
        raise Invalid("That prompt belongs to another course.")
    if kind not in Kind.values:
        raise Invalid("Choose a post, video, image, link, or quote or note.")
    if visibility not in Visibility.values:
        raise Invalid("Choose who can see it.")
    now = timezone.now()
    artifact = Artifact(
        author=author,
        course=course,
        prompt=prompt,
        kind=kind,
        title=title,
        body=body,
        url=url,
        image_alt=image_alt.strip(),
        visibility=visibility,
        book=book,
        chapter=chapter,
        page=page,
        passage=passage,
        published_at=now,
        created_at=now,
        updated_at=now,
    )
    _apply_content(artifact, image=image)
    if artifact.visibility != Visibility.DRAFT:
        artifact.held_reason = _artifact_hold(artifact, client)
    with transaction.atomic():
        artifact.save()
        _set_tags(artifact, tags or [])
        mentions.record_artifact(artifact)
        index_artifacts([artifact.pk])
    return artifact


def _checked_text(artifact: Artifact) -> str:
    """What the content checks read of a post: its title, text, quoted passage, image description and, for a
    link, its address. (A video's address is a video to embed from an allowed provider, not a link away.)"""
    url = artifact.url if artifact.kind == Kind.LINK else ""
    parts = (artifact.title, artifact.body, artifact.passage, artifact.image_alt, url)
    return "\n".join(part for part in parts if part)


def _artifact_hold(artifact: Artifact, client: review.Client | None, edit: review.Edit | None = None) -> str:
    submission = review.Submission(
        author=artifact.author,
        course=artifact.course,
        kind="post",
        text=_checked_text(artifact),
        permalink=f"{settings.SITE_URL.rstrip('/')}{artifact.get_absolute_url()}" if artifact.pk else "",
        client=client,
        edit=edit,
    )
    if edit is None:
        return review.hold_reason(submission)
    return review.edit_hold_reason(submission, held_reason=artifact.held_reason)


def edit_artifact(
    *,
    artifact: Artifact,
    actor: User,
    image: bytes | None = None,
    tags: list[str] | None = None,
    client: review.Client | None = None,
    **fields: Any,
) -> Artifact:
    """Change your own artifact. The book anchor is checked as in `publish`. A draft made visible is published
    now and checked as a new post; a post made a draft is no longer held (publishing it again is checked
    again). An edit of a published post that changes what the checks read (title, text, a link's address)
    goes through them again (`posts.review.edit_hold_reason`): held, it leaves everyone's view but its
    author's and the facilitators' (its mentions are withdrawn) until a facilitator approves it. An edit never
    releases a held post. The checks run before the transaction, as in `add_comment`."""
    if artifact.author_id != actor.pk:
        raise NotAllowed("You can only edit your own work.")
    if artifact.origin == Origin.HARVESTED:
        raise Invalid("This post was gathered from your blog: edit it there, and the change is gathered here too.")
    allowed = {"title", "body", "url", "image_alt", "prompt", "visibility", "kind"}
    allowed |= {"book", "chapter", "page", "passage"}
    if set(fields) - allowed:
        raise Invalid("Unknown fields.")
    was_draft = artifact.visibility == Visibility.DRAFT
    was_held = artifact.held
    before = _checked_text(artifact)
    counted_at = artifact.published_at
    for name, value in fields.items():
        setattr(artifact, name, value)
    if artifact.prompt is not None and artifact.prompt.week.course_id != artifact.course_id:
        raise Invalid("That prompt belongs to another course.")
    is_draft = artifact.visibility == Visibility.DRAFT
    now = timezone.now()
    if was_draft and not is_draft:
        artifact.published_at = now
    artifact.updated_at = now
    _apply_content(artifact, image=image)
    if is_draft:
        artifact.held_reason = ""  # a private draft waits for nobody
    elif was_draft:
        artifact.held_reason = _artifact_hold(artifact, client)  # a draft made public is checked as a new post
    else:
        artifact.held_reason = _artifact_hold(artifact, client, review.Edit(item=artifact, before=before))
    newly_held = artifact.held and not was_held and not was_draft
    with transaction.atomic():
        if was_draft != is_draft or newly_held:
            days_changed([counted_at])  # a published day gains or loses a post
        if newly_held:
            # Held from now on, it mentions nobody: the people it mentioned count again.
            badges.forget(
                Mention.objects.filter(artifact=artifact, comment__isnull=True).values_list("user_id", flat=True)
            )
        artifact.save()
        _set_tags(artifact, tags if tags is not None else [t.name for t in artifact.tags.all()])
        mentions.record_artifact(artifact)
        index_artifacts([artifact.pk])
    return artifact


@transaction.atomic
def delete_artifact(*, artifact: Artifact, actor: User) -> None:
    """Delete an artifact: its author, or a facilitator of its course."""
    if artifact.author_id != actor.pk and not can_facilitate(artifact.course, actor):
        raise NotAllowed("You can only delete your own work.")
    image_name = artifact.image.name if artifact.image else ""
    storage = artifact.image.storage
    remove_artifact(artifact.pk, artifact.comments.values_list("pk", flat=True))
    # The days it was published, commented on and shared on lose it (shares are the network app's rows,
    # deleted with it: reached through the relation, not imported).
    days_changed(
        [
            artifact.published_at,
            *artifact.comments.values_list("created_at", flat=True),
            *artifact.shares.values_list("created_at", flat=True),  # type: ignore[attr-defined]
        ]
    )
    artifact.delete()
    if image_name:
        transaction.on_commit(lambda: storage.delete(image_name))


class TooManyComments(Invalid):
    """More comments in the last minute than COMMENT_RATE_PER_MINUTE from one person, or than
    COMMENT_RATE_PER_MINUTE_PER_ADDRESS from one network address (SP4)."""


def _check_comment_rate(author: User, address: str) -> None:
    """A per-person limit on comments a minute (COMMENT_RATE_PER_MINUTE), counted in the database so it holds
    across web processes (held and removed comments count too); then a per-address one
    (COMMENT_RATE_PER_MINUTE_PER_ADDRESS) for what came through a request, so several accounts at one address
    share it. No address is stored, so that one is counted in the cache, as failed log-ins are
    (`accounts.throttle`): every try counts, in a window of a minute from the first; shared between web
    processes with REDIS_URL."""
    limit = settings.COMMENT_RATE_PER_MINUTE
    since = timezone.now() - dt.timedelta(minutes=1)
    if Comment.objects.filter(author=author, created_at__gte=since)[:limit].count() >= limit:
        raise TooManyComments(
            f"You have posted {limit} comments in the last minute, the most we take. Please wait a minute "
            "and post this one again: your text is kept."
        )
    if not address:
        return
    limit = settings.COMMENT_RATE_PER_MINUTE_PER_ADDRESS
    key = f"comment-rate:addr:{throttle.address_block(address)}"
    cache.add(key, 0, 60)
    try:
        sent = int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 60)
        sent = 1
    if sent > limit:
        raise TooManyComments(
            f"{limit} comments have come from your network address in the last minute, the most we take from "
            "one address (people sharing a school's connection count together). Please wait a minute and post "
            "this one again: your text is kept."
        )


def _check_comment_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise Invalid("Please write something before posting.")
    if len(body) > 10_000:
        raise Invalid("Please keep a comment under 10,000 characters.")
    return body


def _comment_submission(
    *,
    artifact: Artifact,
    author: User,
    body: str,
    parent: Comment | None,
    client: review.Client | None,
    edit: review.Edit | None = None,
) -> review.Submission:
    context = f"{artifact.title}\n{artifact.excerpt or artifact.body}\n{parent.body if parent is not None else ''}"
    return review.Submission(
        author=author,
        course=artifact.course,
        kind="comment",
        text=body,
        context=context,
        permalink=f"{settings.SITE_URL.rstrip('/')}{artifact.get_absolute_url()}",
        client=client,
        edit=edit,
    )


def add_comment(
    *,
    artifact: Artifact,
    author: User,
    body: str,
    parent: Comment | None = None,
    tone: str | None = None,
    client: review.Client | None = None,
    address: str = "",
) -> Comment:
    """Reply to an artifact (or to a comment on it), labelled with its tone by the offline classifier;
    `tone` is the writer's own label when they corrected it. Refused after the comment window closes,
    and across a block (NotAllowed) either way between the writer and the artifact's or comment's author.
    A reply to a held comment the writer may not see is refused as a reply to one that is not there (A2).
    TooManyComments past the per-person or per-address rate; the address is the client's, or `address` for
    a request that is not asked about by Akismet (the API).
    A comment the content checks hold (`posts.review`) is stored with its reason and reaches nobody (no
    notification, mention or search) until a facilitator releases it (`release_comment`). The checks run
    before the transaction: one may ask a spam service, and SQLite's write lock must not wait on it."""
    if not can_see(artifact, author) or artifact.visibility == Visibility.DRAFT:
        raise NotAllowed("You cannot comment on that.")
    if is_blocked_between(author, artifact.author):
        raise NotAllowed("You cannot comment on that.")
    if not artifact.comments_open():
        raise CommentsClosed()
    if parent is not None:
        if parent.artifact_id != artifact.pk or parent.removed_at is not None or not _sees(author, parent):
            raise Invalid(GONE_PARENT)
        if parent.held:
            raise Invalid("That comment is waiting for a facilitator; you can reply once it is approved.")
        if is_blocked_between(author, parent.author) or (
            parent.parent is not None and is_blocked_between(author, parent.parent.author)
        ):
            raise NotAllowed("You cannot reply to that comment.")
        parent = parent.parent or parent  # one level deep: replies join the top comment's thread
    body = _check_comment_body(body)
    _check_comment_rate(author, address or (client.ip if client is not None else ""))
    predicted = classify(body).label
    if tone is not None and tone not in Tone.values:
        raise Invalid("Choose support, question, challenge or neutral.")
    label = tone or predicted
    submission = _comment_submission(artifact=artifact, author=author, body=body, parent=parent, client=client)
    held_reason = review.hold_reason(submission)
    with transaction.atomic():
        comment = Comment.objects.create(
            artifact=artifact,
            author=author,
            parent=parent,
            body=body,
            body_html=render_markdown(body),
            tone=label,
            tone_predicted=predicted,
            tone_corrected=label != predicted,
            held_reason=held_reason,
        )
        if not comment.held:
            _comment_arrived(comment)
    return comment


GONE_PARENT = "That comment is no longer there to reply to."


def _sees(viewer: User, comment: Comment) -> bool:
    """Whether the viewer may see the comment if it is held (the one rule, `seen_by`)."""
    return not comment.held or Comment.objects.seen_by(viewer).filter(pk=comment.pk).exists()


def _comment_arrived(comment: Comment) -> None:
    """A comment everyone may now see: its mentions, unread counts and search."""
    mentions.record_comment(comment)
    # A reply reaches the artifact's author and the thread's top commenter (their unread counts).
    parent = comment.parent
    badges.forget([comment.artifact.author_id, parent.author_id if parent is not None else None])
    index_comments([comment.pk])


def _check_moderator(course: Course, actor: User) -> None:
    if not can_facilitate(course, actor):
        raise NotAllowed("Only this course's facilitators can decide on held posts and comments.")


@transaction.atomic
def release_comment(*, comment: Comment, actor: User) -> Comment:
    """A facilitator approves a held comment, with its mentions and search entry. One held when it was
    written is posted now (its time is the approval's, so it arrives as new for the people it replies to);
    one held by an edit keeps its place in its thread. NotAllowed for anyone else; a comment that is not held
    is left as it is."""
    _check_moderator(comment.artifact.course, actor)
    if not comment.held or comment.removed_at is not None:
        return comment
    comment.held_reason = ""
    if comment.edited_at is None:  # held as it was written, not by an edit of a comment already out
        comment.created_at = timezone.now()
    comment.save(update_fields=["held_reason", "created_at"])
    _comment_arrived(comment)
    return comment


@transaction.atomic
def reject_comment(*, comment: Comment, actor: User) -> Comment:
    """A facilitator turns a held comment down: it stays stored, hidden from everyone (its text is kept as
    the record of what was refused). NotAllowed for anyone else."""
    _check_moderator(comment.artifact.course, actor)
    if comment.held and comment.removed_at is None:
        comment.removed_at = timezone.now()
        comment.removed_by = actor
        comment.save(update_fields=["removed_at", "removed_by"])
    return comment


@transaction.atomic
def release_artifact(*, artifact: Artifact, actor: User) -> Artifact:
    """A facilitator approves a held post, with its mentions. One held when it was published is published
    now; one held by an edit after it was out keeps its date (its week, streams and habits stay where they
    were). NotAllowed for anyone else; a post that is not held is left as it is."""
    _check_moderator(artifact.course, actor)
    if not artifact.held:
        return artifact
    artifact.held_reason = ""
    if artifact.updated_at <= artifact.published_at:  # not edited since it was published (and held)
        artifact.published_at = artifact.updated_at = timezone.now()
    artifact.save(update_fields=["held_reason", "published_at", "updated_at"])
    mentions.record_artifact(artifact)
    index_artifacts([artifact.pk])
    return artifact


@transaction.atomic
def reject_artifact(*, artifact: Artifact, actor: User) -> Artifact:
    """A facilitator turns a held post down: it becomes its author's private draft (nothing is deleted;
    publishing it again is checked again). NotAllowed for anyone else."""
    _check_moderator(artifact.course, actor)
    if artifact.held:
        artifact.held_reason = ""
        artifact.visibility = Visibility.DRAFT
        artifact.save(update_fields=["held_reason", "visibility"])
        index_artifacts([artifact.pk])
    return artifact


def correct_tone(*, comment: Comment, actor: User, tone: str) -> Comment:
    """The writer corrects their comment's tone label; kept as a labelled example (tone vs tone_predicted)."""
    if comment.author_id != actor.pk or comment.removed_at is not None:
        raise NotAllowed("Only the writer can change a comment's tone.")
    if tone not in Tone.values:
        raise Invalid("Choose support, question, challenge or neutral.")
    comment.tone = tone
    comment.tone_corrected = tone != comment.tone_predicted
    comment.save(update_fields=["tone", "tone_corrected"])
    return comment


def edit_comment(*, comment: Comment, actor: User, body: str, client: review.Client | None = None) -> Comment:
    """Edit your own comment, while the thread is open. A changed text goes through the content checks again
    (`posts.review.edit_hold_reason`, before the transaction, as in `add_comment`): held, the comment leaves
    everyone's view but its writer's and the facilitators', with its mentions, search entry and place in
    others' counts, until a facilitator approves it. An edit never releases a held comment."""
    if comment.author_id != actor.pk or comment.removed_at is not None:
        raise NotAllowed("You can only edit your own comments.")
    artifact = comment.artifact
    if not artifact.comments_open():
        raise CommentsClosed("Comments are closed, so comments can no longer be edited.")
    body = _check_comment_body(body)
    was_held = comment.held
    edit = review.Edit(item=comment, before=comment.body)
    submission = _comment_submission(
        artifact=artifact, author=actor, body=body, parent=comment.parent, client=client, edit=edit
    )
    held_reason = review.edit_hold_reason(submission, held_reason=comment.held_reason)
    predicted = classify(body).label
    with transaction.atomic():
        comment.body = body
        comment.body_html = render_markdown(body)
        comment.edited_at = timezone.now()
        comment.tone_predicted = predicted
        if not comment.tone_corrected:
            comment.tone = comment.tone_predicted
        comment.held_reason = held_reason
        comment.save(update_fields=["body", "body_html", "edited_at", "tone", "tone_predicted", "held_reason"])
        days_changed([comment.created_at])  # its tone may have changed, or it is held now
        if comment.held and not was_held:
            # It leaves the counts of the people it reached: those it mentioned, and those it replied to.
            parent = comment.parent
            badges.forget(
                [
                    *Mention.objects.filter(comment=comment).values_list("user_id", flat=True),
                    artifact.author_id,
                    parent.author_id if parent is not None else None,
                ]
            )
            search.remove(COMMENTS, [comment.pk])
        mentions.record_comment(comment)
        if not comment.held:
            index_comments([comment.pk])
    return comment


@transaction.atomic
def remove_comment(*, comment: Comment, actor: User) -> None:
    """Remove a comment: its author, or a facilitator of the course. Replies stay with a placeholder."""
    if comment.author_id != actor.pk and not can_facilitate(comment.artifact.course, actor):
        raise NotAllowed("You can only delete your own comments.")
    if comment.removed_at is None:
        comment.removed_at = timezone.now()
        comment.removed_by = actor
        comment.body = comment.body_html = ""
        comment.save(update_fields=["removed_at", "removed_by", "body", "body_html"])
        days_changed([comment.created_at])
        mentions.record_comment(comment)
        index_comments([comment.pk])
