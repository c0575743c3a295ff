"""Deleting an account (D6). At once: the person can no longer sign in, every session and token ends, and the
profile is emptied. Then (the worker, or `commonplace erase`): their content goes. A post or comment others
replied to stays as a "deleted" placeholder so the conversation still reads; everything else is deleted.
Each step finds what is left and deals with it, so running the erasure again finishes one that crashed."""

import logging
import shutil

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Block, KeywordFilter, Mute, User
from accounts.search_index import index_people
from api.models import AuthorizationCode, MediaUpload, Token
from chats.models import Chat
from core.exceptions import NotAllowed
from courses.models import Enrollment, LiveQuestion, LiveQuestionVote, MemberRole, ReadingProgress
from insights.models import CourseEdgeDay, CourseMap, MemberActivity, NetworkDay, PersonDay
from moderation.models import Report
from network.models import (
    Follow,
    Notification,
    NotificationsSeen,
    Open,
    Share,
    SummaryEmail,
    TagFollow,
    WeeklyGoal,
)
from posts.history import days_changed
from posts.models import Artifact, Comment, Mention
from posts.search_index import index_artifacts, index_comments
from posts.services import delete_artifact, remove_comment
from privacy.models import Erasure, Export
from privacy.services import export_root
from syndication.models import DigestSubscription, Feed

log = logging.getLogger(__name__)
DELETED = "deleted"


@transaction.atomic
def close_account(*, user: User, password: str) -> Erasure:
    """The person deletes their account (their password confirms it). Sign-in, sessions and tokens end now;
    the content is erased by `erase` after this commits."""
    if not user.check_password(password):
        raise NotAllowed("That password is not right, so nothing was deleted.")
    erasure, _ = Erasure.objects.get_or_create(user=user)
    # A new unusable password changes the session hash: every session of this person ends at once.
    user.password = make_password(None)
    user.is_active = False
    user.email = f"deleted-{user.pk}@invalid.invalid"
    user.first_name = user.last_name = ""
    for field in ("display_name", "bio", "subjects", "grade_levels", "website", "blog_url", "avatar_alt"):
        setattr(user, field, "")
    avatar = user.avatar.name if user.avatar else ""
    user.avatar = ""
    user.save()
    if avatar:
        storage = user.avatar.storage
        transaction.on_commit(lambda: storage.delete(avatar))
    Token.objects.filter(user=user).delete()
    AuthorizationCode.objects.filter(user=user).delete()
    transaction.on_commit(lambda: index_people([user.pk]))  # the emptied profile leaves people search
    from privacy.tasks import erase_account

    transaction.on_commit(lambda: erase_account.enqueue(user.pk))
    return erasure


def _erase_artifacts(user: User) -> None:
    others_replied = Comment.objects.exclude(author=user).values("artifact_id")
    keep = Artifact.objects.filter(author=user, pk__in=others_replied)
    for artifact in Artifact.objects.filter(author=user).exclude(pk__in=others_replied).select_related("course"):
        delete_artifact(artifact=artifact, actor=user)
    changed = list(keep.exclude(title=DELETED).values_list("pk", flat=True))
    if changed:
        for artifact in keep.filter(pk__in=changed).exclude(image=""):
            artifact.image.delete(save=False)
        keep.filter(pk__in=changed).update(
            title=DELETED,
            body="",
            body_html="",
            excerpt="",
            url="",
            passage="",
            image="",
            image_alt="",
            kind="post",
            book=None,
            page=None,
            chapter="",
        )
        for artifact in keep.filter(pk__in=changed):
            artifact.tags.clear()
        Mention.objects.filter(artifact_id__in=changed, comment__isnull=True).delete()
        index_artifacts(changed)


def _erase_comments(user: User) -> None:
    answered = Comment.objects.exclude(author=user).filter(parent__isnull=False).values("parent_id")
    mine = Comment.objects.filter(author=user)
    gone = mine.exclude(pk__in=answered)
    days_changed(gone.values_list("created_at", flat=True))
    for comment in mine.filter(pk__in=answered, removed_at__isnull=True).select_related("artifact__course"):
        remove_comment(comment=comment, actor=user)  # stays as "removed", so replies keep their place
    ids = list(gone.values_list("pk", flat=True))
    gone.delete()
    index_comments(ids)  # the deleted ones leave the search index


def _hand_over_chats(user: User) -> None:
    """Chats the person scheduled pass to another facilitator of the course; a chat with nobody to run it
    goes (its released questions stay as posts)."""
    for chat in Chat.objects.filter(created_by=user).select_related("course"):
        heir = (
            Enrollment.objects.filter(course=chat.course, role=MemberRole.FACILITATOR)
            .exclude(user=user)
            .order_by("joined_at")
            .values_list("user_id", flat=True)
            .first()
        )
        if heir is None:
            chat.delete()
        else:
            Chat.objects.filter(pk=chat.pk).update(created_by_id=heir)


def _erase_the_rest(user: User) -> None:
    CourseMap.objects.filter(course__enrollments__user=user).delete()  # drawn with their name: drawn again
    for model, field in (
        (Follow, "follower"),
        (Follow, "followee"),
        (TagFollow, "user"),
        (Mute, "muter"),
        (Mute, "muted"),
        (KeywordFilter, "owner"),
        (Share, "sharer"),
        (Open, "user"),
        (Notification, "recipient"),
        (Notification, "actor"),
        (WeeklyGoal, "user"),
        (ReadingProgress, "user"),
        (LiveQuestionVote, "voter"),
        (LiveQuestion, "author"),
        (Feed, "owner"),
        (Enrollment, "user"),
        (Mention, "user"),
        (NotificationsSeen, "user"),
        (SummaryEmail, "user"),
        (DigestSubscription, "user"),
        (PersonDay, "user"),
        (NetworkDay, "user"),
        (MemberActivity, "user"),
        (CourseEdgeDay, "source"),
        (CourseEdgeDay, "target"),
        (Report, "reporter"),
    ):
        model.objects.filter(**{field: user}).delete()  # type: ignore[attr-defined]
    # Blocks the person made end; blocks others made of them stay (they protect those people).
    Block.objects.filter(blocker=user).delete()
    _hand_over_chats(user)
    for upload in MediaUpload.objects.filter(user=user):
        upload.image.delete(save=False)
        upload.delete()
    Export.objects.filter(user=user).delete()
    shutil.rmtree(export_root() / str(user.pk), ignore_errors=True)  # with any download still being built


def erase(user_id: int) -> bool:
    """Run (or finish) the erasure of a closed account; True when it is complete."""
    erasure = Erasure.objects.select_related("user").filter(user_id=user_id).first()
    if erasure is None:
        return False
    user = erasure.user
    with transaction.atomic():
        _erase_comments(user)
    with transaction.atomic():
        _erase_artifacts(user)
    with transaction.atomic():
        _erase_the_rest(user)
        Erasure.objects.filter(pk=erasure.pk).update(finished_at=timezone.now())
    return True


def unfinished() -> list[int]:
    return list(Erasure.objects.filter(finished_at__isnull=True).values_list("user_id", flat=True))
