"""Posting a comment from a page with a composer: the artifact page, and a chat's questions (chats).

One flow for every composer, so a reply is a reply wherever it is written: the writer's text is kept
on every refusal, a reply that reads as a challenge first gets the "seek first to understand" step
(when the course turns it on), and "Edit" gives the composer back with the text in it. The page that
called decides how to show the outcome (`Composed`).
"""

from dataclasses import dataclass

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from accounts.throttle import client_address
from core.exceptions import ActionError, NotAllowed
from posts import services
from posts.forms import CommentForm
from posts.models import Artifact, Comment
from posts.review import Client
from posts.selectors import ToneNudge, comment_threads, tone_nudge_for

HELD_MESSAGE = (
    "Your comment is saved and waiting for a facilitator: links from new accounts, and comments that look like "
    "advertising, are checked before anyone else sees them."
)


def request_client(request: HttpRequest) -> Client:
    """Who sent the request, for the spam checks (never stored)."""
    meta = request.META
    return Client(
        ip=client_address(request),
        user_agent=str(meta.get("HTTP_USER_AGENT", ""))[:500],
        referrer=str(meta.get("HTTP_REFERER", ""))[:500],
    )


def composer_id(parent_id: int | str | None, prefix: str = "") -> str:
    """Form ids for the top composer and for each thread's reply composer, unique on the page
    (`prefix` keeps them apart when a page has several artifacts' composers, as a chat does)."""
    return f"id_{prefix}reply{parent_id}_%s" if parent_id else f"id_{prefix}comment_%s"


THREAD_MARK = "THREADMARK"


class ReplyComposers:
    """An empty reply composer rendered once per artifact, its thread's id marked: each open thread's reply
    form is this HTML with the thread's id put in (the field ids and the hidden parent), not a form rendered
    per thread (200 of them cost ~100 ms). `action` and `prefix` are for a page other than the artifact's."""

    def __init__(self, request: HttpRequest, artifact: Artifact, *, action: str = "", prefix: str = "") -> None:
        self.request, self.artifact, self.action, self.prefix = request, artifact, action, prefix
        self._html: str | None = None

    def for_thread(self, thread_id: int) -> SafeString:
        if self._html is None:
            form = CommentForm(initial={"parent": THREAD_MARK}, auto_id=composer_id(THREAD_MARK, self.prefix))
            form.fields["body"].label = "Your reply"
            context = {
                "artifact": self.artifact,
                "form": form,
                "this_nudge": False,
                "submit_label": "Post reply",
                "label_id": "",
                "action": self.action,
            }
            self._html = render_to_string("posts/partials.html#composer", context, request=self.request)
        # The mark stands where the thread's id goes: our own markup, with an integer put in.
        return mark_safe(self._html.replace(THREAD_MARK, str(thread_id)))

    def kept(self, form: CommentForm, nudge: ToneNudge | None) -> SafeString:
        """The reply composer that kept what was typed (its errors shown), with the nudge step when there is one."""
        form.fields["body"].label = "Your reply"
        context = {
            "artifact": self.artifact,
            "form": form,
            "nudge": nudge,
            "this_nudge": True,
            "submit_label": "Post reply",
            "label_id": "",
            "action": self.action,
        }
        return render_to_string("posts/partials.html#composer", context, request=self.request)


@dataclass
class Composed:
    """What became of a posted composer: `comment` when it was posted; otherwise `form` to show again
    (the text kept, with its errors) in the composer of thread `thread_id` (None: the top one), with
    `nudge` when it is the confirm step, `closed` when comments have closed (a message for the page)."""

    form: CommentForm
    thread_id: int | None = None
    nudge: ToneNudge | None = None
    comment: Comment | None = None
    closed: str = ""
    status: int = 200


def _posted_parent(request: HttpRequest) -> int | None:
    raw = request.POST.get("parent", "")
    return int(raw) if raw.isdigit() else None


def post_comment(request: HttpRequest, artifact: Artifact, user: User, prefix: str = "") -> Composed:
    """Read a posted composer and post the comment or reply, or say why not."""
    parent_id = _posted_parent(request)
    form = CommentForm(request.POST, auto_id=composer_id(parent_id, prefix))
    status = 400
    closed = ""
    if form.is_valid():
        data = form.cleaned_data
        # A held comment the writer may not see is as missing as one that is not there (A2).
        parent = Comment.objects.seen_by(user).filter(pk=parent_id, artifact=artifact).first() if parent_id else None
        # The composer that comes back is the thread's reply form (replies join the top comment's thread).
        thread_id = (parent.parent_id or parent.pk) if parent is not None else None
        if parent_id and parent is None:
            form.add_error(None, "That comment is no longer there to reply to.")
        elif data["edit"]:
            initial = {"body": data["body"], "parent": thread_id, "rendered": request.POST.get("rendered", "")}
            return Composed(CommentForm(initial=initial, auto_id=composer_id(thread_id, prefix)), thread_id)
        else:
            recipient = parent.author if parent is not None else artifact.author
            nudge = None
            if not data["confirmed"]:
                nudge = tone_nudge_for(course=artifact.course, writer=user, body=data["body"], recipient=recipient)
            if nudge is not None:
                # The confirm step keeps the stamp of when the composer was first shown (core.formguard).
                initial = {
                    "body": data["body"],
                    "parent": thread_id,
                    "confirmed": "1",
                    "rendered": request.POST.get("rendered", ""),
                }
                confirm = CommentForm(initial=initial, auto_id=composer_id(thread_id, prefix))
                return Composed(confirm, thread_id, nudge=nudge)
            try:
                comment = services.add_comment(
                    artifact=artifact, author=user, body=data["body"], parent=parent, client=request_client(request)
                )
            except services.CommentsClosed as exc:
                closed = exc.message
                status = 403
            except NotAllowed as exc:
                form.add_error(None, exc.message)
                status = 403
            except services.TooManyComments as exc:
                form.add_error(None, exc.message)
                status = 429
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                return Composed(form, thread_id, comment=comment, status=201)
    # A reply whose thread is gone (or hidden) comes back in the top composer, so the text is never lost.
    thread_there = parent_id is not None and any(t.comment.pk == parent_id for t in comment_threads(artifact, user))
    return Composed(form, parent_id if thread_there else None, closed=closed, status=status)
