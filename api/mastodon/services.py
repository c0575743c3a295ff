"""Writes for the Mastodon API that the site has no single service for: keeping an uploaded image until a status
attaches it, and turning a status (text, an image, a visibility, a reply) into an artifact or a comment through
`posts.services`."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from api.mastodon.selectors import latest_course
from api.models import MediaUpload
from core.exceptions import Invalid
from core.images import clean_image
from posts import review
from posts import services as posts
from posts.models import Artifact, Comment, Kind, Visibility

VISIBILITIES = {"public": Visibility.PUBLIC, "unlisted": Visibility.PUBLIC, "private": Visibility.COURSE}
TITLE_MAX = 200
ALT_MAX = 500
# Uploads never attached are deleted after this long by whoever uploads next (no sweeper task needed).
UNATTACHED_FOR = dt.timedelta(days=1)


def upload_media(*, user: User, data: bytes, description: str = "") -> MediaUpload:
    """Check and re-encode an image (the site's image rules, no metadata kept) and keep it for a status.
    Raises Invalid (ImageRejected) with the reason; counts toward the daily image limit."""
    description = description.strip()
    if len(description) > ALT_MAX:
        raise Invalid(f"Please keep the image description under {ALT_MAX} characters.")
    since = timezone.now() - dt.timedelta(days=1)
    if MediaUpload.objects.filter(user=user, created_at__gte=since).count() >= settings.IMAGE_UPLOADS_PER_DAY:
        raise Invalid("You have uploaded the most images we accept in a day. Please try tomorrow.")
    _forget_stale(user)
    clean = clean_image(data)
    upload = MediaUpload(user=user, description=description)
    upload.image.save(clean.content.name or "image.png", clean.content, save=False)
    upload.save()
    return upload


def _forget_stale(user: User) -> None:
    for upload in MediaUpload.objects.filter(user=user, created_at__lt=timezone.now() - UNATTACHED_FOR):
        _delete(upload)


def _delete(upload: MediaUpload) -> None:
    name, storage = upload.image.name or "", upload.image.storage
    upload.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def describe_media(*, upload: MediaUpload, user: User, description: str) -> MediaUpload:
    if upload.user_id != user.pk:
        raise Invalid("That image is not yours.")
    description = description.strip()
    if len(description) > ALT_MAX:
        raise Invalid(f"Please keep the image description under {ALT_MAX} characters.")
    upload.description = description
    upload.save(update_fields=["description"])
    return upload


def split_text(text: str) -> tuple[str, str]:
    """A title and text from a status: its first line as the title and the rest as the text; a first line too
    long for a title is shortened with "…" and the whole status kept as the text."""
    text = text.strip()
    first, _, rest = text.partition("\n")
    first = first.strip()
    if len(first) <= TITLE_MAX:
        return first, rest.strip()
    return first[: TITLE_MAX - 1].rsplit(" ", 1)[0].rstrip() + "…", text


@transaction.atomic
def post_status(*, author: User, text: str, visibility: str = "public", media_ids: list[str] | None = None) -> Artifact:
    """Publish a status as an artifact in the person's most recent course: public and unlisted are public,
    private is for the course's members; direct messages are refused (the site has none). At most one image,
    which must have a description. Raises Invalid or NotAllowed with what to do."""
    if visibility == "direct":
        raise Invalid("Direct messages are not offered here: post publicly or to your course (private).")
    if visibility not in VISIBILITIES:
        raise Invalid("Choose public, unlisted or private visibility.")
    if not text.strip():
        raise Invalid("Please write something before posting.")
    course = latest_course(author)
    if course is None:
        raise Invalid("Join a course first: a post on Commonplace belongs to a course.")
    uploads = []
    for raw in media_ids or []:
        upload = MediaUpload.objects.filter(pk=int(raw) if str(raw).isdigit() else 0, user=author).first()
        if upload is None:
            raise Invalid("That image upload was not found: upload it again.")
        uploads.append(upload)
    if len(uploads) > 1:
        raise Invalid("A post here carries one image: attach just one.")
    title, body = split_text(text)
    image, alt = None, ""
    if uploads:
        if not uploads[0].description:
            raise Invalid("Please describe the image for people who cannot see it (alt text is required).")
        with uploads[0].image.open("rb") as handle:
            image = handle.read()
        alt = uploads[0].description
    artifact = posts.publish(
        author=author,
        course=course,
        kind=Kind.IMAGE if image is not None else Kind.POST,
        title=title,
        body=body,
        image=image,
        image_alt=alt,
        visibility=VISIBILITIES[visibility],
    )
    for upload in uploads:
        _delete(upload)
    return artifact


def reply(
    *, author: User, artifact: Artifact, parent: Comment | None, text: str, client: review.Client | None = None
) -> Comment:
    """A reply becomes a comment on the artifact (in the thread of the comment it answers); `client` is the
    caller, for the spam checks (Akismet needs the address) and the per-address comment rate (TooManyComments)."""
    return posts.add_comment(artifact=artifact, author=author, body=text, parent=parent, client=client)
