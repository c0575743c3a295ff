"""The dashboards: what they show from the rollups plus today's live counts, who may see the course one (A1,
A2), private people on the map and in its downloads, and valid pages."""

import csv
import datetime as dt
import io
import re

import networkx as nx
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from courses.models import MemberRole
from courses.tests.factories import EnrollmentFactory, WeekFactory
from insights import selectors
from insights.models import CourseMap
from insights.services import fill_range
from network import services as network
from network.models import Follow
from posts import services as posts
from posts.models import Artifact, Comment, Kind

pytestmark = pytest.mark.django_db


def publish(author, course, title, when=None):
    artifact = posts.publish(author=author, course=course, kind=Kind.POST, title=title, body="Some text.")
    if when is not None:
        Artifact.objects.filter(pk=artifact.pk).update(published_at=when)
    return artifact


def comment(artifact, author, body, when=None, parent=None):
    made = posts.add_comment(artifact=artifact, author=author, body=body, parent=parent)
    if when is not None:
        Comment.objects.filter(pk=made.pk).update(created_at=when)
    return made


def _stable(html: str) -> str:
    """A page without its per-request tokens."""
    return re.sub(r'(nonce="|X-CSRFToken": "|csrfmiddlewaretoken" value=")[^"]*', "", html)


@pytest.fixture
def today():
    return timezone.now().date()


@pytest.fixture
def history(course, maria, devon, george, today):
    """Two weeks ago maria posted and devon asked her a question; today devon posts and maria replies."""
    past = timezone.now() - dt.timedelta(days=14)
    work = publish(maria, course, "Week one thoughts", when=past)
    comment(work, devon, "What made you try it?", when=past)
    Follow.objects.create(follower=devon, followee=maria, created_at=past)
    fill_range(past.date(), today - dt.timedelta(days=1))
    now_work = publish(devon, course, "My first post")
    comment(now_work, maria, "Great start, thank you!")
    return work


def test_the_personal_dashboard_adds_today_to_the_rollups(history, maria, today):
    dashboard = selectors.personal_dashboard(maria, today=today)
    assert dashboard.active_weeks == 2
    # one post two weeks ago (rollup), one comment today (live)
    table = {row[0]: row for row in dashboard.weeks_chart.rows}
    assert sum(int(row[2]) for row in table.values()) == 1  # comments column: today's reply
    assert sum(int(row[1]) for row in table.values()) == 1  # posts column: the rolled-up post
    heat = {row[0]: row[1] for row in dashboard.heatmap.rows}
    assert sum(int(n) for n in heat.values()) == 2  # the post two weeks ago and today's reply
    # devon asked maria a question two weeks ago (a rolled-up day): she has talked with him before
    assert dashboard.reflection == "You commented on 1 person this week, someone you have talked with before."
    assert dashboard.numbers == {"followers": 1, "mutuals": 0, "conversed": 1}


def test_the_reflection_counts_people_new_this_week(course, maria, devon, george, today):
    old = publish(devon, course, "Old", when=timezone.now() - dt.timedelta(days=30))
    comment(old, maria, "Earlier question?", when=timezone.now() - dt.timedelta(days=30))
    comment(publish(devon, course, "New from devon"), maria, "Again, nice")
    comment(publish(george, course, "New from george"), maria, "Hello george")
    assert selectors.weekly_reflection(maria, today) == "You commented on 2 people this week, 1 of them new to you."


def test_the_personal_page_renders_every_chart_with_its_text(login, history, maria, valid_html):
    response = login(maria).get(reverse("insights:me"))
    assert response.status_code == 200
    valid_html(response.content)
    html = response.content.decode()
    assert html.count('<figure class="chart">') == 7
    assert html.count("<summary>Data table</summary>") == 7
    assert "You commented on 1 person this week" in html
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "every id on the page is unique (aria-labelledby depends on it)"
    assert "Your weekly goal in Innovator&#x27;s Mindset MOOC" in html


def test_the_personal_page_needs_login(client):
    assert client.get(reverse("insights:me")).status_code == 302


def test_the_profile_shows_the_summary_to_its_owner_only(login, history, maria, devon, client):
    own = login(maria).get(maria.get_absolute_url()).content.decode()
    assert "Active in 1 of the last 52 weeks" in own
    client.force_login(devon)
    assert "of the last 52 weeks" not in client.get(maria.get_absolute_url()).content.decode()


def test_A1_A2_only_facilitators_see_the_course_dashboard(client, course, george, maria, outsider, login):
    url = reverse("insights:course", args=[course.slug])
    missing = reverse("insights:course", args=["no-such-course"])
    for person in (maria, outsider):
        client.force_login(person)
        hidden = client.get(url)
        assert hidden.status_code == 404
        assert _stable(hidden.content.decode()) == _stable(
            client.get(missing).content.decode().replace("no-such-course", course.slug)
        )
        for name in ("insights:graphml", "insights:nodes_csv", "insights:edges_csv"):
            assert client.get(reverse(name, args=[course.slug])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    assert login(george).get(url).status_code == 200


def test_the_course_page_shows_participation_quiet_people_and_the_map(login, course, george, maria, devon, valid_html):
    week = course.weeks.get(number=1)
    long_ago = timezone.now() - dt.timedelta(days=21)
    old = publish(devon, course, "Devon's old post", when=long_ago)
    comment(old, maria, "A question for you?", when=long_ago)
    fill_range(long_ago.date(), timezone.now().date() - dt.timedelta(days=1))
    publish(maria, course, "Maria is active this week")
    response = login(george).get(reverse("insights:course", args=[course.slug]))
    assert response.status_code == 200
    valid_html(response.content)
    html = response.content.decode()
    # devon was active earlier and has done nothing this week; maria posted today
    assert "Devon Clarke</a> — last active" in html
    assert "Maria López</a> — last active" not in html
    # devon's old post had a comment; nothing is waiting for a first one except... none older than 3 days
    assert "Devon&#x27;s old post" not in html.split("Posts still waiting")[1].split("</section>")[0]
    assert 'class="chart-network' in html or "chart-network" in html
    assert CourseMap.objects.filter(course=course, week_number=0).exists()
    assert f'<option value="{week.number}"' in html
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_a_post_without_comments_for_three_days_is_listed(login, course, george, maria):
    publish(maria, course, "Nobody answered", when=timezone.now() - dt.timedelta(days=5))
    html = login(george).get(reverse("insights:course", args=[course.slug])).content.decode()
    waiting = html.split("Posts still waiting")[1].split("</section>")[0]
    assert "Nobody answered" in waiting


def test_private_people_are_anonymous_on_the_map_and_in_the_downloads(login, course, george, maria, devon):
    devon.private_profile = True
    devon.save()
    work = publish(maria, course, "Post", when=timezone.now() - dt.timedelta(days=2))
    comment(work, devon, "Reply from a private person", when=timezone.now() - dt.timedelta(days=2))
    fill_range(timezone.now().date() - dt.timedelta(days=2), timezone.now().date() - dt.timedelta(days=1))
    client = login(george)
    html = client.get(reverse("insights:course", args=[course.slug])).content.decode()
    map_part = html.split('id="map-title"')[1]
    assert "Devon" not in map_part
    assert "Participant 1" in map_part
    graph = nx.parse_graphml(client.get(reverse("insights:graphml", args=[course.slug])).content.decode())
    labels = {data["label"] for _, data in graph.nodes(data=True)}
    assert "Participant 1" in labels
    assert not any("Devon" in label for label in labels)
    assert "Maria López" in labels
    assert graph.number_of_edges() == 1
    nodes = client.get(reverse("insights:nodes_csv", args=[course.slug]))
    assert nodes["Content-Disposition"] == 'attachment; filename="immooc-network-nodes.csv"'
    rows = list(csv.DictReader(io.StringIO(nodes.content.decode())))
    assert {row["Label"] for row in rows} >= {"Maria López", "Participant 1"}
    assert "Devon" not in nodes.content.decode()


def test_the_map_follows_the_week_filter(login, course, george, maria, devon):
    week = WeekFactory.create(
        course=course,
        number=2,
        starts_on=timezone.now().date() - dt.timedelta(days=9),
        ends_on=timezone.now().date() - dt.timedelta(days=3),
    )
    inside = timezone.now() - dt.timedelta(days=5)
    outside = timezone.now() - dt.timedelta(days=20)
    comment(publish(maria, course, "In week 2", when=inside), devon, "Reply in week", when=inside)
    comment(publish(devon, course, "Earlier", when=outside), george, "Reply earlier", when=outside)
    fill_range(outside.date(), timezone.now().date() - dt.timedelta(days=1))
    client = login(george)
    season = nx.parse_graphml(client.get(reverse("insights:graphml", args=[course.slug])).content.decode())
    in_week = nx.parse_graphml(
        client.get(reverse("insights:graphml", args=[course.slug]), {"week": week.number}).content.decode()
    )
    assert season.number_of_edges() == 2
    assert in_week.number_of_edges() == 1
    assert client.get(reverse("insights:course", args=[course.slug]), {"week": "99"}).status_code == 404
    page = client.get(reverse("insights:course", args=[course.slug]), {"week": week.number}).content.decode()
    assert "week 2 (" in page


def test_a_big_course_map_is_drawn_by_the_worker(
    login, course, george, maria, monkeypatch, django_capture_on_commit_callbacks
):
    from types import SimpleNamespace

    from insights import services_maps, tasks, views

    monkeypatch.setattr(services_maps, "DRAW_NOW_LIMIT", 1)
    enqueued = []
    monkeypatch.setattr(
        views, "tasks", SimpleNamespace(draw_map=SimpleNamespace(enqueue=lambda *a: enqueued.append(a)))
    )
    with django_capture_on_commit_callbacks(execute=True):
        html = login(george).get(reverse("insights:course", args=[course.slug])).content.decode()
    assert "is being drawn in the background" in html
    assert enqueued == [(course.pk, 0)]
    assert not CourseMap.objects.exists()
    # The worker's task draws it, and leaves a current drawing alone.
    assert tasks.draw_map.call(course.pk, 0).startswith("drew ")
    assert tasks.draw_map.call(course.pk, 0) == "already current"
    html = login(george).get(reverse("insights:course", args=[course.slug])).content.decode()
    assert "is being drawn" not in html
    assert "chart-network" in html


def test_members_added_later_change_the_map(course, george, maria):
    from insights.services_maps import course_map

    first = course_map(course)
    assert first.ready
    newcomer = UserFactory.create(username="newbie", display_name="New Person")
    EnrollmentFactory.create(course=course, user=newcomer, role=MemberRole.PARTICIPANT)
    second = course_map(course)
    assert second.people == first.people + 1
    assert second.drawing is not None
    assert "New Person" in str(second.drawing.svg)


def test_shares_show_in_giving_balance(course, maria, devon, today):
    work = publish(devon, course, "Worth sharing", when=timezone.now() - dt.timedelta(days=3))
    network.record_open(user=maria, artifact=work)
    network.share(sharer=maria, artifact=work, note="Read this")
    dashboard = selectors.personal_dashboard(maria, today=today)
    others = [row for row in dashboard.giving_chart.rows if row[1] != "0"]
    assert others


def test_a_stored_map_is_redrawn_when_privacy_changes_even_if_the_count_does_not(course, george, maria, devon):
    from insights.services_maps import course_map

    maria.private_profile = True
    maria.save()
    first = course_map(course)
    assert first.drawing is not None
    assert "Maria López" not in str(first.drawing.svg)
    assert "Devon Clarke" in str(first.drawing.svg)
    maria.private_profile = False
    maria.save()
    devon.private_profile = True
    devon.save()
    second = course_map(course)
    assert second.drawing is not None
    drawing = second.drawing
    drawn = str(drawing.svg) + drawing.summary + str(drawing.table_html) + repr(drawing.rows) + repr(second.measures)
    assert "Devon Clarke" not in drawn
    assert "Maria López" in str(second.drawing.svg)


def test_odd_week_numbers_are_not_found(login, course, george):
    client = login(george)
    for week in ("²", "999", "x"):
        assert client.get(reverse("insights:course", args=[course.slug]), {"week": week}).status_code == 404


def test_the_map_keeps_its_data_table_rendered_and_the_page_shows_that(login, course, george, maria, devon) -> None:
    work = publish(maria, course, "Post", when=timezone.now() - dt.timedelta(days=2))
    comment(work, devon, "A reply", when=timezone.now() - dt.timedelta(days=2))
    fill_range(timezone.now().date() - dt.timedelta(days=2), timezone.now().date() - dt.timedelta(days=1))
    client = login(george)
    client.get(reverse("insights:course", args=[course.slug]))
    stored = CourseMap.objects.get(course=course, week_number=0)
    assert '<th scope="row">Maria López</th>' in stored.table_html
    CourseMap.objects.filter(pk=stored.pk).update(
        table_html=stored.table_html.replace("Maria López", "Maria (as stored)"), rows=[["not read", "", ""]]
    )
    html = client.get(reverse("insights:course", args=[course.slug])).content.decode()
    assert "Maria (as stored)" in html
    assert "not read" not in html
    CourseMap.objects.filter(pk=stored.pk).update(table_html="")  # drawn before tables were kept: rows rendered
    assert "not read" in client.get(reverse("insights:course", args=[course.slug])).content.decode()


def test_the_map_fingerprint_follows_names_privacy_and_membership_but_not_logins(course, maria, devon) -> None:
    from django.contrib.auth.signals import user_logged_in

    from insights.maps import data_version

    versions = [data_version(course)]
    maria.display_name = "Maria L."
    maria.save()
    versions.append(data_version(course))
    devon.private_profile = True
    devon.save(update_fields=["private_profile"])
    versions.append(data_version(course))
    EnrollmentFactory.create(course=course, user=UserFactory.create())
    versions.append(data_version(course))
    assert len(set(versions)) == 4
    user_logged_in.send(sender=type(maria), request=None, user=maria)  # saves last_login only
    maria.bio = "Not drawn."
    maria.save(update_fields=["bio"])
    assert data_version(course) == versions[-1]


def test_a_large_map_is_an_image_served_on_its_own(login, client, course, george, maria, devon, outsider, monkeypatch):
    """Over INLINE_MAP_CHARS the page shows the drawing as an image of its own address (with its words and data
    table in the page); that address is the facilitators' only, keeps private people anonymous and runs nothing."""
    from insights import services_maps

    monkeypatch.setattr(services_maps, "INLINE_MAP_CHARS", 100)
    devon.private_profile = True
    devon.save()
    work = publish(maria, course, "Post", when=timezone.now() - dt.timedelta(days=2))
    comment(work, devon, "Reply from a private person", when=timezone.now() - dt.timedelta(days=2))
    fill_range(timezone.now().date() - dt.timedelta(days=2), timezone.now().date() - dt.timedelta(days=1))
    svg_url = reverse("insights:map_svg", args=[course.slug])
    assert login(george).get(svg_url).status_code == 404  # nothing drawn yet
    html = client.get(reverse("insights:course", args=[course.slug])).content.decode()
    map_part = html.split('id="map-title"')[1].split("</section>")[0]
    assert "<svg" not in map_part
    assert f'<img class="chart-network-image" src="{svg_url}"' in map_part
    assert "Participant 1" in map_part  # the data table stays in the page
    assert "Devon" not in map_part
    response = client.get(svg_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    svg = response.content.decode()
    assert svg.startswith("<svg")
    assert "chart-network" in svg
    assert "Participant 1" in svg
    assert "Maria López" in svg
    assert "Devon" not in svg
    assert client.get(svg_url, {"week": "99"}).status_code == 404
    for someone in (maria, outsider):
        assert login(someone).get(svg_url).status_code == 404


def test_a_small_map_stays_in_the_page(login, course, george, maria, devon):
    work = publish(maria, course, "Post", when=timezone.now() - dt.timedelta(days=2))
    comment(work, devon, "A reply", when=timezone.now() - dt.timedelta(days=2))
    fill_range(timezone.now().date() - dt.timedelta(days=2), timezone.now().date() - dt.timedelta(days=1))
    html = login(george).get(reverse("insights:course", args=[course.slug])).content.decode()
    map_part = html.split('id="map-title"')[1].split("</section>")[0]
    assert "<svg" in map_part
    assert "chart-network-image" not in map_part
