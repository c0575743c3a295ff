"""Who to follow: reasons in words, exclusions, ranking and a fixed number of queries."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Block, Mute, User
from accounts.tests.factories import UserFactory
from core import arrays
from courses.models import Course
from courses.tests.factories import CourseFactory, EnrollmentFactory
from network import suggestions
from network.models import Follow, Open, Share
from network.suggestions import who_to_follow
from posts.models import Tag, Visibility
from posts.tests.factories import ArtifactFactory, CommentFactory


def _reasons(user: User) -> dict[str, list[str]]:
    return {s.person.username: s.reasons for s in who_to_follow(user)}


def test_people_in_your_courses_are_suggested(course: Course, maria: User) -> None:
    found = _reasons(maria)
    assert found["devon"] == ["In Innovator's Mindset MOOC with you"]
    assert found["george"] == ["In Innovator's Mindset MOOC with you"]
    assert "maria" not in found


def test_opened_and_shared_work_gives_a_reason(course: Course, maria: User, outsider: User) -> None:
    posts = ArtifactFactory.create_batch(3, author=outsider, course=course)
    for artifact in posts:
        Open.objects.create(user=maria, artifact=artifact)
    Share.objects.create(sharer=maria, artifact=posts[0])
    reasons = _reasons(maria)["olive"]
    assert "You opened 3 of Olive Outsider's posts" in reasons
    assert "You shared Olive Outsider's post" in reasons


def test_people_your_connections_reply_to(course: Course, maria: User, devon: User, outsider: User) -> None:
    Follow.objects.create(follower=maria, followee=devon)
    theirs = ArtifactFactory.create(author=outsider, course=course)
    CommentFactory.create_batch(3, artifact=theirs, author=devon)
    assert _reasons(maria)["olive"] == ["Devon Clarke, whom you follow, replies to them often"]


def test_people_who_write_on_your_tags(course: Course, maria: User, outsider: User) -> None:
    assessment, immooc = Tag.objects.create(name="assessment"), Tag.objects.create(name="immooc")
    mine = ArtifactFactory.create(author=maria, course=course)
    mine.tags.set([assessment, immooc])
    theirs = ArtifactFactory.create(author=outsider, course=course)
    theirs.tags.set([assessment, immooc])
    assert _reasons(maria)["olive"] == ["Writes about #assessment, like you"]


def test_leaves_out_followed_blocked_and_muted_people(course: Course, maria: User, devon: User, george: User) -> None:
    friend = UserFactory.create(username="friend")
    blocker = UserFactory.create(username="blocker")
    for person in (friend, blocker):
        EnrollmentFactory.create(course=course, user=person)
    Follow.objects.create(follower=maria, followee=friend)
    Block.objects.create(blocker=blocker, blocked=maria)
    Block.objects.create(blocker=maria, blocked=devon)
    Mute.objects.create(muter=maria, muted=george)
    assert _reasons(maria) == {}


def test_more_and_stronger_reasons_rank_first(course: Course, maria: User, devon: User, george: User) -> None:
    Open.objects.create(user=maria, artifact=ArtifactFactory.create(author=devon, course=course))
    assert [s.person.username for s in who_to_follow(maria)] == ["devon", "george"]


def test_at_most_twenty_in_a_fixed_number_of_queries(
    course: Course, maria: User, devon: User, django_assert_max_num_queries: Callable
) -> None:
    Follow.objects.create(follower=maria, followee=devon)
    tag = Tag.objects.create(name="feedback")
    ArtifactFactory.create(author=maria, course=course).tags.add(tag)
    for n in range(25):
        person = UserFactory.create(username=f"p{n}")
        EnrollmentFactory.create(course=course, user=person)
        artifact = ArtifactFactory.create(author=person, course=course)
        artifact.tags.add(tag)
        Open.objects.create(user=maria, artifact=artifact)
        CommentFactory.create(artifact=artifact, author=devon)
    with django_assert_max_num_queries(16):
        found = who_to_follow(maria)
    assert len(found) == 20
    assert len(found[0].reasons) == 5


def test_page_lists_suggestions_with_follow_buttons(
    login: Callable[[User], Client], course: Course, maria: User, valid_html: Callable[[bytes], None]
) -> None:
    page = login(maria).get(reverse("network:who_to_follow"))
    assert page.status_code == 200
    valid_html(page.content)
    html = page.content.decode()
    assert "In Innovator&#x27;s Mindset MOOC with you" in html
    assert f'action="{reverse("network:follow", kwargs={"username": "devon"})}"' in html
    assert f'name="next" value="{reverse("network:who_to_follow")}"' in html


@pytest.mark.django_db
def test_page_asks_visitors_to_log_in(client: Client) -> None:
    response = client.get(reverse("network:who_to_follow"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_page_with_no_suggestions(
    login: Callable[[User], Client], outsider: User, valid_html: Callable[[bytes], None]
) -> None:
    page = login(outsider).get(reverse("network:who_to_follow"))
    valid_html(page.content)
    assert "No suggestions yet." in page.content.decode()


def test_writers_on_your_tags_are_found_among_each_tags_newest_posts(
    course: Course, maria: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tag reason reads the newest RECENT_PER_TAG posts of each of the viewer's TAGS_LOOKED_AT most used tags,
    so its cost does not follow how big a tag is: an older writer on a busy tag is not looked for, nor a tag the
    viewer used least."""
    monkeypatch.setattr(suggestions, "RECENT_PER_TAG", 2)
    monkeypatch.setattr(suggestions, "TAGS_LOOKED_AT", 1)
    busy, rare = Tag.objects.create(name="assessment"), Tag.objects.create(name="grading")
    for tags in ([busy], [busy], [rare]):  # maria uses #assessment most
        ArtifactFactory.create(author=maria, course=course).tags.set(tags)
    writers = [UserFactory.create(username=f"writer{n}") for n in range(4)]
    for writer in writers:  # oldest first: writer0 is not among the two newest on #assessment
        ArtifactFactory.create(author=writer, course=course).tags.add(busy)
    ArtifactFactory.create(author=writers[0], course=course).tags.add(rare)
    found = _reasons(maria)
    assert "writer0" not in found
    assert {name for name, reasons in found.items() if "Writes about #assessment, like you" in reasons} == {
        "writer2",
        "writer3",
    }


def test_only_recent_replies_of_the_people_you_follow_count(
    course: Course, maria: User, devon: User, outsider: User
) -> None:
    """Replies older than CONVERSE_DAYS give no reason (following busy people reads their month, not their years)."""
    Follow.objects.create(follower=maria, followee=devon)
    theirs = ArtifactFactory.create(author=outsider, course=course)
    old = timezone.now() - dt.timedelta(days=suggestions.CONVERSE_DAYS + 1)
    CommentFactory.create_batch(3, artifact=theirs, author=devon, created_at=old)
    assert "olive" not in _reasons(maria)
    CommentFactory.create(artifact=theirs, author=devon)
    assert _reasons(maria)["olive"] == ["Devon Clarke, whom you follow, has replied to them"]


def test_replies_on_what_the_viewer_may_not_see_give_no_reason(
    course: Course, maria: User, devon: User, outsider: User
) -> None:
    """A followee's replies on a course-only post of a course the viewer is not in tell the viewer nothing."""
    other = CourseFactory.create(slug="closed")
    EnrollmentFactory.create(course=other, user=devon)
    EnrollmentFactory.create(course=other, user=outsider)
    Follow.objects.create(follower=maria, followee=devon)
    hidden = ArtifactFactory.create(author=outsider, course=other, visibility=Visibility.COURSE)
    CommentFactory.create_batch(3, artifact=hidden, author=devon)
    assert "olive" not in _reasons(maria)
    EnrollmentFactory.create(course=other, user=maria)
    assert "Devon Clarke, whom you follow, replies to them often" in _reasons(maria)["olive"]


def test_classmates_beyond_the_limit_are_ranked_as_reading_them_all_would(
    course: Course, maria: User, devon: User, george: User
) -> None:
    """Only the strongest classmates are read: those sharing more courses first, then by name (display name or
    username, either case), leaving out people followed, blocked or muted before the cut, not after it."""
    second = CourseFactory.create(title="Second course")
    EnrollmentFactory.create(course=second, user=maria)
    names = ["zed", "Yara", "xavier", "Wendy", "victor", "Uma", "tom", "Sara"]
    people = {name: UserFactory.create(username=name.lower(), display_name="") for name in names}
    people["Yara"].display_name, people["Uma"].display_name = "amy", "Bea"  # ranked by the names shown
    people["Yara"].save()
    people["Uma"].save()
    for person in people.values():
        EnrollmentFactory.create(course=course, user=person)
    for both in ("zed", "tom", "victor"):
        EnrollmentFactory.create(course=second, user=people[both])
    Follow.objects.create(follower=maria, followee=people["tom"])  # would rank second
    Block.objects.create(blocker=people["Sara"], blocked=maria)
    Mute.objects.create(muter=maria, muted=devon)
    Open.objects.create(user=maria, artifact=ArtifactFactory.create(author=people["xavier"], course=course))
    found = [(s.person.username, s.reasons) for s in who_to_follow(maria, limit=5)]
    both = "In Innovator's Mindset MOOC and Second course with you"
    one = "In Innovator's Mindset MOOC with you"
    assert found == [
        ("xavier", [one, "You opened xavier's post", "Wrote one of the latest posts in your courses"]),
        ("victor", [both]),
        ("zed", [both]),
        ("yara", [one]),  # "amy"
        ("uma", [one]),  # "Bea"
    ]


def test_only_the_most_opened_and_replied_to_people_are_weighed(
    course: Course, maria: User, devon: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PEOPLE_READ bounds what the opens, the shares and the followees' replies bring: the strongest come first."""
    monkeypatch.setattr(suggestions, "PEOPLE_READ", 1)
    often, once, answered, barely = (UserFactory.create(username=n) for n in ("often", "once", "answered", "barely"))
    for artifact in ArtifactFactory.create_batch(2, author=often, course=course):
        Open.objects.create(user=maria, artifact=artifact)
    Open.objects.create(user=maria, artifact=ArtifactFactory.create(author=once, course=course))
    Follow.objects.create(follower=maria, followee=devon)
    CommentFactory.create_batch(2, artifact=ArtifactFactory.create(author=answered, course=course), author=devon)
    CommentFactory.create(artifact=ArtifactFactory.create(author=barely, course=course), author=devon)
    # Devon's replies on his own post are no reason (and must not take the one place).
    CommentFactory.create_batch(3, artifact=ArtifactFactory.create(author=devon, course=course), author=devon)
    found = _reasons(maria)
    assert found["often"] == ["You opened 2 of Often's posts"]
    assert found["answered"] == [f"{devon.display_name}, whom you follow, has replied to them"]
    assert "once" not in found
    assert "barely" not in found


def test_writers_on_each_of_several_tags_are_found(
    course: Course, maria: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each of the viewer's tags brings its own newest posts' writers (one read for all the tags), and a writer's
    reason names every one of the viewer's tags on their posts."""
    monkeypatch.setattr(suggestions, "RECENT_PER_TAG", 1)
    tags = [Tag.objects.create(name=name) for name in ("assessment", "feedback", "grading")]
    ArtifactFactory.create(author=maria, course=course).tags.set(tags)
    old, both, newest = (UserFactory.create(username=name) for name in ("old", "both", "newest"))
    ArtifactFactory.create(author=old, course=course).tags.set(tags)  # the newest on none of them
    ArtifactFactory.create(author=both, course=course).tags.set(tags[:2])  # the newest on #assessment
    ArtifactFactory.create(author=newest, course=course).tags.set(tags[1:])  # the newest on #feedback and #grading
    found = _reasons(maria)
    assert "old" not in found
    assert found["both"] == ["Writes about #assessment and #feedback, like you"]
    assert found["newest"] == ["Writes about #feedback and #grading, like you"]


def test_the_cut_ranks_as_the_page_does_whatever_the_names(course: Course, maria: User, devon: User) -> None:
    """A shorter list is the start of a longer one: the classmates' cut and the final ranking order names alike,
    accents and case included (SQLite lower-cases only ASCII; PostgreSQL's collation may order otherwise)."""
    names = ["A0", "a1", "Ébert", "éa", "Zoë", "zed", "Émile", "ann lee", "anna"]
    for n, name in enumerate(names):
        EnrollmentFactory.create(course=course, user=UserFactory.create(username=f"c{n}", display_name=name))
    Open.objects.create(user=maria, artifact=ArtifactFactory.create(author=devon, course=course))
    full = [s.person.username for s in who_to_follow(maria, limit=50)]
    assert full[0] == "devon"  # the stronger reason first
    for limit in range(1, len(full) + 1):
        assert [s.person.username for s in who_to_follow(maria, limit=limit)] == full[:limit]


def test_people_left_out_take_no_place_in_the_bounded_reads(
    course: Course, maria: User, devon: User, george: User, outsider: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The opens, shares and followees' replies are cut at PEOPLE_READ after leaving out whom the viewer follows,
    blocks or mutes: the people they open most are often those they follow already."""
    monkeypatch.setattr(suggestions, "PEOPLE_READ", 1)
    Follow.objects.create(follower=maria, followee=devon)
    Mute.objects.create(muter=maria, muted=george)
    for author in (devon, devon, george, george):  # opened most, and left out
        Open.objects.create(user=maria, artifact=ArtifactFactory.create(author=author, course=course))
    Open.objects.create(user=maria, artifact=ArtifactFactory.create(author=outsider, course=course))
    friend = UserFactory.create(username="friend")
    Follow.objects.create(follower=maria, followee=friend)
    CommentFactory.create_batch(3, artifact=ArtifactFactory.create(author=devon, course=course), author=friend)
    answered = UserFactory.create(username="answered")
    CommentFactory.create(artifact=ArtifactFactory.create(author=answered, course=course), author=friend)
    found = _reasons(maria)
    assert f"You opened {outsider.display_name}'s post" in found["olive"]
    assert found["answered"] == [f"{friend.display_name}, whom you follow, has replied to them"]


def test_classmates_who_keep_posting_come_before_the_rest(
    course: Course, maria: User, devon: User, george: User, outsider: User
) -> None:
    """In a big course everyone shares the course: those who wrote some of its latest posts the viewer may see are
    suggested first, with that reason; older posts, drafts, held posts and people outside the course give none."""
    zoe = UserFactory.create(username="zoe", display_name="Zoë")
    EnrollmentFactory.create(course=course, user=zoe)
    ArtifactFactory.create_batch(2, author=zoe, course=course)
    old = timezone.now() - dt.timedelta(days=suggestions.ACTIVE_DAYS + 1)
    ArtifactFactory.create(author=devon, course=course, published_at=old)
    ArtifactFactory.create(author=george, course=course, visibility=Visibility.DRAFT)
    ArtifactFactory.create(author=george, course=course, held_reason="link")
    ArtifactFactory.create(author=outsider, course=course)  # not in the course: no classmate
    ArtifactFactory.create(author=maria, course=course)  # the viewer's own
    found = [(s.person.username, s.reasons) for s in who_to_follow(maria)]
    one = "In Innovator's Mindset MOOC with you"
    assert found == [
        ("zoe", ["Wrote 2 of the latest posts in your courses", one]),  # the stronger reason first
        ("devon", [one]),
        ("george", [one]),
    ]


def test_the_latest_posts_are_read_from_each_course(
    course: Course, maria: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each of the viewer's courses brings its own RECENT_PER_COURSE newest posts (one read for them all), so a busy
    course does not hide a quiet one, and the cost does not follow a course's size."""
    monkeypatch.setattr(suggestions, "RECENT_PER_COURSE", 2)
    quiet = CourseFactory.create(title="Quiet course")
    EnrollmentFactory.create(course=quiet, user=maria)
    people = {name: UserFactory.create(username=name) for name in ("early", "busy", "calm")}
    for person in people.values():
        EnrollmentFactory.create(course=course, user=person)
    EnrollmentFactory.create(course=quiet, user=people["calm"])
    ArtifactFactory.create(author=people["early"], course=course)  # not among the course's two newest
    ArtifactFactory.create_batch(2, author=people["busy"], course=course)
    ArtifactFactory.create(author=people["calm"], course=quiet)
    latest = {name: [r for r in reasons if r.startswith("Wrote")] for name, reasons in _reasons(maria).items()}
    assert latest["busy"] == ["Wrote 2 of the latest posts in your courses"]
    assert latest["calm"] == ["Wrote one of the latest posts in your courses"]
    assert latest["early"] == []


def test_only_the_newest_replies_of_the_people_you_follow_are_weighed(
    course: Course, maria: User, devon: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REPLIES_READ bounds the followees' comments read (following thousands of busy people): the newest count, by
    time, and what would be left out anyway (a reply on the followee's own post, on a post of someone followed, a
    removed reply) takes no place among them."""
    monkeypatch.setattr(suggestions, "REPLIES_READ", 2)
    friend = UserFactory.create(username="friend")
    for followee in (devon, friend):
        Follow.objects.create(follower=maria, followee=followee)
    earlier, later = UserFactory.create(username="earlier"), UserFactory.create(username="later")
    now = timezone.now()
    # Written in the reverse of their time order (earlier's two the oldest): time decides, not ids.
    for hours, person, removed in (
        (1, devon, None),
        (2, friend, None),
        (3, UserFactory.create(username="gone"), now),
        (4, later, None),
        (5, earlier, None),
        (6, earlier, None),
    ):
        CommentFactory.create(
            artifact=ArtifactFactory.create(author=person, course=course),
            author=devon,
            created_at=now - dt.timedelta(hours=hours),
            removed_at=removed,
        )
    found = _reasons(maria)
    assert found["later"] == ["Devon Clarke, whom you follow, has replied to them"]
    assert found["earlier"] == ["Devon Clarke, whom you follow, has replied to them"]  # one of two read
    assert "gone" not in found
    monkeypatch.setattr(suggestions, "REPLIES_READ", 1)
    found = _reasons(maria)
    assert "later" in found
    assert "earlier" not in found


def test_long_lists_of_followed_people_are_left_out_too(
    course: Course, maria: User, devon: User, outsider: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whom the viewer follows goes into the statements as values; past `core.arrays.FEW_IDS` as one array value
    (someone following thousands): followed people are still left out everywhere, and their replies still count."""
    monkeypatch.setattr(arrays, "FEW_IDS", 0)
    Follow.objects.create(follower=maria, followee=devon)
    Open.objects.create(user=maria, artifact=ArtifactFactory.create(author=devon, course=course))
    CommentFactory.create(artifact=ArtifactFactory.create(author=outsider, course=course), author=devon)
    found = _reasons(maria)
    assert "devon" not in found
    assert found["olive"] == ["Devon Clarke, whom you follow, has replied to them"]
    assert found["george"] == ["In Innovator's Mindset MOOC with you"]


def test_classmates_are_read_only_when_they_could_make_the_list(course: Course, maria: User) -> None:
    """A classmate with no other reason scores at most 10 + the viewer's courses: once `limit` people score more, the
    strongest classmates are not read (a query fewer); at a tie they are, and the name decides, as in a full read."""
    second = CourseFactory.create(title="Second course")
    EnrollmentFactory.create(course=second, user=maria)
    aaron = UserFactory.create(username="aaron", display_name="")
    for joined in (course, second):
        EnrollmentFactory.create(course=joined, user=aaron)  # 10 + 2 courses
    for name, opens in (("xu", 3), ("yan", 2), ("zed", 1)):  # outside the courses: 10 + their opens
        author = UserFactory.create(username=name, display_name="")
        for artifact in ArtifactFactory.create_batch(opens, author=author, course=course):
            Open.objects.create(user=maria, artifact=artifact)

    def read(limit: int) -> tuple[list[str], int]:
        with CaptureQueriesContext(connection) as queries:
            found = [s.person.username for s in who_to_follow(maria, limit=limit)]
        return found, len(queries)

    full, _ = read(50)
    assert full[:3] == ["xu", "aaron", "yan"]  # aaron and yan tie at 12: by name
    first, skipping = read(1)
    two, reading = read(2)
    assert first == ["xu"]
    assert two == ["xu", "aaron"]
    assert skipping < reading


def test_your_tags_are_those_of_your_newest_posts(
    course: Course, maria: User, outsider: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The viewer's tags are counted on their POSTS_LOOKED_AT newest posts (a prolific writer's thousands are not
    read): a tag they used only long ago brings no writers."""
    monkeypatch.setattr(suggestions, "POSTS_LOOKED_AT", 1)
    old, new = Tag.objects.create(name="grading"), Tag.objects.create(name="feedback")
    ArtifactFactory.create(author=maria, course=course, published_at=timezone.now() - dt.timedelta(days=400)).tags.add(
        old
    )
    ArtifactFactory.create(author=maria, course=course).tags.add(new)
    olive_old = ArtifactFactory.create(author=outsider, course=course)
    olive_old.tags.add(old)
    writer = UserFactory.create(username="writer")
    ArtifactFactory.create(author=writer, course=course).tags.add(new)
    found = _reasons(maria)
    assert found["writer"] == ["Writes about #feedback, like you"]
    assert "olive" not in found


def test_held_posts_make_no_one_a_writer_even_for_a_facilitator(course: Course, george: User, devon: User) -> None:
    """The latest posts counted are those out for everyone: a facilitator sees a held post (to judge it), but it
    makes its writer no "keeping at it" suggestion."""
    ArtifactFactory.create(author=devon, course=course, held_reason="link")
    assert _reasons(george)["devon"] == ["In Innovator's Mindset MOOC with you"]


def test_every_reason_and_the_classmates_in_a_fixed_number_of_queries(
    course: Course, maria: User, devon: User, outsider: User, django_assert_max_num_queries: Callable
) -> None:
    """The costliest path: every reason has something, and too few people outrank the classmates, so the strongest
    of them are read too; the queries are the same however many people there are."""
    Follow.objects.create(follower=maria, followee=devon)
    tag = Tag.objects.create(name="feedback")
    ArtifactFactory.create(author=maria, course=course).tags.add(tag)
    theirs = ArtifactFactory.create(author=outsider, course=course)
    theirs.tags.add(tag)
    Open.objects.create(user=maria, artifact=theirs)
    Share.objects.create(sharer=maria, artifact=theirs)
    CommentFactory.create(artifact=theirs, author=devon)
    for n in range(8):
        EnrollmentFactory.create(course=course, user=UserFactory.create(username=f"c{n}"))
    with django_assert_max_num_queries(17):
        found = [s.person.username for s in who_to_follow(maria)]
    assert found[0] == "olive"
    assert {f"c{n}" for n in range(8)} <= set(found)  # the classmates with no other reason were read


def test_the_latest_posts_are_read_from_the_newest_courses(
    course: Course, maria: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """COURSES_LOOKED_AT bounds the courses whose latest posts are read (someone in many courses): the newest."""
    monkeypatch.setattr(suggestions, "COURSES_LOOKED_AT", 1)
    newer = CourseFactory.create(title="Newer course")
    EnrollmentFactory.create(course=newer, user=maria)
    here, there = UserFactory.create(username="here"), UserFactory.create(username="there")
    EnrollmentFactory.create(course=newer, user=here)
    EnrollmentFactory.create(course=course, user=there)
    ArtifactFactory.create(author=here, course=newer)
    ArtifactFactory.create(author=there, course=course)
    found = _reasons(maria)
    assert "Wrote one of the latest posts in your courses" in found["here"]
    assert found["there"] == ["In Innovator's Mindset MOOC with you"]
