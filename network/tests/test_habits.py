"""Weekly goals, week streaks that forgive one miss in four, and the "your week" page."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Mute, User
from core.exceptions import Invalid, NotAllowed
from courses.models import Course, Week
from courses.tests.factories import CourseFactory, EnrollmentFactory, PromptFactory, WeekFactory
from network import habits
from network.habits import Counts, Goal, Status, streak_from, week_statuses
from network.models import Open, Share, WeeklyGoal
from network.services_goals import reset_goal, set_goal
from posts.models import Visibility
from posts.tests.factories import ArtifactFactory, CommentFactory

T, F = True, False
MET, MISSED, FORGIVEN = Status.MET, Status.MISSED, Status.FORGIVEN


# --- the pure streak rule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("met", "streak"),
    [
        ([], 0),
        ([T], 1),
        ([F], 0),
        ([T, T, T], 3),
        ([T, T, F, T], 3),  # one miss forgiven
        ([T, T, T, F], 3),  # the latest week missed, forgiven
        ([F, T, T], 2),
        ([T, F, F, T], 1),  # two misses in a row break it
        ([T, T, F, T, F, T], 2),  # a second miss within four weeks breaks it
        ([T, F, T, T, F, T], 3),  # misses three apart share a window of four: the older breaks it
        ([T, F, T, T, T, F, T], 5),  # misses four apart: each is alone in any window of four
        ([T, T, F, T, T, T, T, F, T, T], 8),  # misses far apart
        ([F, F], 0),
        ([F, F, F, T], 1),
        ([T] * 10, 10),
    ],
)
def test_streak_from_table(met: list[bool], streak: int) -> None:
    assert streak_from(met) == streak


def test_week_statuses_label_forgiven_and_breaking_misses() -> None:
    assert week_statuses([T, F, T, F, T]) == [MET, MISSED, MET, FORGIVEN, MET]
    assert week_statuses([]) == []
    assert week_statuses([F]) == [FORGIVEN]
    assert week_statuses([T, F, T, T, T, F]) == [MET, FORGIVEN, MET, MET, MET, FORGIVEN]


def test_an_older_streak_gets_its_own_forgiveness() -> None:
    # newest first: F forgiven, F at 3 breaks (within four), F at 0 starts afresh and is forgiven
    assert week_statuses([F, T, T, F, T, F]) == [FORGIVEN, MET, MET, MISSED, MET, FORGIVEN]


def test_counts_meet_a_goal_only_when_every_part_is_reached() -> None:
    goal = Goal(1, 3, 3)
    assert Counts(1, 3, 3).meets(goal)
    assert Counts(2, 5, 4).meets(goal)
    assert not Counts(1, 3, 2).meets(goal)
    assert Counts(0, 0, 0).meets(Goal(0, 0, 0))


# --- the selector over real rows -------------------------------------------------------------------


def _at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def season(maria: User, devon: User) -> Course:
    """Five past weeks (1–5) and a current week 6; maria and devon take part; norm 1 post, 1 comment, 1 share."""
    course = CourseFactory.create(title="Launch", slug="launch", norm_posts=1, norm_comments=1, norm_shares=1)
    EnrollmentFactory.create(course=course, user=maria)
    EnrollmentFactory.create(course=course, user=devon)
    today = timezone.localdate()
    current_start = today - dt.timedelta(days=2)
    for number in range(1, 7):
        start = current_start - dt.timedelta(days=7 * (6 - number))
        WeekFactory.create(course=course, number=number, starts_on=start, ends_on=start + dt.timedelta(days=6))
    PromptFactory.create(week=course.weeks.get(number=6), number=1)
    return course


def _week(course: Course, number: int) -> Week:
    return course.weeks.get(number=number)


def _do_week(
    course: Course, user: User, other: User, number: int, *, posts: int = 1, comments: int = 1, shares: int = 1
) -> None:
    day = _week(course, number).starts_on + dt.timedelta(days=1)
    for _ in range(posts):
        ArtifactFactory.create(course=course, author=user, published_at=_at(day))
    for _ in range(comments):
        theirs = ArtifactFactory.create(course=course, author=other, published_at=_at(day, 9))
        CommentFactory.create(artifact=theirs, author=user, created_at=_at(day))
    for _ in range(shares):
        theirs = ArtifactFactory.create(course=course, author=other, published_at=_at(day, 9))
        Share.objects.create(sharer=user, artifact=theirs, created_at=_at(day))


def test_week_counts_aggregate_per_week_in_three_queries(
    season: Course, maria: User, devon: User, django_assert_num_queries: Callable
) -> None:
    _do_week(season, maria, devon, 2, posts=2, comments=3, shares=1)
    _do_week(season, maria, devon, 4, posts=1, comments=0, shares=2)
    weeks = list(season.weeks.all())
    with django_assert_num_queries(3):
        counts = habits.week_counts(user=maria, course=season, weeks=weeks)
    by_number = {w.number: counts[w.pk] for w in weeks}
    assert by_number[2] == Counts(2, 3, 1)
    assert by_number[4] == Counts(1, 0, 2)
    assert by_number[1] == Counts(0, 0, 0)


def test_week_counts_leave_out_drafts_own_comments_removed_comments_and_other_courses(
    season: Course, maria: User, devon: User
) -> None:
    day = _at(_week(season, 3).starts_on)
    ArtifactFactory.create(course=season, author=maria, published_at=day, visibility=Visibility.DRAFT)
    mine = ArtifactFactory.create(course=season, author=maria, published_at=day - dt.timedelta(days=30))
    CommentFactory.create(artifact=mine, author=maria, created_at=day)
    theirs = ArtifactFactory.create(course=season, author=devon, published_at=day)
    CommentFactory.create(artifact=theirs, author=maria, created_at=day, removed_at=day)
    elsewhere = ArtifactFactory.create(author=devon, published_at=day)
    CommentFactory.create(artifact=elsewhere, author=maria, created_at=day)
    Share.objects.create(sharer=maria, artifact=elsewhere, created_at=day)
    counts = habits.week_counts(user=maria, course=season, weeks=[_week(season, 3)])
    assert counts[_week(season, 3).pk] == Counts(0, 0, 0)


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham"])
def test_week_counts_put_rows_either_side_of_a_local_midnight_in_the_right_week(
    season: Course, maria: User, devon: User, zone: str
) -> None:
    """Counted per day of the viewer's zone, rows a minute either side of the midnight between two weeks (and
    at the season's first and last instants) land in the week `week_bounds` gives them: as counting each
    week's range does (`counts_within`)."""
    import zoneinfo

    with timezone.override(zoneinfo.ZoneInfo(zone)):
        weeks = list(season.weeks.order_by("number"))
        first, last = habits.week_bounds(weeks[0])[0], habits.week_bounds(weeks[-1])[1]
        edges = [first, last - dt.timedelta(microseconds=1), last, first - dt.timedelta(microseconds=1)]
        for week in weeks[1:]:
            midnight = habits.week_bounds(week)[0]
            edges += [midnight - dt.timedelta(minutes=1), midnight, midnight + dt.timedelta(minutes=1)]
        for n, moment in enumerate(edges):
            theirs = ArtifactFactory.create(course=season, author=devon, published_at=moment)
            if n % 2:
                ArtifactFactory.create(course=season, author=maria, published_at=moment)
            CommentFactory.create(artifact=theirs, author=maria, created_at=moment)
            Share.objects.create(sharer=maria, artifact=theirs, created_at=moment)
        counted = habits.week_counts(user=maria, course=season, weeks=weeks)
        by_range = habits.counts_within(
            user=maria, course=season, spans={week.pk: [habits.week_bounds(week)] for week in weeks}
        )
        assert counted == by_range
        assert sum(c.comments for c in counted.values()) == len(edges) - 2  # the two outside the season
        assert counted[weeks[1].pk].comments == 3  # the minute before week 3's midnight, and week 2's own two


@pytest.mark.parametrize(
    ("zone", "change"),
    [
        ("America/Santiago", dt.date(2026, 9, 6)),  # clocks skip from midnight to 1:00: that midnight never happens
        ("America/Santiago", dt.date(2026, 4, 5)),  # clocks go back from midnight to 23:00: a day of 25 hours
        ("America/Los_Angeles", dt.date(2026, 3, 8)),  # skips 2:00 to 3:00
        ("America/Los_Angeles", dt.date(2026, 11, 1)),  # repeats 1:00 to 2:00
    ],
)
def test_week_counts_across_a_change_of_clocks(maria: User, devon: User, zone: str, change: dt.date) -> None:
    """Weeks whose boundary falls on (or in the week of) a change of clocks: rows either side of each week's first
    instant, and through the changed day, are counted per local day as counting each week's range counts them."""
    import zoneinfo

    course = CourseFactory.create(title="Seasons", slug="seasons")
    EnrollmentFactory.create(course=course, user=maria)
    weeks = []
    for number, start in enumerate((change - dt.timedelta(days=7), change, change + dt.timedelta(days=7)), start=1):
        weeks.append(
            WeekFactory.create(course=course, number=number, starts_on=start, ends_on=start + dt.timedelta(days=6))
        )
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        moments = []
        for week in weeks:
            first = habits.week_bounds(week)[0]
            moments += [first - dt.timedelta(minutes=1), first, first + dt.timedelta(minutes=1)]
        start = habits.week_bounds(weeks[1])[0]
        moments += [start + dt.timedelta(hours=hours) for hours in range(0, 30, 3)]  # through the changed day
        for moment in moments:
            theirs = ArtifactFactory.create(course=course, author=devon, published_at=moment)
            ArtifactFactory.create(course=course, author=maria, published_at=moment)
            CommentFactory.create(artifact=theirs, author=maria, created_at=moment)
            Share.objects.create(sharer=maria, artifact=theirs, created_at=moment)
        counted = habits.week_counts(user=maria, course=course, weeks=weeks)
        by_range = habits.counts_within(
            user=maria, course=course, spans={week.pk: [habits.week_bounds(week)] for week in weeks}
        )
        assert counted == by_range
        assert sum(c.posts for c in counted.values()) == len(moments) - 1  # the minute before the first week


def test_week_counts_with_no_weeks_is_empty(season: Course, maria: User) -> None:
    assert habits.week_counts(user=maria, course=season, weeks=[]) == {}


def test_streak_counts_met_weeks_and_forgives_one_miss(season: Course, maria: User, devon: User) -> None:
    for number in (1, 2, 4, 5):
        _do_week(season, maria, devon, number)
    summary = habits.my_week(user=maria, course=season)
    assert summary.streak.weeks == 4
    assert [r.status for r in summary.streak.history] == [MET, MET, FORGIVEN, MET, MET]
    assert summary.streak.text == "4-week streak — one missed week is forgiven in any four"


def test_two_misses_within_four_weeks_break_the_streak(season: Course, maria: User, devon: User) -> None:
    for number in (1, 3, 5):
        _do_week(season, maria, devon, number)
    summary = habits.my_week(user=maria, course=season)
    # newest first: 5 met, 4 forgiven, 3 met, 2 a second miss within four (breaks), 1 met
    assert [r.status for r in summary.streak.history] == [MET, FORGIVEN, MET, MISSED, MET]
    assert summary.streak.weeks == 2


def test_unfinished_current_week_never_breaks_a_streak(season: Course, maria: User, devon: User) -> None:
    for number in (3, 4, 5):
        _do_week(season, maria, devon, number)
    summary = habits.my_week(user=maria, course=season)
    assert summary.streak.weeks == 3
    assert summary.week == _week(season, 6)
    assert summary.streak.history[0].week.number == 5


def test_current_week_counts_once_its_goal_is_met(season: Course, maria: User, devon: User) -> None:
    for number in (4, 5, 6):
        _do_week(season, maria, devon, number)
    summary = habits.my_week(user=maria, course=season)
    assert summary.streak.weeks == 3
    assert summary.streak.history[0].week.number == 6
    assert summary.next_step.kind == "done"


def test_own_goal_replaces_the_course_norm(season: Course, maria: User, devon: User) -> None:
    _do_week(season, maria, devon, 5, posts=1, comments=1, shares=0)
    assert habits.my_week(user=maria, course=season).streak.history[0].status == FORGIVEN
    set_goal(user=maria, course=season, posts=1, comments=1, shares=0)
    summary = habits.my_week(user=maria, course=season)
    assert summary.goal == Goal(1, 1, 0, custom=True)
    assert summary.streak.history[0].status == MET


def test_course_streaks_give_each_course_its_own_goal_and_weeks_in_three_queries_and_three_a_course(
    season: Course, maria: User, devon: User, django_assert_num_queries: Callable
) -> None:
    """The person page's streaks, newest season first: each course counted against its own goal (maria's own in
    one, the norm in the other) over its own weeks; the courses, goals and weeks read once for all."""
    from network.selectors import course_streaks

    earlier = CourseFactory.create(
        title="Earlier", slug="earlier", start_date=season.start_date - dt.timedelta(days=400), norm_posts=1
    )
    EnrollmentFactory.create(course=earlier, user=maria)
    start = timezone.localdate() - dt.timedelta(days=30)
    WeekFactory.create(course=earlier, number=1, starts_on=start, ends_on=start + dt.timedelta(days=6))
    ArtifactFactory.create(course=earlier, author=maria, published_at=_at(start + dt.timedelta(days=1)))
    for number in (4, 5):
        _do_week(season, maria, devon, number, posts=1, comments=1, shares=0)
    set_goal(user=maria, course=season, posts=1, comments=1, shares=0)
    set_goal(user=maria, course=earlier, posts=1, comments=0, shares=0)
    with django_assert_num_queries(3 + 3 * 2):
        streaks = course_streaks(maria)
    assert [s.course for s in streaks] == [season, earlier]
    assert streaks[0].streak.weeks == 2  # weeks 4 and 5 met against her own goal (no shares asked)
    assert [r.week.number for r in streaks[0].streak.history][:2] == [5, 4]
    assert streaks[1].streak.weeks == 1  # one post against a goal of one post
    assert [r.week.course for r in streaks[1].streak.history] == [earlier]
    set_goal(user=maria, course=earlier, posts=2, comments=0, shares=0)
    assert course_streaks(maria)[1].streak.weeks == 0
    assert course_streaks(maria)[0].streak.weeks == 2


def test_my_week_takes_a_handful_of_queries(
    season: Course, maria: User, devon: User, django_assert_max_num_queries: Callable
) -> None:
    for number in range(1, 6):
        _do_week(season, maria, devon, number, comments=2)
    with django_assert_max_num_queries(7):
        habits.my_week(user=maria, course=season)


# --- the next step ----------------------------------------------------------------------------------


def test_next_step_is_the_post_with_a_link_to_this_weeks_first_prompt(season: Course, maria: User) -> None:
    step = habits.my_week(user=maria, course=season).next_step
    prompt = _week(season, 6).prompts.get(number=1)
    assert step.kind == "post"
    assert step.text == "Write this week's post"
    assert step.link == reverse("posts:publish", kwargs={"slug": season.slug}) + f"?prompt={prompt.pk}"


def test_next_step_comments_suggests_least_commented_visible_others_work(
    season: Course, maria: User, devon: User, george: User
) -> None:
    EnrollmentFactory.create(course=season, user=george)
    ArtifactFactory.create(course=season, author=maria)
    busy = ArtifactFactory.create(course=season, author=devon, title="Busy")
    CommentFactory.create_batch(2, artifact=busy, author=george)
    ArtifactFactory.create(course=season, author=devon, title="Quiet")
    some = ArtifactFactory.create(course=season, author=george, title="Some")
    CommentFactory.create(artifact=some, author=devon)
    done = ArtifactFactory.create(course=season, author=george, title="Already commented")
    CommentFactory.create(artifact=done, author=maria)
    ArtifactFactory.create(course=season, author=devon, title="Draft", visibility=Visibility.DRAFT)
    ArtifactFactory.create(
        course=season, author=devon, title="Old", published_at=timezone.now() - dt.timedelta(days=60)
    )
    set_goal(user=maria, course=season, posts=1, comments=3, shares=1)
    step = habits.my_week(user=maria, course=season).next_step
    assert step.kind == "comment"
    assert step.text == "Comment on two others"
    assert [a.title for a in step.artifacts] == ["Quiet", "Some", "Busy"]


def test_comment_suggestions_leave_out_muted_people(season: Course, maria: User, devon: User, george: User) -> None:
    ArtifactFactory.create(course=season, author=devon, title="Muted")
    ArtifactFactory.create(course=season, author=george, title="Shown", visibility=Visibility.PUBLIC)
    Mute.objects.create(muter=maria, muted=devon)
    assert [a.title for a in habits.comment_suggestions(user=maria, course=season)] == ["Shown"]


def test_suggestions_leave_out_what_the_persons_course_filters_match(season: Course, maria: User, devon: User) -> None:
    from accounts.models import FilterAction
    from accounts.services_filters import add_filter

    titles = ["Turnip plans", "Zucchini notes", "Reading log", "Garden diary"]
    made = [ArtifactFactory.create(course=season, author=devon, title=title) for title in titles]
    for artifact in made:
        Open.objects.create(user=maria, artifact=artifact)
    add_filter(owner=maria, phrase="turnip", contexts=["courses"], action=FilterAction.HIDE)
    add_filter(owner=maria, phrase="zucchini", contexts=["courses"])  # a warning: still not a nudge towards it
    add_filter(owner=maria, phrase="garden", contexts=["home"])  # not for courses
    assert sorted(a.title for a in habits.comment_suggestions(user=maria, course=season)) == [
        "Garden diary",
        "Reading log",
    ]
    assert sorted(a.title for a in habits.share_suggestions(user=maria, course=season)) == [
        "Garden diary",
        "Reading log",
    ]
    assert len(habits.comment_suggestions(user=devon, course=season)) == 0  # their own work is never suggested


def test_next_step_shares_suggests_opened_but_unshared_work(season: Course, maria: User, devon: User) -> None:
    set_goal(user=maria, course=season, posts=0, comments=0, shares=2)
    opened = ArtifactFactory.create(course=season, author=devon, title="Opened")
    shared = ArtifactFactory.create(course=season, author=devon, title="Shared")
    ArtifactFactory.create(course=season, author=devon, title="Never opened")
    for artifact in (opened, shared):
        Open.objects.create(user=maria, artifact=artifact)
    Share.objects.create(sharer=maria, artifact=shared)
    step = habits.my_week(user=maria, course=season).next_step
    assert step.kind == "share"
    assert step.text == "Share others' work — one more this week"
    assert [a.title for a in step.artifacts] == ["Opened"]


# --- goal editing -----------------------------------------------------------------------------------


def test_set_goal_refuses_non_members_and_bad_numbers(course: Course, maria: User, outsider: User) -> None:
    with pytest.raises(NotAllowed):
        set_goal(user=outsider, course=course, posts=1, comments=1, shares=1)
    with pytest.raises(Invalid):
        set_goal(user=maria, course=course, posts=51, comments=1, shares=1)
    with pytest.raises(Invalid):
        set_goal(user=maria, course=course, posts=0, comments=0, shares=0)
    set_goal(user=maria, course=course, posts=2, comments=1, shares=1)
    set_goal(user=maria, course=course, posts=1, comments=5, shares=2)
    goal = WeeklyGoal.objects.get(user=maria, course=course)
    assert (goal.posts, goal.comments, goal.shares) == (1, 5, 2)
    reset_goal(user=maria, course=course)
    assert not WeeklyGoal.objects.exists()


def test_goal_page_shows_the_norm_and_saves_a_goal(
    login: Callable[[User], Client], course: Course, maria: User, valid_html: Callable[[bytes], None]
) -> None:
    client = login(maria)
    url = reverse("network:goal_edit", kwargs={"slug": course.slug})
    page = client.get(url)
    assert page.status_code == 200
    valid_html(page.content)
    assert 'value="3"' in page.content.decode()
    saved = client.post(url, {"posts": "2", "comments": "4", "shares": "1"})
    assert saved.status_code == 302
    assert saved["Location"] == reverse("network:my_week", kwargs={"slug": course.slug})
    assert habits.goal_for(user=maria, course=course) == Goal(2, 4, 1, custom=True)


def test_goal_page_keeps_typed_values_and_explains_problems(
    login: Callable[[User], Client], course: Course, maria: User, valid_html: Callable[[bytes], None]
) -> None:
    client = login(maria)
    url = reverse("network:goal_edit", kwargs={"slug": course.slug})
    page = client.post(url, {"posts": "7", "comments": "99", "shares": "x"})
    assert page.status_code == 200
    valid_html(page.content)
    html = page.content.decode()
    assert "Please fix the 2 problems below." in html
    assert 'value="7"' in html
    assert 'value="99"' in html
    zero = client.post(url, {"posts": "0", "comments": "0", "shares": "0"}).content.decode()
    assert "Set at least one part of your goal above zero." in zero
    assert not WeeklyGoal.objects.exists()


def test_goal_page_resets_to_the_course_norm(login: Callable[[User], Client], course: Course, maria: User) -> None:
    set_goal(user=maria, course=course, posts=2, comments=2, shares=2)
    url = reverse("network:goal_edit", kwargs={"slug": course.slug})
    assert "Go back to the course norm" in login(maria).get(url).content.decode()
    login(maria).post(url, {"action": "reset"})
    assert habits.goal_for(user=maria, course=course) == Goal(1, 3, 3)


# --- the page and who may see it --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["network:my_week", "network:goal_edit"])
def test_non_members_get_404_and_visitors_log_in(
    client: Client, login: Callable[[User], Client], course: Course, outsider: User, name: str
) -> None:
    url = reverse(name, kwargs={"slug": course.slug})
    visitor = client.get(url)
    assert visitor.status_code == 302
    assert "login" in visitor["Location"]
    assert login(outsider).get(url).status_code == 404
    assert login(outsider).post(url, {"posts": "1", "comments": "1", "shares": "1"}).status_code == 404
    assert not WeeklyGoal.objects.exists()
    assert client.get(reverse(name, kwargs={"slug": "no-such-course"})).status_code == 404


def test_my_week_page_shows_progress_streak_history_and_next_step(
    login: Callable[[User], Client], season: Course, maria: User, devon: User, valid_html: Callable[[bytes], None]
) -> None:
    for number in (2, 3, 5):
        _do_week(season, maria, devon, number)
    ArtifactFactory.create(course=season, author=maria)
    page = login(maria).get(reverse("network:my_week", kwargs={"slug": season.slug}))
    assert page.status_code == 200
    valid_html(page.content)
    html = page.content.decode()
    assert "Your week at a glance" in html
    assert "Posts: 1 of 1" in html
    assert "Comments on others&#x27; work: 0 of 1" in html
    assert "Shares: 0 of 1" in html
    assert "3-week streak — one missed week is forgiven in any four" in html
    assert "Missed, forgiven" in html
    assert "Comment on one other" in html


def test_my_week_page_when_no_week_is_running(
    login: Callable[[User], Client], maria: User, valid_html: Callable[[bytes], None]
) -> None:
    course = CourseFactory.create(slug="later")
    EnrollmentFactory.create(course=course, user=maria)
    page = login(maria).get(reverse("network:my_week", kwargs={"slug": course.slug}))
    assert page.status_code == 200
    valid_html(page.content)
    assert "No course week is running today." in page.content.decode()
    assert "No finished weeks yet." in page.content.decode()
