"""An account erasure run in a process of its own, for the D6 test that kills it with SIGKILL half-way.

    python -m privacy.tests.crash_erase setup    migrate; maria with two posts (devon replied to one), a
                                                 comment, a follow, an API token and a signed-in session
    python -m privacy.tests.crash_erase crash    maria deletes her account; the erasure deletes one of her
                                                 posts, prints ERASING inside that step's transaction and
                                                 sleeps until the test kills the process
    python -m privacy.tests.crash_erase finish   `commonplace erase`, as an operator would run it afterwards
    python -m privacy.tests.crash_erase state    what is left of maria, as JSON

The database is whatever DATABASE_URL names (the test gives each run its own).
"""

import json
import os
import sys
import time
from datetime import date

PASSWORD = "a long enough passphrase 42"


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    command, *args = argv
    {"setup": setup, "crash": crash, "finish": finish, "state": state}[command](*args)


def setup() -> None:
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from accounts.models import User
    from api.services import create_token
    from courses.models import Course, Enrollment, MemberRole
    from network.models import Follow
    from posts import services as posts

    call_command("migrate", verbosity=0)
    maria = User.objects.create_user(username="maria", email="maria@example.org", password=PASSWORD)
    devon = User.objects.create_user(username="devon", email="devon@example.org", password=PASSWORD)
    course = Course.objects.create(title="Crash course", slug="crash", hashtag="#CRASH", start_date=date(2026, 11, 2))
    for person in (maria, devon):
        Enrollment.objects.create(course=course, user=person, role=MemberRole.PARTICIPANT)
    answered = posts.publish(author=maria, course=course, kind="post", title="Answered", body="Maria's first.")
    posts.publish(author=maria, course=course, kind="post", title="Unanswered", body="Maria's second.")
    posts.add_comment(artifact=answered, author=devon, body="Devon answers Maria.")
    devons = posts.publish(author=devon, course=course, kind="post", title="Devon's", body="Devon's own.")
    posts.add_comment(artifact=devons, author=maria, body="Maria's comment on Devon's post.")
    Follow.objects.create(follower=maria, followee=devon)
    create_token(user=maria, name="phone", scopes=["read", "write"])
    session = SessionStore()
    session[SESSION_KEY] = str(maria.pk)
    session["_auth_user_hash"] = maria.get_session_auth_hash()
    session.create()


def crash() -> None:
    from accounts.models import User
    from privacy import erasure

    real = erasure.delete_artifact

    def delete_then_die(**kwargs):  # type: ignore[no-untyped-def]
        real(**kwargs)  # one post deleted, inside the step's transaction
        sys.stdout.write("ERASING\n")
        sys.stdout.flush()
        time.sleep(600)  # the test kills us here

    erasure.delete_artifact = delete_then_die  # type: ignore[assignment]
    maria = User.objects.get(username="maria")
    erasure.close_account(user=maria, password=PASSWORD)  # commits; the task may run the erasure at once
    erasure.erase(maria.pk)  # if the task backend queued it instead


def finish() -> None:
    from django.core.management import call_command

    call_command("erase")


def state() -> None:
    from django.contrib.sessions.models import Session

    from accounts.models import User
    from api.models import Token
    from network.models import Follow
    from posts.models import Artifact, Comment
    from privacy.models import Erasure

    maria = User.objects.get(username="maria")
    sessions = [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(maria.pk)]
    erasure = Erasure.objects.filter(user=maria).first()
    out = {
        "active": maria.is_active,
        "email": maria.email,
        "usable_password": maria.has_usable_password(),
        "tokens": Token.objects.filter(user=maria).count(),
        "sessions_valid": [s.get_decoded().get("_auth_user_hash") == maria.get_session_auth_hash() for s in sessions],
        "titles": sorted(Artifact.objects.filter(author=maria).values_list("title", flat=True)),
        "comments": sorted(Comment.objects.filter(author=maria).values_list("body", flat=True)),
        "follows": Follow.objects.filter(follower=maria).count(),
        "erasure": None if erasure is None else ("finished" if erasure.finished_at else "unfinished"),
        "users": sorted(User.objects.values_list("username", flat=True)),
    }
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
