"""The real Mastodon.py library against the live server (loopback only): an app signs two people in and uses
Commonplace as a Mastodon client would."""

import io

import pytest
from django.test import Client
from mastodon import Mastodon, MastodonAPIError
from PIL import Image

from accounts.models import Mute, User
from courses.models import Course
from network.models import Share

OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = ["read", "write", "follow"]


def _signed_in(base_url: str, user: User) -> Mastodon:
    """Register an app, give consent on the site's page as `user`, and exchange the code through Mastodon.py."""
    client_id, client_secret = Mastodon.create_app("Commonplace test", scopes=SCOPES, api_base_url=base_url)
    browser = Client()
    browser.force_login(user)
    query = {"client_id": client_id, "redirect_uri": OOB, "scope": " ".join(SCOPES), "response_type": "code"}
    assert browser.get("/oauth/authorize", query).status_code == 200
    code = browser.post("/oauth/authorize", {**query, "authorize": "1"}).context["code"]
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base_url, version_check_mode="none")
    api.log_in(code=code, redirect_uri=OOB, scopes=SCOPES)
    return api


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (20, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_mastodon_app_reads_posts_follows_and_shares(live_server, maria: User, devon: User, course: Course) -> None:
    assert "Commonplace" in Mastodon(api_base_url=live_server.url, version_check_mode="none").instance()["version"]
    as_maria = _signed_in(live_server.url, maria)
    as_devon = _signed_in(live_server.url, devon)
    assert as_maria.account_verify_credentials()["username"] == "maria"

    media = as_maria.media_post(_png(), mime_type="image/png", file_name="blue.png", description="A blue square")
    post = as_maria.status_post("Week one\nWhat I tried in class #IMMOOC", media_ids=[media])
    assert post["media_attachments"][0]["description"] == "A blue square"
    assert post["id"] in [s["id"] for s in as_maria.timeline_hashtag("IMMOOC")]

    as_devon.account_follow(maria.pk)
    assert post["id"] in [s["id"] for s in as_devon.timeline_home()]
    reply = as_devon.status_post("What did the class say?", in_reply_to_id=post["id"])
    assert reply["in_reply_to_id"] == post["id"]

    with pytest.raises(MastodonAPIError) as refused:
        as_devon.status_reblog(post["id"])
    assert "Open it first" in str(refused.value)
    assert as_devon.status(post["id"])["id"] == post["id"]  # reading it opens it
    assert as_devon.status_reblog(post["id"])["reblogged"] is True
    assert Share.objects.filter(sharer=devon, artifact_id=post["id"]).exists()

    as_devon.account_mute(maria.pk, duration=86_400)
    assert Mute.objects.get(muter=devon, muted=maria).until is not None

    kinds = {n["type"] for n in as_maria.notifications()}
    assert {"follow", "mention", "reblog"} <= kinds
