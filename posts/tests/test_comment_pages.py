"""An artifact's conversation a page of threads at a time (THREADS_PER_PAGE top comments, each with its
replies), oldest first; "Earlier" and "Later" meet the same pages; a comment's address goes on to its page."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.formguard import stamp
from posts.models import Artifact, Comment
from posts.selectors import THREADS_PER_PAGE, thread_page
from posts.tests.factories import CommentFactory

SIZE = THREADS_PER_PAGE


def _conversation(artifact: Artifact, authors: list, tops: int) -> list[Comment]:
    """`tops` top comments a minute apart (bodies "Top 1" …), each third one with a reply."""
    start = timezone.now() - dt.timedelta(days=1)
    made = []
    for n in range(1, tops + 1):
        when = start + dt.timedelta(minutes=n)
        top = CommentFactory.create(artifact=artifact, author=authors[n % 2], body=f"Top {n}", created_at=when)
        if n % 3 == 0:
            CommentFactory.create(
                artifact=artifact, author=authors[(n + 1) % 2], parent=top, body=f"Reply to {n}", created_at=when
            )
        made.append(top)
    return made


def _tops_shown(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"<p>Top (\d+)</p>", html)]


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]*)#comments" rel="{rel}">', html)
    return found.group(1).replace("&amp;", "&") if found else None


def _href(html: str, rel: str) -> str:
    found = _link(html, rel)
    assert found is not None, f"no {rel} link"
    return found


@pytest.fixture
def long_talk(public_post: Artifact, maria, devon) -> list[Comment]:
    return _conversation(public_post, [maria, devon], 2 * SIZE + 5)


def test_pages_of_threads_oldest_first_with_earlier_and_later(
    login, george, public_post: Artifact, long_talk, valid_html
) -> None:
    client = login(george)
    url = public_post.get_absolute_url()
    first = client.get(url).content.decode()
    assert _tops_shown(first) == list(range(1, SIZE + 1))
    assert "Reply to 3" in first
    assert "Page 1 of 3, oldest first." in first
    assert _link(first, "prev") is None
    valid_html(first)

    second = client.get(url + _href(first, "next")).content.decode()
    assert _tops_shown(second) == list(range(SIZE + 1, 2 * SIZE + 1))
    assert f"Reply to {SIZE + 3 - SIZE % 3}" in second  # a reply comes with its thread
    assert "Page 2 of 3" in second
    back = _link(second, "prev")
    assert back is not None
    assert "comments" not in parse_qs(urlsplit(back).query), "the first page has no cursor"

    third = client.get(url + _href(second, "next")).content.decode()
    assert _tops_shown(third) == list(range(2 * SIZE + 1, 2 * SIZE + 6))
    assert _link(third, "next") is None
    assert "Page 3 of 3" in third
    again = client.get(url + _href(third, "prev")).content.decode()
    assert _tops_shown(again) == _tops_shown(second), "Earlier meets the page Later gave"


def test_a_short_conversation_is_one_page_without_a_pager(login, george, public_post: Artifact, maria, devon) -> None:
    _conversation(public_post, [maria, devon], 3)
    html = login(george).get(public_post.get_absolute_url()).content.decode()
    assert _tops_shown(html) == [1, 2, 3]
    assert "Comment pages" not in html
    assert "Page 1 of" not in html


def test_a_malformed_cursor_gives_the_first_page(login, george, public_post: Artifact, long_talk) -> None:
    for junk in ["nonsense", "%%%", "MjAyNi0xMS0yOVQwMDowMDowMHxub3Q"]:
        response = login(george).get(public_post.get_absolute_url(), {"comments": junk})
        assert response.status_code == 200
        assert _tops_shown(response.content.decode()) == list(range(1, SIZE + 1))


def test_a_comments_address_goes_on_to_its_page(login, george, public_post: Artifact, long_talk) -> None:
    client = login(george)
    early, late = long_talk[2], long_talk[SIZE + 4]
    reply = Comment.objects.get(parent=long_talk[SIZE + 6])  # Top 27 has a reply
    response = client.get(early.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == f"{public_post.get_absolute_url()}#comment-{early.pk}"
    for comment, top in [(late, late), (reply, long_talk[SIZE + 6])]:
        location = client.get(comment.get_absolute_url())["Location"]
        assert location.endswith(f"#comment-{comment.pk}")
        html = client.get(location.split("#")[0]).content.decode()
        assert f'id="comment-{comment.pk}"' in html
        assert f"<p>Top {long_talk.index(top) + 1}</p>" in html
        assert "Page 2 of 3" in html


def test_a_comment_the_viewer_may_not_see_has_no_address(login, outsider, course_post: Artifact, maria, devon) -> None:
    comment = CommentFactory.create(artifact=course_post, author=devon, body="Members only")
    assert login(outsider).get(comment.get_absolute_url()).status_code == 404
    assert login(outsider).get(reverse("posts:comment", args=[10**9])).status_code == 404
    assert login(maria).get(comment.get_absolute_url()).status_code == 302


def test_a_refused_reply_comes_back_on_its_threads_page(login, devon, public_post: Artifact, long_talk) -> None:
    target = long_talk[SIZE + 7]
    response = login(devon).post(
        reverse("posts:comment_create", args=[public_post.pk]),
        {"rendered": stamp(ago=60), "body": "x" * 10_001, "parent": target.pk},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "x" * 10_001 in html, "what was typed is kept"
    assert f'id="comment-{target.pk}"' in html
    assert "Page 2 of 3" in html


def test_a_page_costs_the_same_queries_however_long_the_conversation(
    george, public_post: Artifact, maria, devon
) -> None:
    counts = []
    for tops in (SIZE + 2, 3 * SIZE + 2):
        Comment.objects.filter(artifact=public_post).delete()
        _conversation(public_post, [maria, devon], tops)
        first = thread_page(public_post, george)
        with CaptureQueriesContext(connection) as queries:
            page = thread_page(public_post, george, first.later)
        assert len(page.threads) == (2 if tops == SIZE + 2 else SIZE)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_page_reads_its_threads_in_one_query_with_the_replies_each_may_see(
    george, public_post: Artifact, maria, devon
) -> None:
    """The page's top comments and their replies come in one statement (no query per thread, none for the
    replies apart); a reply held for a facilitator is in it only for those who may see it."""
    tops = _conversation(public_post, [maria, devon], 4)
    held = CommentFactory.create(
        artifact=public_post, author=maria, parent=tops[0], body="Held reply", held_reason="Looks like spam"
    )
    with CaptureQueriesContext(connection) as queries:
        page = thread_page(public_post, devon)
    comment_reads = [q["sql"] for q in queries if 'FROM "posts_comment"' in q["sql"] and "COUNT" not in q["sql"]]
    assert len(comment_reads) == 2, comment_reads  # the page's top comments (ids), then the threads
    assert [t.comment.body for t in page.threads] == ["Top 1", "Top 2", "Top 3", "Top 4"]
    assert [r.body for r in page.threads[2].replies] == ["Reply to 3"]
    assert page.threads[0].replies == [], "devon may not see maria's held reply"
    assert [r.pk for r in thread_page(public_post, maria).threads[0].replies] == [held.pk], "its writer sees it"
    assert [r.pk for r in thread_page(public_post, george).threads[0].replies] == [held.pk], "so does a facilitator"
